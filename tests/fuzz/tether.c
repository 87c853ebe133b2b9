/* libFuzzer target for the tether's whole message handling: a fuzzed client
 * drives conn.c, dispatch.c, container.c, session.c, attach.c, stdin.c, exec.c,
 * health.c and restart.c as `tether --listen` runs them, against stub
 * processes. tether_stub.c holds the seam (link-time --wrap of clone, pidfds,
 * setns, kill, waitpid, epoll_wait's timeout and the clock: docs/fuzzing.md),
 * so the production code runs unchanged and no process is ever made.
 *
 * Input: a list of operations, each an opcode byte (low nibble: the operation;
 * bit 4: which of two clients) and its arguments:
 *   0 CTRL  len16 msg         a control frame carrying msg (a packed Msg)
 *   1 DATA  h8 st8 off16 len16 bytes   a data frame (stdin) on handle h
 *   2 RAW   len16 bytes       bytes as they are (garbage, partial frames)
 *   3 ACK   h8                an Ack of everything received on handle h, and its exit
 *   4 PROC  k8 act8 arg16 [len16 bytes]  stub process k does act (tether_stub.h)
 *   5 TIME  ms16              the clock moves on ms * 4 (timers fire)
 *   6 CLOSE how8              the client closes (how & 1: only its sending side)
 *   7 STALL                   the client stops reading (toggles): backpressure
 * A client connects (and says hello) on its first operation. After each
 * operation the loop runs until it is idle, as main.c's loop does (with the
 * frees between rounds). At the end every container is removed with force and
 * the clock runs on until everything is freed: what is left is a leak or a
 * container that cannot be removed, and fails the input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "msg.h"
#include "ring.h"
#include "tether.h"
#include "tether_stub.h"

#define CHECK(cond) \
  do { \
    if (!(cond)) \
      abort (); \
  } while (0)

#define N_HANDLES 16

struct client {
  int fd;                     /* our end; -1 = not connected */
  bool stalled;
  struct frame_decoder dec;
  struct { uint64_t off[2]; uint32_t exit_run; } seen[N_HANDLES];
};

static struct client clients[2];
static bool trace; /* FUZZ_LOG set: what the clients get, on stderr */
static struct msg_arena arena;
static uint8_t buf[FRAME_HDR_LEN + FRAME_MAX_PAYLOAD + FRAME_PCRC_LEN];

struct input {
  const uint8_t *p, *end;
};

static unsigned take (struct input *in, int n)
{
  unsigned v = 0;
  for (int i = 0; i < n; i++)
    v |= (unsigned) (in->p < in->end ? *in->p++ : 0) << (8 * i);
  return v;
}

static const uint8_t *take_bytes (struct input *in, size_t *n)
{
  size_t left = (size_t) (in->end - in->p);
  if (*n > left)
    *n = left;
  const uint8_t *s = in->p;
  in->p += *n;
  return s;
}

/* Everything the tether sent this client: data offsets and exits by handle. */
static void client_read (struct client *cl)
{
  if (cl->fd < 0 || cl->stalled)
    return;
  uint8_t rd[65536];
  ssize_t n;
  while ((n = read (cl->fd, rd, sizeof rd)) > 0)
    {
      const uint8_t *p = rd;
      size_t len = (size_t) n;
      while (len)
        {
          struct frame f;
          size_t used = 0;
          enum frame_status st = frame_decoder_feed (&cl->dec, p, len, &used, &f);
          p += used;
          len -= used;
          /* the tether sends only good frames */
          CHECK (st != FRAME_REJECTED);
          if (st != FRAME_READY)
            continue;
          if (trace)
            fprintf (stderr, "client %d <- %s handle %u, %u bytes\n", (int) (cl - clients),
                     f.type == FRAME_DATA ? "data" : "control", f.handle, f.len);
          if (f.type == FRAME_DATA)
            {
              struct data_hdr h;
              CHECK (data_hdr_decode (f.payload, f.len, &h) == 0);
              if (f.handle < N_HANDLES && h.stream >= 1 && h.stream <= 2)
                cl->seen[f.handle].off[h.stream - 1] = h.offset + (f.len - DATA_HDR_LEN);
              continue;
            }
          msg_arena_reset (&arena);
          Msg *m = msg_unpack (&arena, f.payload, f.len);
          CHECK (m != NULL);
          if (trace)
            fprintf (stderr, "  %s%s%s\n", msg_name (m), m->body_case == MSG__BODY_ERROR ? ": " : "",
                     m->body_case == MSG__BODY_ERROR && m->error->text ? m->error->text : "");
          if (m->body_case == MSG__BODY_EXIT && m->exit->handle < N_HANDLES)
            cl->seen[m->exit->handle].exit_run = m->exit->run;
        }
    }
  if (n == 0)
    {
      close (cl->fd); /* the tether dropped us: the next operation connects again */
      cl->fd = -1;
      return;
    }
  CHECK (errno == EAGAIN);
}

/* The loop until nothing is left to do now, as main.c runs it. */
static void settle (void)
{
  for (int round = 0, idle = 0; round < 64 && idle < 1; round++)
    {
      unsigned before = stub_events;
      loop_run_once ();
      session_gc ();
      conn_reap_closed ();
      container_reap_dead ();
      for (int i = 0; i < 2; i++)
        client_read (&clients[i]);
      idle = stub_events == before ? idle + 1 : 0;
    }
}

