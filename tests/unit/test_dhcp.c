/* tether/dhcp.c: the client's state machine on a fake clock, fed the server's
 * answers by hand: the four-message exchange, retransmissions, renewing at T1
 * (unicast), rebinding at T2 (broadcast), expiry, NAK with back-off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "base.h"
#include "dhcp.h"
#include "unit.h"

static const uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };

/* The fake world: a clock, the last packet sent, the timer, the interface. */
static int64_t now;
static struct dhcp_msg sent;
static enum dhcp_send_to sent_to;
static unsigned n_sent, n_applied;
static int64_t armed;
static struct in_addr on_if; /* the address apply put on the interface */
static int apply_fails;
static char states[512];      /* "selecting requesting bound ..." */
static char last_error[300];

static int64_t fake_now (void) { return now; }
static int64_t fake_real (void) { return 1000000000000LL + now * 1000000; }
static uint32_t fake_random (void) { static uint32_t x = 100; return ++x; }
static void fake_arm (struct dhcp_client *c, int64_t at) { (void) c; armed = at; }

static int fake_send (struct dhcp_client *c, enum dhcp_send_to to, const uint8_t *p, size_t n, struct terr *err)
{
  (void) c, (void) err;
  const char *why;
  assert_int_equal (dhcp_parse (p, n, &sent, &why), 0);
  sent_to = to;
  n_sent++;
  return 0;
}

static int fake_apply (struct dhcp_client *c, const struct dhcp_lease *old, const struct dhcp_lease *l, struct terr *err)
{
  (void) c;
  n_applied++;
  if (apply_fails)
    return terr_set (err, EEXIST, "add");
  if (old)
    assert_int_equal (old->addr.s_addr, on_if.s_addr);
  on_if.s_addr = l ? l->addr.s_addr : 0;
  return 0;
}

static void fake_report (struct dhcp_client *c, const struct dhcp_event *ev)
{
  (void) c;
  strcat (states, ev->state);
  strcat (states, " ");
  assert_int_equal (ev->has_lease, on_if.s_addr != 0);
  if (ev->error)
    snprintf (last_error, sizeof last_error, "%s", ev->error);
}

static const struct dhcp_ops ops = { fake_send, fake_apply, fake_arm, fake_report, fake_now, fake_real, fake_random };

static struct in_addr ip (const char *s)
{
  struct in_addr a;
  inet_pton (AF_INET, s, &a);
  return a;
}

/* The server's answer of type to the last packet sent; lease 0 = none. */
static void answer (struct dhcp_client *c, uint8_t type, const char *yiaddr, uint32_t lease, uint32_t xid_delta)
{
  struct dhcp_msg m = { .op = DHCP_BOOTREPLY, .xid = sent.xid + xid_delta, .type = type };
  memcpy (m.chaddr, mac, 6);
  m.yiaddr = ip (yiaddr);
  m.has_server_id = true, m.server_id = ip ("10.0.0.1");
  m.has_mask = true, m.mask = ip ("255.255.255.0");
  m.n_routers = 1, m.routers[0] = ip ("10.0.0.1");
  m.has_lease = lease != 0, m.lease_s = lease;
  uint8_t buf[DHCP_MAX_LEN];
  size_t n = dhcp_build (&m, buf, sizeof buf);
  dhcp_on_packet (c, buf, n);
}

static int setup (void **state)
{
  static struct dhcp_client c;
  now = 5000, n_sent = n_applied = 0, armed = 0, on_if.s_addr = 0, apply_fails = 0;
  states[0] = last_error[0] = 0;
  dhcp_init (&c, &ops, NULL, "52:54:00:12:34:56", mac, "eth0", "web");
  *state = &c;
  return 0;
}

/* Runs the client to BOUND with a lease of lease_s (no T1/T2: the defaults). */
static void bind_lease (struct dhcp_client *c, uint32_t lease_s)
{
  dhcp_start (c);
  answer (c, DHCP_OFFER, "10.0.0.50", lease_s, 0);
  answer (c, DHCP_ACK, "10.0.0.50", lease_s, 0);
}

