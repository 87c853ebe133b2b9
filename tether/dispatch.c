/* One control message in, its reply out (docs/sessions.md). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "log.h"
#include "msg.h"
#include "tether.h"
#include "vm.h"

#define LIST_CHUNK 64 /* containers per container_list message: stays under one frame */

static void reply (struct conn *c, uint64_t rid, Msg *m)
{
  m->request_id = rid;
  conn_send (c, m);
}

static void reply_err (struct conn *c, uint64_t rid, const struct terr *e)
{
  conn_send_error (c, rid, e->code ? e->code : ERR_INTERNAL, e->msg, e->exit_code);
}

static void reply_ok (struct conn *c, uint64_t rid, const char *id)
{
  Msg m = MSG__INIT;
  Ok ok = OK__INIT;
  ok.id = (char *) (id ? id : "");
  m.body_case = MSG__BODY_OK;
  m.ok = &ok;
  reply (c, rid, &m);
}

static void on_hello (struct conn *c, uint64_t rid, const Hello *h)
{
  if (h->min_version > FRAME_VERSION || (h->max_version && h->max_version < FRAME_VERSION))
    {
      char text[120];
      snprintf (text, sizeof text, "no common protocol version: client %u..%u, tether %u", h->min_version,
                h->max_version, FRAME_VERSION);
      conn_send_error (c, rid, ERR_VERSION, text, 0);
      return;
    }
  conn_reset (c); /* a new hello is a new connection: handles reset, containers stay */
  c->hello_done = true;
  snprintf (c->client, sizeof c->client, "%s", h->client ? h->client : "");
  tether_on_hello (h);
  Msg m = MSG__INIT;
  HelloReply hr = HELLO_REPLY__INIT;
  hr.version = FRAME_VERSION;
  hr.features = FEATURE_ACKS | FEATURE_TTY;
  hr.guest_time_ns = now_real_ns ();
  hr.payload_crc = h->payload_crc;
  hr.tether_version = (char *) TETHER_VERSION;
  hr.boot_id = tether_boot_id;
  hr.clock_stepped = tether_clock_stepped;
  m.body_case = MSG__BODY_HELLO_REPLY;
  m.hello_reply = &hr;
  reply (c, rid, &m);
  /* The reply goes out in the old mode; everything after it in the agreed one. */
  c->pcrc = h->payload_crc;
}

static void on_create (struct conn *c, uint64_t rid, const Create *cr)
{
  struct terr e = { 0 };
  if (vm_mode)
    {
      conn_send_error (c, rid, ERR_BAD_REQUEST, "a VM runs the container of its config: send config", 0);
      return;
    }
  bool existed;
  struct container *ct = container_create (cr->config, &existed, &e);
  if (!ct)
    reply_err (c, rid, &e);
  else
    reply_ok (c, rid, ct->id);
}

/* The reply waits until the command has begun or failed (session_start_settled):
 * a launch failure is the start's error, as docker's. A VM's own container is
 * started by the boot: a start of it waits for that start's outcome. */
static void on_start (struct conn *c, uint64_t rid, const Start *st)
{
  struct terr e = { 0 };
  struct container *ct = container_find (st->id, &e);
  if (!ct)
    {
      reply_err (c, rid, &e);
      return;
    }
  struct session *s = &ct->primary;
  if (vm_owns_start (ct))
    {
      if (s->start_settled && !s->launched)
        conn_send_error (c, rid, ERR_LAUNCH, s->error, s->launch_code ? s->launch_code : 125);
      else if (s->start_settled)
        {
          Msg m = MSG__INIT;
          Started sd;
          session_fill_started (s, &sd);
          m.body_case = MSG__BODY_STARTED;
          m.started = &sd;
          reply (c, rid, &m);
        }
      else
        waiter_add (s, c, rid, WAIT_START);
      return;
    }
  if (container_start (ct, &e) < 0)
    {
      reply_err (c, rid, &e);
      return;
    }
  waiter_add (s, c, rid, WAIT_START);
}

/* A container's primary or an exec session, by container ref or exec id. */
static struct session *find_session (const char *ref, struct terr *e)
{
  struct session *s = ref ? exec_find (ref, NULL) : NULL;
  if (s)
    return s;
  struct container *ct = container_find (ref, e);
  return ct ? &ct->primary : NULL;
}

