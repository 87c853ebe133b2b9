/* The endpoint's proxy: one guest connection, many clients. Every client picks
 * its own handles and request ids; the guest sees endpoint-wide ones. Handles
 * are remapped in attach/exec/resize/close_stdin/ack/detach (client to guest),
 * attached/exit/ack (guest to client) and in DATA frame headers; request ids in
 * every request and its reply (docs/endpoint.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "ep.h"
#include "loglimit.h"
#include "timefmt.h"

/* What the guest sent that we could not use: counted, logged rate-limited. */
static struct log_limit undecodable, guest_errors, log_errors;

static struct msg_arena arena;

/* ---- tables ---- */

static struct ep_hmap *hmap_by_client (struct ep *e, int cl, uint32_t ch)
{
  for (int i = 0; i < EP_MAX_HANDLES; i++)
    if (e->hmap[i].used && e->hmap[i].cl == cl && e->hmap[i].ch == ch)
      return &e->hmap[i];
  return NULL;
}

static struct ep_hmap *hmap_by_guest (struct ep *e, uint32_t gh)
{
  for (int i = 0; i < EP_MAX_HANDLES; i++)
    if (e->hmap[i].used && e->hmap[i].gh == gh)
      return &e->hmap[i];
  return NULL;
}

static struct ep_hmap *hmap_add (struct ep *e, int cl, uint32_t ch)
{
  struct ep_hmap *h = hmap_by_client (e, cl, ch);
  if (h)
    return h;
  for (int i = 0; i < EP_MAX_HANDLES; i++)
    if (!e->hmap[i].used)
      {
        e->hmap[i] = (struct ep_hmap){ .used = true, .cl = cl, .ch = ch, .gh = ++e->next_gh };
        return &e->hmap[i];
      }
  return NULL;
}

static struct ep_rmap *rmap_add (struct ep *e, int cl, uint64_t crid, int body)
{
  for (int i = 0; i < EP_MAX_REQUESTS; i++)
    if (!e->rmap[i].used)
      {
        e->rmap[i] = (struct ep_rmap){ .used = true, .cl = cl, .crid = crid, .grid = ++e->next_grid, .body = body };
        return &e->rmap[i];
      }
  return NULL;
}

static struct ep_rmap *rmap_find (struct ep *e, uint64_t grid)
{
  for (int i = 0; i < EP_MAX_REQUESTS; i++)
    if (e->rmap[i].used && e->rmap[i].grid == grid)
      return &e->rmap[i];
  return NULL;
}

/* ---- sending ---- */

/* A client whose reply or output cannot be queued (out of memory) is dropped:
 * it reconnects and resumes from its offsets; the guest link is not touched. */
static void to_client (struct ep *e, int cl, const Msg *m)
{
  if (cl >= 0 && e->clients[cl].used && link_send_msg (&e->clients[cl].l, m) < 0)
    e->clients[cl].l.dead = true;
}

static void client_error (struct ep *e, int cl, uint64_t rid, int code, const char *text, int exit_code)
{
  Error er = ERROR__INIT;
  er.code = code;
  er.text = (char *) text;
  er.exit_code = exit_code;
  Msg m = MSG__INIT;
  m.request_id = rid;
  m.body_case = MSG__BODY_ERROR;
  m.error = &er;
  to_client (e, cl, &m);
}

/* Whether an attach's id names the VM's container (its id, a prefix, its name)
 * rather than one of its exec sessions. */
static bool names_primary (const struct ep *e, const char *id)
{
  const char *name = e->v->cfg->name;
  size_t n = id ? strlen (id) : 0;
  return n > 0 && ((n <= 64 && strncmp (e->v->id, id, n) == 0) || (name && strcmp (name, id) == 0));
}

/* A request of the endpoint's own; its reply comes back to proxy_guest_frame with cl -1. */
static void guest_request (struct ep *e, Msg *m)
{
  struct ep_rmap *r = rmap_add (e, -1, 0, m->body_case);
  m->request_id = r ? r->grid : 0;
  link_send_msg (&e->guest, m);
}

void proxy_log_ack (struct ep *e, uint32_t exit_run)
{
  Ack a = ACK__INIT;
  a.handle = EP_LOG_HANDLE;
  a.stdout_offset = e->log.next[STREAM_STDOUT];
  a.stderr_offset = e->log.next[STREAM_STDERR];
  a.exit_run = exit_run;
  Msg m = MSG__INIT;
  m.body_case = MSG__BODY_ACK;
  m.ack = &a;
  /* unsent (out of memory), the ack stays owed and the loop sends it again */
  if (link_send_msg (&e->guest, &m) < 0)
    return;
  e->log_acked[STREAM_STDOUT] = a.stdout_offset;
  e->log_acked[STREAM_STDERR] = a.stderr_offset;
}

