/* DHCP messages (RFC 2131, options of RFC 2132) as the tether's client needs
 * them: a parser that refuses anything malformed and a builder, both pure (no
 * I/O, no allocation: unit-tested and fuzzed, tests/fuzz/dhcp.c), plus the
 * IPv4/UDP framing an AF_PACKET socket sends and receives before the
 * interface has an address.
 *
 * Options understood: 1 subnet mask, 3 routers, 6 DNS servers, 12 host name,
 * 50 requested address, 51 lease time, 53 message type, 54 server id, 55
 * parameter list, 58 T1, 59 T2, 61 client id; 0 pad and 255 end. Others are
 * skipped by their length. Not supported: option overload (52: sname/file
 * holding options) and long options split over several instances (RFC 3396):
 * a known option that appears twice is refused. */
#ifndef TETHER_DHCPMSG_H
#define TETHER_DHCPMSG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_FIXED_LEN 236    /* op .. file, before the magic cookie */
#define DHCP_MIN_LEN 300      /* BOOTP's minimum: what we send is padded to it */
#define DHCP_MAX_LEN 1500     /* what we read: one ethernet frame's payload */
#define DHCP_MAX_ROUTERS 4
#define DHCP_MAX_DNS 4        /* more are dropped, as resolv.conf takes 3 */
#define DHCP_MAX_PARAMS 16
#define DHCP_MAX_HOSTNAME 63
#define DHCP_MAX_CLIENT_ID 32
#define DHCP_INFINITE 0xffffffffu /* lease time: never expires */

enum dhcp_op { DHCP_BOOTREQUEST = 1, DHCP_BOOTREPLY = 2 };
enum dhcp_type {
  DHCP_DISCOVER = 1, DHCP_OFFER, DHCP_REQUEST, DHCP_DECLINE, DHCP_ACK, DHCP_NAK, DHCP_RELEASE, DHCP_INFORM
};

/* One message. Arrays hold n_* entries; has_* say an option was present. */
struct dhcp_msg {
  uint8_t op;
  uint32_t xid;
  uint16_t secs, flags;       /* flags: 0x8000 = reply by broadcast */
  struct in_addr ciaddr, yiaddr, siaddr, giaddr;
  uint8_t chaddr[6];
  uint8_t type;               /* option 53; 0 = none (plain BOOTP) */
  bool has_mask, has_requested, has_lease, has_server_id, has_t1, has_t2;
  struct in_addr mask, requested, server_id;
  uint32_t lease_s, t1_s, t2_s;
  struct in_addr routers[DHCP_MAX_ROUTERS];
  unsigned n_routers;
  struct in_addr dns[DHCP_MAX_DNS];
  unsigned n_dns;
  char hostname[DHCP_MAX_HOSTNAME + 1];
  uint8_t params[DHCP_MAX_PARAMS];
  unsigned n_params;
  uint8_t client_id[DHCP_MAX_CLIENT_ID];
  unsigned client_id_len;
};

/* Parses n bytes of a BOOTP/DHCP payload into m. Returns 0, or -1 with *why
 * (a static string) for: too short, not ethernet (htype 1, hlen 6), no magic
 * cookie, an option overrunning the message or missing its end, a known
 * option of the wrong length or twice, a message type out of range. */
int dhcp_parse (const uint8_t *p, size_t n, struct dhcp_msg *m, const char **why);

/* A reply meant for us: BOOTREPLY, our xid, our hardware address. */
bool dhcp_is_reply_to (const struct dhcp_msg *m, uint32_t xid, const uint8_t mac[6]);

/* Writes m (its op, xid, secs, flags, addresses, chaddr and the options it
 * has) into buf, padded to DHCP_MIN_LEN. Returns the length, or 0 if cap is
 * too small. */
size_t dhcp_build (const struct dhcp_msg *m, uint8_t *buf, size_t cap);

/* The subnet mask as a prefix length; -1 if it is not contiguous. */
int dhcp_mask_prefix (struct in_addr mask);

/* IPv4 + UDP around a payload, as an AF_PACKET SOCK_DGRAM socket sends it:
 * src:68 -> dst:67, TTL 64, both checksums. Returns the frame's length, or 0
 * if it does not fit cap. */
size_t dhcp_ip_wrap (struct in_addr src, struct in_addr dst, const uint8_t *payload, size_t n,
                     uint8_t *buf, size_t cap);
/* The UDP payload of an IPv4 frame to port 68, or NULL (not IPv4/UDP, a
 * fragment, another port, lengths that disagree, a bad checksum). check_udp
 * false skips the UDP checksum: a packet from this host or a virtio/veth peer
 * with checksum offload reaches a packet socket before the checksum is filled
 * in (TP_STATUS_CSUMNOTREADY), as udhcpc and systemd-networkd also handle. */
const uint8_t *dhcp_ip_unwrap (const uint8_t *frame, size_t n, bool check_udp, size_t *payload_len);

#endif
