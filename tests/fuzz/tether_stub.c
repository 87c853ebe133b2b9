/* The stub processes of tests/fuzz/tether.c (tether_stub.h): link-time
 * wrappers of what the tether calls to make, signal, join and reap children. */
#include "tether_stub.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"
#include "tether.h"

#define MAX_STUBS 64
/* Above the kernel's largest pid_max (2^22): never a real process. */
#define STUB_PID_BASE 4194305

struct stub {
  pid_t pid;
  int pidfd;                  /* what pidfd_open gave the tether (it closes it) */
  int out, err, in, rep, tty; /* the child's ends, ours now; -1 when closed */
  bool has_tty;               /* made with no pipes: only such a child passes a pty */
  bool exited, reaped;
  int status;
  int last_signal;
};

static struct stub stubs[MAX_STUBS];
static unsigned n_stubs;
static int64_t clock_ms;
static struct watch chld_w;
static int chld_fd = -1;
unsigned stub_events;

/* fds made since the last clone: the report socket pair, then the pipes in
 * spawn_fds_open's order (stdout, stderr, stdin). */
static int pend_rep = -1, pend_pipes[3][2], n_pend_pipes;

static bool verbose (void)
{
  static int v = -1;
  if (v < 0)
    v = getenv ("FUZZ_LOG") != NULL;
  return v;
}

static void close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

static int dup_nonblock (int fd)
{
  if (fd < 0)
    return -1;
  int d = fcntl (fd, F_DUPFD_CLOEXEC, 0);
  if (d >= 0)
    fcntl (d, F_SETFL, fcntl (d, F_GETFL) | O_NONBLOCK);
  return d;
}

static struct stub *by_pid (pid_t pid)
{
  for (unsigned i = 0; i < n_stubs; i++)
    if (stubs[i].pid == pid)
      return &stubs[i];
  return NULL;
}

/* The newest holder of the number: the tether closes a reaped stub's pidfd,
 * and the number may come back for a newer one. */
static struct stub *by_pidfd (int fd)
{
  for (unsigned i = n_stubs; i-- > 0;)
    if (stubs[i].pidfd == fd && !stubs[i].reaped)
      return &stubs[i];
  return NULL;
}

static void stub_exit (struct stub *s, int status)
{
  if (s->exited)
    return;
  if (verbose ())
    fprintf (stderr, "stub %d exits, status 0x%x\n", (int) (s - stubs), (unsigned) status);
  s->exited = true;
  s->status = status;
  int *fds[] = { &s->out, &s->err, &s->in, &s->rep, &s->tty };
  for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
    close_fd (fds[i]);
  uint64_t one = 1;
  if (write (chld_fd, &one, sizeof one) < 0)
    abort ();
}

static void deliver (struct stub *s, int sig)
{
  if (verbose ())
    fprintf (stderr, "stub %d gets signal %d\n", (int) (s - stubs), sig);
  if (s->exited)
    return;
  if (sig == SIGKILL)
    stub_exit (s, SIGKILL);
  else if (sig)
    s->last_signal = sig;
}

static pid_t stub_clone (void)
{
  if (n_stubs == MAX_STUBS)
    {
      errno = EAGAIN;
      return -1;
    }
  struct stub *s = &stubs[n_stubs];
  *s = (struct stub) { .pid = STUB_PID_BASE + (pid_t) n_stubs, .pidfd = -1, .tty = -1 };
  s->rep = dup_nonblock (pend_rep);
  s->out = n_pend_pipes > 0 ? dup_nonblock (pend_pipes[0][1]) : -1;
  s->err = n_pend_pipes > 1 ? dup_nonblock (pend_pipes[1][1]) : -1;
  s->in = n_pend_pipes > 2 ? dup_nonblock (pend_pipes[2][0]) : -1;
  s->has_tty = n_pend_pipes == 0;
  pend_rep = -1;
  n_pend_pipes = 0;
  if (verbose ())
    fprintf (stderr, "stub %u cloned: out %d err %d in %d rep %d\n", n_stubs, s->out, s->err, s->in, s->rep);
  n_stubs++;
  return s->pid;
}

/* ---- the wrapped calls ---- */

