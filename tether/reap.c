/* The one reaper: SIGCHLD from the signalfd -> waitpid(-1, WNOHANG) until 0;
 * each pid is looked up here. Unknown pids are orphans re-parented to us.
 * A pid is a name that is reused once reaped, so every process we start is
 * also held by a pidfd, taken before it can be reaped and closed when it is:
 * signals and namespace joins go through it, never through the pid. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "tether.h"

/* Open addressing; sized for every container init and exec at once, at most
 * half full. pid 0 = empty, -1 = deleted. */
#define REAP_SLOTS 16384
static struct {
  pid_t pid;
  struct session *s;
} slots[REAP_SLOTS];

static unsigned slot_of (pid_t pid)
{
  return ((unsigned) pid * 2654435761u) % REAP_SLOTS;
}

void reap_track (pid_t pid, struct session *s)
{
  unsigned i = slot_of (pid);
  while (slots[i].pid > 0)
    i = (i + 1) % REAP_SLOTS;
  slots[i].pid = pid;
  slots[i].s = s;
}

static struct session *reap_lookup (pid_t pid, unsigned *at)
{
  for (unsigned i = slot_of (pid), n = 0; n < REAP_SLOTS && slots[i].pid != 0; i = (i + 1) % REAP_SLOTS, n++)
    if (slots[i].pid == pid)
      {
        *at = i;
        return slots[i].s;
      }
  return NULL;
}

void reap_untrack (pid_t pid)
{
  unsigned at;
  if (reap_lookup (pid, &at))
    {
      slots[at].pid = -1;
      slots[at].s = NULL;
    }
}

int reap_hold (pid_t pid, struct session *s, struct terr *err)
{
  /* Our child, not yet reaped (only the loop reaps): the pid is still its own. */
  int fd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (fd < 0)
    return terr_set (err, errno, "pidfd_open %d", (int) pid);
  s->pidfd = fd;
  reap_track (pid, s);
  return 0;
}

static void release_pidfd (struct session *s)
{
  if (s->pidfd >= 0)
    close (s->pidfd);
  s->pidfd = -1;
}

bool session_process_gone (const struct session *s)
{
  return s->pidfd < 0 || session_reaped (s);
}

int session_kill (struct session *s, int signo)
{
  if (session_process_gone (s))
    {
      errno = ESRCH;
      return -1;
    }
  return (int) syscall (SYS_pidfd_send_signal, s->pidfd, signo, NULL, 0);
}

void reap_forget (struct session *s)
{
  if (s->pidfd >= 0 && !session_reaped (s) && s->pid > 0)
    reap_untrack (s->pid); /* reaped as an orphan from now on */
  release_pidfd (s);
}

static void reaped (struct session *s, int status)
{
  session_set_life (s, LIFE_DRAINING);
  release_pidfd (s);
  if (s->kind == SESSION_EXEC)
    {
      session_note_reaped (s);
      s->status_known = true;
      s->finished_ns = now_real_ns ();
      if (WIFEXITED (status))
        s->exit_code = WEXITSTATUS (status);
      else if (WIFSIGNALED (status))
        {
          s->signal = WTERMSIG (status);
          s->exit_code = 128 + s->signal;
        }
    }
  else
    {
      s->init_status = status;
      /* Its last report may still be unread on the socket: judge at its end of file. */
      if (s->report_w.fd < 0)
        reap_judge_init (s);
    }
  session_check_finished (s);
}

void reap_judge_init (struct session *s)
{
  if (s->status_known)
    return;
  int status = s->init_status;
  s->status_known = true;
  s->finished_ns = now_real_ns ();
  if (!s->c->cfg->init)
    {
      /* No init: the command was PID 1, its status is the run's (a launch
       * failure exits with its code after its report). */
      if (WIFEXITED (status))
        s->exit_code = WEXITSTATUS (status);
      else if (WIFSIGNALED (status))
        {
          s->signal = WTERMSIG (status);
          s->exit_code = 128 + s->signal;
        }
      return;
    }
  /* The container init ended without reporting the primary's status. */
  if (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL)
    {
      s->signal = SIGKILL;
      s->exit_code = 137;
    }
  else if (s->exit_code != 125)
    {
      s->exit_code = 125;
      snprintf (s->error, sizeof s->error, "container init ended (status 0x%x) without a report", status);
    }
}

void reap_children (void)
{
  for (;;)
    {
      int status;
      pid_t pid = waitpid (-1, &status, WNOHANG);
      if (pid <= 0)
        {
          if (pid < 0 && errno != ECHILD && errno != EINTR)
            log_warn ("waitpid: %s", strerror (errno));
          return;
        }
      unsigned at;
      struct session *s = reap_lookup (pid, &at);
      if (!s)
        {
          stats.orphans_reaped++;
          continue;
        }
      slots[at].pid = -1;
      slots[at].s = NULL;
      reaped (s, status);
    }
}
