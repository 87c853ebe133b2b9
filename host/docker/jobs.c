/* Deferred and streamed replies from forked children (jobs.h). */
#include "jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base.h"
#include "loop.h"

struct job {
  struct job_spec spec;
  struct MHD_Connection *conn;
  pid_t pid;
  int pidfd, out_fd, err_fd;
  struct watch w_pid, w_out, w_err;
  char *out;
  size_t out_len, out_cap;
  bool out_over;              /* the body passed JOB_MAX_OUT */
  char err[JOB_MAX_ERR];
  size_t err_len;
  bool out_eof, err_eof, exited, suspended;
  bool client_gone;           /* seen hanging up while parked */
  int code;
  bool has_reply;
  struct api_reply rep;
  int refs;                   /* the request, and a stream's response or a hijack's child */
  void *urh;                  /* a hijack's MHD_UpgradeResponseHandle */
  int sock;                   /* a hijack's socket (the child's fds 0 and 1), -1 */
  struct watch w_sock;         /* the client's socket while suspended: its leaving ends the job */
  struct job *next_dead;
  struct job *prev_live, *next_live; /* every job not yet released (jobs_shutdown) */
};

static struct job *live;

/* A released job is freed after the loop's current batch of events: a later
 * event of the same batch may name one of its watches (lib/loop.c skips a watch
 * whose fd is -1, but reads it). */
static struct job *dead;
static struct timer reaper;

static void free_dead (struct timer *t)
{
  (void) t;
  while (dead)
    {
      struct job *j = dead;
      dead = j->next_dead;
      free (j);
    }
}

static unsigned running;
static void (*pump_fn) (void);

void job_set_pump (void (*pump) (void))
{
  pump_fn = pump;
}

void job_defer (struct api_reply *rep, const struct job_spec *spec)
{
  if (running >= JOB_MAX_RUNNING)
    {
      free (spec->arg);
      api_reply_error (rep, 503, "tetherd is busy: %d requests are waiting already, try again", JOB_MAX_RUNNING);
      return;
    }
  struct job *j = calloc (1, sizeof *j);
  if (j == NULL)
    {
      free (spec->arg);
      api_reply_error (rep, 500, "out of memory");
      return;
    }
  j->spec = *spec;
  j->next_live = live;
  if (live)
    live->prev_live = j;
  live = j;
  j->sock = -1;
  j->refs = 1; /* the request's; job_start adds the others */
  j->pid = -1; /* no child yet: a hijack's comes with the upgrade, if it comes */
  j->pidfd = j->out_fd = j->err_fd = -1;
  j->w_sock.fd = -1;
  j->w_pid.fd = j->w_out.fd = j->w_err.fd = -1;
  rep->job = j;
}

static void resume (struct job *j)
{
  if (j->suspended && j->conn)
    {
      j->suspended = false;
      loop_del (&j->w_sock); /* MHD has the socket again */
      MHD_resume_connection (j->conn);
      if (pump_fn)
        pump_fn ();
    }
}

/* MHD does not look at a suspended connection: a client that left (a killed
 * CLI's wait, run -d dropping its wait, logs -f of a quiet container) would hold
 * a connection and a child until the container ends. Its socket is watched for
 * the hang-up meanwhile: then the child is ended and MHD gets the connection
 * back, to close it. */
