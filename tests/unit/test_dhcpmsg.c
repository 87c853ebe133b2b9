/* tether/dhcpmsg.c: DHCP messages built and parsed back, every kind of
 * malformed message refused, and the IPv4/UDP framing with its checksums. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "dhcpmsg.h"
#include "unit.h"

static const uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };

static struct in_addr ip (const char *s)
{
  struct in_addr a;
  inet_pton (AF_INET, s, &a);
  return a;
}

/* A server's OFFER as dnsmasq sends one. */
static size_t offer (uint8_t *buf, size_t cap)
{
  struct dhcp_msg m = { .op = DHCP_BOOTREPLY, .xid = 0x11223344, .type = DHCP_OFFER };
  memcpy (m.chaddr, mac, 6);
  m.yiaddr = ip ("10.0.0.50");
  m.has_server_id = true, m.server_id = ip ("10.0.0.1");
  m.has_mask = true, m.mask = ip ("255.255.255.0");
  m.n_routers = 1, m.routers[0] = ip ("10.0.0.1");
  m.n_dns = 2, m.dns[0] = ip ("10.0.0.2"), m.dns[1] = ip ("10.0.0.3");
  m.has_lease = true, m.lease_s = 3600;
  m.has_t1 = true, m.t1_s = 1800;
  m.has_t2 = true, m.t2_s = 3150;
  return dhcp_build (&m, buf, cap);
}

static void builds_and_parses_back (void **state)
{
  (void) state;
  uint8_t buf[DHCP_MAX_LEN];
  size_t n = offer (buf, sizeof buf);
  assert_int_equal (n, DHCP_MIN_LEN); /* padded */
  struct dhcp_msg m;
  const char *why = NULL;
  assert_int_equal (dhcp_parse (buf, n, &m, &why), 0);
  assert_int_equal (m.op, DHCP_BOOTREPLY);
  assert_int_equal (m.type, DHCP_OFFER);
  assert_true (dhcp_is_reply_to (&m, 0x11223344, mac));
  assert_int_equal (m.yiaddr.s_addr, ip ("10.0.0.50").s_addr);
  assert_true (m.has_server_id);
  assert_int_equal (m.server_id.s_addr, ip ("10.0.0.1").s_addr);
  assert_int_equal (dhcp_mask_prefix (m.mask), 24);
  assert_int_equal (m.n_routers, 1);
  assert_int_equal (m.n_dns, 2);
  assert_int_equal (m.dns[1].s_addr, ip ("10.0.0.3").s_addr);
  assert_int_equal (m.lease_s, 3600);
  assert_int_equal (m.t1_s, 1800);
  assert_int_equal (m.t2_s, 3150);

  struct dhcp_msg d = { .op = DHCP_BOOTREQUEST, .xid = 7, .flags = 0x8000, .type = DHCP_DISCOVER };
  memcpy (d.chaddr, mac, 6);
  d.client_id[0] = 1, memcpy (d.client_id + 1, mac, 6), d.client_id_len = 7;
  d.params[0] = 1, d.params[1] = 3, d.n_params = 2;
  d.has_requested = true, d.requested = ip ("10.0.0.50");
  strcpy (d.hostname, "web");
  n = dhcp_build (&d, buf, sizeof buf);
  assert_int_equal (dhcp_parse (buf, n, &m, &why), 0);
  assert_int_equal (m.flags, 0x8000);
  assert_int_equal (m.client_id_len, 7);
  assert_memory_equal (m.client_id + 1, mac, 6);
  assert_int_equal (m.n_params, 2);
  assert_string_equal (m.hostname, "web");
  assert_int_equal (m.requested.s_addr, ip ("10.0.0.50").s_addr);
  assert_false (dhcp_is_reply_to (&m, 7, mac)); /* a request, not a reply */
  assert_int_equal (dhcp_build (&d, buf, DHCP_MIN_LEN - 1), 0);
}

