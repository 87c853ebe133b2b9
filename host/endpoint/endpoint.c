/* The per-VM endpoint's loop: reach the guest (and again after a lost channel),
 * serve clients, the timers of its bounds; the VM's life is eplife.c
 * (docs/endpoint.md). */
#include "clock.h"
#include "ep.h"
#include "loop.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "adopt.h"
#include "qemu.h"
#include "qmp.h"
#include "timefmt.h"

#define EP_TICK_MS 50

struct ep ep;


void ep_log (const char *fmt, ...)
{
  char t[RFC3339_LEN];
  va_list ap;
  va_start (ap, fmt);
  fprintf (stderr, "%s endpoint: ", fmt_rfc3339 (now_real_ns (), t));
  vfprintf (stderr, fmt, ap);
  fputc ('\n', stderr);
  va_end (ap);
}

/* Where QEMU's channel chardev listens now (QMP query-chardev: a chardev-change,
 * a migration, may move it): "unix:PATH,server=on" of the chardev ch0. */
static void find_channel (void)
{
  static int64_t last_ms;
  int64_t now = now_mono_ms ();
  if (now - last_ms < 1000 || ep.qemu_gone)
    return;
  last_ms = now;
  struct terr err;
  terr_clear (&err);
  json_t *devs = qmp_query (ep.v->qmp_sock, "query-chardev", EP_QMP_MS, &err);
  size_t i;
  json_t *d;
  json_array_foreach (devs, i, d)
  {
    const char *label = json_string_value (json_object_get (d, "label"));
    const char *file = json_string_value (json_object_get (d, "filename"));
    /* "unix:PATH,server=on", "disconnected:unix:PATH,server=on" while nobody is connected */
    if (file && strncmp (file, "disconnected:", 13) == 0)
      file += 13;
    if (!label || strcmp (label, "ch0") != 0 || !file || strncmp (file, "unix:", 5) != 0)
      continue;
    size_t n = strcspn (file + 5, ",");
    if (n > 0 && n < sizeof ep.v->chan_sock
        && (strncmp (file + 5, ep.v->chan_sock, n) != 0 || ep.v->chan_sock[n] != '\0'))
      {
        snprintf (ep.v->chan_sock, sizeof ep.v->chan_sock, "%.*s", (int) n, file + 5);
        ep_log ("the channel listens at %s now", ep.v->chan_sock);
        ep_save ();
      }
  }
  json_decref (devs);
}

static void guest_connect (void)
{
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  snprintf (sa.sun_path, sizeof sa.sun_path, "%s", ep.v->chan_sock);
  if (fd < 0 || connect (fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    {
      if (fd >= 0)
        close (fd);
      find_channel (); /* moved? */
      return;
    }
  fcntl (fd, F_SETFL, O_NONBLOCK);
  link_init (&ep.guest, fd);
  ep.guest.pcrc = ep.v->serial_channel; /* DESIGN §2: on for the 16550 from the first hello */
  ep.guest_connected = true;
  ep.config_sent = false;
}

static void send_hello (void)
{
  Hello h = HELLO__INIT;
  h.min_version = FRAME_VERSION;
  h.max_version = FRAME_VERSION;
  h.features = FEATURE_ACKS | FEATURE_TTY;
  h.host_time_ns = now_real_ns ();
  h.payload_crc = ep.v->serial_channel;
  h.client = (char *) "endpoint";
  /* fresh bytes for the guest's RNG (rngseed.h); a hello without them if the
   * host's pool cannot give them at once */
  uint8_t seed[32];
  if (getrandom (seed, sizeof seed, GRND_NONBLOCK) == (ssize_t) sizeof seed)
    h.entropy.data = seed, h.entropy.len = sizeof seed;
  Msg m = MSG__INIT;
  m.request_id = ++ep.next_grid; /* replies are recognised by their type */
  m.body_case = MSG__BODY_HELLO;
  m.hello = &h;
  link_send_msg (&ep.guest, &m);
  ep.last_hello_ms = now_mono_ms ();
  proxy_send_config (&ep); /* a clone: the round trip of the hello saved */
}

static void accept_clients (void)
{
  for (int round = 0; round < 16; round++)
    {
      int fd = accept4 (ep.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0)
        return;
      int slot = -1;
      for (int i = 0; i < EP_MAX_CLIENTS && slot < 0; i++)
        if (!ep.clients[i].used)
          slot = i;
      if (slot < 0)
        {
          close (fd);
          continue;
        }
      struct ep_client *c = &ep.clients[slot];
      uint8_t *held = c->held;
      memset (c, 0, sizeof *c);
      c->held = held ? held : malloc (FRAME_MAX_PAYLOAD);
      if (c->held == NULL)
        {
          close (fd);
          continue;
        }
      c->used = true;
      link_init (&c->l, fd);
      struct ucred cr;
      socklen_t crl = sizeof cr;
      if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cr, &crl) == 0)
        c->peer_pid = cr.pid, c->peer_uid = cr.uid;
    }
}

