#include "cinit.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cmounts.h"
#include "report.h"
#include "rootfs.h"

static int64_t real_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int pty_open (int *slave, unsigned rows, unsigned cols)
{
  int master = open ("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return -1;
  int unlock = 0, n;
  if (ioctl (master, TIOCSPTLCK, &unlock) < 0 || ioctl (master, TIOCGPTN, &n) < 0)
    {
      close (master);
      return -1;
    }
  char name[64];
  snprintf (name, sizeof name, "/dev/pts/%d", n);
  *slave = open (name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*slave < 0)
    {
      close (master);
      return -1;
    }
  if (rows && cols)
    {
      struct winsize ws = { .ws_row = (unsigned short) rows, .ws_col = (unsigned short) cols };
      ioctl (master, TIOCSWINSZ, &ws);
    }
  return master;
}

int pty_open_for_tether (int rfd, unsigned rows, unsigned cols)
{
  int slave;
  int master = pty_open (&slave, rows, cols);
  if (master < 0)
    launch_fail (rfd, 125, "open a pty on the container's devpts: %s", strerror (errno));
  if (report_send_fd (rfd, master) < 0)
    launch_fail (rfd, 125, "pass the pty to the tether: %s", strerror (errno));
  close (master);
  return slave;
}

/* Host mode: the host's root, with this namespace's own /proc and devpts. */
static void setup_host_mounts (int rfd)
{
  if (mount ("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
    launch_fail (rfd, 125, "mount /proc: %s", strerror (errno));
  if (mount ("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
             "newinstance,ptmxmode=0666,mode=0620,gid=5")
      < 0)
    launch_fail (rfd, 125, "mount devpts: %s", strerror (errno));
  if (mount ("/dev/pts/ptmx", "/dev/ptmx", NULL, MS_BIND, NULL) < 0)
    launch_fail (rfd, 125, "bind /dev/ptmx: %s", strerror (errno));
}

_Noreturn static void start_primary (const struct cinit_args *a, int tty_slave)
{
  const int rfd = a->launch.report_fd;
  if (setsid () < 0)
    launch_fail (rfd, 125, "setsid: %s", strerror (errno));
  if (tty_slave >= 0)
    {
      if (ioctl (tty_slave, TIOCSCTTY, 0) < 0)
        launch_fail (rfd, 125, "TIOCSCTTY: %s", strerror (errno));
      for (int i = 0; i < 3; i++)
        if (dup_to (tty_slave, i) < 0)
          launch_fail (rfd, 125, "dup2 tty: %s", strerror (errno));
    }
  else
    {
      int in = a->stdio[0];
      if (in < 0 && (in = open ("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
        launch_fail (rfd, 125, "open /dev/null: %s", strerror (errno));
      /* dup2 onto 0..2 clears CLOEXEC; sources above 2 are closed at exec. */
      if (dup_to (in, 0) < 0 || dup_to (a->stdio[1], 1) < 0 || dup_to (a->stdio[2], 2) < 0)
        launch_fail (rfd, 125, "dup2 stdio: %s", strerror (errno));
    }
  launch_exec (&a->launch);
}

_Noreturn void cinit_main (const struct cinit_args *a)
{
  const int rfd = a->launch.report_fd;
  /* Keep only the report socket and the primary's stdio: every other tether fd
   * (clients, other containers' pipes) must not leak into the container. */
  int keep[4] = { rfd, a->stdio[0], a->stdio[1], a->stdio[2] };
  close_fds_except (keep, 4);
  /* The tether's death must not leave this namespace running. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    launch_fail (rfd, 125, "make / rprivate: %s", strerror (errno));
  if (a->launch.hostname && *a->launch.hostname)
    sethostname (a->launch.hostname, strlen (a->launch.hostname));
  if (a->rootfs)
    {
      struct terr err = { 0 };
      if (rootfs_enter (a->rootfs, a->launch.hostname, a->launch.confine.privileged, &err) < 0)
        launch_fail (rfd, 125, "%s", err.msg);
    }
  else
    setup_host_mounts (rfd);
  if (a->cfg)
    {
      struct terr err = { 0 };
      if (cmounts_apply (a->cfg, a->rootfs == NULL, &err) < 0)
        launch_fail (rfd, 125, "%s", err.msg);
    }

  int tty_slave = a->launch.tty ? pty_open_for_tether (rfd, a->rows, a->cols) : -1;
  /* docker's default: the command itself is PID 1; the tether reaps it and takes
   * its status, and signals it directly (the kernel drops those it has no
   * handler for, as under docker). */
  if (!a->init)
    start_primary (a, tty_slave);

  /* Signals stay blocked (inherited mask) and are read from a signalfd. */
  sigset_t all;
  sigfillset (&all);
  int sfd = signalfd (-1, &all, SFD_CLOEXEC);
  if (sfd < 0)
    launch_fail (rfd, 125, "signalfd: %s", strerror (errno));
  /* The primary holds the write end until its execve (CLOEXEC) or its end: our
   * EOF tells the tether its start is decided (a failure it reported itself). */
  int launched[2];
  if (pipe2 (launched, O_CLOEXEC) < 0)
    launch_fail (rfd, 125, "pipe: %s", strerror (errno));
  for (int i = 0; i < 2; i++)
    if (launched[i] < 3)
      {
        /* 0..2 may be free here (no stdin yet): the primary's stdio goes there */
        int high = fcntl (launched[i], F_DUPFD_CLOEXEC, 3);
        if (high < 0)
          launch_fail (rfd, 125, "dup: %s", strerror (errno));
        close (launched[i]);
        launched[i] = high;
      }
  pid_t primary = fork ();
  if (primary < 0)
    launch_fail (rfd, 125, "fork: %s", strerror (errno));
  if (primary == 0)
    {
      close (sfd);
      close (launched[0]);
      start_primary (a, tty_slave);
    }
  close (launched[1]);
  /* Our copies of the stdio ends must go, or the tether never sees end of file. */
  for (int i = 0; i < 3; i++)
    if (a->stdio[i] >= 0)
      close (a->stdio[i]);
  if (tty_slave >= 0)
    close (tty_slave);

  struct pollfd pf[3] = { { .fd = sfd, .events = POLLIN }, { .fd = rfd, .events = POLLIN },
                          { .fd = launched[0], .events = POLLIN } };
  for (;;)
    {
      if (poll (pf, 3, -1) < 0)
        continue;
      if (pf[2].fd >= 0 && pf[2].revents)
        {
          char b;
          if (read (pf[2].fd, &b, 1) <= 0)
            {
              report_send (rfd, REPORT_LAUNCHED, 0, real_ns (), NULL);
              close (pf[2].fd);
              pf[2].fd = -1; /* poll skips negative fds */
            }
        }
      if (pf[1].revents)
        {
          struct report r;
          int passed;
          ssize_t n = report_recv (rfd, &r, &passed);
          if (passed >= 0)
            close (passed);
          if (n == 0 || (n < 0 && errno != EAGAIN))
            {
              /* The tether is gone: nobody can read our status; end the namespace. */
              kill (primary, SIGKILL);
              _exit (137);
            }
          if (n > 0 && r.type == REPORT_SIGNAL)
            kill (primary, r.value);
        }
      if (pf[0].revents)
        {
          struct signalfd_siginfo si;
          if (read (sfd, &si, sizeof si) != sizeof si)
            continue;
          if (si.ssi_signo != SIGCHLD)
            {
              kill (primary, (int) si.ssi_signo);
              continue;
            }
          int st;
          pid_t p;
          while ((p = waitpid (-1, &st, WNOHANG)) > 0)
            if (p == primary)
              {
                report_send (rfd, REPORT_EXIT, st, real_ns (), NULL);
                /* Exiting kills everything left in the namespace: no grandchild can
                 * keep the output pipes open. */
                _exit (0);
              }
        }
    }
}
