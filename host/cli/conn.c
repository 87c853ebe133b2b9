#include "clock.h"
#include "fdio.h"
#include "conn.h"

#include <unistd.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "timefmt.h"

#define CONN_IN_CAP (256u * 1024u)
/* room for the largest frame we may queue */
#define CONN_FRAME_MAX (FRAME_HDR_LEN + FRAME_MAX_PAYLOAD + FRAME_PCRC_LEN)

struct conn {
  int fd;
  bool with_pcrc;            /* agreed in hello */
  bool eof;
  uint64_t next_request_id;
  char tether_version[64];
  struct frame_decoder dec;
  struct msg_arena arena;
  uint8_t in[CONN_IN_CAP];
  size_t in_len;             /* bytes read into in */
  size_t in_pos;             /* bytes of in fed to the decoder */
  uint8_t *out;              /* queued frames, out[out_pos..out_len) unsent */
  size_t out_len;
  size_t out_pos;
  size_t out_cap;
};

static void *xrealloc (void *p, size_t n)
{
  void *q = realloc (p, n);
  if (q == NULL)
    {
      fputs ("tetherctl: out of memory\n", stderr);
      exit (125);
    }
  return q;
}


int conn_fd (const struct conn *c) { return c->fd; }
const char *conn_tether_version (const struct conn *c) { return c->tether_version; }
uint64_t conn_new_request_id (struct conn *c) { return c->next_request_id++; }
size_t conn_out_pending (const struct conn *c) { return c->out_len - c->out_pos; }

/* Makes room for n more queued bytes, compacting the sent prefix first. */
static uint8_t *out_reserve (struct conn *c, size_t n)
{
  if (c->out_pos > 0)
    {
      memmove (c->out, c->out + c->out_pos, c->out_len - c->out_pos);
      c->out_len -= c->out_pos;
      c->out_pos = 0;
    }
  if (c->out_cap - c->out_len < n)
    {
      size_t cap = c->out_cap ? c->out_cap : 2 * CONN_FRAME_MAX;
      while (cap - c->out_len < n)
        cap *= 2;
      c->out = xrealloc (c->out, cap);
      c->out_cap = cap;
    }
  return c->out + c->out_len;
}

int conn_queue_msg (struct conn *c, Msg *m, struct terr *err)
{
  uint8_t *p = out_reserve (c, CONN_FRAME_MAX);
  ssize_t n = msg_frame_pack (m, c->with_pcrc, p, CONN_FRAME_MAX);
  if (n < 0)
    return terr_set (err, 0, "%s message too large for one frame", msg_name (m));
  c->out_len += (size_t) n;
  return 0;
}

int conn_queue_data (struct conn *c, uint32_t handle, uint8_t stream, uint64_t offset,
                     const uint8_t *bytes, uint32_t len, struct terr *err)
{
  if (len > DATA_MAX)
    return terr_set (err, 0, "data frame of %u bytes exceeds the cap", len);
  struct data_hdr h = { .stream = stream, .offset = offset, .time_ns = now_real_ns () };
  uint8_t *p = out_reserve (c, CONN_FRAME_MAX);
  data_frame_begin (p, handle, &h, len, c->with_pcrc);
  memcpy (p + FRAME_HDR_LEN + DATA_HDR_LEN, bytes, len);
  size_t n = FRAME_HDR_LEN + DATA_HDR_LEN + len;
  if (c->with_pcrc)
    {
      uint32_t crc = data_frame_pcrc (p + FRAME_HDR_LEN, bytes, len);
      for (int i = 0; i < 4; i++)
        p[n + (size_t) i] = (uint8_t) (crc >> (8 * i));
      n += FRAME_PCRC_LEN;
    }
  c->out_len += n;
  return 0;
}

