/* exec sessions: the child joins the container's namespaces but stays the
 * tether's child, so its status and times come straight from our reaper. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cinit.h"
#include "log.h"
#include "report.h"
#include "tether.h"

static int own_pidns_fd = -1;

/* Counted from the table, not kept in a counter that every path that frees an
 * exec would have to remember: buried containers' execs drop out by themselves. */
static unsigned execs_running (void)
{
  unsigned n = 0;
  for (struct container *c = containers; c; c = c->next)
    for (struct session *s = c->execs; s; s = s->next)
      n += !s->finished;
  return n;
}

unsigned exec_sessions (void)
{
  unsigned n = 0;
  for (struct container *c = containers; c; c = c->next)
    n += c->n_execs;
  return n;
}

struct session *exec_find (const char *exec_id, struct container **owner)
{
  for (struct container *c = containers; c; c = c->next)
    for (struct session *s = c->execs; s; s = s->next)
      if (strcmp (s->exec_id, exec_id) == 0)
        {
          if (owner)
            *owner = c;
          return s;
        }
  return NULL;
}

void exec_maybe_free (struct session *s)
{
  struct container *c = s->c;
  for (struct session **p = &c->execs; *p; p = &(*p)->next)
    if (*p == s)
      {
        *p = s->next;
        break;
      }
  reap_forget (s);
  session_release (s);
  free (s);
  c->n_execs--;
}

/* A finished exec whose exit and output nobody has taken is kept so a client can
 * attach again and get them; past MAX_EXEC_DONE_PER_CONTAINER per container the
 * oldest such record goes, and inspect counts it. */
void exec_keep_undelivered (struct session *s)
{
  struct container *c = s->c;
  unsigned kept = 0;
  struct session *oldest = NULL;
  for (struct session *e = c->execs; e; e = e->next)
    if (e->finished && !e->delivered && !e->detached && !e->attaches)
      {
        kept++;
        oldest = e; /* the list is newest first */
      }
  if (kept <= MAX_EXEC_DONE_PER_CONTAINER || !oldest)
    return;
  log_warn ("container %.12s: more than %d finished exec records undelivered: dropping %s", c->id,
            MAX_EXEC_DONE_PER_CONTAINER, oldest->exec_id);
  c->exec_records_dropped++;
  oldest->delivered = true; /* given up on: free it like a delivered one */
  session_want_gc (oldest);
}

