/* Connections: bytes in through the frame decoder, frames out through a bounded
 * ring. A client that stops reading is dropped once its ring overflows; frees
 * happen between loop rounds (conn_reap_closed) so no caller holds a dead conn. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fdio.h"
#include "base.h"
#include "log.h"
#include "loglimit.h"
#include "msg.h"
#include "tether.h"


struct conn *conns;
static struct msg_arena arena;
static uint8_t frame_buf[FRAME_HDR_LEN + FRAME_MAX_PAYLOAD + FRAME_PCRC_LEN];

static void conn_event (struct watch *w, uint32_t events);

/* Work held back (input waiting in in_pend, a list going out in pages) always
 * waits on EPOLLOUT, which a writable socket reports at once: held input is
 * either being processed or waiting on an event that will come, whichever path
 * drained the out ring. Input is not read while earlier input waits, nor after
 * the client's end of file (a half-closed client still gets its output). */
static bool conn_holds_work (const struct conn *c)
{
  return c->in_pend_len || c->list.active;
}

static uint32_t conn_interest (const struct conn *c)
{
  bool held = conn_holds_work (c);
  return (held || c->rd_eof ? 0 : EPOLLIN) | (held || c->out.len ? EPOLLOUT : 0);
}

/* A channel whose host side is absent reads 0 or EIO and stays readable/HUP:
 * stop watching it for a while instead of spinning, and never reopen it
 * (virtio-serial: a second open is EBUSY and closing drops queued bytes). */
int conn_channel_retry_ms = CONN_CHANNEL_RETRY_MS;
static void channel_retry (struct timer *t)
{
  struct conn *c = (struct conn *) ((char *) t - offsetof (struct conn, absent_timer));
  if (!c->closed)
    loop_mod (&c->w, conn_interest (c));
}

/* An error: a client is gone; the channel's host is only absent. */
static void conn_lost (struct conn *c)
{
  if (!c->is_channel)
    {
      conn_close (c);
      return;
    }
  loop_mod (&c->w, 0);
  timer_arm (&c->absent_timer, conn_channel_retry_ms, channel_retry);
}

/* A client that never says hello would hold one of MAX_CONNS slots for good. */
static void hello_overdue (struct timer *t)
{
  struct conn *c = (struct conn *) ((char *) t - offsetof (struct conn, hello_timer));
  if (!c->hello_done && !c->closed)
    {
      log_warn ("a client sent no hello within %d ms: dropping it", HELLO_TIMEOUT_MS);
      conn_close (c);
    }
}

/* The client shut down its sending side: it may still want output and exits. */
static void conn_read_eof (struct conn *c)
{
  c->rd_eof = true;
  loop_mod (&c->w, conn_interest (c));
}

/* A half-closed client is closed once nothing more can be owed to it. */
static bool conn_owes_nothing (const struct conn *c)
{
  if (c->out.len || conn_holds_work (c) || c->waiters)
    return false;
  for (const struct attach *a = c->attaches; a; a = a->next_in_conn)
    if (!session_finished (a->s) || !a->exit_sent)
      return false;
  return true;
}

struct conn *conn_new (int fd, bool is_channel, struct terr *err)
{
  struct conn *c = calloc (1, sizeof *c);
  if (!c)
    return (terr_set (err, ENOMEM, "connection"), NULL);
  c->dec = malloc (sizeof *c->dec);
  if (!c->dec)
    {
      free (c);
      return (terr_set (err, ENOMEM, "connection decoder"), NULL);
    }
  frame_decoder_init (c->dec);
  ring_init (&c->out, is_channel ? CHANNEL_OUT_MAX : CONN_OUT_MAX);
  c->out.uncapped = true; /* replies must get out even when output rings fill the cap */
  c->is_channel = is_channel;
  if (loop_add (&c->w, fd, EPOLLIN, conn_event, err) < 0)
    {
      free (c->dec);
      free (c);
      return NULL;
    }
  c->next = conns;
  conns = c;
  stats.conns++;
  if (!is_channel)
    timer_arm (&c->hello_timer, HELLO_TIMEOUT_MS, hello_overdue);
  return c;
}

/* Marks the connection dead now; conn_reap_closed frees it between rounds. */
void conn_close (struct conn *c)
{
  if (c->closed)
    return;
  c->closed = true;
  int fd = c->w.fd;
  loop_del (&c->w);
  if (fd >= 0)
    close (fd);
}

void conn_reset (struct conn *c)
{
  while (c->attaches)
    session_detach (c->attaches);
  while (c->waiters)
    waiter_remove (c->waiters);
  c->pcrc = false;
  c->want_pump = false;
  c->list.active = false;
}

void conn_reap_closed (void)
{
  for (struct conn **p = &conns; *p;)
    {
      struct conn *c = *p;
      if (!c->closed && c->rd_eof && conn_owes_nothing (c))
        conn_close (c);
      if (!c->closed)
        {
          p = &c->next;
          continue;
        }
      *p = c->next;
      timer_cancel (&c->absent_timer);
      timer_cancel (&c->hello_timer);
      free (c->in_pend);
      conn_reset (c);
      ring_release (&c->out);
      free (c->dec);
      free (c);
      stats.conns--;
    }
}

