/* The network guard's other half (netguard.h): on a network whose gateway
 * QEMU maps to the host's loopback, a raw AF_PACKET frame would pass the cgroup
 * programs (they see IP sockets only) and open a connection to a service on the
 * host's 127.0.0.1. So a container on such a network (a NIC with blocked
 * destinations) cannot create AF_PACKET sockets: a second seccomp filter,
 * stacked on docker's profile, answers them EPERM. docker's containers may
 * open them (CAP_NET_RAW); here `arping`, `tcpdump` and DHCP clients inside
 * the container are refused on the default network (docs/network.md). */
#ifndef TETHER_PKTGUARD_H
#define TETHER_PKTGUARD_H

#include <stddef.h>

#include "terr.h"

struct sock_filter;
/* The filter's instructions (unit tests): the count. */
size_t pktguard_prog (struct sock_filter *out, size_t cap);
/* Loads it on the calling thread (CAP_SYS_ADMIN or no_new_privs needed). */
int pktguard_install (struct terr *err);

#endif
