/* A session's fds and output streams (process output into rings; nothing is
 * dropped: a full ring stops reading the pipe, so the process blocks), and its
 * life: when a run is finished, waiters, freeing. Rings to clients: attach.c;
 * stdin: stdin.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fdio.h"
#include "base.h"
#include "log.h"
#include "health.h"
#include "tether.h"
#include "vm.h"

static bool gc_pending;

static void ostream_event (struct watch *w, uint32_t events);

void session_init (struct session *s, enum session_kind kind, struct container *c)
{
  memset (s, 0, sizeof *s);
  s->kind = kind;
  s->c = c;
  s->tty_fd = -1;
  s->pidfd = -1;
  s->mntns_fd = -1;
  s->in_w.fd = -1;
  s->report_w.fd = -1;
  for (int i = 0; i < 2; i++)
    {
      ring_init (&s->out[i].ring, RING_MAX);
      s->out[i].w.fd = -1;
      s->out[i].eof = true;
      s->out[i].idx = i;
      s->out[i].s = s;
    }
  ring_init (&s->in_ring, STDIN_MAX);
}

static void set_nonblock (int fd)
{
  int fl = fcntl (fd, F_GETFL);
  if (fl >= 0)
    fcntl (fd, F_SETFL, fl | O_NONBLOCK);
}

int session_set_fds (struct session *s, int out_fd, int err_fd, int in_fd, int tty_fd, struct terr *err)
{
  int fds[2] = { out_fd, err_fd };
  for (int i = 0; i < 2; i++)
    {
      struct ostream *o = &s->out[i];
      o->eof = fds[i] < 0;
      o->paused = false;
      if (fds[i] < 0)
        continue;
      set_nonblock (fds[i]);
      if (loop_add (&o->w, fds[i], EPOLLIN, ostream_event, err) < 0)
        {
          /* Every fd handed to us is ours to close, also on failure. */
          for (int k = i; k < 2; k++)
            if (fds[k] >= 0)
              close (fds[k]);
          o->eof = true;
          if (in_fd >= 0)
            close (in_fd);
          if (tty_fd >= 0)
            close (tty_fd);
          return -1;
        }
    }
  if (in_fd >= 0)
    {
      set_nonblock (in_fd);
      /* Registered with no events; EPOLLOUT only while bytes wait. */
      if (loop_add (&s->in_w, in_fd, 0, session_stdin_event, err) < 0)
        {
          close (in_fd);
          if (tty_fd >= 0)
            close (tty_fd);
          return -1;
        }
      s->in_open = true;
      if (s->life != LIFE_IDLE)
        s->in_close_pending = false; /* a close sent before the first run stands */
    }
  if (tty_fd >= 0)
    {
      if (s->tty_fd >= 0)
        close (s->tty_fd);
      s->tty_fd = tty_fd;
    }
  return 0;
}

static void ostream_close (struct ostream *o)
{
  timer_cancel (&o->coalesce);
  o->coalescing = false;
  if (o->w.fd >= 0)
    {
      int fd = o->w.fd;
      loop_del (&o->w);
      close (fd);
    }
  o->eof = true;
}

void session_discard_output (struct session *s)
{
  for (int i = 0; i < 2; i++)
    {
      struct ostream *o = &s->out[i];
      o->discard = true;
      o->paused = false;
      if (o->w.fd >= 0)
        loop_mod (&o->w, EPOLLIN);
    }
}

void session_close_fds (struct session *s)
{
  ostream_close (&s->out[0]);
  ostream_close (&s->out[1]);
  session_stdin_end (s);
  if (s->report_w.fd >= 0)
    {
      int fd = s->report_w.fd;
      loop_del (&s->report_w);
      close (fd);
    }
  if (s->tty_fd >= 0)
    close (s->tty_fd);
  s->tty_fd = -1;
  run_release_mntns (s);
}

