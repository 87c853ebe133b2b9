/* The relay: process output into rings, rings into data frames per attached
 * client, acks free the rings; client stdin into the process. Nothing is dropped:
 * a full ring stops reading the pipe, so the process blocks. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fdio.h"
#include "base.h"
#include "log.h"
#include "tether.h"


static bool gc_pending;

static void ostream_event (struct watch *w, uint32_t events);
static void stdin_event (struct watch *w, uint32_t events);
static void stdin_flush (struct session *s);
static void send_stdin_ack (struct session *s);

void session_init (struct session *s, enum session_kind kind, struct container *c)
{
  memset (s, 0, sizeof *s);
  s->kind = kind;
  s->c = c;
  s->tty_fd = -1;
  s->pidfd = -1;
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
      if (loop_add (&s->in_w, in_fd, 0, stdin_event, err) < 0)
        {
          close (in_fd);
          if (tty_fd >= 0)
            close (tty_fd);
          return -1;
        }
      s->in_open = true;
      s->in_close_pending = false;
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

static void stdin_close (struct session *s)
{
  if (s->in_w.fd >= 0)
    {
      int fd = s->in_w.fd;
      loop_del (&s->in_w);
      close (fd);
    }
  s->in_open = false;
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
  stdin_close (s);
  if (s->report_w.fd >= 0)
    {
      int fd = s->report_w.fd;
      loop_del (&s->report_w);
      close (fd);
    }
  if (s->tty_fd >= 0)
    close (s->tty_fd);
  s->tty_fd = -1;
}

static void mark_read (struct ostream *o, int64_t ns)
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
static int64_t mark_lookup (const struct ostream *o, uint64_t off, uint64_t *run)
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

static void marks_drop_below (struct ostream *o)
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
              mark_read (o, now_real_ns ());
            }
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

void session_fill_exit (const struct session *s, Exit *e, uint64_t *finals)
{
  exit__init (e);
  e->id = (char *) (s->kind == SESSION_EXEC ? s->exec_id : s->c->id);
  e->run = s->run;
  e->exit_code = s->exit_code;
  e->signal = (uint32_t) s->signal;
  e->started_ns = s->started_ns;
  e->finished_ns = s->finished_ns;
  e->stdout_final = finals ? finals[0] : ostream_head (&s->out[0]);
  e->stderr_final = finals ? finals[1] : ostream_head (&s->out[1]);
  e->error = (char *) s->error;
}

void session_send_exit (struct session *s, struct conn *c, uint64_t request_id, uint32_t handle)
{
  Msg m = MSG__INIT;
  Exit e;
  session_fill_exit (s, &e, NULL);
  e.handle = handle;
  m.request_id = request_id;
  m.body_case = MSG__BODY_EXIT;
  m.exit = &e;
  conn_send (c, &m);
}

static void send_exit (struct attach *a)
{
  session_send_exit (a->s, a->conn, 0, a->handle);
  a->exit_sent = true;
}

static void attach_pump (struct attach *a)
{
  struct conn *c = a->conn;
  struct session *s = a->s;
  if (c->closed)
    return;
  for (int i = 0; i < 2; i++)
    {
      struct ostream *o = &s->out[i];
      uint64_t head = ostream_head (o);
      if (a->sent[i] < o->base)
        a->sent[i] = o->base;
      while (a->sent[i] < head)
        {
          uint64_t run;
          int64_t ns = mark_lookup (o, a->sent[i], &run);
          size_t n = head - a->sent[i];
          if (n > run)
            n = run;
          if (n > DATA_MAX)
            n = DATA_MAX;
          if (!conn_has_data_room (c, n))
            {
              c->want_pump = true;
              return;
            }
          size_t l1, l2 = 0;
          const uint8_t *p1 = ring_peek (&o->ring, a->sent[i] - o->base, &l1);
          const uint8_t *p2 = NULL;
          if (l1 > n)
            l1 = n;
          if (l1 < n)
            {
              p2 = ring_peek (&o->ring, a->sent[i] - o->base + l1, &l2);
              if (l2 > n - l1)
                l2 = n - l1;
            }
          conn_send_data (c, a->handle, i + 1, a->sent[i], ns, p1, l1, p2, l2);
          a->sent[i] += n;
        }
    }
  /* conn_send_data only queues: write now (and watch EPOLLOUT for the rest), or a
   * few bytes of output would wait for the next control message. */
  if (c->out.len > 0)
    conn_flush (c);
  if (session_finished (s) && !a->exit_sent)
    send_exit (a);
}