static void send_bytes (struct client *cl, const void *p, size_t n)
{
  /* a full socket drops the rest: the tether is not reading, which is its right */
  if (cl->fd >= 0 && write (cl->fd, p, n) < 0)
    CHECK (errno == EAGAIN || errno == EPIPE || errno == ECONNRESET);
}

static void send_msg (struct client *cl, const Msg *m)
{
  ssize_t n = msg_frame_pack (m, 0, buf, sizeof buf);
  if (n > 0)
    send_bytes (cl, buf, (size_t) n);
}

static void client_connect (struct client *cl)
{
  int sv[2];
  CHECK (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
  struct terr err = { 0 };
  CHECK (conn_new (sv[1], false, &err) != NULL);
  cl->fd = sv[0];
  cl->stalled = false;
  frame_decoder_init (&cl->dec);
  memset (cl->seen, 0, sizeof cl->seen);
  Hello h = HELLO__INIT;
  h.min_version = h.max_version = FRAME_VERSION;
  h.client = (char *) "fuzz";
  Msg m = MSG__INIT;
  m.request_id = 1;
  m.body_case = MSG__BODY_HELLO;
  m.hello = &h;
  send_msg (cl, &m);
}

static void client_close (struct client *cl, bool half)
{
  if (cl->fd < 0)
    return;
  if (half)
    {
      shutdown (cl->fd, SHUT_WR);
      return;
    }
  close (cl->fd);
  cl->fd = -1;
}

static void op_data (struct client *cl, struct input *in)
{
  uint32_t handle = take (in, 1);
  struct data_hdr h = { .stream = (uint8_t) take (in, 1), .offset = take (in, 2) };
  size_t n = take (in, 2);
  const uint8_t *p = take_bytes (in, &n);
  data_frame_begin (buf, handle, &h, (uint32_t) n, 0);
  memcpy (buf + FRAME_HDR_LEN + DATA_HDR_LEN, p, n);
  send_bytes (cl, buf, FRAME_HDR_LEN + DATA_HDR_LEN + n);
}

static void op_ack (struct client *cl, struct input *in)
{
  unsigned h = take (in, 1) % N_HANDLES;
  Ack a = ACK__INIT;
  a.handle = h;
  a.stdout_offset = cl->seen[h].off[0];
  a.stderr_offset = cl->seen[h].off[1];
  a.exit_run = cl->seen[h].exit_run;
  Msg m = MSG__INIT;
  m.body_case = MSG__BODY_ACK;
  m.ack = &a;
  send_msg (cl, &m);
}

static void op (struct input *in)
{
  unsigned code = take (in, 1);
  struct client *cl = &clients[(code >> 4) & 1];
  unsigned what = code & 0x0f;
  if (cl->fd < 0 && what <= 3)
    client_connect (cl);
  size_t n;
  switch (what)
    {
    case 0:
    case 2:
      n = take (in, 2);
      {
        const uint8_t *p = take_bytes (in, &n);
        if (what == 2)
          send_bytes (cl, p, n);
        else
          {
            frame_header_encode (buf, FRAME_CONTROL, 0, 0, (uint32_t) n);
            memcpy (buf + FRAME_HDR_LEN, p, n);
            send_bytes (cl, buf, FRAME_HDR_LEN + n);
          }
      }
      break;
    case 1:
      op_data (cl, in);
      break;
    case 3:
      op_ack (cl, in);
      break;
    case 4:
      {
        unsigned k = take (in, 1), act = take (in, 1), arg = take (in, 2);
        n = stub_act_takes_bytes (act) ? take (in, 2) : 0;
        const uint8_t *p = take_bytes (in, &n);
        stub_act (k, act, arg, p, n);
      }
      break;
    case 5:
      stub_advance_ms ((int64_t) take (in, 2) * 4);
      break;
    case 6:
      client_close (cl, take (in, 1) & 1);
      break;
    case 7:
      cl->stalled = !cl->stalled;
      break;
    default:
      break;
    }
  settle ();
}

/* Removes every container and lets the clock run until all is freed. */
static void teardown (void)
{
  for (int i = 0; i < 2; i++)
    {
      client_close (&clients[i], false);
      clients[i].stalled = false;
    }
  settle ();
  for (int round = 0; round < 20 && (containers || conns || stub_live ()); round++)
    {
      for (struct container *c = containers; c; c = c->next)
        if (!c->removing)
          {
            struct terr err = { 0 };
            container_remove (c, true, &err);
          }
      stub_advance_ms (60000);
      settle ();
    }
  CHECK (containers == NULL);
  CHECK (conns == NULL);
  /* every ring freed is uncounted: a leak here would starve later streams */
  CHECK (ring_global_bytes () == 0);
  stub_reset ();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static bool ready;
  if (!ready)
    {
      stub_init ();
      trace = getenv ("FUZZ_LOG") != NULL;
      clients[0].fd = clients[1].fd = -1;
      ready = true;
    }
  struct input in = { data, data + size };
  for (int ops = 0; in.p < in.end && ops < 256; ops++)
    op (&in);
  teardown ();
  return 0;
}