int conn_flush (struct conn *c, struct terr *err)
{
  while (c->out_pos < c->out_len)
    {
      ssize_t n = send (c->fd, c->out + c->out_pos, c->out_len - c->out_pos,
                        MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
      if (n < 0)
        return terr_set (err, errno, "connection to the tether lost: send");
      c->out_pos += (size_t) n;
    }
  c->out_pos = c->out_len = 0;
  return 0;
}

/* poll() on the connection for input and, while frames are queued, output. */
static int conn_poll (struct conn *c, int timeout_ms, struct terr *err)
{
  struct pollfd p = { .fd = c->fd, .events = POLLIN };
  if (conn_out_pending (c) > 0)
    p.events |= POLLOUT;
  int r = poll (&p, 1, timeout_ms);
  if (r < 0 && errno != EINTR)
    return terr_set (err, errno, "poll");
  return 0;
}

int conn_drain (struct conn *c, int timeout_ms, struct terr *err)
{
  int64_t deadline = now_mono_ms () + timeout_ms;
  for (;;)
    {
      if (conn_flush (c, err) < 0)
        return -1;
      if (conn_out_pending (c) == 0)
        return 0;
      int64_t left = deadline - now_mono_ms ();
      if (left <= 0)
        return terr_set (err, ETIMEDOUT, "sending to the tether");
      struct pollfd p = { .fd = c->fd, .events = POLLOUT };
      if (poll (&p, 1, (int) left) < 0 && errno != EINTR)
        return terr_set (err, errno, "poll");
    }
}

int conn_fill (struct conn *c, struct terr *err)
{
  if (c->in_pos < c->in_len)
    return 1; /* still undecoded input */
  ssize_t n = fd_read (c->fd, c->in, sizeof c->in);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    return 0;
  if (n < 0)
    return terr_set (err, errno, "connection to the tether lost: read");
  if (n == 0)
    {
      c->eof = true;
      return terr_set (err, 0, "connection to the tether lost");
    }
  c->in_len = (size_t) n;
  c->in_pos = 0;
  return 1;
}

int conn_next (struct conn *c, struct conn_event *ev, struct terr *err)
{
  while (c->in_pos < c->in_len)
    {
      size_t used = 0;
      struct frame f;
      enum frame_status st
          = frame_decoder_feed (&c->dec, c->in + c->in_pos, c->in_len - c->in_pos, &used, &f);
      c->in_pos += used;
      if (st == FRAME_NEED_MORE)
        {
          if (used == 0)
            c->in_pos = c->in_len; /* defensive: the decoder must make progress */
          continue;
        }
      if (st == FRAME_REJECTED)
        continue; /* counted by the decoder; the tether never sends these on purpose */
      memset (ev, 0, sizeof *ev);
      if (f.type == FRAME_DATA)
        {
          if (data_hdr_decode (f.payload, f.len, &ev->hdr) < 0)
            continue;
          ev->kind = CONN_EV_DATA;
          ev->handle = f.handle;
          ev->bytes = f.payload + DATA_HDR_LEN;
          ev->len = f.len - DATA_HDR_LEN;
          return 1;
        }
      if (f.type != FRAME_CONTROL)
        continue;
      msg_arena_reset (&c->arena);
      Msg *m = msg_unpack (&c->arena, f.payload, f.len);
      if (m == NULL)
        return terr_set (err, 0, "protocol mismatch: undecodable control message from the tether");
      ev->kind = CONN_EV_MSG;
      ev->msg = m;
      return 1;
    }
  c->in_pos = c->in_len = 0;
  return 0;
}

Msg *conn_request (struct conn *c, Msg *req, conn_dispatch_fn dispatch, void *ctx,
                   int timeout_ms, struct terr *err)
{
  req->request_id = conn_new_request_id (c);
  if (conn_queue_msg (c, req, err) < 0)
    return NULL;
  return conn_await (c, req, dispatch, ctx, timeout_ms, err);
}

Msg *conn_await (struct conn *c, const Msg *req, conn_dispatch_fn dispatch, void *ctx, int timeout_ms,
                 struct terr *err)
{
  int64_t deadline = timeout_ms < 0 ? -1 : now_mono_ms () + timeout_ms;
  for (;;)
    {
      if (conn_flush (c, err) < 0)
        return NULL;
      struct conn_event ev;
      int r;
      while ((r = conn_next (c, &ev, err)) > 0)
        {
          if (ev.kind == CONN_EV_MSG && ev.msg->request_id == req->request_id)
            return ev.msg;
          /* A request the tether could not read is answered with request_id 0
           * when its id could not be recovered: it answers our one request. */
          if (ev.kind == CONN_EV_MSG && ev.msg->request_id == 0 && ev.msg->body_case == MSG__BODY_ERROR
              && ev.msg->error && (ev.msg->error->code == ERR_BAD_REQUEST || ev.msg->error->code == ERR_FRAME))
            return ev.msg;
          if (dispatch != NULL && dispatch (ctx, &ev, err) < 0)
            return NULL;
        }
      if (r < 0)
        return NULL;
      int wait_ms = -1;
      if (deadline >= 0)
        {
          int64_t left = deadline - now_mono_ms ();
          if (left <= 0)
            {
              terr_set (err, ETIMEDOUT, "no reply from the tether to %s", msg_name (req));
              return NULL;
            }
          wait_ms = (int) left;
        }
      if (conn_poll (c, wait_ms, err) < 0 || conn_fill (c, err) < 0)
        return NULL;
    }
}

int conn_reply_error (const Msg *reply, Msg__BodyCase want, struct terr *err)
{
  if (reply->body_case == want)
    return 0;
  if (reply->body_case == MSG__BODY_ERROR && reply->error != NULL)
    {
      terr_set (err, 0, "%s", reply->error->text && *reply->error->text ? reply->error->text
                                                                          : "error from the tether");
      err->code = reply->error->code;
      err->exit_code = reply->error->exit_code;
      return -1;
    }
  return terr_set (err, 0, "protocol mismatch: unexpected reply %s", msg_name (reply));
}

static int hello (struct conn *c, struct terr *err)
{
  Hello h = HELLO__INIT;
  h.min_version = FRAME_VERSION;
  h.max_version = FRAME_VERSION;
  h.features = FEATURE_ACKS | FEATURE_TTY;
  h.host_time_ns = now_real_ns ();
  h.payload_crc = 0; /* a unix socket does not corrupt bytes */
  h.client = (char *) CONN_CLIENT_NAME;
  Msg m = MSG__INIT;
  m.body_case = MSG__BODY_HELLO;
  m.hello = &h;
  Msg *r = conn_request (c, &m, NULL, NULL, CONN_HELLO_TIMEOUT_MS, err);
  if (r == NULL)
    return -1;
  if (conn_reply_error (r, MSG__BODY_HELLO_REPLY, err) < 0)
    {
      if (err->code == ERR_VERSION)
        terr_wrap (err, "protocol mismatch");
      return -1;
    }
  if (r->hello_reply->version != FRAME_VERSION)
    return terr_set (err, 0, "protocol mismatch: tether speaks version %u", r->hello_reply->version);
  c->with_pcrc = r->hello_reply->payload_crc;
  snprintf (c->tether_version, sizeof c->tether_version, "%s",
            r->hello_reply->tether_version ? r->hello_reply->tether_version : "");
  return 0;
}

struct conn *conn_from_fd (int fd, struct terr *err)
{
  int fl = fcntl (fd, F_GETFL);
  if (fl < 0 || fcntl (fd, F_SETFL, fl | O_NONBLOCK) < 0)
    {
      terr_set (err, errno, "fcntl O_NONBLOCK");
      close (fd);
      return NULL;
    }
  struct conn *c = xrealloc (NULL, sizeof *c);
  memset (c, 0, offsetof (struct conn, dec));
  c->fd = fd;
  c->next_request_id = 1;
  c->out = NULL;
  c->out_len = c->out_pos = c->out_cap = 0;
  c->in_len = c->in_pos = 0;
  frame_decoder_init (&c->dec);
  msg_arena_reset (&c->arena);
  if (hello (c, err) < 0)
    {
      conn_close (c);
      return NULL;
    }
  return c;
}

struct conn *conn_open (const char *addr, struct terr *err)
{
  if (strncmp (addr, "unix:", 5) != 0)
    {
      terr_set (err, 0, "unsupported address %s (want unix:PATH)", addr);
      return NULL;
    }
  const char *path = addr + 5;
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  if (*path == '\0' || strlen (path) >= sizeof sa.sun_path)
    {
      terr_set (err, 0, "bad socket path %s (at most %zu bytes)", path, sizeof sa.sun_path - 1);
      return NULL;
    }
  memcpy (sa.sun_path, path, strlen (path) + 1);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      terr_set (err, errno, "socket");
      return NULL;
    }
  /* no retry on EINTR: the connect would go on in the background (EALREADY) */
  if (connect (fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    {
      terr_set (err, errno, "cannot connect to %s", path);
      close (fd);
      return NULL;
    }
  struct conn *c = conn_from_fd (fd, err);
  if (c == NULL)
    terr_wrap (err, "%s", path);
  return c;
}

void conn_close (struct conn *c)
{
  if (c == NULL)
    return;
  if (c->fd >= 0)
    close (c->fd);
  free (c->out);
  free (c);
}