void ostream_mark_read (struct ostream *o, int64_t ns)
{
  uint64_t head = ostream_head (o);
  if (o->n_marks > 0)
    {
      unsigned last = o->n_marks - 1;
      if (o->n_marks == sizeof o->marks / sizeof o->marks[0] || ns - o->marks[last].ns < 1000000)
        {
          o->marks[last].end = head;
          return;
        }
    }
  o->marks[o->n_marks].end = head;
  o->marks[o->n_marks].ns = ns;
  o->n_marks++;
}

/* The read time of the byte at `off`, and how many bytes from there share it. */
int64_t ostream_mark_lookup (const struct ostream *o, uint64_t off, uint64_t *run)
{
  for (unsigned i = 0; i < o->n_marks; i++)
    if (o->marks[i].end > off)
      {
        *run = o->marks[i].end - off;
        return o->marks[i].ns;
      }
  *run = ostream_head (o) - off;
  return now_real_ns ();
}

void ostream_marks_drop_below (struct ostream *o)
{
  unsigned k = 0;
  while (k < o->n_marks && o->marks[k].end <= o->base)
    k++;
  if (k)
    {
      memmove (o->marks, o->marks + k, (o->n_marks - k) * sizeof o->marks[0]);
      o->n_marks -= k;
    }
}

static void coalesce_over (struct timer *t)
{
  struct ostream *o = container_of (t, struct ostream, coalesce);
  o->coalescing = false;
  if (!o->paused && o->w.fd >= 0)
    loop_mod (&o->w, EPOLLIN);
}

static void ostream_event (struct watch *w, uint32_t events)
{
  struct ostream *o = container_of (w, struct ostream, w);
  struct session *s = o->s;
  static uint8_t scratch[65536];
  bool got_eof = false;
  size_t got = 0;
  for (int round = 0; round < READS_PER_EVENT; round++)
    {
      uint8_t *dst = scratch;
      size_t avail = sizeof scratch;
      if (!o->discard)
        {
          dst = ring_write_ptr (&o->ring, &avail);
          if (!dst)
            {
              int queued = 0;
              if ((events & EPOLLHUP) && ioctl (o->w.fd, FIONREAD, &queued) == 0 && queued == 0)
                {
                  got_eof = true; /* writer gone, nothing left: no room needed to see that */
                  break;
                }
              if (o->ring.len < o->ring.max)
                {
                  /* All rings together are at the global cap: look again later
                   * (memory comes back as other streams drain or end). */
                  o->coalescing = true;
                  loop_mod (&o->w, 0);
                  timer_arm (&o->coalesce, GLOBAL_CAP_RETRY_MS, coalesce_over);
                  break;
                }
              /* Full: stop reading; the process blocks until acks free room. */
              o->paused = true;
              loop_mod (&o->w, 0);
              break;
            }
        }
      ssize_t n = fd_read (o->w.fd, dst, avail);
      if (n > 0)
        {
          got += (size_t) n;
          if (!o->discard)
            {
              ring_commit (&o->ring, (size_t) n);
              ostream_mark_read (o, now_real_ns ());
            }
          else if (s->probe)
            health_capture (s, dst, (size_t) n);
          if ((size_t) n < avail)
            break; /* drained for now */
          continue;
        }
      if (n < 0 && (errno == EAGAIN))
        break;
      /* 0, or EIO from a pty whose last slave closed: end of this stream. */
      if (n < 0 && errno != EIO)
        log_warn ("read output of %s: %s", s->kind == SESSION_EXEC ? s->exec_id : s->c->id, strerror (errno));
      got_eof = true;
      break;
    }
  if (got_eof)
    ostream_close (o);
  else if (got > 0 && got < COALESCE_SMALL && !o->paused)
    {
      int64_t now = now_real_ns ();
      if (now - o->last_read_ns < COALESCE_GAP_NS)
        {
          o->coalescing = true;
          loop_mod (&o->w, 0);
          timer_arm (&o->coalesce, COALESCE_MS, coalesce_over);
        }
      o->last_read_ns = now;
    }
  session_pump (s);
  /* An exec's exit waits for what its pipe held at the reap (see drained_at_reap). */
  if (got_eof || (session_reaped (s) && s->kind == SESSION_EXEC && got > 0))
    session_check_finished (s);
}

