/* DHCP message parser and builder, IPv4/UDP framing (see dhcpmsg.h). Every
 * read is checked against the length first; nothing here allocates. */
#include "dhcpmsg.h"

#include <arpa/inet.h>
#include <string.h>

static const uint8_t cookie[4] = { 99, 130, 83, 99 };

/* Byte offsets of the fixed part (RFC 2131 figure 1). */
enum { OFF_OP = 0, OFF_HTYPE = 1, OFF_HLEN = 2, OFF_XID = 4, OFF_SECS = 8, OFF_FLAGS = 10, OFF_CIADDR = 12,
       OFF_YIADDR = 16, OFF_SIADDR = 20, OFF_GIADDR = 24, OFF_CHADDR = 28, OFF_COOKIE = DHCP_FIXED_LEN };

static uint32_t get32 (const uint8_t *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}
static void put32 (uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t) (v >> 24), p[1] = (uint8_t) (v >> 16), p[2] = (uint8_t) (v >> 8), p[3] = (uint8_t) v;
}
static struct in_addr get_ip (const uint8_t *p)
{
  struct in_addr a;
  memcpy (&a, p, 4);
  return a;
}

/* A list of addresses (3 routers, 6 DNS): at least one, a multiple of 4. */
static int get_ips (const uint8_t *v, unsigned len, struct in_addr *out, unsigned cap, unsigned *n)
{
  if (len < 4 || len % 4)
    return -1;
  for (*n = 0; *n < cap && *n < len / 4; (*n)++)
    out[*n] = get_ip (v + 4 * *n);
  return 0;
}

/* One option's value into m. 0, or -1 with *why. */
static int take_option (struct dhcp_msg *m, uint8_t code, const uint8_t *v, unsigned len, const char **why)
{
  bool four = len == 4;
  switch (code)
    {
    case 1:
      m->has_mask = four, m->mask = four ? get_ip (v) : m->mask;
      return four ? 0 : (*why = "subnet mask not 4 bytes", -1);
    case 3:
      return get_ips (v, len, m->routers, DHCP_MAX_ROUTERS, &m->n_routers) < 0 ? (*why = "bad router list", -1) : 0;
    case 6:
      return get_ips (v, len, m->dns, DHCP_MAX_DNS, &m->n_dns) < 0 ? (*why = "bad DNS server list", -1) : 0;
    case 12:
      if (len < 1 || len > DHCP_MAX_HOSTNAME || memchr (v, 0, len))
        return *why = "bad host name", -1;
      memcpy (m->hostname, v, len);
      m->hostname[len] = 0;
      return 0;
    case 50:
      m->has_requested = four, m->requested = four ? get_ip (v) : m->requested;
      return four ? 0 : (*why = "requested address not 4 bytes", -1);
    case 51:
      m->has_lease = four, m->lease_s = four ? get32 (v) : 0;
      return four ? 0 : (*why = "lease time not 4 bytes", -1);
    case 53:
      if (len != 1 || v[0] < DHCP_DISCOVER || v[0] > DHCP_INFORM)
        return *why = "bad message type", -1;
      m->type = v[0];
      return 0;
    case 54:
      m->has_server_id = four, m->server_id = four ? get_ip (v) : m->server_id;
      return four ? 0 : (*why = "server id not 4 bytes", -1);
    case 55:
      if (len < 1 || len > DHCP_MAX_PARAMS)
        return *why = "bad parameter list", -1;
      memcpy (m->params, v, len);
      m->n_params = len;
      return 0;
    case 58:
      m->has_t1 = four, m->t1_s = four ? get32 (v) : 0;
      return four ? 0 : (*why = "T1 not 4 bytes", -1);
    case 59:
      m->has_t2 = four, m->t2_s = four ? get32 (v) : 0;
      return four ? 0 : (*why = "T2 not 4 bytes", -1);
    case 61:
      if (len < 2 || len > DHCP_MAX_CLIENT_ID)
        return *why = "bad client id", -1;
      memcpy (m->client_id, v, len);
      m->client_id_len = len;
      return 0;
    default:
      return 0; /* not ours: skipped by its length */
    }
}

static bool is_known (uint8_t code)
{
  static const uint8_t known[] = { 1, 3, 6, 12, 50, 51, 53, 54, 55, 58, 59, 61 };
  return memchr (known, code, sizeof known) != NULL;
}

