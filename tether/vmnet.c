/* The VM's network (#13, docs/vm.md): its NICs are hot-plugged by the endpoint
 * after the start, like the disks; each is found by the MAC the config gives,
 * brought up and given its static address and default route, and the
 * destinations the config blocks get a prohibit route. Every change is reported
 * to the endpoint (NetState), and ContainerInfo.nets has the latest of each NIC.
 * Loopback comes up in every VM: docker's --network none keeps lo.
 * A NIC that says dhcp runs the DHCP client (dhcpio.h) instead: the start
 * waits (bounded, vm.c) for its first lease; every event of the client after
 * that becomes a NetState, a new address rewrites /etc/hosts, and a NAK or an
 * expiry is reported while the client starts over (the container keeps
 * running, as it would on a host whose lease ran out). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "dhcpio.h"
#include "log.h"
#include "netguard.h"
#include "netif.h"
#include "netspec.h"
#include "vm.h"

struct nic_state {
  NetState pb;
  char mac[18], ifname[IFNAMSIZ], address[24], gateway[16], state[16], source[8], error[160];
  char dns[DHCP_MAX_DNS][INET_ADDRSTRLEN]; /* a DHCP NIC's lease's servers */
  unsigned n_dns;
};
static struct nic_state nics[NET_MAX_NICS];
static struct dhcpio dhcps[NET_MAX_NICS];
static bool dhcp_on[NET_MAX_NICS];
static const ContainerConfig *net_cfg;
static NetState *nic_ptrs[NET_MAX_NICS];
static size_t n_nics;

const char *vmnet_missing (const ContainerConfig *cfg)
{
  for (size_t i = 0; i < cfg->n_nics && i < NET_MAX_NICS; i++)
    {
      char ifname[IFNAMSIZ];
      int ifindex;
      if (netif_find_by_mac (cfg->nics[i]->mac, ifname, &ifindex) != 0)
        return cfg->nics[i]->mac;
    }
  return NULL;
}

static void send_state (struct conn *only, const NetState *ns)
{
  Msg m = MSG__INIT;
  m.body_case = MSG__BODY_NET_STATE;
  m.net_state = (NetState *) ns;
  for (struct conn *c = conns; c; c = c->next)
    if ((only ? c == only : c->is_channel) && c->hello_done && !c->closed)
      conn_send (c, &m);
}

void vmnet_report (struct conn *only)
{
  for (size_t i = 0; i < n_nics; i++)
    send_state (only, &nics[i].pb);
}

static struct nic_state *record (const Nic *n, const char *ifname, const char *state, const char *error)
{
  size_t i = 0;
  while (i < n_nics && strcmp (nics[i].mac, n->mac) != 0)
    i++;
  if (i == NET_MAX_NICS)
    return NULL; /* cfgcheck bounds the NICs */
  struct nic_state *s = &nics[i];
  if (i == n_nics)
    {
      memset (s, 0, sizeof *s);
      net_state__init (&s->pb);
      snprintf (s->mac, sizeof s->mac, "%s", n->mac);
      nic_ptrs[n_nics++] = &s->pb;
    }
  snprintf (s->ifname, sizeof s->ifname, "%s", ifname);
  snprintf (s->state, sizeof s->state, "%s", state);
  snprintf (s->source, sizeof s->source, "%s", n->dhcp ? "dhcp" : "static");
  snprintf (s->error, sizeof s->error, "%s", error ? error : "");
  if (!n->dhcp) /* a DHCP NIC's address is the lease's (on_dhcp) */
    {
      const char *addr = error ? "" : n->address;
      if (strcmp (s->address, addr) != 0)
        s->pb.changes++;
      snprintf (s->address, sizeof s->address, "%s", addr);
      snprintf (s->gateway, sizeof s->gateway, "%s", error || !n->gateway ? "" : n->gateway);
    }
  s->pb.mac = s->mac, s->pb.ifname = s->ifname, s->pb.address = s->address, s->pb.gateway = s->gateway;
  s->pb.state = s->state, s->pb.source = s->source, s->pb.error = s->error;
  return s;
}

/* The client's event as the NIC's state: its state name ("bound",
 * "renewing", "selecting" after a NAK or an expiry...), the lease's address. */
static void on_dhcp (void *arg, const struct dhcp_event *ev)
{
  const Nic *n = arg;
  struct nic_state *s = record (n, ev->ifname ? ev->ifname : "", ev->state, ev->error);
  if (!s)
    return;
  char addr[24] = "", gw[16] = "";
  if (ev->has_lease)
    {
      char ip[INET_ADDRSTRLEN];
      inet_ntop (AF_INET, &ev->address, ip, sizeof ip);
      snprintf (addr, sizeof addr, "%s/%d", ip, ev->prefix);
      if (ev->gateway.s_addr)
        inet_ntop (AF_INET, &ev->gateway, gw, sizeof gw);
    }
  s->n_dns = 0;
  for (unsigned k = 0; ev->has_lease && k < ev->n_dns && k < DHCP_MAX_DNS; k++)
    inet_ntop (AF_INET, &ev->dns[k], s->dns[s->n_dns++], INET_ADDRSTRLEN);
  bool changed = strcmp (s->address, addr) != 0;
  if (changed)
    s->pb.changes++;
  snprintf (s->address, sizeof s->address, "%s", addr);
  snprintf (s->gateway, sizeof s->gateway, "%s", gw);
  if (ev->error)
    log_warn ("NIC %s: DHCP %s: %s", n->mac, ev->state, ev->error);
  else
    log_info ("NIC %s: DHCP %s %s", n->mac, ev->state, addr[0] ? addr : "(no address)");
  send_state (NULL, &s->pb);
  if (changed && addr[0] && net_cfg)
    vmetc_hosts_update (net_cfg);
}

