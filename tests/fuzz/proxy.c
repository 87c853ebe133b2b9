/* libFuzzer target for the endpoint's handling of guest frames
 * (host/endpoint/proxy.c and what it calls: the handle and request maps, the
 * log, the recorded state): a hostile guest sends arbitrary frames to an
 * endpoint with two clients, which also send frames (so requests and
 * attachments exist for the guest's answers to hit).
 *
 * Input: operations, each an opcode byte and its arguments:
 *   0 GUEST  len16 msg                     a control frame from the guest
 *   1 GDATA  h8 st8 off16 len16 bytes      a data frame from the guest (h 1: the log's handle)
 *   2 CLIENT cl8 type8 h8 len16 payload    a frame from client cl & 1
 *   3 GONE   cl8                           client cl & 1 leaves (and comes back)
 *   4 READY                                the guest answered hello (proxy_guest_ready)
 *   5 LOGACK run8                          the logger acks what it wrote
 *   6 FAIL                                 proxy_fail_all
 * What the endpoint sends to the guest and the clients is read and dropped.
 * ep_fail and ep_finish (the endpoint's end: exit) are wrapped to end the
 * input instead; ep_log is quiet unless FUZZ_LOG is set. The endpoint's state
 * is put back after each input (the log emptied only when written). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ep.h"
#include "fuzz_tmpdir.h"
#include "mkdirp.h"
#include "statedir.h"

#define CHECK(cond) \
  do { \
    if (!(cond)) \
      abort (); \
  } while (0)

#define CTR_ID "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static jmp_buf ended;
static int guest_peer = -1, client_peer[2] = { -1, -1 };
static struct vm_ctr v;
static ContainerInfo info0;
static char top[64];
static uint8_t buf[FRAME_HDR_LEN + FRAME_MAX_PAYLOAD];

_Noreturn void __wrap_ep_fail (const char *why)
{
  (void) why;
  longjmp (ended, 1);
}

_Noreturn void __wrap_ep_finish (void)
{
  longjmp (ended, 1);
}

void __real_ep_log (const char *fmt, ...);
void __wrap_ep_log (const char *fmt, ...)
{
  if (!getenv ("FUZZ_LOG"))
    return;
  char line[512];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (line, sizeof line, fmt, ap);
  va_end (ap);
  __real_ep_log ("%s", line);
}

static int pair (int *peer)
{
  int sv[2];
  CHECK (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
  *peer = sv[0];
  return sv[1];
}

static void drain (int fd)
{
  static uint8_t rd[65536];
  while (fd >= 0 && read (fd, rd, sizeof rd) > 0)
    ;
}

static bool pending (const struct link *l)
{
  return !l->dead && l->out_pos < l->out_len;
}

/* A client that said hello; a live one keeps its socket (emptied), a dead
 * one gets a new pair. */
static void client_up (int cl)
{
  struct ep_client *c = &ep.clients[cl];
  int fd;
  if (c->used && !c->l.dead && c->l.fd >= 0 && client_peer[cl] >= 0)
    {
      drain (client_peer[cl]);
      fd = c->l.fd;
      free (c->l.out);
    }
  else
    {
      if (c->used)
        link_close (&c->l);
      if (client_peer[cl] >= 0)
        close (client_peer[cl]);
      fd = pair (&client_peer[cl]);
    }
  memset (c, 0, sizeof *c - sizeof c->l);
  c->used = true;
  c->hello_done = true;
  snprintf (c->name, sizeof c->name, "fuzz%d", cl);
  link_init (&c->l, fd);
}

static void setup (void)
{
  snprintf (top, sizeof top, "%s", fuzz_tmpdir ("proxy"));
  setenv ("TETHER_STATE_DIR", top, 1);
  setenv ("TETHER_RUN_DIR", top, 1);
  signal (SIGPIPE, SIG_IGN);
  struct terr err = { 0 };
  CHECK (mkdir_p (top, 0700) == 0 && state_dir_make (&err) == 0);
  static char *argv[] = { (char *) "sh" };
  static ContainerConfig cfg = CONTAINER_CONFIG__INIT;
  cfg.id = (char *) CTR_ID;
  cfg.n_argv = 1, cfg.argv = argv;
  CHECK (vm_ctr_paths (&v, CTR_ID, &err) == 0 && mkdir_p (v.dir, 0700) == 0);
  v.cfg = &cfg;
  container_info__init (&v.info);
  v.info.config = &cfg;
  v.info.status = (char *) "running";
  v.info.run = 1;
  v.info.error = v.error;
  snprintf (v.accel, sizeof v.accel, "tcg");
  info0 = v.info;
  ep.v = &v;
  ep.pidfd = ep.listen_fd = ep.lock_fd = ep.beat_fd = -1;
  CHECK (logstore_open (&ep.log, v.dir, 0, 0, &err) == 0);
  link_init (&ep.guest, pair (&guest_peer));
}