int dhcp_parse (const uint8_t *p, size_t n, struct dhcp_msg *m, const char **why)
{
  memset (m, 0, sizeof *m);
  if (n < DHCP_FIXED_LEN + sizeof cookie)
    return *why = "shorter than a DHCP message", -1;
  if (p[OFF_HTYPE] != 1 || p[OFF_HLEN] != 6)
    return *why = "not an ethernet hardware address", -1;
  if (memcmp (p + OFF_COOKIE, cookie, sizeof cookie) != 0)
    return *why = "no magic cookie", -1;
  m->op = p[OFF_OP];
  m->xid = get32 (p + OFF_XID);
  m->secs = (uint16_t) (p[OFF_SECS] << 8 | p[OFF_SECS + 1]);
  m->flags = (uint16_t) (p[OFF_FLAGS] << 8 | p[OFF_FLAGS + 1]);
  m->ciaddr = get_ip (p + OFF_CIADDR);
  m->yiaddr = get_ip (p + OFF_YIADDR);
  m->siaddr = get_ip (p + OFF_SIADDR);
  m->giaddr = get_ip (p + OFF_GIADDR);
  memcpy (m->chaddr, p + OFF_CHADDR, 6);

  uint8_t seen[256 / 8] = { 0 };
  size_t i = OFF_COOKIE + sizeof cookie;
  for (;;)
    {
      if (i >= n)
        return *why = "options not ended", -1;
      uint8_t code = p[i++];
      if (code == 0) /* pad */
        continue;
      if (code == 255) /* end: what follows is padding */
        return 0;
      if (i >= n || p[i] > n - i - 1)
        return *why = "option overruns the message", -1;
      unsigned len = p[i++];
      if (is_known (code) && (seen[code / 8] & (1u << (code % 8))))
        return *why = "option repeated", -1;
      seen[code / 8] |= (uint8_t) (1u << (code % 8));
      if (take_option (m, code, p + i, len, why) < 0)
        return -1;
      i += len;
    }
}

bool dhcp_is_reply_to (const struct dhcp_msg *m, uint32_t xid, const uint8_t mac[6])
{
  return m->op == DHCP_BOOTREPLY && m->xid == xid && memcmp (m->chaddr, mac, 6) == 0;
}

/* Appends one option if it fits (leaving a byte for the end). */
static bool opt (uint8_t *buf, size_t cap, size_t *at, uint8_t code, const void *v, size_t len)
{
  if (len > 255 || *at + 2 + len + 1 > cap)
    return false;
  buf[(*at)++] = code;
  buf[(*at)++] = (uint8_t) len;
  memcpy (buf + *at, v, len);
  *at += len;
  return true;
}

static bool opt32 (uint8_t *buf, size_t cap, size_t *at, uint8_t code, uint32_t v)
{
  uint8_t b[4];
  put32 (b, v);
  return opt (buf, cap, at, code, b, 4);
}

size_t dhcp_build (const struct dhcp_msg *m, uint8_t *buf, size_t cap)
{
  if (cap < DHCP_MIN_LEN)
    return 0;
  memset (buf, 0, cap < DHCP_MAX_LEN ? cap : DHCP_MAX_LEN);
  buf[OFF_OP] = m->op;
  buf[OFF_HTYPE] = 1;
  buf[OFF_HLEN] = 6;
  put32 (buf + OFF_XID, m->xid);
  buf[OFF_SECS] = (uint8_t) (m->secs >> 8), buf[OFF_SECS + 1] = (uint8_t) m->secs;
  buf[OFF_FLAGS] = (uint8_t) (m->flags >> 8), buf[OFF_FLAGS + 1] = (uint8_t) m->flags;
  memcpy (buf + OFF_CIADDR, &m->ciaddr, 4);
  memcpy (buf + OFF_YIADDR, &m->yiaddr, 4);
  memcpy (buf + OFF_SIADDR, &m->siaddr, 4);
  memcpy (buf + OFF_GIADDR, &m->giaddr, 4);
  memcpy (buf + OFF_CHADDR, m->chaddr, 6);
  memcpy (buf + OFF_COOKIE, cookie, sizeof cookie);
  size_t at = OFF_COOKIE + sizeof cookie;
  bool ok = true;
  if (m->type)
    ok &= opt (buf, cap, &at, 53, &m->type, 1);
  if (m->client_id_len)
    ok &= opt (buf, cap, &at, 61, m->client_id, m->client_id_len);
  if (m->has_requested)
    ok &= opt (buf, cap, &at, 50, &m->requested, 4);
  if (m->has_server_id)
    ok &= opt (buf, cap, &at, 54, &m->server_id, 4);
  if (m->has_mask)
    ok &= opt (buf, cap, &at, 1, &m->mask, 4);
  if (m->n_routers)
    ok &= opt (buf, cap, &at, 3, m->routers, 4 * (m->n_routers < DHCP_MAX_ROUTERS ? m->n_routers : DHCP_MAX_ROUTERS));
  if (m->n_dns)
    ok &= opt (buf, cap, &at, 6, m->dns, 4 * (m->n_dns < DHCP_MAX_DNS ? m->n_dns : DHCP_MAX_DNS));
  if (m->has_lease)
    ok &= opt32 (buf, cap, &at, 51, m->lease_s);
  if (m->has_t1)
    ok &= opt32 (buf, cap, &at, 58, m->t1_s);
  if (m->has_t2)
    ok &= opt32 (buf, cap, &at, 59, m->t2_s);
  if (m->hostname[0])
    ok &= opt (buf, cap, &at, 12, m->hostname, strnlen (m->hostname, DHCP_MAX_HOSTNAME));
  if (m->n_params)
    ok &= opt (buf, cap, &at, 55, m->params, m->n_params < DHCP_MAX_PARAMS ? m->n_params : DHCP_MAX_PARAMS);
  if (!ok)
    return 0;
  buf[at++] = 255;
  return at < DHCP_MIN_LEN ? DHCP_MIN_LEN : at;
}