static void replies_to_others_are_not_ours (void **state)
{
  (void) state;
  uint8_t buf[DHCP_MAX_LEN];
  size_t n = offer (buf, sizeof buf);
  struct dhcp_msg m;
  const char *why;
  assert_int_equal (dhcp_parse (buf, n, &m, &why), 0);
  assert_false (dhcp_is_reply_to (&m, 0x11223345, mac));
  uint8_t other[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x57 };
  assert_false (dhcp_is_reply_to (&m, 0x11223344, other));
}

/* The options area of buf after the cookie: code, len, value... */
static size_t with_options (uint8_t *buf, const uint8_t *opts, size_t len)
{
  offer (buf, DHCP_MAX_LEN);
  memcpy (buf + DHCP_FIXED_LEN + 4, opts, len);
  return DHCP_FIXED_LEN + 4 + len;
}

static void expect_refused (const uint8_t *buf, size_t n, const char *want)
{
  struct dhcp_msg m;
  const char *why = NULL;
  assert_int_equal (dhcp_parse (buf, n, &m, &why), -1);
  assert_non_null (why);
  assert_string_equal (why, want);
}

static void refuses_malformed (void **state)
{
  (void) state;
  uint8_t buf[DHCP_MAX_LEN];
  size_t n = offer (buf, sizeof buf);
  expect_refused (buf, DHCP_FIXED_LEN + 3, "shorter than a DHCP message");
  buf[DHCP_FIXED_LEN] = 0;
  expect_refused (buf, n, "no magic cookie");
  n = offer (buf, sizeof buf);
  buf[1] = 6; /* token ring */
  expect_refused (buf, n, "not an ethernet hardware address");

  static const uint8_t overrun[] = { 53, 1, 2, 3, 8, 10, 0, 0, 1 };
  expect_refused (buf, with_options (buf, overrun, sizeof overrun), "option overruns the message");
  static const uint8_t no_len[] = { 53, 1, 2, 3 };
  expect_refused (buf, with_options (buf, no_len, sizeof no_len), "option overruns the message");
  static const uint8_t no_end[] = { 53, 1, 2, 0, 0 };
  expect_refused (buf, with_options (buf, no_end, sizeof no_end), "options not ended");
  static const uint8_t bad_mask[] = { 1, 3, 255, 255, 255, 255 };
  expect_refused (buf, with_options (buf, bad_mask, sizeof bad_mask), "subnet mask not 4 bytes");
  static const uint8_t routers[] = { 3, 6, 10, 0, 0, 1, 10, 0, 255 };
  expect_refused (buf, with_options (buf, routers, sizeof routers), "bad router list");
  static const uint8_t twice[] = { 53, 1, 2, 53, 1, 5, 255 };
  expect_refused (buf, with_options (buf, twice, sizeof twice), "option repeated");
  static const uint8_t type9[] = { 53, 1, 9, 255 };
  expect_refused (buf, with_options (buf, type9, sizeof type9), "bad message type");
  static const uint8_t lease3[] = { 51, 3, 0, 0, 1, 255 };
  expect_refused (buf, with_options (buf, lease3, sizeof lease3), "lease time not 4 bytes");
  static const uint8_t nul_name[] = { 12, 3, 'a', 0, 'b', 255 };
  expect_refused (buf, with_options (buf, nul_name, sizeof nul_name), "bad host name");
  static const uint8_t short_cid[] = { 61, 1, 1, 255 };
  expect_refused (buf, with_options (buf, short_cid, sizeof short_cid), "bad client id");
}

static void pads_unknown_options_and_trailer (void **state)
{
  (void) state;
  uint8_t buf[DHCP_MAX_LEN];
  /* pads, an unknown option (43) skipped by length, the end, then garbage */
  static const uint8_t opts[] = { 0, 0, 53, 1, 5, 0, 43, 2, 0xde, 0xad, 51, 4, 0, 0, 0, 60, 255, 7, 99 };
  size_t n = with_options (buf, opts, sizeof opts);
  struct dhcp_msg m;
  const char *why;
  assert_int_equal (dhcp_parse (buf, n, &m, &why), 0);
  assert_int_equal (m.type, DHCP_ACK);
  assert_int_equal (m.lease_s, 60);
  assert_false (m.has_mask); /* the earlier offer's options were overwritten */
  /* more DNS servers than we keep: the first DHCP_MAX_DNS */
  uint8_t many[2 + 4 * 6 + 1] = { 6, 24 };
  for (int i = 0; i < 6; i++)
    many[2 + 4 * i] = 10, many[5 + 4 * i] = (uint8_t) i;
  many[sizeof many - 1] = 255;
  assert_int_equal (dhcp_parse (buf, with_options (buf, many, sizeof many), &m, &why), 0);
  assert_int_equal (m.n_dns, DHCP_MAX_DNS);
  assert_int_equal (m.dns[3].s_addr, ip ("10.0.0.3").s_addr);
}