static void four_messages_to_bound (void **state)
{
  struct dhcp_client *c = *state;
  dhcp_start (c);
  assert_int_equal (c->state, DHCP_SELECTING);
  assert_int_equal (sent.type, DHCP_DISCOVER);
  assert_int_equal (sent_to, DHCP_TO_RAW_BROADCAST);
  assert_int_equal (sent.flags, 0x8000);
  assert_string_equal (sent.hostname, "web");
  assert_int_equal (sent.client_id_len, 7);
  assert_int_equal (armed, 5000 + DHCP_RETRANS_MIN_MS);
  uint32_t xid = sent.xid;

  answer (c, DHCP_OFFER, "10.0.0.50", 100, 1); /* another transaction's: ignored */
  assert_int_equal (c->state, DHCP_SELECTING);
  answer (c, DHCP_ACK, "10.0.0.50", 100, 0);   /* not an offer: ignored while selecting */
  assert_int_equal (c->state, DHCP_SELECTING);
  answer (c, DHCP_OFFER, "10.0.0.50", 100, 0);
  assert_int_equal (c->state, DHCP_REQUESTING);
  assert_int_equal (sent.type, DHCP_REQUEST);
  assert_int_equal (sent.xid, xid); /* the same transaction */
  assert_true (sent.has_requested);
  assert_int_equal (sent.requested.s_addr, ip ("10.0.0.50").s_addr);
  assert_int_equal (sent.server_id.s_addr, ip ("10.0.0.1").s_addr);
  assert_int_equal (sent.ciaddr.s_addr, 0);

  now += 20;
  answer (c, DHCP_ACK, "10.0.0.50", 100, 0);
  assert_int_equal (c->state, DHCP_BOUND);
  assert_int_equal (on_if.s_addr, ip ("10.0.0.50").s_addr);
  assert_int_equal (c->lease.prefix, 24);
  assert_int_equal (c->lease.gateway.s_addr, ip ("10.0.0.1").s_addr);
  /* T1 half the lease, counted from the REQUEST (sent at 5000) */
  assert_int_equal (armed, 5000 + 50000);
  assert_int_equal (c->lease.end_real_ns, fake_real () - 20 * 1000000LL + 100 * 1000000000LL);
  assert_string_equal (states, "selecting requesting bound ");
}

static void retransmits_back_off_to_a_cap (void **state)
{
  struct dhcp_client *c = *state;
  dhcp_start (c);
  int64_t waits[] = { 1000, 2000, 4000, 8000, 16000, 16000 };
  for (unsigned i = 0; i < ARRAY_LEN (waits); i++)
    {
      assert_int_equal (armed - now, waits[i]);
      now = armed;
      unsigned before = n_sent;
      dhcp_on_timer (c);
      assert_int_equal (n_sent, before + 1);
      assert_int_equal (sent.type, DHCP_DISCOVER);
    }
  assert_int_equal (sent.secs, (now - 5000) / 1000);
}

static void renew_unicast_then_rebind_broadcast_then_expire (void **state)
{
  struct dhcp_client *c = *state;
  bind_lease (c, 100); /* T1 50 s, T2 87.5 s, end 100 s after 5000 */
  now = armed;
  assert_int_equal (now, 55000);
  dhcp_on_timer (c);
  assert_int_equal (c->state, DHCP_RENEWING);
  assert_int_equal (sent_to, DHCP_TO_SERVER);
  assert_int_equal (sent.ciaddr.s_addr, ip ("10.0.0.50").s_addr);
  assert_false (sent.has_requested);
  assert_false (sent.has_server_id);
  assert_int_equal (armed, now + (92500 - now) / 2); /* half the time left to T2 */
  while (armed < 92500)
    {
      now = armed;
      dhcp_on_timer (c);
      assert_int_equal (sent_to, DHCP_TO_SERVER);
    }
  now = armed;
  dhcp_on_timer (c);
  assert_int_equal (c->state, DHCP_REBINDING);
  assert_int_equal (sent_to, DHCP_TO_BROADCAST);
  assert_int_equal (sent.ciaddr.s_addr, ip ("10.0.0.50").s_addr);
  assert_true (armed <= 105000);
  while (armed < 105000)
    {
      now = armed;
      dhcp_on_timer (c);
    }
  now = armed;
  dhcp_on_timer (c); /* expired: address off, DISCOVER again */
  assert_int_equal (on_if.s_addr, 0);
  assert_int_equal (c->state, DHCP_SELECTING);
  assert_int_equal (sent.type, DHCP_DISCOVER);
  assert_string_equal (last_error, "lease of 10.0.0.50 expired");
  assert_non_null (strstr (states, "bound renewing rebinding selecting "));
}

static void renewal_ack_extends_the_lease (void **state)
{
  struct dhcp_client *c = *state;
  bind_lease (c, 100);
  now = armed;
  dhcp_on_timer (c);
  unsigned applied = n_applied;
  answer (c, DHCP_ACK, "10.0.0.50", 100, 0);
  assert_int_equal (c->state, DHCP_BOUND);
  assert_int_equal (n_applied, applied + 1);
  assert_int_equal (armed, 55000 + 50000);
  assert_int_equal (c->lease.end_ms, 55000 + 100000);
}