static void on_attach (struct conn *c, uint64_t rid, const Attach *at)
{
  struct terr e = { 0 };
  struct session *s = find_session (at->id, &e);
  struct attach *a = s ? session_attach (s, c, at->handle, at->stdout_offset, at->stderr_offset, at->want_stdin, &e)
                       : NULL;
  if (!a)
    {
      reply_err (c, rid, &e);
      return;
    }
  Msg m = MSG__INIT;
  Attached r = ATTACHED__INIT;
  r.handle = a->handle;
  r.stdout_offset = a->sent[0];
  r.stderr_offset = a->sent[1];
  r.stdin_offset = s->in_written + s->in_ring.len;
  r.id = s->kind == SESSION_EXEC ? s->exec_id : s->c->id;
  m.body_case = MSG__BODY_ATTACHED;
  m.attached = &r;
  reply (c, rid, &m);
  session_pump (s);
}

static void on_exec (struct conn *c, uint64_t rid, const Exec *ex)
{
  struct terr e = { 0 };
  struct container *ct = container_find (ex->container_id, &e);
  struct session *s = NULL;
  int r = ct ? exec_start (ct, ex, c, &s, &e) : -1;
  if (r < 0)
    {
      reply_err (c, rid, &e);
      return;
    }
  if (!ex->detach && ex->handle && !conn_find_handle (c, ex->handle)
      && !session_attach (s, c, ex->handle, 0, 0, ex->open_stdin, &e))
    {
      reply_err (c, rid, &e);
      return;
    }
  Msg m = MSG__INIT;
  ExecStarted es = EXEC_STARTED__INIT;
  es.exec_id = s->exec_id;
  es.pid = s->pid;
  es.started_ns = s->started_ns;
  m.body_case = MSG__BODY_EXEC_STARTED;
  m.exec_started = &es;
  reply (c, rid, &m);
  session_pump (s);
}

static void on_signal (struct conn *c, uint64_t rid, const Signal *sg)
{
  struct terr e = { 0 };
  struct session *s = find_session (sg->id, &e);
  if (!s)
    {
      reply_err (c, rid, &e);
      return;
    }
  if (s->kind == SESSION_PRIMARY)
    {
      if (container_signal (s->c, (int) sg->signo, &e) < 0)
        {
          reply_err (c, rid, &e);
          return;
        }
    }
  else if (!session_running (s) || run_request_signal (s, (int) sg->signo) < 0)
    {
      conn_send_error (c, rid, ERR_CONFLICT, "exec session is not running", 0);
      return;
    }
  reply_ok (c, rid, sg->id);
}

static void on_resize (struct conn *c, uint64_t rid, const Resize *rs)
{
  struct attach *a = conn_find_handle (c, rs->handle);
  if (!a || a->s->tty_fd < 0)
    {
      conn_send_error (c, rid, ERR_NOT_FOUND, "no tty on that handle", 0);
      return;
    }
  struct winsize ws = { .ws_row = (unsigned short) rs->rows, .ws_col = (unsigned short) rs->cols };
  if (ioctl (a->s->tty_fd, TIOCSWINSZ, &ws) < 0)
    {
      conn_send_error (c, rid, ERR_INTERNAL, "TIOCSWINSZ failed", 0);
      return;
    }
  reply_ok (c, rid, NULL);
}

static void on_wait_or_stop (struct conn *c, uint64_t rid, const char *id, bool stop, int signo, int timeout_s)
{
  struct terr e = { 0 };
  struct container *ct = container_find (id, &e);
  if (!ct)
    {
      reply_err (c, rid, &e);
      return;
    }
  struct session *s = &ct->primary;
  if (stop)
    container_stop (ct, signo, timeout_s);
  /* docker's wait while restarting: the next run's end (the back-off is not an end);
   * a container never started yet waits for its run, one whose start failed does not */
  bool never_ran = ct->state == C_CREATED && s->run == 0;
  if (session_running (s) || (!stop && (never_ran || ct->state == C_RESTARTING)))
    waiter_add (s, c, rid, WAIT_EXIT);
  else
    session_send_exit (s, c, rid, 0);
}