void proxy_send_config (struct ep *e)
{
  if (!e->v->cloned || e->has_exit || e->config_sent)
    return;
  /* a clone read no fw_cfg config: its container comes over the channel, right
   * behind the hello (the tether takes them in order: clock and RNG first) and
   * before the attach that names it; again after a reconnect, when the tether
   * answers the same config with ok and changes nothing */
  Msg cm = MSG__INIT;
  cm.body_case = MSG__BODY_CONFIG;
  cm.config = e->v->cfg;
  guest_request (e, &cm);
  e->config_grid = cm.request_id;
  e->config_sent = true;
}

void proxy_guest_ready (struct ep *e)
{
  proxy_send_config (e);
  Attach at = ATTACH__INIT;
  at.id = e->v->id;
  at.handle = EP_LOG_HANDLE;
  at.stdout_offset = e->log.next[STREAM_STDOUT];
  at.stderr_offset = e->log.next[STREAM_STDERR];
  Msg m = MSG__INIT;
  m.body_case = MSG__BODY_ATTACH;
  m.attach = &at;
  guest_request (e, &m);
  proxy_ask_info (e);
}

void proxy_ask_info (struct ep *e)
{
  Inspect in = INSPECT__INIT;
  in.id = e->v->id;
  Msg im = MSG__INIT;
  im.body_case = MSG__BODY_INSPECT;
  im.inspect = &in;
  guest_request (e, &im);
}

/* ---- client -> guest ---- */

static void client_hello (struct ep *e, int cl, uint64_t rid, const Hello *h)
{
  if (h->min_version > FRAME_VERSION || (h->max_version && h->max_version < FRAME_VERSION))
    {
      client_error (e, cl, rid, ERR_VERSION, "no common protocol version", 0);
      return;
    }
  proxy_client_gone (e, cl); /* a new hello is a new connection: its handles go */
  e->clients[cl].hello_done = true;
  snprintf (e->clients[cl].name, sizeof e->clients[cl].name, "%s", h->client ? h->client : "");
  HelloReply hr = HELLO_REPLY__INIT;
  hr.version = FRAME_VERSION;
  hr.features = FEATURE_ACKS | FEATURE_TTY;
  hr.guest_time_ns = now_real_ns ();
  hr.payload_crc = false;
  char ver[96];
  snprintf (ver, sizeof ver, "endpoint/%s", e->guest_version[0] ? e->guest_version : "booting");
  hr.tether_version = ver;
  hr.boot_id = (char *) "";
  Msg m = MSG__INIT;
  m.request_id = rid;
  m.body_case = MSG__BODY_HELLO_REPLY;
  m.hello_reply = &hr;
  to_client (e, cl, &m);
}

/* After the run ended and the VM is gone, a few requests still get answers. */
/* The run's recorded end as an exit message (x's strings point into e). */
static void recorded_exit (struct ep *e, Exit *x)
{
  *x = (Exit) EXIT__INIT;
  x->id = e->v->id;
  x->run = e->v->info.run;
  x->exit_code = e->v->info.exit_code;
  x->signal = e->v->info.signal;
  x->started_ns = e->v->info.started_ns;
  x->finished_ns = e->v->info.finished_ns;
  x->error = e->v->error;
}

static void answer_after_end (struct ep *e, int cl, Msg *m)
{
  if (m->body_case == MSG__BODY_WAIT || m->body_case == MSG__BODY_STOP)
    {
      Exit x;
      recorded_exit (e, &x);
      Msg r = MSG__INIT;
      r.request_id = m->request_id;
      r.body_case = MSG__BODY_EXIT;
      r.exit = &x;
      to_client (e, cl, &r);
      return;
    }
  if (m->request_id)
    client_error (e, cl, m->request_id, ERR_CONFLICT, "the container is not running", 0);
}

/* Rewrites the client's handle in a message to the guest's; NULL if unknown. */
static uint32_t *handle_field (Msg *m)
{
  switch (m->body_case)
    {
    case MSG__BODY_ATTACH: return &m->attach->handle;
    case MSG__BODY_EXEC: return &m->exec->handle;
    case MSG__BODY_RESIZE: return &m->resize->handle;
    case MSG__BODY_CLOSE_STDIN: return &m->close_stdin->handle;
    case MSG__BODY_ACK: return &m->ack->handle;
    case MSG__BODY_DETACH: return &m->detach->handle;
    case MSG__BODY_ATTACHED: return &m->attached->handle;
    case MSG__BODY_EXIT: return &m->exit->handle;
    case MSG__BODY_STARTED: return &m->started->handle;
    default: return NULL;
    }
}

