/* The DHCP client's state machine (see dhcp.h for the picture). Every
 * transition goes through set_state, which reports it. */
#include "dhcp.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const char *const state_names[] = {
  [DHCP_INIT] = "init", [DHCP_SELECTING] = "selecting", [DHCP_REQUESTING] = "requesting",
  [DHCP_BOUND] = "bound", [DHCP_RENEWING] = "renewing", [DHCP_REBINDING] = "rebinding",
  [DHCP_STOPPED] = "stopped",
};

const char *dhcp_state_name (enum dhcp_state s)
{
  return (unsigned) s < sizeof state_names / sizeof state_names[0] ? state_names[s] : "?";
}

static void report (struct dhcp_client *c)
{
  struct dhcp_event ev = { .mac = c->mac_text, .ifname = c->ifname, .state = dhcp_state_name (c->state),
                           .error = c->error[0] ? c->error : NULL };
  if (c->bound)
    {
      ev.has_lease = true;
      ev.address = c->lease.addr;
      ev.prefix = c->lease.prefix;
      ev.gateway = c->lease.gateway;
      ev.dns = c->lease.dns;
      ev.n_dns = c->lease.n_dns;
      ev.lease_end_ns = c->lease.end_real_ns;
    }
  c->ops->report (c, &ev);
  c->error[0] = 0;
}

static void set_state (struct dhcp_client *c, enum dhcp_state s)
{
  c->state = s;
  report (c);
}

static void set_error (struct dhcp_client *c, const char *fmt, const char *detail)
{
  snprintf (c->error, sizeof c->error, fmt, detail);
}

void dhcp_init (struct dhcp_client *c, const struct dhcp_ops *ops, void *ctx, const char *mac_text,
                const uint8_t mac[6], const char *ifname, const char *hostname)
{
  memset (c, 0, sizeof *c);
  c->ops = ops;
  c->ctx = ctx;
  snprintf (c->mac_text, sizeof c->mac_text, "%s", mac_text);
  memcpy (c->mac, mac, 6);
  snprintf (c->ifname, sizeof c->ifname, "%s", ifname);
  if (hostname)
    snprintf (c->hostname, sizeof c->hostname, "%s", hostname);
  c->state = DHCP_INIT;
}

/* ----------------------------------------------------------------- sending */

/* A request of type with what every one of ours carries. */
static void base_msg (struct dhcp_client *c, struct dhcp_msg *m, uint8_t type)
{
  static const uint8_t params[] = { 1, 3, 6, 12, 51, 54, 58, 59 };
  memset (m, 0, sizeof *m);
  m->op = DHCP_BOOTREQUEST;
  m->xid = c->xid;
  int64_t secs = (c->ops->now_ms () - c->txn_start_ms) / 1000;
  m->secs = (uint16_t) (secs > 0xffff ? 0xffff : secs < 0 ? 0 : secs);
  memcpy (m->chaddr, c->mac, 6);
  m->type = type;
  m->client_id[0] = 1; /* htype ethernet, then the MAC (RFC 2132 9.14) */
  memcpy (m->client_id + 1, c->mac, 6);
  m->client_id_len = 7;
  memcpy (m->params, params, sizeof params);
  m->n_params = sizeof params;
  snprintf (m->hostname, sizeof m->hostname, "%s", c->hostname);
}

static void send_msg (struct dhcp_client *c, const struct dhcp_msg *m, enum dhcp_send_to to)
{
  uint8_t buf[DHCP_MAX_LEN];
  struct terr err = { 0 };
  size_t n = dhcp_build (m, buf, sizeof buf);
  /* A failed send is retried by the retransmission timer like a lost packet. */
  if (n == 0 || c->ops->send (c, to, buf, n, &err) < 0)
    set_error (c, "send: %s", n ? err.msg : "message too long");
}

static void new_transaction (struct dhcp_client *c)
{
  c->xid = c->ops->random ();
  c->txn_start_ms = c->ops->now_ms ();
  c->retrans_ms = DHCP_RETRANS_MIN_MS;
  c->tries = 0;
}

static int64_t next_retrans (struct dhcp_client *c)
{
  int64_t wait = c->retrans_ms;
  c->retrans_ms = wait * 2 > DHCP_RETRANS_MAX_MS ? DHCP_RETRANS_MAX_MS : wait * 2;
  return c->ops->now_ms () + wait;
}

