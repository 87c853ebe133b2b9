/* Network settings in the config (Nic, PortMap): their syntax and bounds,
 * shared by the clients that build them and the tether that applies them (a
 * hostile client). Addresses are IPv4: the default network and bridges hand
 * out nothing else yet. */
#ifndef TETHER_NETSPEC_H
#define TETHER_NETSPEC_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "tether.pb-c.h"

#define NET_MAX_NICS 2 /* the machine's spare root ports (host/endpoint/qemu.c) */
#define NET_MAX_BLOCKED 8
#define NET_MAX_PORTS 64

/* The default network: QEMU's user-mode network (slirp), whose fixed plan
 * every VM shares (each VM has its own slirp: they never see each other). */
#define NET_USER_NET "10.0.2.0/24"
#define NET_USER_GUEST "10.0.2.15/24"
#define NET_USER_GATEWAY "10.0.2.2" /* slirp maps it to the host's 127.0.0.1 */
#define NET_USER_DNS "10.0.2.3"

/* "A.B.C.D/N": 0 and the parts, or -1. */
int net_cidr_parse (const char *s, struct in_addr *a, int *prefix);
/* "A.B.C.D": 0, or -1. */
int net_ip_parse (const char *s, struct in_addr *a);
/* "xx:xx:xx:xx:xx:xx" (either case): 0, or -1. */
int net_mac_parse (const char *s, uint8_t mac[6]);
/* The MAC of a container's NIC: 02 (locally administered, unicast) and the
 * first ten hex digits of its id, as docker derives 02:42:... from the IP. */
void net_mac_from_id (const char *id, char out[18]);
/* The Nic and PortMap fields of cfg against their syntax and bounds: 0, or -1
 * with why. */
int net_check (const ContainerConfig *cfg, char *why, size_t cap);

#endif