static void mask_prefixes (void **state)
{
  (void) state;
  assert_int_equal (dhcp_mask_prefix (ip ("255.255.255.0")), 24);
  assert_int_equal (dhcp_mask_prefix (ip ("255.255.240.0")), 20);
  assert_int_equal (dhcp_mask_prefix (ip ("255.255.255.255")), 32);
  assert_int_equal (dhcp_mask_prefix (ip ("0.0.0.0")), 0);
  assert_int_equal (dhcp_mask_prefix (ip ("255.0.255.0")), -1);
}

static void ip_udp_framing (void **state)
{
  (void) state;
  uint8_t payload[DHCP_MAX_LEN], frame[DHCP_MAX_LEN + 64];
  size_t n = offer (payload, sizeof payload);
  size_t f = dhcp_ip_wrap (ip ("10.0.0.1"), ip ("255.255.255.255"), payload, n, frame, sizeof frame);
  assert_int_equal (f, 20 + 8 + n);
  frame[23] = DHCP_CLIENT_PORT; /* a server's reply goes to port 68 (wrap writes 68 -> 67) */
  frame[21] = DHCP_SERVER_PORT;
  frame[26] = frame[27] = 0;    /* and its checksum is optional */
  size_t len;
  const uint8_t *p = dhcp_ip_unwrap (frame, f, true, &len);
  assert_non_null (p);
  assert_int_equal (len, n);
  assert_memory_equal (p, payload, n);

  /* a real UDP checksum is checked, unless the kernel says it is not filled in */
  f = dhcp_ip_wrap (ip ("10.0.0.1"), ip ("10.0.0.50"), payload, n, frame, sizeof frame);
  frame[20] = 0, frame[21] = DHCP_SERVER_PORT, frame[22] = 0, frame[23] = DHCP_CLIENT_PORT; /* ports swapped: sum unchanged */
  assert_non_null (dhcp_ip_unwrap (frame, f, true, &len));
  frame[100] ^= 1;
  assert_null (dhcp_ip_unwrap (frame, f, true, &len));
  assert_non_null (dhcp_ip_unwrap (frame, f, false, &len));
  frame[100] ^= 1;

  uint8_t bad[DHCP_MAX_LEN + 64];
  memcpy (bad, frame, f);
  bad[8] = 1; /* TTL changed: the header checksum no longer holds */
  assert_null (dhcp_ip_unwrap (bad, f, true, &len));
  memcpy (bad, frame, f);
  bad[6] = 0x20; /* more fragments */
  assert_null (dhcp_ip_unwrap (bad, f, false, &len));
  assert_null (dhcp_ip_unwrap (frame, f - 1, true, &len)); /* total length past the frame */
  memcpy (bad, frame, f);
  bad[23] = 69; /* another port */
  assert_null (dhcp_ip_unwrap (bad, f, false, &len));
  memcpy (bad, frame, f);
  bad[24] = 0xff; /* UDP length past the IP packet */
  assert_null (dhcp_ip_unwrap (bad, f, false, &len));
  assert_null (dhcp_ip_unwrap (frame, 19, true, &len));
  assert_int_equal (dhcp_ip_wrap (ip ("0.0.0.0"), ip ("255.255.255.255"), payload, n, frame, n + 27), 0);
}

UNIT_MAIN (cmocka_unit_test (builds_and_parses_back), cmocka_unit_test (replies_to_others_are_not_ours),
           cmocka_unit_test (refuses_malformed), cmocka_unit_test (pads_unknown_options_and_trailer),
           cmocka_unit_test (mask_prefixes), cmocka_unit_test (ip_udp_framing))