/* The endpoint as it is once the guest answered and two clients said hello. */
static void reset (void)
{
  if (ep.log.next[STREAM_STDOUT] || ep.log.next[STREAM_STDERR])
    {
      struct terr err = { 0 };
      char dir[sizeof ep.log.dir];
      snprintf (dir, sizeof dir, "%s", ep.log.dir);
      logstore_close (&ep.log);
      DIR *d = opendir (dir);
      for (struct dirent *e; d && (e = readdir (d)) != NULL;)
        if (e->d_name[0] != '.')
          unlinkat (dirfd (d), e->d_name, 0);
      if (d)
        closedir (d);
      CHECK (logstore_open (&ep.log, v.dir, 0, 0, &err) == 0);
    }
  Health *h = v.info.health;
  v.info = info0;
  v.info.health = h;
  v.error[0] = '\0';
  v.unresponsive = false;
  memset (ep.hmap, 0, sizeof ep.hmap);
  memset (ep.rmap, 0, sizeof ep.rmap);
  ep.next_gh = EP_LOG_HANDLE;
  ep.next_grid = 0;
  ep.config_grid = 0;
  ep.config_sent = false;
  ep.guest_connected = ep.guest_ready = true;
  ep.run_known = false;
  ep.guest_gone = ep.has_exit = ep.failed = ep.quit_now = ep.client_attach_seen = false;
  ep.poweroff_deadline_ms = ep.stop_deadline_ms = ep.powerdown_next_ms = 0;
  ep.log_acked[STREAM_STDOUT] = ep.log_acked[STREAM_STDERR] = 0;
  ep.guest.dead = false;
  ep.guest.out_len = ep.guest.out_pos = 0;
  frame_decoder_init (&ep.guest.dec);
  for (int cl = 0; cl < 2; cl++)
    client_up (cl);
}

struct input {
  const uint8_t *p, *end;
};

static unsigned take (struct input *in, int n)
{
  unsigned x = 0;
  for (int i = 0; i < n; i++)
    x |= (unsigned) (in->p < in->end ? *in->p++ : 0) << (8 * i);
  return x;
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

/* A peer is read only when its link had something to send: the endpoint
 * writes to these sockets through link_flush alone (three reads per
 * operation were a tenth of the target's time). */
static void flush_all (void)
{
  bool had = pending (&ep.guest);
  if (link_flush (&ep.guest) < 0)
    ep.guest.dead = true;
  if (had)
    drain (guest_peer);
  for (int cl = 0; cl < 2; cl++)
    {
      struct ep_client *c = &ep.clients[cl];
      had = c->used && pending (&c->l);
      if (c->used && link_flush (&c->l) < 0)
        c->l.dead = true;
      if (had)
        drain (client_peer[cl]);
      if (c->used && c->l.dead)
        {
          proxy_client_gone (&ep, cl);
          client_up (cl);
        }
    }
}

/* GONE, READY and FAIL scan the maps (1536 entries) under coverage
 * instrumentation: a few per input find as much as many, at a fraction of the
 * time; past that they do nothing. */
static unsigned scans;

static void op (struct input *in)
{
  unsigned code = take (in, 1) % 7;
  if ((code == 3 || code == 4 || code == 6) && scans++ >= 4)
    code = 7;
  size_t n;
  struct frame f = { 0 };
  switch (code)
    {
    case 0:
      n = take (in, 2);
      f.type = FRAME_CONTROL;
      f.payload = take_bytes (in, &n);
      f.len = (uint32_t) n;
      proxy_guest_frame (&ep, &f);
      break;
    case 1:
      {
        unsigned h = take (in, 1);
        struct data_hdr dh = { .stream = (uint8_t) take (in, 1), .offset = take (in, 2) };
        n = take (in, 2);
        const uint8_t *p = take_bytes (in, &n);
        data_hdr_encode (buf, &dh);
        memcpy (buf + DATA_HDR_LEN, p, n);
        f.type = FRAME_DATA;
        f.handle = h;
        f.payload = buf;
        f.len = (uint32_t) (DATA_HDR_LEN + n);
        proxy_guest_frame (&ep, &f);
      }
      break;
    case 2:
      {
        int cl = (int) (take (in, 1) & 1);
        uint8_t type = (uint8_t) (take (in, 1) & 1 ? FRAME_DATA : FRAME_CONTROL);
        uint32_t h = take (in, 1);
        n = take (in, 2);
        const uint8_t *p = take_bytes (in, &n);
        proxy_client_frame (&ep, cl, type, h, p, (uint32_t) n);
      }
      break;
    case 3:
      {
        int cl = (int) (take (in, 1) & 1);
        proxy_client_gone (&ep, cl);
        client_up (cl);
      }
      break;
    case 4:
      proxy_guest_ready (&ep);
      break;
    case 5:
      proxy_log_ack (&ep, take (in, 1));
      break;
    case 6:
      proxy_fail_all (&ep, "fuzz: the guest went away");
      break;
    }
  flush_all ();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static bool ready;
  if (!ready)
    {
      setup ();
      ready = true;
    }
  reset ();
  scans = 0;
  struct input in = { data, data + size };
  if (setjmp (ended) == 0)
    for (int ops = 0; in.p < in.end && ops < 256; ops++)
      op (&in);
  flush_all ();
  return 0;
}
