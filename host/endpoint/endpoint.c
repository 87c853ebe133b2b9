/* The per-VM endpoint's life: start QEMU, plug the disks, reach the guest,
 * proxy clients, record the run, make sure QEMU ends, exit (docs/endpoint.md). */
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
#define EP_FINAL_FLUSH_MS 2000
#define EP_KILL_WAIT_MS 5000
#define EP_QMP_MS 2000

static struct ep ep;


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

static void save (void)
{
  struct terr err;
  if (vm_state_save (ep.v, &err) < 0)
    ep_log ("state: %s", err.msg);
}

static void set_status (const char *st)
{
  ep.v->info.status = (char *) st;
}

void ep_on_info (struct ep *e, const ContainerInfo *ci)
{
  if (e->has_exit)
    return;
  e->v->info.pid = ci->pid;
  e->v->info.started_ns = ci->started_ns;
  e->v->info.run = ci->run;
  e->v->info.rtc_clock = ci->rtc_clock;
  set_status ("running");
  save ();
}

void ep_on_exit (struct ep *e, const Exit *x)
{
  /* already recorded (an adopting endpoint hears it again): the guest is still
   * waiting for the ack that lets it power off */
  if (e->has_exit)
    {
      proxy_log_ack (e, x->run ? x->run : 1);
      if (e->poweroff_deadline_ms == 0)
        e->poweroff_deadline_ms = now_mono_ms () + EP_POWEROFF_GRACE_MS;
      return;
    }
  ContainerInfo *i = &e->v->info;
  i->restart_count = x->restart_count;
  i->exit_code = x->exit_code;
  i->signal = x->signal;
  i->run = x->run;
  i->started_ns = x->started_ns;
  i->finished_ns = x->finished_ns;
  i->stdout_offset = x->stdout_final;
  i->stderr_offset = x->stderr_final;
  i->pid = 0;
  snprintf (e->v->error, sizeof e->v->error, "%s", x->error ? x->error : "");
  if (x->restarting)
    {
      /* The guest's restart policy starts another run: not the end of the VM. */
      set_status ("restarting");
      save ();
      ep_log ("run %u ended: exit %d; the restart policy starts run %u", x->run, x->exit_code, x->run + 1);
      return;
    }
  /* The logs should be complete now; if a write failed they are not, and the
   * acks never covered the missing bytes: say so rather than pretend. */
  if (x->stdout_final != e->log.next[STREAM_STDOUT] || x->stderr_final != e->log.next[STREAM_STDERR])
    ep_log ("logs incomplete: stdout %llu of %llu bytes, stderr %llu of %llu",
            (unsigned long long) e->log.next[STREAM_STDOUT], (unsigned long long) x->stdout_final,
            (unsigned long long) e->log.next[STREAM_STDERR], (unsigned long long) x->stderr_final);
  set_status ("exited");
  save ();
  e->has_exit = true;
  ep_log ("run %u ended: exit %d%s%s", x->run, x->exit_code, x->error && *x->error ? ": " : "",
          x->error ? x->error : "");
  /* state.json is final: now the guest may power off */
  proxy_log_ack (e, x->run ? x->run : 1);
  e->poweroff_deadline_ms = now_mono_ms () + EP_POWEROFF_GRACE_MS;
}

/* The guest's time in each beat goes to containers/ID/heartbeat (8 bytes written
 * in place, no fsync: it must outlive the endpoint, not the host), so an endpoint
 * that finds the VM gone later dates the end by it, not by when it looked. */
void ep_on_heartbeat (struct ep *e, const Heartbeat *hb)
{
  e->beat_mono_ms = now_mono_ms ();
  e->v->beat_ns = hb->time_ns;
  uint8_t b[8];
  for (int i = 0; i < 8; i++)
    b[i] = (uint8_t) ((uint64_t) hb->time_ns >> (8 * i));
  if (e->beat_fd >= 0 && pwrite (e->beat_fd, b, sizeof b, 0) != (ssize_t) sizeof b)
    (void) 0; /* a lost beat record costs only the precision of a later FinishedAt */
  if (e->v->unresponsive)
    {
      e->v->unresponsive = false;
      ep_log ("the guest answers again (heartbeat %llu)", (unsigned long long) hb->seq);
      save ();
    }
}

