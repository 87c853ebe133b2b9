/* The guest's network interfaces through rtnetlink (libnl-3's core: sockets,
 * messages, attributes, acks): link up and MTU, IPv4 addresses, the default
 * route and "blocked" destinations. No shelling out to ip(8).
 *
 * Each call opens one NETLINK_ROUTE socket, sends one request and waits for the
 * kernel's ack at most NETIF_ACK_TIMEOUT_MS; a refusal is reported with the
 * kernel's errno and its text ("add 10.0.0.2/24 on if 3: File exists").
 * All return 0 or -1 with err set. The kernel handles an rtnetlink request
 * inside the sendmsg and queues the ack before it returns, so the blocking
 * wait does not hold the loop up in practice; the bound is for a kernel that
 * never answers.
 *
 * A Nic of the config, in this order: netif_find_by_mac (rescanned within
 * nic_wait_ms), netif_set_up with its mtu, then a static address
 * (netif_addr_add, netif_route_default) or the DHCP client (dhcpio.h), and
 * netif_route_block for each blocked[] entry; netif_lo_up once. */
#ifndef TETHER_NETIF_H
#define TETHER_NETIF_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "terr.h"

#define NETIF_ACK_TIMEOUT_MS 2000
#define NETIF_REPLY_MAX 8192   /* one recv of the kernel's answer */
#define NETIF_CLASS_DIR "/sys/class/net"

struct nl_msg;
struct nlmsghdr;

/* The interface whose address is mac ("52:54:00:12:34:56", any case), by one
 * scan of /sys/class/net/<if>/address. Returns 0 found (ifname, ifindex set),
 * 1 not there (yet: a hot-plugged NIC appears once virtio_net probes it, so the
 * caller rescans within its bound), -1 if mac is not six hex pairs. */
int netif_find_by_mac (const char *mac, char ifname[IFNAMSIZ], int *ifindex);
/* The same under another class directory (unit tests). */
int netif_find_by_mac_in (const char *class_dir, const char *mac, char ifname[IFNAMSIZ], int *ifindex);

/* Sets IFF_UP, and the MTU unless mtu is 0. */
int netif_set_up (int ifindex, uint32_t mtu, struct terr *err);
int netif_lo_up (struct terr *err);
/* Adds (or replaces: a renewed lease adds the same address again) a/prefix with
 * its broadcast address, as `ip addr add A/N brd + dev IF`; deletes it. */
int netif_addr_add (int ifindex, struct in_addr a, int prefix, struct terr *err);
int netif_addr_del (int ifindex, struct in_addr a, int prefix, struct terr *err);
/* The default route via gw on ifindex, added (replacing one there) or deleted.
 * RTNH_F_ONLINK: the kernel takes the gateway as on the link without looking it
 * up, so the route goes in even when gw itself is behind a netif_route_block. */
int netif_route_default (int ifindex, struct in_addr gw, bool add, struct terr *err);
/* An RTN_PROHIBIT route to dst/prefix in the main table: connects and sends to
 * it fail with EACCES (the kernel answers ICMP "administratively prohibited"
 * for forwarded packets). Added or replaced. */
int netif_route_block (struct in_addr dst, int prefix, struct terr *err);

/* The requests above as messages, before they are sent (unit tests read them
 * back). NULL out of memory or on a bad argument, with err set. */
struct nl_msg *netif_msg_link_up (int ifindex, uint32_t mtu, struct terr *err);
struct nl_msg *netif_msg_addr (int ifindex, struct in_addr a, int prefix, bool add, struct terr *err);
struct nl_msg *netif_msg_route (int ifindex, struct in_addr dst, int prefix, struct in_addr gw,
                                int type, bool add, struct terr *err);

/* The kernel's answer to request seq among the n bytes of one recv (buf
 * aligned as a nlmsghdr; at most NETIF_REPLY_MAX are looked at): 0 acked, 1
 * not in these bytes (wait for more), -1 refused with the kernel's errno, or a
 * malformed error message (EPROTO); what names the request in err. Other
 * messages, and those of other sequence numbers, are skipped. */
int netif_ack_parse (const struct nlmsghdr *buf, size_t n, uint32_t seq, const char *what, struct terr *err);

#endif