/* The exec's main process is reaped: everything it wrote is in the ring or the
 * pipe now. Remember how far the pipe reaches, so the grace that bounds leftover
 * processes starts only once all of that has been read. */
void session_note_reaped (struct session *s)
{
  for (int i = 0; i < 2; i++)
    {
      struct ostream *o = &s->out[i];
      int queued = 0;
      o->drain_to = ostream_head (o);
      if (o->w.fd >= 0 && !o->discard && ioctl (o->w.fd, FIONREAD, &queued) == 0 && queued > 0)
        o->drain_to += (uint64_t) queued;
    }
}

static bool drained_at_reap (const struct session *s)
{
  for (int i = 0; i < 2; i++)
    if (!s->out[i].eof && ostream_head (&s->out[i]) < s->out[i].drain_to)
      return false;
  return true;
}

void session_set_life (struct session *s, enum session_life to)
{
  static const char *const names[] = { "idle", "running", "draining", "finished", "delivered" };
  enum session_life from = s->life;
  bool ok = (to == LIFE_RUNNING && (from == LIFE_IDLE || (from == LIFE_FINISHED && s->kind == SESSION_PRIMARY)))
            || (to == LIFE_DRAINING && from == LIFE_RUNNING)
            || (to == LIFE_FINISHED && from == LIFE_DRAINING)
            || (to == LIFE_DELIVERED && from == LIFE_FINISHED && s->kind == SESSION_EXEC);
  if (!ok)
    {
      log_warn ("session %.12s: no transition %s -> %s", s->kind == SESSION_EXEC ? s->exec_id : s->c->id,
                names[from], names[to]);
      return;
    }
  s->life = to;
}

void session_want_gc (struct session *s)
{
  s->gc_wanted = true;
  gc_pending = true;
}

static void grace_over (struct timer *t)
{
  struct session *s = container_of (t, struct session, grace);
  s->grace_over = true;
  session_check_finished (s);
}

void session_check_finished (struct session *s)
{
  /* The report socket closes once the child exec'd or exited: waiting for it
   * keeps a launch error's text from arriving after the exit it explains. */
  if (session_finished (s) || !session_running (s) || !s->status_known || s->report_w.fd >= 0)
    return;
  bool outputs_done = s->out[0].eof && s->out[1].eof;
  if (s->kind == SESSION_PRIMARY && !(session_reaped (s) && outputs_done))
    return;
  if (s->kind == SESSION_EXEC && !outputs_done && !s->grace_over)
    {
      if (!drained_at_reap (s))
        return; /* however slowly the client acks: nothing the process wrote is dropped */
      if (!timer_armed (&s->grace))
        timer_arm (&s->grace, EXEC_EOF_GRACE_MS, grace_over);
      return;
    }
  timer_cancel (&s->grace);
  /* Leftover processes of an exec keep running; what they write now is dropped. */
  for (int i = 0; i < 2; i++)
    if (!s->out[i].eof)
      s->out[i].discard = true;
  session_set_life (s, LIFE_FINISHED);
  if (!s->finished_ns)
    s->finished_ns = now_real_ns ();
  session_stdin_end (s);
  if (s->in_ring.len)
    {
      s->in_written += s->in_ring.len;
      ring_consume (&s->in_ring, s->in_ring.len);
    }
  /* The run is over: no resize can matter, and the pty master is not kept
   * until rm (its output side closed at end of file). */
  if (s->tty_fd >= 0)
    close (s->tty_fd);
  s->tty_fd = -1;
  /* The policy decides before the exit goes out: it says whether a run follows. */
  if (s->kind == SESSION_PRIMARY)
    container_run_ending (s->c);
  session_pump (s);
  session_answer_waiters (s);
  run_release_mntns (s); /* the exit is out: the namespace's teardown may wait now */
  if (s->kind == SESSION_PRIMARY)
    container_run_finished (s->c);
  else if (s->detached)
    {
      if (s->probe)
        health_probe_done (s);
      session_want_gc (s);
    }
  else if (s->life != LIFE_DELIVERED)
    exec_keep_undelivered (s);
}