/* Beats missed: say so in the state (once), the VM may be hung. */
static void check_beats (int64_t now)
{
  int interval = ep.v->cfg && ep.v->cfg->heartbeat_ms ? (int) ep.v->cfg->heartbeat_ms : 1000;
  if (!ep.guest_ready || ep.beat_mono_ms == 0 || ep.v->unresponsive || ep.has_exit
      || now - ep.beat_mono_ms <= (int64_t) EP_MISSED_BEATS * interval)
    return;
  ep.v->unresponsive = true;
  ep_log ("no heartbeat for %lld ms: the guest is unresponsive", (long long) (now - ep.beat_mono_ms));
  save ();
}

void ep_on_stop (struct ep *e, int timeout_s)
{
  const ContainerConfig *c = e->v->cfg;
  int t = timeout_s > 0 ? timeout_s : c->stop_timeout_s >= 0 ? c->stop_timeout_s : 10;
  int64_t now = now_mono_ms ();
  int64_t dl = now + (int64_t) t * 1000 + EP_STOP_GRACE_MS;
  if (e->stop_deadline_ms == 0 || dl < e->stop_deadline_ms)
    e->stop_deadline_ms = dl;
  e->powerdown_next_ms = now + (int64_t) t * 1000 + 2000;
}

/* ---- ending ---- */

static void kill_qemu (void)
{
  struct terr err;
  if (ep.qemu_gone)
    return;
  if (qmp_once (ep.v->qmp_sock, "quit", NULL, EP_QMP_MS, &err) < 0)
    ep_log ("quit: %s", err.msg);
  struct pollfd p = { .fd = ep.pidfd, .events = POLLIN };
  if (ep.pidfd >= 0 && poll (&p, 1, EP_KILL_WAIT_MS) > 0)
    {
      ep.qemu_gone = true;
      return;
    }
  ep_log ("QEMU did not quit: SIGKILL");
  if (ep.pidfd >= 0)
    syscall (SYS_pidfd_send_signal, ep.pidfd, SIGKILL, NULL, 0);
  else if (ep.v->qemu_pid > 0)
    kill (ep.v->qemu_pid, SIGKILL);
  if (ep.pidfd >= 0)
    poll (&p, 1, EP_KILL_WAIT_MS);
  ep.qemu_gone = true;
}

static void flush_clients (int64_t deadline)
{
  for (;;)
    {
      struct pollfd p[EP_MAX_CLIENTS];
      int n = 0;
      for (int i = 0; i < EP_MAX_CLIENTS; i++)
        if (ep.clients[i].used && !ep.clients[i].l.dead && link_has_out (&ep.clients[i].l))
          {
            link_flush (&ep.clients[i].l);
            if (link_has_out (&ep.clients[i].l) && !ep.clients[i].l.dead)
              p[n++] = (struct pollfd){ .fd = ep.clients[i].l.fd, .events = POLLOUT };
          }
      int64_t left = deadline - now_mono_ms ();
      if (n == 0 || left <= 0)
        return;
      poll (p, (nfds_t) n, (int) left);
    }
}

static _Noreturn void finish (void)
{
  if (!ep.has_exit)
    save ();
  flush_clients (now_mono_ms () + EP_FINAL_FLUSH_MS);
  if (ep.listen_fd >= 0)
    close (ep.listen_fd);
  unlink (ep.v->ctl_sock);
  unlink (ep.v->qmp_sock);
  unlink (ep.v->chan_sock);
  rmdir (ep.v->rundir);
  proxy_log_garbage_total ();
  ep_log ("done");
  exit (0);
}