static void on_remove (struct conn *c, uint64_t rid, const Remove *rm)
{
  struct terr e = { 0 };
  struct container *ct = container_find (rm->id, &e);
  if (!ct || vm_refuses ("remove", ct, &e))
    {
      reply_err (c, rid, &e);
      return;
    }
  char id[65];
  snprintf (id, sizeof id, "%s", ct->id);
  int r = container_remove (ct, rm->force, &e);
  if (r < 0)
    {
      reply_err (c, rid, &e);
      return;
    }
  if (r > 0)
    waiter_add (&ct->primary, c, rid, WAIT_REMOVE);
  else
    reply_ok (c, rid, id);
}

/* Each list message must fit one frame: fill it up to a byte budget, and leave a
 * config out of an entry that alone would not fit. */
#define LIST_BUDGET (FRAME_MAX_PAYLOAD - 1024)
static ContainerInfo list_infos[LIST_CHUNK];

/* Fills list_infos[k] for ct and returns its packed size; a config that alone
 * would not fit a frame is left out (inspect shows what fits). */
static size_t list_fill (size_t k, struct container *ct, bool one)
{
  ContainerInfo *info = &list_infos[k];
  container_fill_info (ct, info, NULL);
  if (!one && info->health)
    info->health->n_log = 0; /* ps needs the status; the log (up to 20 KiB) is for inspect */
  size_t sz = container_info__get_packed_size (info) + 8;
  if (sz > LIST_BUDGET)
    {
      info->config = NULL;
      sz = container_info__get_packed_size (info) + 8;
    }
  return sz;
}

/* Sends list_infos[0..n) as one container_list message. */
static void send_list_page (struct conn *c, uint64_t rid, size_t n, bool more)
{
  ContainerInfo *ptrs[LIST_CHUNK];
  for (size_t k = 0; k < n; k++)
    ptrs[k] = &list_infos[k];
  Msg m = MSG__INIT;
  ContainerList cl = CONTAINER_LIST__INIT;
  cl.containers = ptrs;
  cl.n_containers = n;
  cl.more = more;
  m.body_case = MSG__BODY_CONTAINER_LIST;
  m.container_list = &cl;
  reply (c, rid, &m);
}

/* Pages go out while the client reads them (the conn's out ring has room), so
 * any number of containers lists without piling replies up. The table is
 * newest first by seq; the cursor is the seq below which listing continues, so
 * containers created or removed between pages cannot break it. */
void dispatch_list_continue (struct conn *c)
{
  while (c->list.active && !c->closed && c->out.len < CONN_OUT_DATA)
    {
      size_t n = 0, bytes = 0;
      uint64_t last_seq = c->list.next_seq;
      bool more = false;
      for (struct container *ct = containers; ct; ct = ct->next)
        {
          if (ct->seq >= c->list.next_seq || !(c->list.all || ct->state == C_RUNNING || ct->state == C_RESTARTING))
            continue;
          if (n == LIST_CHUNK)
            {
              more = true;
              break;
            }
          size_t sz = list_fill (n, ct, false);
          if (n > 0 && bytes + sz > LIST_BUDGET)
            {
              more = true; /* filled but not taken: the next page starts with it */
              break;
            }
          n++;
          bytes += sz;
          last_seq = ct->seq;
        }
      c->list.next_seq = last_seq;
      c->list.active = more;
      send_list_page (c, c->list.request_id, n, more);
    }
}

static void on_list (struct conn *c, uint64_t rid, bool all, const char *one)
{
  if (one)
    {
      struct terr e = { 0 };
      struct container *ct = container_find (one, &e);
      if (!ct)
        {
          reply_err (c, rid, &e);
          return;
        }
      list_fill (0, ct, true);
      send_list_page (c, rid, 1, false);
      return;
    }
  c->list.active = true;
  c->list.all = all;
  c->list.request_id = rid;
  c->list.next_seq = UINT64_MAX;
  dispatch_list_continue (c);
}

