/* docker's network options for `run` of a container VM: --network, -p,
 * --dns, --add-host, --hostname. runopts.c's table lists them and hands their
 * values to net_opts_take, as it does the health options. */
#ifndef TETHER_CTL_NETOPTS_H
#define TETHER_CTL_NETOPTS_H

#include <stddef.h>

#include "netspec.h"
#include "tether.pb-c.h"

enum {
  NETOPT_NETWORK = 450,
  NETOPT_PUBLISH,
  NETOPT_DNS,
  NETOPT_ADD_HOST,
  NETOPT_HOSTNAME,
  NETOPT_END,
};

#define NETOPT_MAX_DNS 8
#define NETOPT_MAX_HOSTS 64

/* What the options gave; the config's fields point here. */
struct net_opts {
  const char *network, *hostname;
  PortMap ports[NET_MAX_PORTS];
  PortMap *port_ptrs[NET_MAX_PORTS];
  char port_text[NET_MAX_PORTS][80];
  size_t n_ports;
  char *dns[NETOPT_MAX_DNS];
  size_t n_dns;
  char *hosts[NETOPT_MAX_HOSTS];
  size_t n_hosts;
};

/* Takes one NETOPT_ option: 0, or -1 after printing docker's message. */
int net_opts_take (struct net_opts *o, int opt, const char *arg);
/* Into cfg (the VM side makes the NIC from cfg->network: vmcreate.c). */
void net_opts_apply (struct net_opts *o, ContainerConfig *cfg);

#endif