static int setup_nic_dhcp (size_t i, const Nic *n, struct terr *err)
{
  record (n, "", "selecting", NULL);
  if (dhcpio_start (&dhcps[i], n->mac, net_cfg && net_cfg->hostname && net_cfg->hostname[0] ? net_cfg->hostname : NULL,
                    n->mtu, on_dhcp, (void *) n, err) < 0)
    return terr_wrap (err, "NIC %s: DHCP", n->mac);
  dhcp_on[i] = true;
  return 0;
}

const char *vmnet_unleased (const ContainerConfig *cfg)
{
  for (size_t i = 0; i < cfg->n_nics && i < NET_MAX_NICS; i++)
    if (cfg->nics[i]->dhcp && !(dhcp_on[i] && dhcps[i].c.bound))
      return cfg->nics[i]->mac;
  return NULL;
}

size_t vmnet_dns (const char *mac, const char **out, size_t cap)
{
  size_t n = 0;
  for (size_t i = 0; i < n_nics; i++)
    if (strcmp (nics[i].mac, mac) == 0)
      for (unsigned k = 0; k < nics[i].n_dns && n < cap; k++)
        out[n++] = nics[i].dns[k];
  return n;
}

const char *vmnet_address (const char *mac)
{
  for (size_t i = 0; i < n_nics; i++)
    if (strcmp (nics[i].mac, mac) == 0)
      return nics[i].address;
  return "";
}

static int setup_nic (size_t i, const Nic *n, struct terr *err)
{
  char ifname[IFNAMSIZ];
  int ifindex, prefix;
  struct in_addr a, gw;
  if (netif_find_by_mac (n->mac, ifname, &ifindex) != 0)
    return terr_set (err, ENODEV, "NIC %s is not there", n->mac);
  if (n->dhcp)
    return setup_nic_dhcp (i, n, err);
  if (netif_set_up (ifindex, n->mtu, err) < 0 || net_cidr_parse (n->address, &a, &prefix) < 0
      || netif_addr_add (ifindex, a, prefix, err) < 0)
    return terr_wrap (err, "NIC %s (%s)", n->mac, ifname);
  if (n->gateway && n->gateway[0]
      && (net_ip_parse (n->gateway, &gw) < 0 || netif_route_default (ifindex, gw, true, err) < 0))
    return terr_wrap (err, "NIC %s: default route via %s", n->mac, n->gateway);
  struct nic_state *s = record (n, ifname, "configured", NULL);
  log_info ("NIC %s is %s: %s via %s", n->mac, ifname, n->address, n->gateway && n->gateway[0] ? n->gateway : "-");
  if (s)
    send_state (NULL, &s->pb);
  return 0;
}

/* The blocked destinations of every NIC, before any NIC is up (netguard.h:
 * not a route, which would stop the replies of published ports too). */
static int guard (const ContainerConfig *cfg, struct terr *err)
{
  struct netguard_net nets[NETGUARD_MAX_NETS];
  uint16_t udp[NETGUARD_MAX_UDP_PORTS];
  size_t n = 0, n_udp = 0;
  for (size_t i = 0; i < cfg->n_nics; i++)
    for (size_t k = 0; k < cfg->nics[i]->n_blocked; k++)
      {
        if (n == NETGUARD_MAX_NETS)
          return terr_set (err, E2BIG, "more than %d blocked destinations", NETGUARD_MAX_NETS);
        if (net_cidr_parse (cfg->nics[i]->blocked[k], &nets[n].addr, &nets[n].prefix) < 0)
          return terr_set (err, EINVAL, "blocked destination %s", cfg->nics[i]->blocked[k]);
        n++;
      }
  for (size_t i = 0; i < cfg->n_ports && n_udp < NETGUARD_MAX_UDP_PORTS; i++)
    if (strcmp (cfg->ports[i]->proto, "udp") == 0)
      udp[n_udp++] = (uint16_t) cfg->ports[i]->ctr_port;
  return netguard_install (nets, n, udp, n_udp, err);
}

int vmnet_setup (const ContainerConfig *cfg, struct terr *err)
{
  net_cfg = cfg;
  if (netif_lo_up (err) < 0)
    return terr_wrap (err, "loopback");
  if (guard (cfg, err) < 0)
    return -1;
  for (size_t i = 0; i < cfg->n_nics && i < NET_MAX_NICS; i++)
    if (setup_nic (i, cfg->nics[i], err) < 0)
      {
        struct nic_state *s = record (cfg->nics[i], "", "failed", err->msg);
        if (s)
          send_state (NULL, &s->pb);
        return -1;
      }
  return 0;
}

void vmnet_fill_info (ContainerInfo *info)
{
  info->nets = nic_ptrs;
  info->n_nets = n_nics;
}

bool vmnet_blocks (const ContainerConfig *cfg)
{
  for (size_t i = 0; i < cfg->n_nics; i++)
    if (cfg->nics[i]->n_blocked)
      return true;
  return false;
}