int proxy_client_frame (struct ep *e, int cl, uint8_t type, uint32_t handle, const uint8_t *payload, uint32_t len)
{
  struct ep_client *c = &e->clients[cl];
  if (type == FRAME_DATA)
    {
      if (!e->guest_ready && !e->has_exit && !e->failed)
        return 1;
      struct ep_hmap *h = hmap_by_client (e, cl, handle);
      /* a frame the guest link could not take (out of memory) is held and retried */
      if (h && e->guest_ready && !e->guest_gone && link_send_frame (&e->guest, FRAME_DATA, h->gh, payload, len) < 0
          && !e->guest.dead)
        return 1;
      return 0;
    }
  msg_arena_reset (&arena);
  Msg *m = msg_unpack (&arena, payload, len);
  if (m == NULL)
    {
      client_error (e, cl, 0, ERR_BAD_REQUEST, "undecodable message", 0);
      return 0;
    }
  if (m->body_case == MSG__BODY_HELLO)
    {
      client_hello (e, cl, m->request_id, m->hello);
      return 0;
    }
  if (!c->hello_done)
    {
      client_error (e, cl, m->request_id, ERR_BAD_REQUEST, "hello first", 0);
      return 0;
    }
  if (e->has_exit || e->failed || e->guest_gone)
    {
      /* a wait or stop after the recorded end is answered here: the guest may be
       * powering off and never reply */
      bool ended = e->has_exit && (m->body_case == MSG__BODY_WAIT || m->body_case == MSG__BODY_STOP);
      if (!e->guest_ready || e->guest_gone || ended)
        {
          answer_after_end (e, cl, m);
          return 0;
        }
    }
  else if (!e->guest_ready)
    {
      if (m->body_case == MSG__BODY_ATTACH || m->body_case == MSG__BODY_EXEC)
        e->client_attach_seen = true;
      return 1;
    }
  else if ((m->body_case == MSG__BODY_EXEC || m->body_case == MSG__BODY_STOP || m->body_case == MSG__BODY_SIGNAL)
           && e->v->info.status && strcmp (e->v->info.status, "created") == 0)
    return 1; /* docker's run -d returns once the container runs, ours once its VM
               * does: an exec, a stop or a kill waits out the start (disks,
               * mounts), as docker's would have found it running (a TERM sent
               * before the process exists would be lost); a start that fails
               * ends it (has_exit), and the frame is answered then */
  uint32_t *hf = handle_field (m);
  if (hf && *hf == 0 && (m->body_case == MSG__BODY_ATTACH || (m->body_case == MSG__BODY_EXEC && !m->exec->detach)))
    {
      client_error (e, cl, m->request_id, ERR_BAD_REQUEST, "handle 0 is the control channel", 0);
      return 0;
    }
  if (hf && !(m->body_case == MSG__BODY_EXEC && m->exec->detach && *hf == 0))
    {
      struct ep_hmap *h = (m->body_case == MSG__BODY_ATTACH || m->body_case == MSG__BODY_EXEC)
                              ? hmap_add (e, cl, *hf)
                              : hmap_by_client (e, cl, *hf);
      if (h == NULL)
        {
          if (m->request_id)
            client_error (e, cl, m->request_id, ERR_NOT_FOUND, "no such handle on this connection", 0);
          return 0;
        }
      *hf = h->gh;
      if (m->body_case == MSG__BODY_ATTACH)
        {
          h->primary = names_primary (e, m->attach->id);
          h->feeds_stdin = m->attach->want_stdin;
        }
      if (m->body_case == MSG__BODY_DETACH && h->attached)
        {
          h->attached = false;
          ep_save ();
        }
    }
  if (m->body_case == MSG__BODY_ACK)
    m->ack->exit_run = 0; /* the endpoint decides when the VM may power off */
  if (m->body_case == MSG__BODY_STOP)
    ep_on_stop (e, m->stop->timeout_s);
  /* Messages the tether never answers take no request slot. */
  bool answered = m->body_case != MSG__BODY_CLOSE_STDIN && m->body_case != MSG__BODY_ACK
                  && m->body_case != MSG__BODY_HEARTBEAT;
  if (!answered)
    m->request_id = 0;
  if (m->request_id)
    {
      struct ep_rmap *r = rmap_add (e, cl, m->request_id, m->body_case);
      if (r == NULL)
        {
          client_error (e, cl, m->request_id, ERR_LIMIT, "too many requests in flight", 0);
          return 0;
        }
      m->request_id = r->grid;
    }
  if (link_send_msg (&e->guest, m) < 0 && !e->guest.dead && m->request_id)
    {
      struct ep_rmap *r = rmap_find (e, m->request_id);
      if (r)
        {
          client_error (e, cl, r->crid, ERR_LIMIT, "the endpoint is out of memory: try again", 0);
          r->used = false;
        }
    }
  return 0;
}

