/* stdin: client bytes into the process, kept until written and acked back
 * with the offset written; a closed stdin takes (and acks) what comes, as
 * /dev/null would. */
#include <errno.h>
#include <unistd.h>

#include "base.h"
#include "fdio.h"
#include "log.h"
#include "tether.h"

static void stdin_flush (struct session *s);

/* A container's first run has not begun (a VM still finding its disks): what a
 * client sends to its stdin waits in the window for the process to exist. */
static bool before_first_run (const struct session *s)
{
  return s->kind == SESSION_PRIMARY && s->life == LIFE_IDLE;
}

void session_stdin_end (struct session *s)
{
  if (s->in_w.fd >= 0)
    {
      int fd = s->in_w.fd;
      loop_del (&s->in_w);
      close (fd);
    }
  s->in_open = false;
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
      session_stdin_end (s);
    }
  if (s->in_open)
    loop_mod (&s->in_w, s->in_ring.len ? EPOLLOUT : 0);
  if (s->in_open && s->in_close_pending && s->in_written >= s->in_close_at && s->in_ring.len == 0)
    session_stdin_end (s);
  if (!s->in_open && s->in_ring.len && !before_first_run (s))
    {
      s->in_written += s->in_ring.len;
      ring_consume (&s->in_ring, s->in_ring.len);
    }
  if (s->in_ring.len == 0 && s->in_ring.cap > RING_START)
    ring_release (&s->in_ring);
  if (s->in_written != before)
    send_stdin_ack (s);
}

void session_stdin_event (struct watch *w, uint32_t events)
{
  struct session *s = container_of (w, struct session, in_w);
  if (events & EPOLLERR)
    {
      /* The process closed its stdin: what is left counts as delivered. */
      session_stdin_end (s);
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
  if (!s->in_open && !before_first_run (s))
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

void session_stdin_started (struct session *s)
{
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
