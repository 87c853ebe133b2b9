/* Starting a container's run: clone into new PID, mount, UTS and IPC namespaces,
 * where the container init (cinit.c) starts the primary. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base.h"
#include "cinit.h"
#include "log.h"
#include "report.h"
#include "spawn.h"
#include "tether.h"
#include "vm.h"


/* VM mode sets this to the mounted container root; NULL in host mode. */
const char *run_rootfs;

/* fork() with namespace flags: the child returns 0 like fork. */
static pid_t clone_ns (unsigned long flags)
{
  return (pid_t) syscall (SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

/* The last process of a mount namespace to exit tears it down and, with
 * mounts to drop, waits for an expedited RCU grace period before its parent
 * hears of the exit: ~0.15 ms of every short run here. Holding the namespace
 * moves that wait to run_release_mntns, after the exit has gone out. Host mode
 * only: in a VM the tether unmounts the container's disks before power-off,
 * and nothing may keep their mounts alive. */
static void hold_mntns (struct session *s, pid_t pid)
{
  run_release_mntns (s); /* a run that never finished keeps no fd behind */
  if (run_rootfs)
    return;
  char path[40];
  snprintf (path, sizeof path, "/proc/%d/ns/mnt", (int) pid); /* our unreaped child: the pid is its own */
  /* a failed open (-1) costs only the speed-up: the child then tears down its own */
  s->mntns_fd = open (path, O_RDONLY | O_CLOEXEC);
}

void run_release_mntns (struct session *s)
{
  if (s->mntns_fd >= 0)
    close (s->mntns_fd);
  s->mntns_fd = -1;
}

int run_start (struct container *c, struct terr *err)
{
  const ContainerConfig *cfg = c->cfg;
  struct session *s = &c->primary;
  struct spawn_fds f;
  err->code = ERR_LAUNCH;
  err->exit_code = 125;
  if (spawn_fds_open (&f, cfg->tty, cfg->open_stdin, err) < 0)
    return -1;
  struct cinit_args a = {
    .launch = { .argv = cfg->argv, .argc = cfg->n_argv, .env = cfg->env, .n_env = cfg->n_env,
                .cwd = cfg->cwd, .create_cwd = cfg->create_cwd, .user = cfg->user,
                .group_add = cfg->group_add, .n_group_add = cfg->n_group_add,
                .confine = { .cap_add = cfg->cap_add, .n_cap_add = cfg->n_cap_add, .cap_drop = cfg->cap_drop,
                             .n_cap_drop = cfg->n_cap_drop, .privileged = cfg->privileged,
                             .no_new_privs = cfg->no_new_privileges, .seccomp_mode = cfg->seccomp_mode,
                             .seccomp_profile = cfg->seccomp_profile, .no_packet_sockets = vmnet_blocks (cfg) },
                .hostname = cfg->hostname && cfg->hostname[0] ? cfg->hostname : NULL, .tty = cfg->tty,
                .rlimits = cfg->rlimits, .n_rlimits = cfg->n_rlimits, .report_fd = f.rep[1],
                .die_with_parent = !cfg->init },
    .stdio = { f.in[0], f.out[1], f.err[1] },
    .rootfs = run_rootfs,
    .rows = cfg->rows,
    .cols = cfg->cols,
    .init = cfg->init,
    .cfg = cfg,
  };
  char host[13];
  if (!a.launch.hostname)
    {
      snprintf (host, sizeof host, "%.12s", c->id);
      a.launch.hostname = host;
    }
  pid_t pid = clone_ns (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC);
  if (pid == 0)
    cinit_main (&a);
  if (pid < 0)
    {
      int e = errno;
      spawn_fds_close (&f);
      return terr_set (err, e, "clone container init");
    }
  if (spawn_hand_over (s, pid, &f, cfg->tty, err) < 0)
    return -1;
  hold_mntns (s, pid);
  s->run++;
  session_set_life (s, LIFE_RUNNING);
  s->status_known = s->grace_over = s->launched = s->start_settled = false;
  s->launch_code = 0;
  s->exit_code = 0;
  s->signal = 0;
  s->error[0] = '\0';
  s->started_ns = now_real_ns ();
  s->finished_ns = 0;
  s->tty = cfg->tty;
  s->open_stdin = cfg->open_stdin;
  for (struct attach *at = s->attaches; at; at = at->next_in_session)
    at->exit_sent = false;
  session_stdin_started (s); /* what a client sent before the start, and its close */
  return 0;
}

int run_request_signal (struct session *s, int signo)
{
  if (session_process_gone (s) || (s->kind == SESSION_PRIMARY && s->status_known))
    {
      errno = ESRCH; /* the process exited; its output may still be on its way */
      return -1;
    }
  /* An exec, or a command that is PID 1 itself: straight to its pidfd (the
   * kernel delivers to a namespace's PID 1 only SIGKILL, SIGSTOP and what it
   * has a handler for: docker's semantics). */
  if (s->kind == SESSION_EXEC || !s->c->cfg->init)
    return session_kill (s, signo);
  if (s->report_w.fd < 0 || report_send (s->report_w.fd, REPORT_SIGNAL, signo, 0, NULL) < 0)
    {
      /* The init is unreachable: a SIGKILL can still end the namespace. */
      if (signo == SIGKILL)
        return session_kill (s, SIGKILL);
      return -1;
    }
  return 0;
}

/* What the container init and the launch child say. Shared with exec sessions. */
void run_report_event (struct watch *w, uint32_t events)
{
  (void) events;
  struct session *s = container_of (w, struct session, report_w);
  for (int round = 0; round < READS_PER_EVENT; round++)
    {
      struct report r;
      int fd;
      ssize_t n = report_recv (w->fd, &r, &fd);
      if (n < 0 && errno == EAGAIN)
        return;
      if (n <= 0)
        {
          /* The child exec'd or exited: its last words are all here. */
          int rfd = w->fd;
          loop_del (w);
          close (rfd);
          if (s->tty && s->out[0].w.fd < 0)
            s->out[0].eof = true; /* no pty ever came */
          session_start_settled (s); /* exec'd (CLOEXEC) or gone: either way decided */
          if (s->kind == SESSION_PRIMARY && session_reaped (s))
            reap_judge_init (s);
          session_check_finished (s);
          return;
        }
      switch (r.type)
        {
        case REPORT_EXEC:
          s->started_ns = r.ns;
          s->launched = true;
          if (vm_mode && s->kind == SESSION_PRIMARY)
            {
              /* The boot's last timing mark (init prints the earlier ones). */
              struct timespec bt;
              clock_gettime (CLOCK_BOOTTIME, &bt);
              log_note ("container exec'd at %lld ms since kernel start",
                        (long long) bt.tv_sec * 1000 + bt.tv_nsec / 1000000);
            }
          break;
        case REPORT_FAIL:
          snprintf (s->error, sizeof s->error, "%s", r.text);
          s->launched = false; /* REPORT_EXEC comes just before execve, which may fail */
          s->launch_code = r.value;
          if (r.value == 125 && s->kind == SESSION_PRIMARY)
            {
              /* The init itself failed: it exits with 125; no primary status follows. */
              s->exit_code = 125;
            }
          break;
        case REPORT_EXIT:
          s->status_known = true;
          s->finished_ns = r.ns;
          if (WIFEXITED (r.value))
            s->exit_code = WEXITSTATUS (r.value);
          else if (WIFSIGNALED (r.value))
            {
              s->signal = WTERMSIG (r.value);
              s->exit_code = 128 + s->signal;
            }
          session_check_finished (s);
          break;
        case REPORT_LAUNCHED:
          session_start_settled (s);
          break;
        case REPORT_PTY:
          if (fd >= 0)
            {
              struct terr err = { 0 };
              int in_fd = s->open_stdin ? dup (fd) : -1;
              int tty_fd = dup (fd);
              if (session_set_fds (s, fd, -1, in_fd, tty_fd, &err) < 0)
                log_warn ("%s", err.msg);
              fd = -1;
            }
          break;
        default:
          break;
        }
      if (fd >= 0)
        close (fd);
    }
}