void session_pump (struct session *s)
{
  for (struct attach *a = s->attaches; a; a = a->next_in_session)
    attach_pump (a);
}

/* Frees output every attached client has acked; resumes a paused pipe. */
static void free_acked (struct session *s)
{
  if (!s->attaches)
    return;
  for (int i = 0; i < 2; i++)
    {
      struct ostream *o = &s->out[i];
      uint64_t low = UINT64_MAX;
      for (struct attach *a = s->attaches; a; a = a->next_in_session)
        if (a->acked[i] < low)
          low = a->acked[i];
      if (low <= o->base)
        continue;
      ring_consume (&o->ring, low - o->base);
      o->base = low;
      marks_drop_below (o);
      /* Under memory pressure a drained ring gives its buffer back. */
      if (o->ring.len == 0 && o->ring.cap > RING_START && ring_global_pressure ())
        ring_release (&o->ring);
      if (o->paused && o->w.fd >= 0)
        {
          o->paused = false;
          if (!o->coalescing)
            loop_mod (&o->w, EPOLLIN);
        }
    }
}

static bool session_idle_for (const struct attach *a)
{
  const struct session *s = a->s;
  return session_finished (s) && a->exit_sent && a->acked[0] >= ostream_head (&s->out[0])
         && a->acked[1] >= ostream_head (&s->out[1]);
}

void session_ack (struct attach *a, uint64_t out_off, uint64_t err_off)
{
  uint64_t offs[2] = { out_off, err_off };
  for (int i = 0; i < 2; i++)
    {
      /* A client cannot ack what it was not sent. */
      if (offs[i] > a->sent[i])
        offs[i] = a->sent[i];
      if (offs[i] > a->acked[i])
        a->acked[i] = offs[i];
    }
  struct session *s = a->s;
  free_acked (s);
  if (s->kind == SESSION_EXEC && session_idle_for (a))
    {
      session_set_life (s, LIFE_DELIVERED);
      session_want_gc (s);
    }
}

struct attach *session_attach (struct session *s, struct conn *c, uint32_t handle, uint64_t out_off,
                               uint64_t err_off, bool want_stdin, struct terr *err)
{
  if (handle == 0)
    return (err->code = ERR_BAD_REQUEST, terr_set (err, 0, "handle 0 is the control channel"), NULL);
  struct attach *old = conn_find_handle (c, handle);
  if (old && old->s != s)
    return (err->code = ERR_CONFLICT, terr_set (err, 0, "handle %u is in use", handle), NULL);
  if (old)
    session_detach (old); /* re-attach on the same handle: new offsets */
  if (c->n_attaches >= MAX_ATTACH_PER_CONN)
    return (err->code = ERR_LIMIT, terr_set (err, 0, "too many handles on this connection"), NULL);
  struct attach *a = calloc (1, sizeof *a);
  if (!a)
    return (err->code = ERR_LIMIT, terr_set (err, ENOMEM, "attach"), NULL);
  uint64_t offs[2] = { out_off, err_off };
  for (int i = 0; i < 2; i++)
    {
      uint64_t v = offs[i];
      if (v < s->out[i].base)
        v = s->out[i].base; /* older bytes were acked and freed */
      if (v > ostream_head (&s->out[i]))
        v = ostream_head (&s->out[i]);
      a->sent[i] = a->acked[i] = v;
    }
  a->conn = c;
  a->s = s;
  a->handle = handle;
  a->next_in_session = s->attaches;
  s->attaches = a;
  a->next_in_conn = c->attaches;
  c->attaches = a;
  c->n_attaches++;
  if (want_stdin)
    s->stdin_owner = a;
  return a;
}

void session_detach (struct attach *a)
{
  struct session *s = a->s;
  struct conn *c = a->conn;
  for (struct attach **p = &s->attaches; *p; p = &(*p)->next_in_session)
    if (*p == a)
      {
        *p = a->next_in_session;
        break;
      }
  for (struct attach **p = &c->attaches; *p; p = &(*p)->next_in_conn)
    if (*p == a)
      {
        *p = a->next_in_conn;
        c->n_attaches--;
        break;
      }
  if (s->stdin_owner == a)
    s->stdin_owner = NULL;
  free (a);
  free_acked (s);
  if (s->kind == SESSION_EXEC && session_finished (s) && !s->attaches && ((s->life == LIFE_DELIVERED) || s->detached))
    session_want_gc (s);
}