static struct watch w_client[EP_MAX_CLIENTS];

static void drop_client (int cl)
{
  proxy_client_gone (&ep, cl);
  loop_del (&w_client[cl]); /* before the fd closes: its number may come back */
  link_close (&ep.clients[cl].l);
  ep.clients[cl].used = false;
  ep.clients[cl].has_held = false;
}

/* Feeds a client's frames to the proxy until one must wait for the guest. */
static void serve_client (int cl)
{
  struct ep_client *c = &ep.clients[cl];
  if (c->has_held)
    {
      if (proxy_client_frame (&ep, cl, c->held_type, c->held_handle, c->held, c->held_len))
        return;
      c->has_held = false;
    }
  struct frame f;
  while (!c->has_held && link_next (&c->l, &f) > 0)
    if (proxy_client_frame (&ep, cl, f.type, f.handle, f.payload, f.len))
      {
        c->has_held = true;
        c->held_type = f.type;
        c->held_handle = f.handle;
        c->held_len = f.len;
        memcpy (c->held, f.payload, f.len);
      }
}

static void timers (void)
{
  int64_t now = now_mono_ms ();
  if (!ep.guest_connected && !ep.qemu_gone && !ep.rebooting)
    guest_connect ();
  bool may_hello = !ep.wait_client || ep.client_attach_seen || now - ep.start_ms > EP_CLIENT_WAIT_MS;
  if (ep.guest_connected && !ep.guest_ready && may_hello && now - ep.last_hello_ms >= EP_HELLO_EVERY_MS)
    send_hello ();
  ep_check_beats (now);
  if (!ep.guest_ready && !ep.rebooting && now > ep.boot_deadline_ms)
    {
      char why[96];
      snprintf (why, sizeof why, "no hello from the guest within %lld s",
                (long long) (ep.boot_deadline_ms - ep.start_ms) / 1000);
      ep_fail (why);
    }
  if (ep.stop_deadline_ms && !ep.qemu_gone && now >= ep.powerdown_next_ms && now < ep.stop_deadline_ms)
    {
      struct terr err;
      ep_log ("stop: the VM is still up, pressing the power button");
      qmp_once (ep.v->qmp_sock, "system_powerdown", NULL, EP_QMP_MS, &err);
      ep.powerdown_next_ms = now + 2000;
    }
  if (ep.quit_now && !ep.qemu_gone)
    {
      ep_log ("--rm and no volume: nothing of this VM is kept, quit without waiting for its power-off");
      ep_kill_qemu ();
      ep_on_qemu_gone ();
    }
  if ((ep.stop_deadline_ms && now >= ep.stop_deadline_ms)
      || (ep.poweroff_deadline_ms && now >= ep.poweroff_deadline_ms))
    {
      ep_log ("the VM did not power off in time: quit");
      ep_kill_qemu ();
      ep_on_qemu_gone ();
    }
}

/* The endpoint's watches on the loop of lib/loop.c. Their interest is set from
 * the state before each round (a backed-up guest stops clients being read, held
 * frames stop their client being read, queued output asks for EPOLLOUT). */
static struct watch w_qemu, w_listen, w_guest;
static struct timer tick;

static void on_qemu_event (struct watch *w, uint32_t events)
{
  (void) w, (void) events;
  ep_on_qemu_gone ();
}

static void on_listen_event (struct watch *w, uint32_t events)
{
  (void) w, (void) events;
  accept_clients ();
}

/* The channel dropped while QEMU runs (QMP chardev-change, a migration): the
 * guest's sessions of every client go with it (its tether resets them on the new
 * hello), so clients are dropped, to reconnect and resume from their offsets;
 * the guest is reached again, within the hello bound, and the log resumes where
 * it stands. An EOF that is QEMU ending looks the same for a moment: the pidfd,
 * when it fires, ends the VM as before. */