long __real_syscall (long nr, ...);
long __wrap_syscall (long nr, ...)
{
  /* Five arguments at most: the tether's calls take no more, and on x86-64
   * these five come from the registers saved for va_arg, never from past the
   * caller's arguments on the stack. */
  va_list ap;
  long a[5];
  va_start (ap, nr);
  for (int i = 0; i < 5; i++)
    a[i] = va_arg (ap, long);
  va_end (ap);
  struct stub *s;
  switch (nr)
    {
    case SYS_clone:
      return stub_clone ();
    case SYS_pidfd_open:
      if ((s = by_pid ((pid_t) a[0])) == NULL || s->reaped)
        return (errno = ESRCH, -1);
      return s->pidfd = eventfd (0, EFD_CLOEXEC);
    case SYS_pidfd_send_signal:
      if ((s = by_pidfd ((int) a[0])) == NULL)
        return (errno = EBADF, -1);
      if (s->exited)
        return (errno = ESRCH, -1);
      deliver (s, (int) a[1]);
      return 0;
    default:
      return __real_syscall (nr, a[0], a[1], a[2], a[3], a[4]);
    }
}

int __real_pipe2 (int fds[2], int flags);
int __wrap_pipe2 (int fds[2], int flags)
{
  int rc = __real_pipe2 (fds, flags);
  if (rc == 0 && n_pend_pipes < 3)
    memcpy (pend_pipes[n_pend_pipes++], fds, 2 * sizeof (int));
  return rc;
}

int __real_socketpair (int domain, int type, int proto, int sv[2]);
int __wrap_socketpair (int domain, int type, int proto, int sv[2])
{
  int rc = __real_socketpair (domain, type, proto, sv);
  if (rc == 0 && (type & 0xf) == SOCK_SEQPACKET)
    {
      pend_rep = sv[1];
      n_pend_pipes = 0;
    }
  return rc;
}

int __wrap_setns (int fd, int nstype)
{
  (void) fd;
  (void) nstype;
  return 0;
}

int __real_kill (pid_t pid, int sig);
int __wrap_kill (pid_t pid, int sig)
{
  struct stub *s = by_pid (pid < 0 ? -pid : pid);
  if (s == NULL && (pid < 0 ? -pid : pid) < STUB_PID_BASE)
    return __real_kill (pid, sig); /* not the tether's: libFuzzer's own */
  if (s == NULL || s->exited)
    return (errno = ESRCH, -1);
  deliver (s, sig);
  return 0;
}

pid_t __wrap_waitpid (pid_t pid, int *status, int options)
{
  (void) pid;
  (void) options;
  for (unsigned i = 0; i < n_stubs; i++)
    if (stubs[i].exited && !stubs[i].reaped)
      {
        stubs[i].reaped = true;
        stubs[i].pidfd = -1;
        *status = stubs[i].status;
        return stubs[i].pid;
      }
  return stub_live () ? 0 : (errno = ECHILD, -1);
}

int __real_epoll_wait (int epfd, struct epoll_event *ev, int max, int timeout);
int __wrap_epoll_wait (int epfd, struct epoll_event *ev, int max, int timeout)
{
  (void) timeout; /* never block: the clock is ours */
  int n = __real_epoll_wait (epfd, ev, max, 0);
  if (n > 0)
    stub_events += (unsigned) n;
  return n;
}

int64_t __wrap_now_mono_ms (void)
{
  return clock_ms;
}

/* The wall clock follows the virtual one, a microsecond more at each look
 * within one of its milliseconds: what depends on real gaps (the output
 * coalescing of session.c) depends on the input, not on the machine's load. */
int64_t __wrap_now_real_ns (void)
{
  static int64_t last_ms = -1, us, step = -1;
  if (step < 0)
    {
      const char *s = getenv ("FUZZ_WALL_STEP_US"); /* each look that much later: a loaded machine's gaps */
      step = s ? atoll (s) : 0;
    }
  if (step > 0)
    return 1700000000000000000LL + clock_ms * 1000000 + (us += step) * 1000;
  if (clock_ms != last_ms)
    last_ms = clock_ms, us = 0;
  else if (us < 999)
    us++;
  return 1700000000000000000LL + clock_ms * 1000000 + us * 1000;
}

#define QUIET(name) \
  void __real_##name (const char *fmt, ...); \
  void __wrap_##name (const char *fmt, ...) \
  { \
    if (!verbose ()) \
      return; \
    char line[512]; \
    va_list ap; \
    va_start (ap, fmt); \
    vsnprintf (line, sizeof line, fmt, ap); \
    va_end (ap); \
    __real_##name ("%s", line); \
  }
QUIET (log_warn)
QUIET (log_note)
QUIET (log_info)

/* ---- the stubs' actions ---- */

bool stub_act_takes_bytes (unsigned act)
{
  act %= STUB_ACTS;
  return act == 0 || act == 1 || act == 7;
}

static void write_some (int fd, const uint8_t *p, size_t n)
{
  if (fd >= 0 && n && write (fd, p, n) < 0 && errno != EAGAIN && errno != EPIPE)
    abort ();
}