static struct waiter *first_waiting (const struct session *s, unsigned what)
{
  for (struct waiter *w = s->waiters; w; w = w->next_in_session)
    if ((unsigned) w->what == what)
      return w;
  return NULL;
}

/* WAIT_REMOVE is answered by the container once it is gone. */
void session_answer_waiters (struct session *s)
{
  struct waiter *w;
  while ((w = first_waiting (s, WAIT_EXIT)) != NULL)
    {
      session_send_exit (s, w->conn, w->request_id, 0);
      waiter_remove (w);
    }
}

void session_fill_started (const struct session *s, Started *st)
{
  started__init (st);
  st->id = s->c->id;
  st->run = s->run;
  st->pid = s->pid;
  st->started_ns = s->started_ns;
}

void session_start_settled (struct session *s)
{
  if (s->kind != SESSION_PRIMARY || s->start_settled)
    return;
  s->start_settled = true;
  Msg m = MSG__INIT;
  Started st;
  session_fill_started (s, &st);
  m.body_case = MSG__BODY_STARTED;
  m.started = &st;
  struct waiter *w;
  while ((w = first_waiting (s, WAIT_START)) != NULL)
    {
      if (s->launched)
        {
          m.request_id = w->request_id;
          conn_send (w->conn, &m);
        }
      else
        conn_send_error (w->conn, w->request_id, ERR_LAUNCH, s->error[0] ? s->error : "the container did not start",
                         s->launch_code ? s->launch_code : 125);
      waiter_remove (w);
    }
  if (!s->launched || !vm_mode)
    return;
  m.request_id = 0;
  for (struct attach *a = s->attaches; a; a = a->next_in_session)
    if (a->conn->is_channel)
      {
        st.handle = a->handle;
        conn_send (a->conn, &m);
      }
}

void session_release (struct session *s)
{
  while (s->attaches)
    session_detach (s->attaches);
  while (s->waiters)
    waiter_remove (s->waiters);
  timer_cancel (&s->grace);
  session_close_fds (s);
  ring_release (&s->out[0].ring);
  ring_release (&s->out[1].ring);
  ring_release (&s->in_ring);
}

void waiter_add (struct session *s, struct conn *c, uint64_t request_id, int what)
{
  if (c->n_waiters >= MAX_WAITERS_PER_CONN)
    {
      conn_send_error (c, request_id, ERR_LIMIT, "too many wait/stop/rm requests pending on this connection", 0);
      return;
    }
  struct waiter *w = calloc (1, sizeof *w);
  if (!w)
    {
      conn_send_error (c, request_id, ERR_LIMIT, "out of memory", 0);
      return;
    }
  c->n_waiters++;
  w->conn = c;
  w->request_id = request_id;
  w->what = what;
  w->s = s;
  w->next_in_session = s->waiters;
  s->waiters = w;
  w->next_in_conn = c->waiters;
  c->waiters = w;
}

void waiter_remove (struct waiter *w)
{
  for (struct waiter **p = &w->s->waiters; *p; p = &(*p)->next_in_session)
    if (*p == w)
      {
        *p = w->next_in_session;
        break;
      }
  for (struct waiter **p = &w->conn->waiters; *p; p = &(*p)->next_in_conn)
    if (*p == w)
      {
        *p = w->next_in_conn;
        w->conn->n_waiters--;
        break;
      }
  free (w);
}

void session_gc (void)
{
  if (!gc_pending)
    return;
  gc_pending = false;
  for (struct container *c = containers; c; c = c->next)
    for (struct session *s = c->execs, *next; s; s = next)
      {
        next = s->next;
        if (!s->gc_wanted)
          continue;
        s->gc_wanted = false;
        /* Detach clients that have everything, then free if nobody is left. */
        for (struct attach *a = s->attaches, *an; a; a = an)
          {
            an = a->next_in_session;
            if (session_idle_for (a))
              session_detach (a);
          }
        if (session_finished (s) && !s->attaches && !s->waiters && ((s->life == LIFE_DELIVERED) || s->detached))
          exec_maybe_free (s);
      }
}