void ep_guest_reset (void)
{
  loop_del (&w_guest); /* before the fd closes: its number may come back */
  link_close (&ep.guest);
  ep.guest_connected = ep.guest_ready = false;
  ep.run_known = false; /* runs may have come and gone while it was away */
  for (int i = 0; i < EP_MAX_CLIENTS; i++)
    if (ep.clients[i].used)
      drop_client (i);
  memset (ep.hmap, 0, sizeof ep.hmap);
  memset (ep.rmap, 0, sizeof ep.rmap);
  ep.last_hello_ms = 0;
  ep.boot_deadline_ms = now_mono_ms () + 1000LL * EP_BOOT_TIMEOUT_S;
}

static void guest_lost (void)
{
  ep_log ("the guest channel was lost while QEMU runs: reconnecting");
  ep_guest_reset ();
}

static void on_guest_event (struct watch *w, uint32_t events)
{
  (void) w;
  if (events & EPOLLOUT)
    link_flush (&ep.guest);
  struct frame f;
  for (int round = 0; round < 64 && link_read (&ep.guest) > 0; round++)
    while (link_next (&ep.guest, &f) > 0)
      proxy_guest_frame (&ep, &f);
  if (ep.guest.dead)
    {
      /* after the exit the guest powers off: its EOF comes before QEMU's end, and
       * the clients still waiting for their last replies must not be dropped */
      struct pollfd p = { .fd = ep.pidfd, .events = POLLIN };
      if (!ep.has_exit && ep.pidfd >= 0 && poll (&p, 1, 0) == 0)
        guest_lost ();
      else
        ep.guest_gone = true; /* QEMU is going: the pidfd says when */
    }
}

static void on_client_event (struct watch *w, uint32_t events)
{
  int cl = (int) (w - w_client);
  if (!ep.clients[cl].used)
    return;
  if (events & EPOLLOUT)
    link_flush (&ep.clients[cl].l);
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
    {
      int r = link_read (&ep.clients[cl].l);
      if (r > 0)
        serve_client (cl);
      else if (r < 0)
        drop_client (cl);
    }
}

/* Registers w on fd with events, or changes them; fd -1 unregisters. Watches
 * leave the loop before their fd is closed (drop_client), so an fd number
 * reused by a new client is never confused with the old one. */
static void watch_set (struct watch *w, int fd, uint32_t events, watch_fn fn)
{
  if (w->fn != NULL && w->fd != fd)
    loop_del (w);
  if (fd < 0)
    return;
  if (w->fn == NULL || w->fd != fd)
    {
      struct terr err;
      if (loop_add (w, fd, events, fn, &err) < 0)
        ep_log ("watch fd %d: %s", fd, err.msg);
      return;
    }
  loop_mod (w, events);
}

static void watches_sync (void)
{
  watch_set (&w_qemu, ep.qemu_gone ? -1 : ep.pidfd, EPOLLIN, on_qemu_event);
  watch_set (&w_listen, ep.listen_fd, EPOLLIN, on_listen_event);
  bool guest_live = ep.guest_connected && !ep.guest.dead;
  watch_set (&w_guest, guest_live ? ep.guest.fd : -1, EPOLLIN | (link_has_out (&ep.guest) ? EPOLLOUT : 0),
             on_guest_event);
  /* Backpressure: while the guest link is backed up, take nothing more from
   * clients (a stdin flood must not grow the queue to its limit). */
  bool guest_full = ep.guest.out_len - ep.guest.out_pos > EP_GUEST_BACKLOG;
  for (int i = 0; i < EP_MAX_CLIENTS; i++)
    {
      struct ep_client *c = &ep.clients[i];
      uint32_t ev = (c->has_held || guest_full ? 0 : EPOLLIN) | (link_has_out (&c->l) ? EPOLLOUT : 0);
      watch_set (&w_client[i], c->used ? c->l.fd : -1, ev, on_client_event);
    }
}

/* The bounds and hellos of timers () run at least every EP_TICK_MS. */
static void tick_fn (struct timer *t)
{
  timer_arm (t, EP_TICK_MS, tick_fn);
}