static void send_stdin_ack (struct session *s)
{
  struct attach *a = s->stdin_owner;
  if (!a)
    return;
  Msg m = MSG__INIT;
  Ack ack = ACK__INIT;
  ack.handle = a->handle;
  ack.stdin_offset = s->in_written;
  ack.stdout_offset = a->sent[0];
  ack.stderr_offset = a->sent[1];
  m.body_case = MSG__BODY_ACK;
  m.ack = &ack;
  conn_send (a->conn, &m);
}

static void stdin_flush (struct session *s)
{
  uint64_t before = s->in_written;
  while (s->in_open && s->in_ring.len > 0)
    {
      size_t n;
      const uint8_t *p = ring_peek (&s->in_ring, 0, &n);
      ssize_t w = fd_write (s->in_w.fd, p, n);
      if (w > 0)
        {
          ring_consume (&s->in_ring, (size_t) w);
          s->in_written += (uint64_t) w;
          continue;
        }
      if (w < 0 && errno == EAGAIN)
        break;
      /* EPIPE: the process closed its stdin. What it would not read counts as
       * delivered, as with a pipe whose reader left. */
      s->in_written += s->in_ring.len;
      ring_consume (&s->in_ring, s->in_ring.len);
      stdin_close (s);
    }
  if (s->in_open)
    loop_mod (&s->in_w, s->in_ring.len ? EPOLLOUT : 0);
  if (s->in_open && s->in_close_pending && s->in_written >= s->in_close_at && s->in_ring.len == 0)
    stdin_close (s);
  if (!s->in_open && s->in_ring.len)
    {
      s->in_written += s->in_ring.len;
      ring_consume (&s->in_ring, s->in_ring.len);
    }
  if (s->in_ring.len == 0 && s->in_ring.cap > RING_START)
    ring_release (&s->in_ring);
  if (s->in_written != before)
    send_stdin_ack (s);
}

static void stdin_event (struct watch *w, uint32_t events)
{
  struct session *s = container_of (w, struct session, in_w);
  if (events & EPOLLERR)
    {
      /* The process closed its stdin: what is left counts as delivered. */
      stdin_close (s);
      s->in_written += s->in_ring.len;
      ring_consume (&s->in_ring, s->in_ring.len);
      send_stdin_ack (s);
      return;
    }
  stdin_flush (s);
}

void session_stdin_data (struct attach *a, uint64_t offset, const uint8_t *p, size_t n)
{
  struct session *s = a->s;
  if (s->stdin_owner != a)
    {
      conn_send_error (a->conn, 0, ERR_CONFLICT, "stdin belongs to another client", 0);
      return;
    }
  uint64_t next = s->in_written + s->in_ring.len;
  if (offset > next)
    {
      conn_send_error (a->conn, 0, ERR_BAD_REQUEST, "stdin offset gap", 0);
      return;
    }
  uint64_t skip = next - offset; /* a resent window: bytes already taken */
  if (skip >= n)
    return;
  if (!s->in_open)
    {
      /* No stdin (closed, or the process exited): take and ack, as /dev/null would. */
      s->in_written += n - skip;
      send_stdin_ack (s);
      return;
    }
  size_t want = n - (size_t) skip;
  size_t put = ring_put (&s->in_ring, p + skip, want);
  if (put < want)
    conn_send_error (a->conn, 0, ERR_LIMIT, "stdin window exceeded: bytes past it were not taken", 0);
  stdin_flush (s);
}

void session_stdin_close (struct attach *a, uint64_t offset)
{
  struct session *s = a->s;
  if (s->stdin_owner != a)
    return;
  s->in_close_at = offset;
  s->in_close_pending = true;
  stdin_flush (s);
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
      if (!s->grace.deadline_ms)
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
  stdin_close (s);
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
  session_pump (s);
  while (s->waiters)
    {
      struct waiter *w = s->waiters;
      if (w->what == WAIT_EXIT)
        {
          session_send_exit (s, w->conn, w->request_id, 0);
          waiter_remove (w);
        }
      else
        break; /* WAIT_REMOVE is answered by the container once it is gone */
    }
  if (s->kind == SESSION_PRIMARY)
    container_run_finished (s->c);
  else if (s->detached)
    session_want_gc (s);
  else if (s->life != LIFE_DELIVERED)
    exec_keep_undelivered (s);
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