static void send_discover (struct dhcp_client *c)
{
  struct dhcp_msg m;
  base_msg (c, &m, DHCP_DISCOVER);
  m.flags = 0x8000; /* no address yet: reply by broadcast */
  send_msg (c, &m, DHCP_TO_RAW_BROADCAST);
  c->ops->arm (c, next_retrans (c));
}

static void send_select_request (struct dhcp_client *c)
{
  struct dhcp_msg m;
  base_msg (c, &m, DHCP_REQUEST);
  m.flags = 0x8000;
  m.has_requested = true, m.requested = c->offered;
  m.has_server_id = true, m.server_id = c->offer_server;
  c->sent_ms = c->ops->now_ms ();
  c->tries++;
  send_msg (c, &m, DHCP_TO_RAW_BROADCAST);
  c->ops->arm (c, next_retrans (c));
}

/* RENEWING (unicast to the server) or REBINDING (broadcast): ciaddr is ours,
 * no server id, no requested address (RFC 2131 4.3.2). The retry comes after
 * half the time left until the next deadline, at least the minimum. */
static void send_renew_request (struct dhcp_client *c, int64_t until_ms)
{
  struct dhcp_msg m;
  base_msg (c, &m, DHCP_REQUEST);
  m.ciaddr = c->lease.addr;
  c->sent_ms = c->ops->now_ms ();
  send_msg (c, &m, c->state == DHCP_RENEWING ? DHCP_TO_SERVER : DHCP_TO_BROADCAST);
  int64_t half = (until_ms - c->sent_ms) / 2;
  int64_t at = c->sent_ms + (half < DHCP_RENEW_RETRY_MIN_MS ? DHCP_RENEW_RETRY_MIN_MS : half);
  c->ops->arm (c, at < until_ms ? at : until_ms);
}

/* ------------------------------------------------------------- transitions */

static void discover (struct dhcp_client *c)
{
  new_transaction (c);
  set_state (c, DHCP_SELECTING);
  send_discover (c);
}

void dhcp_start (struct dhcp_client *c)
{
  discover (c);
}

/* Takes the address off the interface (NAK, expiry, stop). */
static void unbind (struct dhcp_client *c)
{
  if (!c->bound)
    return;
  struct terr err = { 0 };
  if (c->ops->apply (c, &c->lease, NULL, &err) < 0 && !c->error[0])
    set_error (c, "remove the address: %s", err.msg);
  c->bound = false;
  memset (&c->lease, 0, sizeof c->lease);
}

/* Back to INIT: DISCOVER again after the back-off, which doubles each time. */
static void restart (struct dhcp_client *c)
{
  unbind (c);
  c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : DHCP_BACKOFF_MIN_MS;
  if (c->backoff_ms > DHCP_BACKOFF_MAX_MS)
    c->backoff_ms = DHCP_BACKOFF_MAX_MS;
  set_state (c, DHCP_INIT);
  c->ops->arm (c, c->ops->now_ms () + c->backoff_ms);
}

/* The lease an ACK gives, its times counted from the REQUEST (RFC 2131 4.4.1). */
static int lease_of (struct dhcp_client *c, const struct dhcp_msg *m, struct dhcp_lease *l)
{
  memset (l, 0, sizeof *l);
  if (!m->has_lease)
    return set_error (c, "ACK from %s without a lease time", inet_ntoa (m->server_id)), -1;
  if (m->yiaddr.s_addr == INADDR_ANY || m->yiaddr.s_addr == INADDR_BROADCAST)
    return set_error (c, "ACK with no usable address (%s)", inet_ntoa (m->yiaddr)), -1;
  l->addr = m->yiaddr;
  l->prefix = m->has_mask ? dhcp_mask_prefix (m->mask) : 32;
  if (l->prefix < 0)
    return set_error (c, "ACK with a non-contiguous mask %s", inet_ntoa (m->mask)), -1;
  l->gateway = m->n_routers ? m->routers[0] : (struct in_addr) { 0 };
  /* No server id in the ACK (RFC 2131 requires one, not every server sends
   * it): the one that offered, or that gave the lease being renewed. */
  l->server = m->has_server_id ? m->server_id : c->bound ? c->lease.server : c->offer_server;
  memcpy (l->dns, m->dns, sizeof l->dns);
  l->n_dns = m->n_dns;
  l->lease_s = m->lease_s;
  if (l->lease_s == DHCP_INFINITE)
    return 0;
  int64_t lease = l->lease_s < DHCP_LEASE_MIN_S ? DHCP_LEASE_MIN_S : l->lease_s;
  int64_t t1 = lease * 500, t2 = lease * 875; /* ms: 0.5 and 0.875 of the lease (RFC 2131 4.4.5) */
  if (m->has_t1 && m->has_t2 && m->t1_s <= m->t2_s && m->t2_s <= lease)
    t1 = m->t1_s * 1000LL, t2 = m->t2_s * 1000LL;
  else if (m->has_t1 && m->t1_s * 1000LL < t2)
    t1 = m->t1_s * 1000LL;
  l->t1_ms = c->sent_ms + t1;
  l->t2_ms = c->sent_ms + t2;
  l->end_ms = c->sent_ms + lease * 1000;
  l->end_real_ns = c->ops->now_real_ns () + (l->end_ms - c->ops->now_ms ()) * 1000000;
  return 0;
}