static _Noreturn void loop (void)
{
  struct terr err;
  if (loop_init (&err) < 0)
    ep_fail (err.msg);
  for (int i = 0; i < EP_MAX_CLIENTS; i++)
    w_client[i].fd = -1;
  w_qemu.fd = w_listen.fd = w_guest.fd = -1;
  timer_arm (&tick, EP_TICK_MS, tick_fn);
  timers (); /* the guest reached now, not a tick later: a clone is up at once */
  for (;;)
    {
      watches_sync ();
      loop_run_once ();
      /* frames held for the guest go once it is ready */
      for (int i = 0; i < EP_MAX_CLIENTS; i++)
        if (ep.clients[i].used && ep.clients[i].has_held && (ep.guest_ready || ep.has_exit))
          serve_client (i);
      for (int i = 0; i < EP_MAX_CLIENTS; i++)
        if (ep.clients[i].used && ep.clients[i].l.dead)
          drop_client (i);
        else if (ep.clients[i].used)
          link_flush (&ep.clients[i].l);
      /* logged bytes are acked once per round (again, if out of memory refused it) */
      if (ep.guest_ready && !ep.has_exit && (ep.log.next[1] != ep.log_acked[1] || ep.log.next[2] != ep.log_acked[2]))
        proxy_log_ack (&ep, 0);
      if (ep.guest_connected && !ep.guest.dead)
        link_flush (&ep.guest);
      timers ();
    }
}

/* ---- setup ---- */

static int listen_socket (struct terr *err)
{
  char parent[VM_SOCK_MAX];
  snprintf (parent, sizeof parent, "%s", ep.v->rundir);
  char *slash = strrchr (parent, '/');
  if (slash && slash != parent)
    *slash = '\0', mkdir (parent, 0700);
  mkdir (ep.v->rundir, 0700);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  snprintf (sa.sun_path, sizeof sa.sun_path, "%s", ep.v->ctl_sock);
  unlink (ep.v->ctl_sock);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return terr_set (err, errno, "socket");
  mode_t old = umask (077); /* the socket grants root exec in the container */
  int r = bind (fd, (struct sockaddr *) &sa, sizeof sa);
  umask (old);
  if (r < 0 || listen (fd, 64) < 0)
    {
      terr_set (err, errno, "listen on %s", ep.v->ctl_sock);
      close (fd);
      return -1;
    }
  return fd;
}

_Noreturn void endpoint_main (struct vm_ctr *v, int ready_fd, enum ep_start how)
{
  struct terr err;
  terr_clear (&err);
  signal (SIGPIPE, SIG_IGN);
  signal (SIGCHLD, SIG_IGN); /* QEMU is watched through its pidfd; the kernel reaps it */
  memset (&ep, 0, sizeof ep);
  ep.v = v;
  ep.wait_client = how == EP_BOOT_ATTACHED;
  ep.pidfd = -1;
  ep.next_gh = EP_LOG_HANDLE; /* client handles map above the endpoint's own */
  ep.start_ms = now_mono_ms ();
  const char *bt = getenv ("TETHER_BOOT_TIMEOUT_S");
  ep.boot_deadline_ms = ep.start_ms + 1000LL * (bt && atoi (bt) > 0 ? atoi (bt) : EP_BOOT_TIMEOUT_S);
  /* One endpoint per VM: a second one (two adopters racing) leaves at once,
   * touching nothing. */
  if ((ep.lock_fd = ep_lock (v->dir, &err)) < 0)
    {
      ep_log ("%s", err.msg);
      close (ready_fd);
      exit (0);
    }
  v->endpoint_pid = getpid ();
  /* the log's lengths are where the streams resume (a new log: 0; an adopted
   * VM: what the dead endpoint wrote, and so acked) */
  if (logstore_open (&ep.log, v->dir, v->cfg->log_max_size, v->cfg->log_max_file, &err) < 0)
    {
      close (ready_fd);
      ep_fail (err.msg);
    }
  char bp[VM_PATH_MAX + 16];
  snprintf (bp, sizeof bp, "%s/heartbeat", v->dir);
  ep.beat_fd = open (bp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ep.log_acked[STREAM_STDOUT] = ep.log.next[STREAM_STDOUT];
  ep.log_acked[STREAM_STDERR] = ep.log.next[STREAM_STDERR];
  ep.listen_fd = listen_socket (&err);
  if (ep.listen_fd < 0)
    {
      close (ready_fd);
      ep_fail (err.msg);
    }
  if (how == EP_ADOPT)
    ep_adopt_vm (v, ready_fd);
  else
    ep_boot_vm (v, ready_fd);
  loop ();
}