/* The container ends 125 with the reason and the console tail. */
static _Noreturn void fail (const char *why)
{
  char tail[1200];
  proxy_log_garbage_total ();
  ep_log ("failed: %s", why);
  ep.failed = true;
  kill_qemu ();
  vm_console_tail (ep.v, tail, sizeof tail);
  snprintf (ep.v->error, sizeof ep.v->error, "%s%s%s", why, tail[0] ? "; console:\n" : "", tail);
  ContainerInfo *i = &ep.v->info;
  i->exit_code = 125;
  i->pid = 0;
  if (i->started_ns == 0)
    i->started_ns = now_real_ns ();
  /* a VM that stopped without reporting ended after its last heartbeat and
   * before the next one: that beat dates it (VIC dated it by when it looked) */
  i->finished_ns = ep.qemu_gone && ep.v->beat_ns > i->started_ns ? ep.v->beat_ns : now_real_ns ();
  if (i->run == 0)
    i->run = 1;
  set_status ("exited");
  save ();
  ep.has_exit = true;
  proxy_fail_all (&ep, why);
  finish ();
}

static bool console_says_panic (void)
{
  char tail[4096];
  vm_console_tail (ep.v, tail, sizeof tail);
  return strstr (tail, "Kernel panic") != NULL;
}

static void on_qemu_gone (void)
{
  ep.qemu_gone = true;
  /* whatever the guest sent before it went is still in the socket */
  if (ep.guest_connected && !ep.guest.dead)
    {
      struct frame f;
      while (link_read (&ep.guest) > 0)
        while (link_next (&ep.guest, &f) > 0)
          proxy_guest_frame (&ep, &f);
    }
  if (ep.has_exit)
    finish ();
  if (console_says_panic ())
    fail ("guest panic");
  fail (ep.guest_ready || ep.v->hello_ns
            ? "the VM stopped without reporting the container's end (FinishedAt: its last heartbeat)"
            : "the VM stopped before it was reachable");
}

/* ---- the loop ---- */

