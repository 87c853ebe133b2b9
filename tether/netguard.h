/* The guard on the container's way to the hosts behind its network (#13,
 * docs/security.md): QEMU's user network maps its gateway to the host's
 * 127.0.0.1, which no container may reach, yet the gateway is also where
 * published ports' connections come from (QEMU forwards a host client on
 * 127.0.0.1 as 10.0.2.2), so a route cannot close it: replies must pass.
 * cgroup BPF programs on the root cgroup (every process of the VM) refuse new
 * flows to the blocked destinations and let replies through:
 *   connect4 and sendmsg4: connect() and sendto() to them fail with EPERM;
 *   egress: the packets themselves, raw sockets' too: a TCP SYN without ACK
 *   and any UDP (but replies from a published UDP port) are dropped.
 * The programs are attached without BPF_F_ALLOW_OVERRIDE: no process can
 * attach its own below them, and removing them takes CAP_NET_ADMIN or
 * CAP_SYS_ADMIN, which docker's default set leaves out. */
#ifndef TETHER_NETGUARD_H
#define TETHER_NETGUARD_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "terr.h"

#define NETGUARD_MAX_NETS 8
#define NETGUARD_MAX_UDP_PORTS 64
#define NETGUARD_CGROUP "/run/tether/cgroup"

struct netguard_net {
  struct in_addr addr;
  int prefix;
};

/* Installs the three programs for nets (once per boot). udp_ports: container
 * ports published over UDP, whose replies to a blocked address pass. */
int netguard_install (const struct netguard_net *nets, size_t n, const uint16_t *udp_ports, size_t n_udp,
                      struct terr *err);

/* The programs' instructions (unit tests): the count, or -1 if they do not fit cap. */
struct bpf_insn;
int netguard_prog_sock_addr (const struct netguard_net *nets, size_t n, struct bpf_insn *out, size_t cap);
int netguard_prog_egress (const struct netguard_net *nets, size_t n, const uint16_t *udp_ports, size_t n_udp,
                          struct bpf_insn *out, size_t cap);

#endif