/* A container init's or PID 1's answer to the signals it got: forwarded ones
 * over the report socket, direct ones through its pidfd. */
static void obey (struct stub *s)
{
  struct report r;
  int fd;
  while (s->rep >= 0 && report_recv (s->rep, &r, &fd) > 0)
    {
      if (fd >= 0)
        close (fd);
      if (r.type == REPORT_SIGNAL)
        s->last_signal = r.value;
    }
  if (s->last_signal)
    {
      int sig = s->last_signal;
      if (s->rep >= 0)
        report_send (s->rep, REPORT_EXIT, sig, now_real_ns (), NULL);
      stub_exit (s, sig);
    }
}

void stub_act (unsigned k, unsigned act, unsigned arg, const uint8_t *p, size_t n)
{
  unsigned live[MAX_STUBS], n_live = 0;
  for (unsigned i = 0; i < n_stubs; i++)
    if (!stubs[i].exited)
      live[n_live++] = i;
  if (n_live == 0)
    return;
  struct stub *s = &stubs[live[k % n_live]];
  if (verbose ())
    fprintf (stderr, "stub %d does %u (arg %u, %zu bytes)\n", (int) (s - stubs), act % STUB_ACTS, arg, n);
  char text[240];
  uint8_t drain[4096];
  int sv[2];
  switch (act % STUB_ACTS)
    {
    case 0:
      write_some (s->tty >= 0 ? s->tty : s->out, p, n);
      break;
    case 1:
      write_some (s->err, p, n);
      break;
    case 2:
      close_fd (s->tty >= 0 ? &s->tty : &s->out);
      break;
    case 3:
      close_fd (&s->err);
      break;
    case 4:
      while ((s->in >= 0 && read (s->in, drain, sizeof drain) > 0)
             || (s->tty >= 0 && read (s->tty, drain, sizeof drain) > 0))
        ;
      break;
    case 5:
      close_fd (&s->in);
      break;
    case 6:
      if (s->rep >= 0)
        report_send (s->rep, REPORT_EXEC, 0, now_real_ns (), NULL);
      break;
    case 7:
      snprintf (text, sizeof text, "%.*s", (int) (n < sizeof text ? n : sizeof text - 1), (const char *) p);
      if (s->rep >= 0)
        report_send (s->rep, REPORT_FAIL, (int) (arg & 0xff), 0, text);
      break;
    case 8:
      if (s->rep >= 0)
        report_send (s->rep, REPORT_EXIT, (int) arg, now_real_ns (), NULL);
      break;
    case 9:
      if (s->rep >= 0)
        report_send (s->rep, REPORT_LAUNCHED, 0, 0, NULL);
      break;
    case 10:
      /* the report socket's other end is the tether's own code (cinit, the
       * launch child: CLOEXEC, gone at execve), which passes a pty only for a tty */
      if (s->has_tty && s->rep >= 0 && s->tty < 0 && socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0)
        {
          report_send_fd (s->rep, sv[0]);
          close (sv[0]);
          s->tty = dup_nonblock (sv[1]);
          close (sv[1]);
        }
      break;
    case 11:
      close_fd (&s->rep);
      break;
    case 12:
      stub_exit (s, (int) (arg & 0xffff));
      break;
    case 13:
      obey (s);
      break;
    }
}

/* ---- set-up ---- */

static void on_sigchld (struct watch *w, uint32_t events)
{
  (void) events;
  uint64_t v;
  if (read (w->fd, &v, sizeof v) < 0 && errno != EAGAIN)
    abort ();
  reap_children ();
}

void stub_init (void)
{
  struct terr err = { 0 };
  clock_ms = 1000000;
  signal (SIGPIPE, SIG_IGN); /* the tether has it blocked: a write to a gone reader is EPIPE */
  chld_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (chld_fd < 0 || loop_init (&err) < 0 || loop_add (&chld_w, chld_fd, EPOLLIN, on_sigchld, &err) < 0)
    abort ();
}

void stub_advance_ms (int64_t ms)
{
  clock_ms += ms;
}

unsigned stub_live (void)
{
  unsigned n = 0;
  for (unsigned i = 0; i < n_stubs; i++)
    n += !stubs[i].reaped;
  return n;
}

void stub_reset (void)
{
  for (unsigned i = 0; i < n_stubs; i++)
    {
      struct stub *s = &stubs[i];
      int *fds[] = { &s->out, &s->err, &s->in, &s->rep, &s->tty };
      for (size_t j = 0; j < sizeof fds / sizeof fds[0]; j++)
        close_fd (fds[j]);
    }
  n_stubs = 0;
  pend_rep = -1;
  n_pend_pipes = 0;
}