static void on_ack (struct dhcp_client *c, const struct dhcp_msg *m)
{
  struct dhcp_lease l;
  struct terr err = { 0 };
  if (lease_of (c, m, &l) < 0)
    {
      restart (c);
      return;
    }
  if (c->ops->apply (c, c->bound ? &c->lease : NULL, &l, &err) < 0)
    {
      set_error (c, "configure the address: %s", err.msg);
      restart (c);
      return;
    }
  c->bound = true;
  c->lease = l;
  c->backoff_ms = 0;
  set_state (c, DHCP_BOUND);
  c->ops->arm (c, l.lease_s == DHCP_INFINITE ? 0 : l.t1_ms);
}

void dhcp_on_packet (struct dhcp_client *c, const uint8_t *p, size_t n)
{
  struct dhcp_msg m;
  const char *why;
  if (c->state == DHCP_STOPPED || c->state == DHCP_INIT || c->state == DHCP_BOUND)
    return;
  if (dhcp_parse (p, n, &m, &why) < 0 || !dhcp_is_reply_to (&m, c->xid, c->mac))
    return; /* malformed, or someone else's: a broadcast segment carries both */
  switch (c->state)
    {
    case DHCP_SELECTING: /* the first usable offer wins */
      if (m.type != DHCP_OFFER || !m.has_server_id || m.yiaddr.s_addr == INADDR_ANY)
        return;
      c->offered = m.yiaddr;
      c->offer_server = m.server_id;
      set_state (c, DHCP_REQUESTING);
      c->retrans_ms = DHCP_RETRANS_MIN_MS;
      send_select_request (c);
      return;
    case DHCP_REQUESTING:
      if (m.has_server_id && m.server_id.s_addr != c->offer_server.s_addr)
        return; /* another server's answer to our broadcast */
      /* fallthrough */
    case DHCP_RENEWING:
    case DHCP_REBINDING:
      if (m.type == DHCP_ACK)
        {
          on_ack (c, &m);
          return;
        }
      if (m.type == DHCP_NAK)
        {
          set_error (c, "NAK from %s", inet_ntoa (m.server_id));
          restart (c);
          return;
        }
      return;
    default:
      return;
    }
}

void dhcp_on_timer (struct dhcp_client *c)
{
  int64_t now = c->ops->now_ms ();
  switch (c->state)
    {
    case DHCP_INIT:
      discover (c);
      return;
    case DHCP_SELECTING:
      send_discover (c);
      return;
    case DHCP_REQUESTING:
      if (c->tries < DHCP_REQUEST_TRIES)
        {
          send_select_request (c);
          return;
        }
      set_error (c, "no answer from %s to our REQUEST", inet_ntoa (c->offer_server));
      restart (c);
      return;
    case DHCP_BOUND:
    case DHCP_RENEWING:
    case DHCP_REBINDING:
      if (now >= c->lease.end_ms)
        {
          set_error (c, "lease of %s expired", inet_ntoa (c->lease.addr));
          unbind (c);
          discover (c);
          return;
        }
      if (now >= c->lease.t2_ms && c->state != DHCP_REBINDING)
        {
          new_transaction (c);
          set_state (c, DHCP_REBINDING);
        }
      else if (now >= c->lease.t1_ms && c->state == DHCP_BOUND)
        {
          new_transaction (c);
          set_state (c, DHCP_RENEWING);
        }
      send_renew_request (c, c->state == DHCP_RENEWING ? c->lease.t2_ms : c->lease.end_ms);
      return;
    case DHCP_STOPPED:
      return;
    }
}

void dhcp_stop (struct dhcp_client *c)
{
  c->ops->arm (c, 0);
  unbind (c);
  set_state (c, DHCP_STOPPED);
}