void proxy_client_gone (struct ep *e, int cl)
{
  bool was_attached = false;
  for (int i = 0; i < EP_MAX_HANDLES; i++)
    if (e->hmap[i].used && e->hmap[i].cl == cl)
      {
        was_attached |= e->hmap[i].attached;
        if (e->guest_ready && !e->guest_gone)
          {
            Detach d = DETACH__INIT;
            d.handle = e->hmap[i].gh;
            Msg m = MSG__INIT;
            m.body_case = MSG__BODY_DETACH;
            m.detach = &d;
            guest_request (e, &m);
          }
        e->hmap[i].used = false;
      }
  for (int i = 0; i < EP_MAX_REQUESTS; i++)
    if (e->rmap[i].used && e->rmap[i].cl == cl)
      e->rmap[i].used = false;
  if (was_attached)
    ep_save (); /* inspect stops listing it */
}

void proxy_fail_all (struct ep *e, const char *why)
{
  for (int i = 0; i < EP_MAX_REQUESTS; i++)
    {
      struct ep_rmap *r = &e->rmap[i];
      if (!r->used)
        continue;
      r->used = false;
      if (r->cl < 0)
        continue;
      Msg m = MSG__INIT;
      m.request_id = r->crid;
      /* a stop or wait is answered: the container has ended, with 125 and why */
      Exit x;
      recorded_exit (e, &x);
      x.exit_code = 125;
      x.error = (char *) why;
      Error er = ERROR__INIT;
      er.code = ERR_INTERNAL;
      er.text = (char *) why;
      er.exit_code = 125;
      if (r->body == MSG__BODY_STOP || r->body == MSG__BODY_WAIT)
        m.body_case = MSG__BODY_EXIT, m.exit = &x;
      else
        m.body_case = MSG__BODY_ERROR, m.error = &er;
      to_client (e, r->cl, &m);
    }
  for (int i = 0; i < EP_MAX_HANDLES; i++)
    {
      struct ep_hmap *h = &e->hmap[i];
      if (!h->used)
        continue;
      Exit x;
      recorded_exit (e, &x);
      x.handle = h->ch;
      x.exit_code = 125;
      x.error = (char *) why;
      Msg m = MSG__INIT;
      m.body_case = MSG__BODY_EXIT;
      m.exit = &x;
      to_client (e, h->cl, &m);
    }
  /* held frames will never be served: answer them too */
  for (int cl = 0; cl < EP_MAX_CLIENTS; cl++)
    {
      struct ep_client *c = &e->clients[cl];
      if (!c->used || !c->has_held || c->held_type != FRAME_CONTROL)
        continue;
      c->has_held = false;
      msg_arena_reset (&arena);
      Msg *m = msg_unpack (&arena, c->held, c->held_len);
      if (m && m->request_id)
        client_error (e, cl, m->request_id, ERR_INTERNAL, why, 125);
    }
}

/* ---- guest -> clients ---- */

static void log_warn (const char *msg)
{
  ep_log ("log: %s", msg);
}

/* The endpoint's own attachment: the bytes past what the log holds go to the
 * log (logstore.c); the ack after the read round covers only what it took. */
static void log_data (struct ep *e, const struct data_hdr *h, const uint8_t *p, uint32_t len)
{
  uint8_t st = h->stream;
  if (st != STREAM_STDOUT && st != STREAM_STDERR)
    return;
  uint64_t have = e->log.next[st];
  if (h->offset + len <= have)
    return; /* replayed: already written */
  if (h->offset > have)
    return; /* after a failed write: a gap we cannot fill from this frame */
  p += have - h->offset;
  len -= (uint32_t) (have - h->offset);
  struct terr err;
  uint64_t more;
  /* lossless: a failed write is not acked, so the tether keeps those bytes */
  if (logstore_write (&e->log, st, have, h->time_ns, p, len, log_warn, &err) < 0
      && log_limit_hit (&log_errors, now_mono_ms (), &more))
    ep_log ("%s (%llu more failed writes unlogged)", err.msg, (unsigned long long) more);
}