/* In the child: join mount, UTS and IPC (PID was joined before fork), wire stdio, launch. */
_Noreturn static void exec_child (const Exec *req, const ContainerConfig *cfg, int pidfd, int stdio[3], int rfd)
{
  /* Through the container init's pidfd: if it has died meanwhile this fails,
   * where a pid could have named another process. */
  if (setns (pidfd, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC) < 0)
    launch_fail (rfd, 125, "join the container's namespaces: %s", strerror (errno));
  if (setsid () < 0)
    launch_fail (rfd, 125, "setsid: %s", strerror (errno));
  if (req->tty)
    {
      int slave = pty_open_for_tether (rfd, req->rows, req->cols);
      if (ioctl (slave, TIOCSCTTY, 0) < 0)
        launch_fail (rfd, 125, "TIOCSCTTY: %s", strerror (errno));
      stdio[0] = stdio[1] = stdio[2] = slave;
    }
  else if (stdio[0] < 0 && (stdio[0] = open ("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
    launch_fail (rfd, 125, "open /dev/null: %s", strerror (errno));
  for (int i = 0; i < 3; i++)
    if (dup_to (stdio[i], i) < 0)
      launch_fail (rfd, 125, "dup2: %s", strerror (errno));
  struct launch_spec ls = {
    .argv = req->argv, .argc = req->n_argv, .env = cfg->env, .n_env = cfg->n_env, .env_extra = req->env,
    .n_env_extra = req->n_env, .cwd = req->cwd && req->cwd[0] ? req->cwd : cfg->cwd,
    .user = req->user && req->user[0] ? req->user : cfg->user, .hostname = cfg->hostname, .tty = req->tty,
    .rlimits = cfg->rlimits, .n_rlimits = cfg->n_rlimits, .report_fd = rfd,
  };
  launch_exec (&ls);
}

static void close_all (int *fds, int n)
{
  for (int i = 0; i < n; i++)
    if (fds[i] >= 0)
      {
        close (fds[i]);
        fds[i] = -1;
      }
}

int exec_start (struct container *c, const Exec *req, struct conn *conn, struct session **out, struct terr *err)
{
  (void) conn;
  err->code = ERR_LAUNCH;
  err->exit_code = 125;
  struct session *old = exec_find (req->exec_id, NULL);
  if (old)
    {
      if (old->c != c)
        return (err->code = ERR_CONFLICT, terr_set (err, 0, "exec id %s is in use", req->exec_id));
      *out = old; /* a retried request */
      return 1;
    }
  if (!req->exec_id || !req->exec_id[0] || strlen (req->exec_id) >= sizeof old->exec_id)
    return (err->code = ERR_BAD_REQUEST, terr_set (err, 0, "exec id must be 1..71 bytes"));
  if (req->n_argv == 0)
    return (err->code = ERR_BAD_REQUEST, terr_set (err, 0, "no command given"));
  if (!c->primary.running)
    return (err->code = ERR_CONFLICT, terr_set (err, 0, "container %.12s is not running", c->id));
  if (session_process_gone (&c->primary) || c->primary.status_known)
    return (err->code = ERR_CONFLICT,
            terr_set (err, 0, "container %.12s is not running: its process has exited", c->id));
  if (execs_running () >= MAX_EXECS)
    return (err->code = ERR_LIMIT, terr_set (err, 0, "too many exec sessions (%d)", MAX_EXECS));
  if (own_pidns_fd < 0 && (own_pidns_fd = open ("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC)) < 0)
    return terr_set (err, errno, "open own pid namespace");

  int pidfd = c->primary.pidfd;
  int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, inp[2] = { -1, -1 }, rep[2] = { -1, -1 };
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, rep) < 0
      || (!req->tty && (pipe2 (outp, O_CLOEXEC) < 0 || pipe2 (errp, O_CLOEXEC) < 0))
      || (!req->tty && req->open_stdin && pipe2 (inp, O_CLOEXEC) < 0))
    {
      terr_set (err, errno, "pipe");
      goto fail;
    }
  struct session *s = calloc (1, sizeof *s);
  if (!s)
    {
      terr_set (err, ENOMEM, "exec session");
      goto fail;
    }
  /* setns(CLONE_NEWPID) moves only our future children: fork, then come back. */
  if (setns (pidfd, CLONE_NEWPID) < 0)
    {
      free (s);
      terr_set (err, errno, "join pid namespace of %.12s", c->id);
      goto fail;
    }
  pid_t pid = (pid_t) syscall (SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid == 0)
    {
      int stdio[3] = { inp[0], outp[1], errp[1] };
      int keep[8] = { rep[1], pidfd, inp[0], outp[1], errp[1], -1, -1, -1 };
      close_fds_except (keep, 8);
      exec_child (req, c->cfg, pidfd, stdio, rep[1]);
    }
  int fork_errno = errno;
  if (setns (own_pidns_fd, CLONE_NEWPID) < 0)
    log_warn ("return to own pid namespace: %s", strerror (errno));
  if (pid < 0)
    {
      free (s);
      terr_set (err, fork_errno, "fork exec");
      goto fail;
    }
  int child_ends[4] = { rep[1], outp[1], errp[1], inp[0] };
  close_all (child_ends, 4);
  rep[1] = outp[1] = errp[1] = inp[0] = -1;

  session_init (s, SESSION_EXEC, c);
  struct terr e2 = { 0 };
  if (reap_hold (pid, s, &e2) < 0)
    {
      kill (pid, SIGKILL); /* not reaped yet: the pid is still our child's */
      *err = e2;
      err->code = ERR_LAUNCH;
      err->exit_code = 125;
      free (s);
      goto fail;
    }
  snprintf (s->exec_id, sizeof s->exec_id, "%s", req->exec_id);
  s->pid = pid;
  s->run = 1;
  s->running = true;
  s->tty = req->tty;
  s->open_stdin = req->open_stdin;
  s->detached = req->detach;
  s->started_ns = now_real_ns ();
  if (req->detach)
    s->out[0].discard = s->out[1].discard = true; /* docker exec -d: output discarded */
  s->next = c->execs;
  c->execs = s;
  c->n_execs++;
  if (loop_add (&s->report_w, rep[0], EPOLLIN, run_report_event, &e2) < 0)
    {
      close (rep[0]);
      log_warn ("exec %s: %s", s->exec_id, e2.msg);
    }
  if (session_set_fds (s, outp[0], errp[0], inp[1], -1, &e2) < 0)
    log_warn ("exec %s: %s", s->exec_id, e2.msg);
  if (req->tty)
    s->out[0].eof = false; /* the pty master is on its way over the report socket */
  *out = s;
  return 0;

fail:
  close_all (outp, 2);
  close_all (errp, 2);
  close_all (inp, 2);
  close_all (rep, 2);
  return -1;
}
