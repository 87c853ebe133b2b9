/* The network of a docker create (ctrcreate.h): Config.ExposedPorts,
 * HostConfig.PortBindings, PublishAllPorts, NetworkMode, Dns and ExtraHosts,
 * into the config's ports, exposed ports, network, dns and extra hosts. The
 * NIC itself is made by vm_create from the network's name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "createctx.h"
#include "ctrcreate.h"

/* "80/tcp", "53/udp" or "80" (tcp) into its port and protocol. */
static int port_key (struct ctx *c, const char *key, unsigned *port, const char **proto)
{
  char *end;
  long p = strtol (key, &end, 10);
  *proto = "tcp";
  if (*end == '/')
    {
      if (strcmp (end + 1, "udp") == 0)
        *proto = "udp";
      else if (strcmp (end + 1, "tcp") != 0)
        return create_fail (c, 400, "invalid port '%.32s': tetherd publishes tcp and udp", key);
    }
  else if (*end)
    return create_fail (c, 400, "invalid port '%.32s'", key);
  if (end == key || p < 1 || p > 65535)
    return create_fail (c, 400, "invalid port '%.32s'", key);
  *port = (unsigned) p;
  return 0;
}

static PortMap *add_port (struct ctx *c, const char *proto, unsigned ctr, const char *ip, unsigned host)
{
  struct create_net *n = &c->r->net;
  size_t i = c->r->cfg.n_ports;
  if (i >= NET_MAX_PORTS)
    return create_fail (c, 400, "more than %d published ports (tetherd's bound)", NET_MAX_PORTS), NULL;
  PortMap *p = &n->ports[i];
  port_map__init (p);
  p->proto = (char *) proto;
  p->ctr_port = ctr;
  p->host_port = host;
  snprintf (n->port_ips[i], sizeof n->port_ips[i], "%s", strcmp (ip, "0.0.0.0") == 0 ? "" : ip);
  p->host_ip = n->port_ips[i];
  n->port_ptrs[i] = p;
  c->r->cfg.ports = n->port_ptrs;
  c->r->cfg.n_ports = i + 1;
  return p;
}

static int take_exposed (struct ctx *c, const json_t *cfgj)
{
  struct create_net *n = &c->r->net;
  ContainerConfig *cfg = &c->r->cfg;
  const json_t *ej;
  if (create_get_object (c, cfgj, "ExposedPorts", "Config.ExposedPorts", &ej) < 0)
    return -1;
  const char *k;
  json_t *v;
  cfg->exposed_ports = n->exposed_ptrs;
  json_object_foreach ((json_t *) (ej ? ej : json_null ()), k, v)
    {
      unsigned port;
      const char *proto;
      if (port_key (c, k, &port, &proto) < 0)
        return -1;
      if (cfg->n_exposed_ports >= NET_MAX_PORTS)
        return create_fail (c, 400, "more than %d exposed ports (tetherd's bound)", NET_MAX_PORTS);
      snprintf (n->exposed[cfg->n_exposed_ports], sizeof n->exposed[0], "%u/%s", port, proto);
      n->exposed_ptrs[cfg->n_exposed_ports] = n->exposed[cfg->n_exposed_ports];
      cfg->n_exposed_ports++;
    }
  return 0;
}