static void guest_connect (void)
{
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  snprintf (sa.sun_path, sizeof sa.sun_path, "%s", ep.v->chan_sock);
  if (fd < 0 || connect (fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    {
      if (fd >= 0)
        close (fd);
      return;
    }
  fcntl (fd, F_SETFL, O_NONBLOCK);
  link_init (&ep.guest, fd);
  ep.guest.pcrc = ep.v->serial_channel; /* DESIGN §2: on for the 16550 from the first hello */
  ep.guest_connected = true;
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
  Msg m = MSG__INIT;
  m.request_id = ++ep.next_grid; /* replies are recognised by their type */
  m.body_case = MSG__BODY_HELLO;
  m.hello = &h;
  link_send_msg (&ep.guest, &m);
  ep.last_hello_ms = now_mono_ms ();
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
  if (!ep.guest_connected && !ep.qemu_gone)
    guest_connect ();
  bool may_hello = !ep.wait_client || ep.client_attach_seen || now - ep.start_ms > EP_CLIENT_WAIT_MS;
  if (ep.guest_connected && !ep.guest_ready && may_hello && now - ep.last_hello_ms >= EP_HELLO_EVERY_MS)
    send_hello ();
  check_beats (now);
  if (!ep.guest_ready && now > ep.boot_deadline_ms)
    {
      char why[96];
      snprintf (why, sizeof why, "no hello from the guest within %lld s",
                (long long) (ep.boot_deadline_ms - ep.start_ms) / 1000);
      fail (why);
    }
  if (ep.stop_deadline_ms && !ep.qemu_gone && now >= ep.powerdown_next_ms && now < ep.stop_deadline_ms)
    {
      struct terr err;
      ep_log ("stop: the VM is still up, pressing the power button");
      qmp_once (ep.v->qmp_sock, "system_powerdown", NULL, EP_QMP_MS, &err);
      ep.powerdown_next_ms = now + 2000;
    }
  if ((ep.stop_deadline_ms && now >= ep.stop_deadline_ms)
      || (ep.poweroff_deadline_ms && now >= ep.poweroff_deadline_ms))
    {
      ep_log ("the VM did not power off in time: quit");
      kill_qemu ();
      on_qemu_gone ();
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
  on_qemu_gone ();
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
static void guest_lost (void)
{
  ep_log ("the guest channel was lost while QEMU runs: reconnecting");
  loop_del (&w_guest); /* before the fd closes: its number may come back */
  link_close (&ep.guest);
  ep.guest_connected = ep.guest_ready = false;
  for (int i = 0; i < EP_MAX_CLIENTS; i++)
    if (ep.clients[i].used)
      drop_client (i);
  memset (ep.hmap, 0, sizeof ep.hmap);
  memset (ep.rmap, 0, sizeof ep.rmap);
  ep.last_hello_ms = 0;
  ep.boot_deadline_ms = now_mono_ms () + 1000LL * EP_BOOT_TIMEOUT_S;
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
      struct pollfd p = { .fd = ep.pidfd, .events = POLLIN };
      if (ep.pidfd >= 0 && poll (&p, 1, 0) == 0)
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
    fail (err.msg);
  for (int i = 0; i < EP_MAX_CLIENTS; i++)
    w_client[i].fd = -1;
  w_qemu.fd = w_listen.fd = w_guest.fd = -1;
  timer_arm (&tick, EP_TICK_MS, tick_fn);
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

/* A fresh VM: QEMU started, its pidfd, the disks plugged. */
static void boot_vm (struct vm_ctr *v, int ready_fd)
{
  struct terr err;
  terr_clear (&err);
  if (qemu_spawn (v, &err) < 0)
    {
      close (ready_fd);
      fail (err.msg);
    }
  v->boot_ns = now_real_ns ();
  ep.pidfd = (int) syscall (SYS_pidfd_open, v->qemu_pid, 0);
  if (ep.pidfd < 0)
    {
      close (ready_fd);
      fail ("QEMU exited at once (see the console)");
    }
  ep_log ("QEMU pid %d (%s), clients on %s", v->qemu_pid, v->accel, v->ctl_sock);
  save ();
  if (write (ready_fd, "R", 1) < 0)
    (void) 0; /* the run may have gone: it does not matter */
  close (ready_fd);
  if (qemu_plug_disks (v, &err) < 0)
    {
      struct pollfd p = { .fd = ep.pidfd, .events = POLLIN };
      if (poll (&p, 1, 0) > 0)
        on_qemu_gone ();
      fail (err.msg);
    }
}

/* A VM whose endpoint died: the QEMU it recorded, if that process still runs.
 * The guest is reached again through the channel socket and a new hello; the log
 * resumes at the length of the files. A VM that went meanwhile is recorded as
 * ended without its status, with how much of its output is kept. */
static void adopt_vm (struct vm_ctr *v, int ready_fd)
{
  struct terr err;
  terr_clear (&err);
  ep.has_exit = v->info.status && strcmp (v->info.status, "exited") == 0;
  ep.pidfd = qemu_find (v, &err);
  if (ep.pidfd < 0)
    {
      close (ready_fd);
      ep.qemu_gone = true;
      if (ep.has_exit)
        finish ();
      char why[512];
      snprintf (why, sizeof why,
                "the VM stopped while no endpoint was attached (%s); the logs hold stdout to byte %llu, "
                "stderr to byte %llu",
                err.msg, (unsigned long long) ep.log.next[STREAM_STDOUT],
                (unsigned long long) ep.log.next[STREAM_STDERR]);
      fail (why);
    }
  ep_log ("adopted QEMU pid %d; logs resume at stdout %llu, stderr %llu", v->qemu_pid,
          (unsigned long long) ep.log.next[STREAM_STDOUT], (unsigned long long) ep.log.next[STREAM_STDERR]);
  save ();
  if (write (ready_fd, "R", 1) < 0)
    (void) 0;
  close (ready_fd);
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
      fail (err.msg);
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
      fail (err.msg);
    }
  if (how == EP_ADOPT)
    adopt_vm (v, ready_fd);
  else
    boot_vm (v, ready_fd);
  loop ();
}