static void guest_control (struct ep *e, Msg *m)
{
  if (m->body_case == MSG__BODY_HELLO_REPLY)
    {
      if (!e->guest_ready)
        {
          snprintf (e->guest_version, sizeof e->guest_version, "%s",
                    m->hello_reply->tether_version ? m->hello_reply->tether_version : "");
          e->guest.pcrc = m->hello_reply->payload_crc;
          e->guest_ready = true;
          e->v->hello_ns = now_real_ns ();
          proxy_guest_ready (e);
        }
      return;
    }
  if (m->body_case == MSG__BODY_HEARTBEAT)
    {
      ep_on_heartbeat (e, m->heartbeat);
      return;
    }
  if (m->body_case == MSG__BODY_NET_STATE)
    {
      ep_on_net_state (e, m->net_state);
      return;
    }
  if (m->request_id == 0)
    {
      uint32_t *hf = handle_field (m);
      if (hf == NULL)
        return; /* frame errors */
      if (*hf == EP_LOG_HANDLE)
        {
          if (m->body_case == MSG__BODY_EXIT)
            ep_on_exit (e, m->exit);
          if (m->body_case == MSG__BODY_STARTED)
            ep_on_started (e, m->started);
          return;
        }
      if (m->body_case == MSG__BODY_STARTED)
        return; /* the run began: the endpoint's business, not its clients' */
      struct ep_hmap *h = hmap_by_guest (e, *hf);
      if (h == NULL)
        return;
      *hf = h->ch;
      to_client (e, h->cl, m);
      return;
    }
  struct ep_rmap *r = rmap_find (e, m->request_id);
  if (r == NULL)
    return;
  bool more = m->body_case == MSG__BODY_CONTAINER_LIST && m->container_list->more;
  if (r->cl < 0)
    {
      if (m->body_case == MSG__BODY_CONTAINER_LIST && m->container_list->n_containers == 1)
        ep_on_info (e, m->container_list->containers[0]);
      if (m->request_id == e->config_grid && m->body_case == MSG__BODY_ERROR)
        {
          char why[300];
          snprintf (why, sizeof why, "the clone refused the container's config: %s",
                    m->error->text ? m->error->text : "no reason given");
          ep_fail (why);
        }
      uint64_t more;
      if (m->body_case == MSG__BODY_ERROR && log_limit_hit (&guest_errors, now_mono_ms (), &more))
        ep_log ("guest: %s (%llu more errors unlogged)", m->error->text ? m->error->text : "error",
                (unsigned long long) more);
    }
  else
    {
      uint32_t *hf = handle_field (m);
      if (hf)
        {
          struct ep_hmap *h = hmap_by_guest (e, *hf);
          if (h)
            *hf = h->ch;
          if (h && h->primary && !h->attached && m->body_case == MSG__BODY_ATTACHED)
            {
              h->attached = true;
              h->since_ns = now_real_ns ();
              ep_save (); /* inspect lists it */
            }
        }
      m->request_id = r->crid;
      to_client (e, r->cl, m);
    }
  if (!more)
    r->used = false;
}

void proxy_log_garbage_total (void)
{
  if (undecodable.total || guest_errors.total)
    ep_log ("from the guest in all: %llu undecodable control messages, %llu errors",
            (unsigned long long) undecodable.total, (unsigned long long) guest_errors.total);
}

void proxy_guest_frame (struct ep *e, const struct frame *f)
{
  if (f->type == FRAME_DATA)
    {
      struct data_hdr h;
      if (data_hdr_decode (f->payload, f->len, &h) < 0)
        return;
      if (f->handle == EP_LOG_HANDLE)
        {
          log_data (e, &h, f->payload + DATA_HDR_LEN, f->len - DATA_HDR_LEN);
          return;
        }
      struct ep_hmap *m = hmap_by_guest (e, f->handle);
      if (m && e->clients[m->cl].used && link_send_frame (&e->clients[m->cl].l, FRAME_DATA, m->ch, f->payload, f->len) < 0)
        e->clients[m->cl].l.dead = true; /* dropped: it resumes from its offsets */
      return;
    }
  if (f->type != FRAME_CONTROL)
    return;
  msg_arena_reset (&arena);
  Msg *m = msg_unpack (&arena, f->payload, f->len);
  if (m == NULL)
    {
      uint64_t more;
      if (log_limit_hit (&undecodable, now_mono_ms (), &more))
        ep_log ("undecodable control message from the guest (%llu more since the last such line, %llu in all)",
                (unsigned long long) more, (unsigned long long) undecodable.total);
      return;
    }
  guest_control (e, m);
}