/* {"80/tcp": [{"HostIp": "", "HostPort": "8080"}, ...]} */
static int take_bindings (struct ctx *c, const json_t *hj)
{
  const json_t *bj;
  if (create_get_object (c, hj, "PortBindings", "HostConfig.PortBindings", &bj) < 0)
    return -1;
  const char *k;
  json_t *list;
  json_object_foreach ((json_t *) (bj ? bj : json_null ()), k, list)
    {
      unsigned port;
      const char *proto;
      if (port_key (c, k, &port, &proto) < 0)
        return -1;
      if (json_is_null (list))
        continue;
      if (!json_is_array (list))
        return create_type_error (c, "HostConfig.PortBindings", list, "[]nat.PortBinding");
      size_t i;
      json_t *b;
      json_array_foreach (list, i, b)
        {
          const char *ip = "", *hp = "";
          if (!json_is_object (b))
            return create_type_error (c, "HostConfig.PortBindings", b, "nat.PortBinding");
          if (create_get_string (c, b, "HostIp", "HostConfig.PortBindings.HostIp", &ip) < 0
              || create_get_string (c, b, "HostPort", "HostConfig.PortBindings.HostPort", &hp) < 0)
            return -1;
          struct in_addr a;
          if (ip[0] && net_ip_parse (ip, &a) < 0)
            return create_fail (c, 400, "invalid IP address '%.48s' (tetherd publishes on IPv4 addresses)", ip);
          char *end;
          long h = hp[0] ? strtol (hp, &end, 10) : 0;
          if (hp[0] && (*end || h < 1 || h > 65535))
            return create_fail (c, 400, "invalid port specification: \"%.32s\" (one host port per binding)", hp);
          if (!add_port (c, proto, port, ip, (unsigned) h))
            return -1;
        }
    }
  return 0;
}

/* -P: every exposed port without a binding, on a port the start picks. */
static int publish_all (struct ctx *c)
{
  ContainerConfig *cfg = &c->r->cfg;
  size_t bound = cfg->n_ports;
  for (size_t i = 0; i < cfg->n_exposed_ports; i++)
    {
      unsigned port = (unsigned) atoi (cfg->exposed_ports[i]);
      const char *proto = strstr (cfg->exposed_ports[i], "/udp") ? "udp" : "tcp";
      bool has = false;
      for (size_t k = 0; k < bound; k++)
        has |= cfg->ports[k]->ctr_port == port && strcmp (cfg->ports[k]->proto, proto) == 0;
      if (!has && !add_port (c, proto, port, "", 0))
        return -1;
    }
  return 0;
}

int create_take_network (struct ctx *c, const json_t *cfgj, const json_t *hj)
{
  struct create_net *n = &c->r->net;
  ContainerConfig *cfg = &c->r->cfg;
  const char *mode = "";
  bool all = false;
  if ((cfgj && take_exposed (c, cfgj) < 0) || (hj && take_bindings (c, hj) < 0))
    return -1;
  if (hj && (create_get_bool (c, hj, "PublishAllPorts", "HostConfig.PublishAllPorts", &all) < 0
             || create_get_string (c, hj, "NetworkMode", "HostConfig.NetworkMode", &mode) < 0))
    return -1;
  if (all && publish_all (c) < 0)
    return -1;
  cfg->network = (char *) (mode[0] ? mode : "default");
  if (hj && (create_get_strings (c, hj, "Dns", "HostConfig.Dns", false, n->dns, &n->n_dns, NULL) < 0
             || create_get_strings (c, hj, "ExtraHosts", "HostConfig.ExtraHosts", false, n->hosts, &n->n_hosts, NULL)
                    < 0))
    return -1;
  struct in_addr a;
  for (size_t i = 0; i < n->n_dns; i++)
    if (net_ip_parse (n->dns[i], &a) < 0)
      return create_fail (c, 400, "invalid DNS address '%.64s' (IPv4 here)", n->dns[i]);
  for (size_t i = 0; i < n->n_hosts; i++)
    {
      /* docker's "name:ip" (the CLI turns name=ip into it) */
      const char *colon = strchr (n->hosts[i], ':');
      if (!colon || colon == n->hosts[i] || net_ip_parse (colon + 1, &a) < 0)
        return create_fail (c, 400, "invalid IP address in add-host: \"%.64s\"", colon ? colon + 1 : n->hosts[i]);
    }
  cfg->dns = n->dns, cfg->n_dns = n->n_dns;
  cfg->extra_hosts = n->hosts, cfg->n_extra_hosts = n->n_hosts;
  if (strcmp (cfg->network, "none") == 0 && cfg->n_ports)
    cfg->n_ports = 0; /* docker: nothing is published without a network */
  return 0;
}
