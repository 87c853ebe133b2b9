#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "tether.h"

static void close_end (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

void spawn_fds_close (struct spawn_fds *f)
{
  int *all[8] = { &f->out[0], &f->out[1], &f->err[0], &f->err[1], &f->in[0], &f->in[1], &f->rep[0], &f->rep[1] };
  for (int i = 0; i < 8; i++)
    close_end (all[i]);
}

void spawn_fds_close_child_ends (struct spawn_fds *f)
{
  close_end (&f->out[1]);
  close_end (&f->err[1]);
  close_end (&f->in[0]);
  close_end (&f->rep[1]);
}

int spawn_fds_open (struct spawn_fds *f, bool tty, bool open_stdin, struct terr *err)
{
  *f = (struct spawn_fds) { { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 } };
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, f->rep) < 0
      || (!tty && (pipe2 (f->out, O_CLOEXEC) < 0 || pipe2 (f->err, O_CLOEXEC) < 0))
      || (!tty && open_stdin && pipe2 (f->in, O_CLOEXEC) < 0))
    {
      int e = errno;
      spawn_fds_close (f);
      return terr_set (err, e, "pipe");
    }
  /* Big output pipes: the relay moves large batches with fewer wakeups. Pages
   * are only allocated as data is written, so idle sessions cost nothing. */
  if (!tty)
    {
      fcntl (f->out[0], F_SETPIPE_SZ, OUTPUT_PIPE_SIZE);
      fcntl (f->err[0], F_SETPIPE_SZ, OUTPUT_PIPE_SIZE);
    }
  return 0;
}

int spawn_hand_over (struct session *s, pid_t pid, struct spawn_fds *f, bool tty, struct terr *err)
{
  spawn_fds_close_child_ends (f);
  if (reap_hold (pid, s, err) < 0)
    {
      /* Without a handle it cannot be signalled safely: end it now, while the
       * pid is still our unreaped child's. */
      kill (pid, SIGKILL);
      spawn_fds_close (f);
      return -1;
    }
  s->pid = pid;
  /* From here the process is the session's: a failure below only costs a
   * stream, and the run still ends through the reaper. */
  struct terr e2 = { 0 };
  int rep = f->rep[0];
  f->rep[0] = -1;
  if (loop_add (&s->report_w, rep, EPOLLIN, run_report_event, &e2) < 0)
    {
      close (rep);
      log_warn ("%.12s: %s", s->kind == SESSION_EXEC ? s->exec_id : s->c->id, e2.msg);
    }
  int out = f->out[0], errfd = f->err[0], in = f->in[1];
  f->out[0] = f->err[0] = f->in[1] = -1;
  if (session_set_fds (s, out, errfd, in, -1, &e2) < 0)
    log_warn ("%.12s: %s", s->kind == SESSION_EXEC ? s->exec_id : s->c->id, e2.msg);
  if (tty)
    s->out[0].eof = false; /* the pty master is on its way over the report socket */
  return 0;
}