static void nak_removes_the_address_and_backs_off (void **state)
{
  struct dhcp_client *c = *state;
  bind_lease (c, 100);
  now = armed;
  dhcp_on_timer (c); /* renewing */
  answer (c, DHCP_NAK, "0.0.0.0", 0, 0);
  assert_int_equal (c->state, DHCP_INIT);
  assert_int_equal (on_if.s_addr, 0);
  assert_string_equal (last_error, "NAK from 10.0.0.1");
  assert_int_equal (armed, now + DHCP_BACKOFF_MIN_MS);
  now = armed;
  dhcp_on_timer (c);
  assert_int_equal (c->state, DHCP_SELECTING);
  answer (c, DHCP_OFFER, "10.0.0.51", 100, 0);
  answer (c, DHCP_NAK, "0.0.0.0", 0, 0); /* a NAK while requesting too */
  assert_int_equal (armed, now + 2 * DHCP_BACKOFF_MIN_MS);
  now = armed;
  dhcp_on_timer (c);
  answer (c, DHCP_OFFER, "10.0.0.51", 100, 0);
  answer (c, DHCP_ACK, "10.0.0.51", 100, 0);
  assert_int_equal (on_if.s_addr, ip ("10.0.0.51").s_addr);
  assert_int_equal (c->backoff_ms, 0); /* bound: the back-off starts over */
}

static void requesting_gives_up_after_its_tries (void **state)
{
  struct dhcp_client *c = *state;
  dhcp_start (c);
  answer (c, DHCP_OFFER, "10.0.0.50", 100, 0);
  for (int i = 1; i < DHCP_REQUEST_TRIES; i++)
    {
      now = armed;
      dhcp_on_timer (c);
      assert_int_equal (c->state, DHCP_REQUESTING);
      assert_int_equal (sent.type, DHCP_REQUEST);
    }
  now = armed;
  dhcp_on_timer (c);
  assert_int_equal (c->state, DHCP_INIT);
  assert_string_equal (last_error, "no answer from 10.0.0.1 to our REQUEST");
}

static void bad_ack_and_failed_apply_restart (void **state)
{
  struct dhcp_client *c = *state;
  dhcp_start (c);
  answer (c, DHCP_OFFER, "10.0.0.50", 100, 0);
  answer (c, DHCP_ACK, "10.0.0.50", 0, 0); /* no lease time */
  assert_int_equal (c->state, DHCP_INIT);
  assert_string_equal (last_error, "ACK from 10.0.0.1 without a lease time");
  now = armed;
  dhcp_on_timer (c);
  answer (c, DHCP_OFFER, "10.0.0.50", 100, 0);
  apply_fails = 1;
  answer (c, DHCP_ACK, "10.0.0.50", 100, 0);
  assert_int_equal (c->state, DHCP_INIT);
  assert_string_equal (last_error, "configure the address: add: File exists");
}

static void ack_without_server_id_keeps_the_offering_server (void **state)
{
  struct dhcp_client *c = *state;
  dhcp_start (c);
  answer (c, DHCP_OFFER, "10.0.0.50", 100, 0);
  struct dhcp_msg m = { .op = DHCP_BOOTREPLY, .xid = sent.xid, .type = DHCP_ACK, .has_lease = true, .lease_s = 100 };
  memcpy (m.chaddr, mac, 6);
  m.yiaddr = ip ("10.0.0.50");
  uint8_t buf[DHCP_MAX_LEN];
  dhcp_on_packet (c, buf, dhcp_build (&m, buf, sizeof buf));
  assert_int_equal (c->state, DHCP_BOUND);
  assert_int_equal (c->lease.prefix, 32); /* no mask: the address alone, routes are onlink */
  assert_int_equal (c->lease.server.s_addr, ip ("10.0.0.1").s_addr);
  now = armed;
  dhcp_on_timer (c);
  assert_int_equal (sent_to, DHCP_TO_SERVER);
}

static void stop_removes_the_address (void **state)
{
  struct dhcp_client *c = *state;
  bind_lease (c, DHCP_INFINITE);
  assert_int_equal (armed, 0); /* an infinite lease needs no timer */
  assert_int_equal (c->lease.end_real_ns, 0);
  dhcp_stop (c);
  assert_int_equal (on_if.s_addr, 0);
  assert_int_equal (c->state, DHCP_STOPPED);
  answer (c, DHCP_ACK, "10.0.0.50", 100, 0);
  assert_int_equal (c->state, DHCP_STOPPED);
}

#define T(f) cmocka_unit_test_setup (f, setup)
UNIT_MAIN (T (four_messages_to_bound), T (retransmits_back_off_to_a_cap),
           T (renew_unicast_then_rebind_broadcast_then_expire), T (renewal_ack_extends_the_lease),
           T (nak_removes_the_address_and_backs_off), T (requesting_gives_up_after_its_tries),
           T (bad_ack_and_failed_apply_restart), T (ack_without_server_id_keeps_the_offering_server),
           T (stop_removes_the_address))