static void on_ping (struct conn *c, uint64_t rid, const Ping *p)
{
  Msg m = MSG__INIT;
  Pong pg = PONG__INIT;
  uint64_t max_rss = 0;
  pg.sent_ns = p->sent_ns;
  pg.guest_time_ns = now_real_ns ();
  pg.uptime_ms = (uint64_t) (now_mono_ms () - stats.boot_ms);
  pg.rss_bytes = tether_rss_bytes (&max_rss);
  pg.max_rss_bytes = max_rss;
  pg.containers = stats.containers;
  pg.sessions = exec_sessions ();
  pg.connections = stats.conns;
  pg.frames_in = stats.frames_in;
  pg.frames_out = stats.frames_out;
  pg.resyncs = stats.resyncs;
  pg.dropped_bytes = stats.dropped_bytes;
  pg.ring_bytes = ring_global_bytes ();
  m.body_case = MSG__BODY_PONG;
  m.pong = &pg;
  reply (c, rid, &m);
}

void dispatch_msg (struct conn *c, const Msg *m)
{
  uint64_t rid = m->request_id;
  if (m->body_case == MSG__BODY_HELLO)
    {
      on_hello (c, rid, m->hello);
      return;
    }
  if (!c->hello_done)
    {
      conn_send_error (c, rid, ERR_BAD_REQUEST, "hello first", 0);
      return;
    }
  switch (m->body_case)
    {
    case MSG__BODY_CREATE:
      on_create (c, rid, m->create);
      return;
    case MSG__BODY_START:
      on_start (c, rid, m->start);
      return;
    case MSG__BODY_ATTACH:
      on_attach (c, rid, m->attach);
      return;
    case MSG__BODY_EXEC:
      on_exec (c, rid, m->exec);
      return;
    case MSG__BODY_DETACH:
      {
        struct attach *a = conn_find_handle (c, m->detach->handle);
        if (!a)
          {
            conn_send_error (c, rid, ERR_NOT_FOUND, "no such handle", 0);
            return;
          }
        session_detach (a);
        reply_ok (c, rid, NULL);
        return;
      }
    case MSG__BODY_SIGNAL:
      on_signal (c, rid, m->signal);
      return;
    case MSG__BODY_RESIZE:
      on_resize (c, rid, m->resize);
      return;
    case MSG__BODY_CLOSE_STDIN:
      {
        struct attach *a = conn_find_handle (c, m->close_stdin->handle);
        if (a)
          session_stdin_close (a, m->close_stdin->offset);
        return;
      }
    case MSG__BODY_STOP:
      on_wait_or_stop (c, rid, m->stop->id, true, (int) m->stop->signo, m->stop->timeout_s);
      return;
    case MSG__BODY_WAIT:
      on_wait_or_stop (c, rid, m->wait->id, false, 0, 0);
      return;
    case MSG__BODY_REMOVE:
      on_remove (c, rid, m->remove);
      return;
    case MSG__BODY_LIST:
      on_list (c, rid, m->list->all, NULL);
      return;
    case MSG__BODY_INSPECT:
      on_list (c, rid, true, m->inspect->id ? m->inspect->id : "");
      return;
    case MSG__BODY_ACK:
      {
        struct attach *a = conn_find_handle (c, m->ack->handle);
        if (a)
          {
            session_ack (a, m->ack->stdout_offset, m->ack->stderr_offset);
            vm_on_ack (a, m->ack->exit_run);
          }
        return;
      }
    case MSG__BODY_PING:
      on_ping (c, rid, m->ping);
      return;
    case MSG__BODY_HEARTBEAT:
      return;
    case MSG__BODY_CONFIG:
      if (!vm_mode)
        {
          conn_send_error (c, rid, ERR_BAD_REQUEST, "config is for VM mode; use create", 0);
          return;
        }
      vm_on_config (c, rid, m->config);
      return;
    default:
      {
        char text[96];
        snprintf (text, sizeof text, "unexpected message %s", msg_name (m));
        conn_send_error (c, rid, ERR_BAD_REQUEST, text, 0);
        return;
      }
    }
}

void dispatch_data (struct conn *c, const struct frame *f)
{
  struct data_hdr h;
  if (data_hdr_decode (f->payload, f->len, &h) < 0 || h.stream != STREAM_STDIN)
    {
      conn_send_error (c, 0, ERR_BAD_REQUEST, "data frame: bad sub-header or not stdin", 0);
      return;
    }
  struct attach *a = conn_find_handle (c, f->handle);
  if (!a)
    {
      conn_send_error (c, 0, ERR_NOT_FOUND, "data frame for an unknown handle", 0);
      return;
    }
  session_stdin_data (a, h.offset, f->payload + DATA_HDR_LEN, f->len - DATA_HDR_LEN);
}