static void on_sock (struct watch *w, uint32_t events)
{
  struct job *j = container_of (w, struct job, w_sock);
  if (!(events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
    return;
  if (!j->exited && j->pid > 0)
    kill (j->pid, SIGKILL);
  j->client_gone = true;
  resume (j);
}

bool job_client_gone (const struct job *j)
{
  return j->client_gone;
}

void job_park (struct job *j)
{
  if (j->suspended || j->conn == NULL || j->client_gone)
    return; /* a client gone: MHD must see it close, not wait for it again */
  j->suspended = true;
  MHD_suspend_connection (j->conn);
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info (j->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
  struct terr err;
  if (ci && ci->connect_fd >= 0 && j->w_sock.fd < 0)
    loop_add (&j->w_sock, ci->connect_fd, EPOLLRDHUP, on_sock, &err); /* no watch: only the hang-up goes unseen */
}

static void close_watch (struct watch *w, int *fd)
{
  loop_del (w);
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
  w->fd = -1;
}

/* A buffered job is over once both pipes ended and the child was reaped. */
static void maybe_done (struct job *j)
{
  if (j->spec.done == NULL || j->has_reply || !j->out_eof || !j->err_eof || !j->exited)
    return;
  j->err[j->err_len < sizeof j->err ? j->err_len : sizeof j->err - 1] = '\0';
  /* done() reads out as a string: terminated (room for the NUL is made here) */
  if (j->out && j->out_len == j->out_cap)
    {
      char *nb = realloc (j->out, j->out_cap + 1);
      if (nb == NULL)
        j->out_over = true;
      else
        j->out = nb, j->out_cap++;
    }
  if (j->out && !j->out_over)
    j->out[j->out_len] = '\0';
  if (j->out_over)
    api_reply_error (&j->rep, 500, "the reply was larger than %d bytes", JOB_MAX_OUT);
  else
    j->spec.done (j->spec.arg, j->code, j->out ? j->out : "", j->out_len, j->err, &j->rep);
  j->has_reply = true;
  resume (j);
}

static void on_pid (struct watch *w, uint32_t events)
{
  (void) events;
  struct job *j = container_of (w, struct job, w_pid);
  int st = 0;
  if (waitpid (j->pid, &st, WNOHANG) == 0)
    return;
  j->code = WIFEXITED (st) ? WEXITSTATUS (st) : 128 + (WIFSIGNALED (st) ? WTERMSIG (st) : 0);
  j->exited = true;
  running--;
  close_watch (&j->w_pid, &j->pidfd);
  if (j->urh)
    {
      /* the attach is over: MHD closes the upgraded socket, then the request ends */
      MHD_upgrade_action (j->urh, MHD_UPGRADE_ACTION_CLOSE);
      j->urh = NULL;
      if (pump_fn)
        pump_fn ();
      job_release (j);
      return;
    }
  maybe_done (j);
}

static void on_err (struct watch *w, uint32_t events)
{
  (void) events;
  struct job *j = container_of (w, struct job, w_err);
  char b[1024];
  ssize_t n = read (j->err_fd, b, sizeof b);
  if (n < 0 && errno == EAGAIN)
    return;
  if (n <= 0)
    {
      j->err_eof = true;
      close_watch (&j->w_err, &j->err_fd);
      maybe_done (j);
      return;
    }
  size_t room = sizeof j->err - 1 - j->err_len;
  size_t take = (size_t) n < room ? (size_t) n : room;
  memcpy (j->err + j->err_len, b, take);
  j->err_len += take;
}

static void on_out (struct watch *w, uint32_t events)
{
  (void) events;
  struct job *j = container_of (w, struct job, w_out);
  if (j->spec.done == NULL)
    {
      /* a stream: MHD's reader takes the bytes; wake it */
      loop_mod (&j->w_out, 0);
      resume (j);
      return;
    }
  char b[16384];
  ssize_t n = read (j->out_fd, b, sizeof b);
  if (n < 0 && errno == EAGAIN)
    return;
  if (n <= 0)
    {
      j->out_eof = true;
      close_watch (&j->w_out, &j->out_fd);
      maybe_done (j);
      return;
    }
  if (j->out_over || j->out_len + (size_t) n > JOB_MAX_OUT)
    {
      j->out_over = true;
      return;
    }
  if (j->out_len + (size_t) n > j->out_cap)
    {
      size_t cap = j->out_cap ? j->out_cap * 2 : 16384;
      while (cap < j->out_len + (size_t) n)
        cap *= 2;
      char *nb = realloc (j->out, cap);
      if (nb == NULL)
        {
          j->out_over = true;
          return;
        }
      j->out = nb;
      j->out_cap = cap;
    }
  memcpy (j->out + j->out_len, b, (size_t) n);
  j->out_len += (size_t) n;
}

_Noreturn static void child (struct job *j, int out_w, int err_w)
{
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_DFL); /* the client left: the work ends */
  int nul = open ("/dev/null", O_RDONLY);
  int in = j->sock >= 0 ? j->sock : nul, out = j->sock >= 0 ? j->sock : out_w;
  if (nul < 0 || dup2 (in, 0) < 0 || dup2 (out, 1) < 0 || dup2 (err_w, 2) < 0)
    _exit (125);
  /* none of tetherd's fds (its socket's lock above all) outlives it in a child */
  if (syscall (SYS_close_range, 3, ~0U, 0) < 0)
    for (int fd = 3; fd < 65536; fd++)
      close (fd); /* a kernel before 5.9 */
  int code = j->spec.run (j->spec.arg);
  fflush (stdout);
  fflush (stderr);
  _exit (code);
}

int job_start (struct api_reply *rep, void *conn)
{
  struct job *j = rep->job;
  struct terr err;
  int o[2] = { -1, -1 }, e[2] = { -1, -1 };
  if (pipe2 (o, O_CLOEXEC) < 0 || pipe2 (e, O_CLOEXEC) < 0)
    goto fail;
  fflush (NULL);
  j->pid = fork ();
  if (j->pid < 0)
    goto fail;
  if (j->pid == 0)
    child (j, o[1], e[1]);
  running++;
  close (o[1]);
  close (e[1]);
  j->out_fd = o[0];
  j->err_fd = e[0];
  fcntl (j->out_fd, F_SETFL, O_NONBLOCK);
  fcntl (j->err_fd, F_SETFL, O_NONBLOCK);
  j->pidfd = (int) syscall (SYS_pidfd_open, j->pid, 0);
  j->conn = conn;
  j->refs = j->spec.done ? 1 : 2;
  if (j->sock >= 0)
    {
      /* no body pipe: the child writes to the client itself */
      close (j->out_fd);
      j->out_fd = -1;
      j->out_eof = true;
    }
  if (j->pidfd < 0 || loop_add (&j->w_pid, j->pidfd, EPOLLIN, on_pid, &err) < 0
      || loop_add (&j->w_err, j->err_fd, EPOLLIN, on_err, &err) < 0
      || (j->out_fd >= 0 && loop_add (&j->w_out, j->out_fd, j->spec.done ? EPOLLIN : 0, on_out, &err) < 0))
    {
      /* the child runs; without a watch its end would go unseen */
      kill (j->pid, SIGKILL);
      waitpid (j->pid, NULL, 0);
      running--;
      j->exited = true;
      j->refs = 1;
      if (j->sock < 0)
        {
          rep->job = NULL;
          job_release (j);
        } /* a hijack's job stays the request's until it ends */
      api_reply_error (rep, 500, "tetherd could not watch its worker");
      return -1;
    }
  if (j->spec.done)
    job_park (j);
  return 0;
fail:
  for (int i = 0; i < 2; i++)
    {
      if (o[i] >= 0)
        close (o[i]);
      if (e[i] >= 0)
        close (e[i]);
    }
  j->exited = true;
  if (j->sock < 0)
    {
      rep->job = NULL;
      free (j->spec.arg);
      free (j);
    } /* a hijack's job stays the request's until it ends */
  api_reply_error (rep, 500, "tetherd could not start a worker: %s", strerror (errno));
  return -1;
}

bool job_is_hijack (const struct job *j)
{
  return j->spec.hijack;
}

int job_start_hijack (struct job *j, int sock, void *urh)
{
  struct api_reply rep = { .job = j };
  j->sock = sock;
  j->spec.done = NULL;
  if (job_start (&rep, NULL) < 0)
    {
      rep.job = NULL;
      api_reply_free (&rep);
      MHD_upgrade_action (urh, MHD_UPGRADE_ACTION_CLOSE);
      return -1;
    }
  j->urh = urh; /* the second reference (refs 2): released when the child is gone */
  return 0;
}

void jobs_shutdown (void)
{
  for (struct job *j = live; j; j = j->next_live)
    {
      if (!j->exited && j->pid > 0)
        kill (j->pid, SIGKILL);
      /* MHD aborts if it stops with a suspended connection */
      if (j->suspended && j->conn)
        {
          j->suspended = false;
          MHD_resume_connection (j->conn);
        }
    }
}

struct api_reply *job_reply (struct job *j)
{
  return j->has_reply ? &j->rep : NULL;
}

ssize_t job_stream_read (void *cls, uint64_t pos, char *buf, size_t max)
{
  (void) pos;
  struct job *j = cls;
  if (j->out_fd < 0)
    return MHD_CONTENT_READER_END_OF_STREAM;
  ssize_t n = read (j->out_fd, buf, max);
  if (n > 0)
    return n;
  if (n < 0 && errno == EAGAIN && j->client_gone)
    return MHD_CONTENT_READER_END_WITH_ERROR; /* no one reads: MHD closes it */
  if (n < 0 && errno == EAGAIN)
    {
      /* nothing yet: park the connection until the child writes (jobs.h) */
      job_park (j);
      loop_mod (&j->w_out, EPOLLIN);
      return 0;
    }
  close_watch (&j->w_out, &j->out_fd);
  return MHD_CONTENT_READER_END_OF_STREAM;
}

void job_release (struct job *j)
{
  if (j == NULL || --j->refs > 0)
    return;
  if (!j->exited && j->pid > 0)
    {
      /* the client left: its work ends (a child in uninterruptible sleep would
       * hold the loop here: SIGKILL ends anything else at once) */
      kill (j->pid, SIGKILL);
      waitpid (j->pid, NULL, 0);
      running--;
    }
  loop_del (&j->w_sock);
  close_watch (&j->w_pid, &j->pidfd);
  close_watch (&j->w_out, &j->out_fd);
  close_watch (&j->w_err, &j->err_fd);
  if (j->has_reply)
    api_reply_free (&j->rep);
  free (j->out);
  free (j->spec.arg);
  if (j->prev_live)
    j->prev_live->next_live = j->next_live;
  else if (live == j)
    live = j->next_live;
  if (j->next_live)
    j->next_live->prev_live = j->prev_live;
  j->next_dead = dead;
  dead = j;
  timer_arm (&reaper, 0, free_dead);
}