int dhcp_mask_prefix (struct in_addr mask)
{
  uint32_t m = ntohl (mask.s_addr);
  int prefix = __builtin_popcount (m);
  uint32_t want = prefix ? ~0u << (32 - prefix) : 0;
  return m == want ? prefix : -1;
}

/* ------------------------------------------------------------ IPv4 + UDP */

enum { IP_LEN = 20, UDP_LEN = 8 };

/* The ones' complement sum (RFC 1071), folded later. */
static uint32_t sum16 (const uint8_t *p, size_t n, uint32_t acc)
{
  for (size_t i = 0; i + 1 < n; i += 2)
    acc += (uint32_t) (p[i] << 8 | p[i + 1]);
  if (n & 1)
    acc += (uint32_t) p[n - 1] << 8;
  return acc;
}
static uint16_t fold (uint32_t acc)
{
  while (acc >> 16)
    acc = (acc & 0xffff) + (acc >> 16);
  return (uint16_t) ~acc;
}

/* The UDP checksum over the pseudo-header (addresses, protocol, length) and
 * the datagram (its checksum field as stored). */
static uint16_t udp_sum (const uint8_t *ip, const uint8_t *udp, size_t udp_len)
{
  uint32_t acc = sum16 (ip + 12, 8, 0) + 17 + (uint32_t) udp_len;
  return fold (sum16 (udp, udp_len, acc));
}

size_t dhcp_ip_wrap (struct in_addr src, struct in_addr dst, const uint8_t *payload, size_t n,
                     uint8_t *buf, size_t cap)
{
  size_t total = IP_LEN + UDP_LEN + n;
  if (total > cap || total > 0xffff)
    return 0;
  uint8_t *ip = buf, *udp = buf + IP_LEN;
  memset (buf, 0, IP_LEN + UDP_LEN);
  ip[0] = 0x45; /* version 4, 5 words */
  ip[2] = (uint8_t) (total >> 8), ip[3] = (uint8_t) total;
  ip[6] = 0x40; /* don't fragment */
  ip[8] = 64;   /* TTL */
  ip[9] = 17;   /* UDP */
  memcpy (ip + 12, &src, 4);
  memcpy (ip + 16, &dst, 4);
  uint16_t c = fold (sum16 (ip, IP_LEN, 0));
  ip[10] = (uint8_t) (c >> 8), ip[11] = (uint8_t) c;
  size_t ulen = UDP_LEN + n;
  udp[0] = 0, udp[1] = DHCP_CLIENT_PORT, udp[2] = 0, udp[3] = DHCP_SERVER_PORT;
  udp[4] = (uint8_t) (ulen >> 8), udp[5] = (uint8_t) ulen;
  memcpy (udp + UDP_LEN, payload, n);
  c = udp_sum (ip, udp, ulen);
  if (c == 0)
    c = 0xffff; /* 0 means "no checksum" in UDP over IPv4 */
  udp[6] = (uint8_t) (c >> 8), udp[7] = (uint8_t) c;
  return total;
}

const uint8_t *dhcp_ip_unwrap (const uint8_t *f, size_t n, bool check_udp, size_t *payload_len)
{
  if (n < IP_LEN || f[0] >> 4 != 4)
    return NULL;
  size_t ihl = (size_t) (f[0] & 0xf) * 4, total = (size_t) (f[2] << 8 | f[3]);
  if (ihl < IP_LEN || total > n || total < ihl + UDP_LEN || f[9] != 17)
    return NULL;
  if ((f[6] & 0x3f) || f[7]) /* more fragments, or an offset */
    return NULL;
  if (fold (sum16 (f, ihl, 0)) != 0)
    return NULL;
  const uint8_t *udp = f + ihl;
  size_t ulen = (size_t) (udp[4] << 8 | udp[5]);
  if ((udp[2] << 8 | udp[3]) != DHCP_CLIENT_PORT || ulen < UDP_LEN || ulen > total - ihl)
    return NULL;
  if (check_udp && (udp[6] | udp[7]) && udp_sum (f, udp, ulen) != 0)
    return NULL;
  *payload_len = ulen - UDP_LEN;
  return udp + UDP_LEN;
}