struct attach *conn_find_handle (struct conn *c, uint32_t handle)
{
  for (struct attach *a = c->attaches; a; a = a->next_in_conn)
    if (a->handle == handle)
      return a;
  return NULL;
}

/* Writes what the socket takes now. */
static void conn_write_some (struct conn *c)
{
  while (!c->closed && c->out.len > 0)
    {
      struct iovec iov[2];
      size_t l1, l2 = 0;
      iov[0].iov_base = (void *) ring_peek (&c->out, 0, &l1);
      iov[0].iov_len = l1;
      iov[1].iov_base = (void *) ring_peek (&c->out, l1, &l2);
      iov[1].iov_len = l2;
      ssize_t n;
      do
        n = writev (c->w.fd, iov, l2 ? 2 : 1);
      while (n < 0 && errno == EINTR);
      if (n > 0)
        {
          ring_consume (&c->out, (size_t) n);
          continue;
        }
      if (n < 0 && errno == EAGAIN)
        break;
      /* A channel's host side is absent: keep the bytes for when it returns. */
      conn_lost (c);
      return;
    }
  if (!c->closed)
    loop_mod (&c->w, conn_interest (c));
}

void conn_flush (struct conn *c)
{
  conn_write_some (c);
}

static void queue_bytes (struct conn *c, const void *p, size_t n)
{
  if (c->closed)
    return;
  if (ring_put (&c->out, p, n) != n)
    {
      /* Requests stop being read once replies back up, so only unsolicited
       * messages can get here. A client is dropped; the VM's one channel never is
       * (nothing could reopen it): its peer resyncs past the torn frame. */
      static struct log_limit full;
      uint64_t more;
      if (!c->is_channel || log_limit_hit (&full, now_mono_ms (), &more))
        log_warn ("connection out buffer full%s", c->is_channel ? ": a frame was cut" : ": dropping the client");
      if (!c->is_channel)
        conn_close (c);
    }
}

void conn_send (struct conn *c, const Msg *m)
{
  if (c->closed)
    return;
  ssize_t n = msg_frame_pack (m, c->pcrc, frame_buf, sizeof frame_buf);
  if (n < 0)
    {
      conn_send_error (c, m->request_id, ERR_LIMIT, "reply larger than one frame", 0);
      return;
    }
  if (ring_space (&c->out) < (size_t) n)
    conn_write_some (c);
  queue_bytes (c, frame_buf, (size_t) n);
  c->frames_out++;
  stats.frames_out++;
  conn_write_some (c);
}

void conn_send_error (struct conn *c, uint64_t request_id, int code, const char *text, int exit_code)
{
  Msg m = MSG__INIT;
  Error e = ERROR__INIT;
  e.code = code;
  e.text = (char *) text;
  e.exit_code = exit_code;
  m.request_id = request_id;
  m.body_case = MSG__BODY_ERROR;
  m.error = &e;
  conn_send (c, &m);
}

bool conn_has_data_room (const struct conn *c, size_t n)
{
  size_t need = FRAME_HDR_LEN + DATA_HDR_LEN + n + FRAME_PCRC_LEN;
  if (c->closed)
    return false;
  if (c->out.len + need > CONN_OUT_DATA)
    conn_write_some ((struct conn *) c);
  return !c->closed && c->out.len + need <= CONN_OUT_DATA;
}

void conn_send_data (struct conn *c, uint32_t handle, int stream, uint64_t offset, int64_t time_ns,
                     const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
  uint8_t hdr[FRAME_HDR_LEN + DATA_HDR_LEN];
  uint8_t trailer[4];
  struct data_hdr h = { .stream = (uint8_t) stream, .offset = offset, .time_ns = time_ns };
  data_frame_begin (hdr, handle, &h, (uint32_t) (alen + blen), c->pcrc);
  struct iovec iov[4] = { { hdr, sizeof hdr }, { (void *) a, alen }, { (void *) b, blen }, { trailer, 0 } };
  if (c->pcrc)
    {
      uint32_t crc = crc32c (crc32c (0, hdr + FRAME_HDR_LEN, DATA_HDR_LEN), a, alen);
      if (blen)
        crc = crc32c (crc, b, blen);
      for (int i = 0; i < 4; i++)
        trailer[i] = (uint8_t) (crc >> (8 * i));
      iov[3].iov_len = 4;
    }
  c->frames_out++;
  stats.frames_out++;
  /* Nothing queued: write straight from the session's ring (no copy); only
   * what the socket does not take now goes into our out ring. */
  size_t skip = 0;
  /* Not on a channel: a virtio-serial port takes each iovec as its own buffer
   * and host notification, so there the frame goes through the ring and out in
   * large contiguous writes. */
  if (c->out.len == 0 && !c->closed && !c->is_channel)
    {
      ssize_t n;
      do
        n = writev (c->w.fd, iov, 4);
      while (n < 0 && errno == EINTR);
      if (n > 0)
        skip = (size_t) n;
      else if (n < 0 && errno != EAGAIN && !(c->is_channel && (errno == EIO || errno == EPIPE)))
        {
          conn_close (c);
          return;
        }
    }
  for (int i = 0; i < 4; i++)
    {
      if (skip >= iov[i].iov_len)
        {
          skip -= iov[i].iov_len;
          continue;
        }
      queue_bytes (c, (const uint8_t *) iov[i].iov_base + skip, iov[i].iov_len - skip);
      skip = 0;
    }
  if (c->out.len)
    loop_mod (&c->w, conn_interest (c));
}

