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
#include "spawn.h"
#include "tether.h"
#include "vm.h"

static int own_pidns_fd = -1;

/* Counted from the table, not kept in a counter that every path that frees an
 * exec would have to remember: buried containers' execs drop out by themselves. */
static unsigned execs_running (void)
{
  unsigned n = 0;
  for (struct container *c = containers; c; c = c->next)
    for (struct session *s = c->execs; s; s = s->next)
      n += !session_finished (s) && !s->probe; /* a probe is the tether's own, one per container */
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
      if (!s->probe && strcmp (s->exec_id, exec_id) == 0) /* probes have no id a client could name */
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
    if (session_finished (e) && e->life != LIFE_DELIVERED && !e->detached && !e->attaches)
      {
        kept++;
        oldest = e; /* the list is newest first */
      }
  if (kept <= MAX_EXEC_DONE_PER_CONTAINER || !oldest)
    return;
  log_warn ("container %.12s: more than %d finished exec records undelivered: dropping %s", c->id,
            MAX_EXEC_DONE_PER_CONTAINER, oldest->exec_id);
  c->exec_records_dropped++;
  session_set_life (oldest, LIFE_DELIVERED); /* given up on: freed like a delivered one */
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
  /* docker's exec has HOSTNAME: the container's, from the UTS namespace joined above */
  char host[72] = "";
  gethostname (host, sizeof host - 1);
  struct launch_spec ls = {
    .argv = req->argv, .argc = req->n_argv, .env = cfg->env, .n_env = cfg->n_env, .env_extra = req->env,
    .n_env_extra = req->n_env, .cwd = req->cwd && req->cwd[0] ? req->cwd : cfg->cwd,
    .user = req->user && req->user[0] ? req->user : cfg->user, .hostname = host, .tty = req->tty,
    .rlimits = cfg->rlimits, .n_rlimits = cfg->n_rlimits, .report_fd = rfd, .is_exec = true,
    /* docker: an exec has the container's groups, capabilities, seccomp filter and no_new_privs */
    .group_add = cfg->group_add, .n_group_add = cfg->n_group_add,
    .confine = { .cap_add = cfg->cap_add, .n_cap_add = cfg->n_cap_add, .cap_drop = cfg->cap_drop,
                 .n_cap_drop = cfg->n_cap_drop, .privileged = cfg->privileged, .all_caps = req->privileged,
                 .no_new_privs = cfg->no_new_privileges, .seccomp_mode = cfg->seccomp_mode,
                 .seccomp_profile = cfg->seccomp_profile, .no_packet_sockets = vmnet_blocks (cfg) },
  };
  launch_exec (&ls);
}

int exec_start (struct container *c, const Exec *req, struct conn *conn, struct session **out, struct terr *err)
{
  (void) conn;
  err->code = ERR_LAUNCH;
  err->exit_code = 125;
  if (!req->exec_id || !req->exec_id[0] || strlen (req->exec_id) >= sizeof c->primary.exec_id)
    return (err->code = ERR_BAD_REQUEST, terr_set (err, 0, "exec id must be 1..71 bytes"));
  struct session *old = exec_find (req->exec_id, NULL);
  if (old)
    {
      if (old->c != c)
        return (err->code = ERR_CONFLICT, terr_set (err, 0, "exec id %s is in use", req->exec_id));
      *out = old; /* a retried request */
      return 1;
    }
  if (execs_running () >= MAX_EXECS)
    return (err->code = ERR_LIMIT, terr_set (err, 0, "too many exec sessions (%d)", MAX_EXECS));
  struct session *s;
  if (exec_spawn (c, req, &s, err) < 0)
    return -1;
  s->open_stdin = req->open_stdin;
  s->detached = req->detach;
  if (req->detach)
    s->out[0].discard = s->out[1].discard = true; /* docker exec -d: output discarded */
  *out = s;
  return 0;
}

int exec_spawn (struct container *c, const Exec *req, struct session **out, struct terr *err)
{
  err->code = ERR_LAUNCH;
  err->exit_code = 125;
  if (req->n_argv == 0)
    return (err->code = ERR_BAD_REQUEST, terr_set (err, 0, "no command given"));
  if (c->state == C_RESTARTING)
    return (err->code = ERR_CONFLICT,
            terr_set (err, 0, "container %.12s is restarting, wait until the container is running", c->id));
  if (!session_running (&c->primary))
    return (err->code = ERR_CONFLICT, terr_set (err, 0, "container %.12s is not running", c->id));
  if (session_process_gone (&c->primary) || c->primary.status_known)
    return (err->code = ERR_CONFLICT,
            terr_set (err, 0, "container %.12s is not running: its process has exited", c->id));
  if (own_pidns_fd < 0 && (own_pidns_fd = open ("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC)) < 0)
    return terr_set (err, errno, "open own pid namespace");

  int pidfd = c->primary.pidfd;
  struct spawn_fds f;
  if (spawn_fds_open (&f, req->tty, req->open_stdin, err) < 0)
    return -1;
  struct session *s = calloc (1, sizeof *s);
  if (!s)
    {
      spawn_fds_close (&f);
      return terr_set (err, ENOMEM, "exec session");
    }
  session_init (s, SESSION_EXEC, c);
  snprintf (s->exec_id, sizeof s->exec_id, "%s", req->exec_id ? req->exec_id : "");
  /* setns(CLONE_NEWPID) moves only our future children: fork, then come back. */
  if (setns (pidfd, CLONE_NEWPID) < 0)
    {
      terr_set (err, errno, "join pid namespace of %.12s", c->id);
      spawn_fds_close (&f);
      free (s);
      return -1;
    }
  pid_t pid = (pid_t) syscall (SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid == 0)
    {
      int stdio[3] = { f.in[0], f.out[1], f.err[1] };
      int keep[8] = { f.rep[1], pidfd, f.in[0], f.out[1], f.err[1], -1, -1, -1 };
      close_fds_except (keep, 8);
      exec_child (req, c->cfg, pidfd, stdio, f.rep[1]);
    }
  int fork_errno = errno;
  if (setns (own_pidns_fd, CLONE_NEWPID) < 0)
    log_warn ("return to own pid namespace: %s", strerror (errno));
  if (pid < 0)
    {
      terr_set (err, fork_errno, "fork exec");
      spawn_fds_close (&f);
      free (s);
      return -1;
    }
  if (spawn_hand_over (s, pid, &f, req->tty, err) < 0)
    {
      free (s);
      return -1;
    }
  s->run = 1;
  session_set_life (s, LIFE_RUNNING);
  s->tty = req->tty;
  s->started_ns = now_real_ns ();
  s->next = c->execs;
  c->execs = s;
  c->n_execs++;
  *out = s;
  return 0;
}