static void handle_frame (struct conn *c, const struct frame *f)
{
  c->frames_in++;
  stats.frames_in++;
  stats.last_rx_ms = now_mono_ms ();
  if (f->type == FRAME_DATA)
    {
      dispatch_data (c, f);
      return;
    }
  Msg *m = msg_unpack (&arena, f->payload, f->len);
  if (!m)
    conn_send_error (c, msg_request_id (&arena, f->payload, f->len), ERR_BAD_REQUEST,
                     "malformed control message, or too large to unpack", 0);
  else
    dispatch_msg (c, m);
  msg_arena_reset (&arena);
}

/* Replies waiting for the client past this: stop taking requests from it until
 * it reads (a request can make a reply 64 KiB long; nothing may pile up). */
static bool conn_backlogged (const struct conn *c)
{
  return c->out.len > CONN_OUT_DATA || c->list.active;
}

/* Decodes and handles frames from p; stops early when replies back up and
 * keeps the rest of the input in in_pend. */
static void conn_process (struct conn *c, const uint8_t *p, size_t len)
{
  while (len > 0 && !c->closed && !conn_backlogged (c))
    {
      size_t used;
      struct frame f;
      uint64_t resyncs = c->dec->resyncs, dropped = c->dec->dropped_bytes;
      enum frame_status st = frame_decoder_feed (c->dec, p, len, &used, &f);
      /* counted before the frame is handled: a pong reports the garbage before its ping */
      stats.resyncs += c->dec->resyncs - resyncs;
      stats.dropped_bytes += c->dec->dropped_bytes - dropped;
      if (st == FRAME_READY)
        handle_frame (c, &f);
      else if (st == FRAME_REJECTED)
        conn_send_error (c, 0, ERR_FRAME, c->dec->reject_reason ? c->dec->reject_reason : "bad frame", 0);
      p += used;
      len -= used;
    }
  if (c->closed || len == 0)
    return;
  if (!c->in_pend && !(c->in_pend = malloc (CONN_IN_PEND)))
    {
      log_warn ("out of memory holding a client's input: dropping the connection");
      conn_close (c);
      return;
    }
  memmove (c->in_pend, p, len); /* p may point into in_pend itself */
  c->in_pend_len = (uint32_t) len;
  loop_mod (&c->w, conn_interest (c));
}

static void conn_process_pending (struct conn *c)
{
  if (c->list.active && c->out.len < CONN_OUT_DATA)
    dispatch_list_continue (c);
  if (!c->in_pend_len || conn_backlogged (c))
    {
      if (!c->closed)
        loop_mod (&c->w, conn_interest (c));
      return;
    }
  size_t len = c->in_pend_len;
  c->in_pend_len = 0;
  conn_process (c, c->in_pend, len);
  if (!c->closed && !c->in_pend_len)
    {
      free (c->in_pend);
      c->in_pend = NULL;
      loop_mod (&c->w, conn_interest (c));
    }
}

static void conn_read (struct conn *c)
{
  static uint8_t buf[CONN_IN_PEND];
  for (int round = 0; round < READS_PER_EVENT && !c->closed && !c->in_pend_len; round++)
    {
      ssize_t n = fd_read (c->w.fd, buf, sizeof buf);
      if (n < 0 && errno == EAGAIN)
        return;
      if (n == 0 && !c->is_channel)
        {
          conn_read_eof (c);
          return;
        }
      if (n <= 0)
        {
          conn_lost (c);
          return;
        }
      conn_process (c, buf, (size_t) n);
      if ((size_t) n < sizeof buf)
        return;
    }
}

static void conn_event (struct watch *w, uint32_t events)
{
  struct conn *c = container_of (w, struct conn, w);
  if (events & EPOLLOUT)
    {
      conn_write_some (c);
      if (c->want_pump && !c->closed && c->out.len < CONN_OUT_DATA / 2)
        {
          c->want_pump = false;
          for (struct attach *a = c->attaches; a; a = a->next_in_conn)
            session_pump (a->s);
        }
      if (!c->closed)
        conn_process_pending (c);
    }
  if (c->closed || !(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
    return;
  if (!conn_holds_work (c) && !c->rd_eof)
    conn_read (c);
  else if ((events & (EPOLLHUP | EPOLLERR)) && !(events & EPOLLOUT))
    conn_lost (c); /* the peer is gone and nothing can be written: no spinning on HUP */
}
