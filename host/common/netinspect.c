/* docker's network objects for a container VM (netinspect.h). */
#include "netinspect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_running (const ContainerInfo *ci)
{
  return ci->status && (strcmp (ci->status, "running") == 0 || strcmp (ci->status, "restarting") == 0);
}

bool net_inspect_has (const ContainerConfig *c)
{
  return c && c->network && c->network[0];
}

const char *net_inspect_name (const ContainerConfig *c)
{
  if (!net_inspect_has (c) || strcmp (c->network, "default") == 0)
    return "bridge";
  return c->network;
}

/* The NIC's latest state from the guest, or NULL before it reported. */
static const NetState *nic_state (const ContainerInfo *ci, const Nic *n)
{
  for (size_t i = 0; i < ci->n_nets; i++)
    if (ci->nets[i]->mac && n->mac && strcmp (ci->nets[i]->mac, n->mac) == 0)
      return ci->nets[i];
  return NULL;
}

/* "10.0.2.15/24" into its address and prefix ("" and 0 when none). */
static int split_cidr (const char *cidr, char *ip, size_t cap)
{
  const char *slash = cidr ? strchr (cidr, '/') : NULL;
  if (!slash)
    {
      snprintf (ip, cap, "%s", cidr ? cidr : "");
      return 0;
    }
  snprintf (ip, cap, "%.*s", (int) (slash - cidr), cidr);
  return atoi (slash + 1);
}

static void address_fields (struct json *j, const ContainerInfo *ci, const Nic *n)
{
  const NetState *st = n ? nic_state (ci, n) : NULL;
  char ip[64];
  int prefix = split_cidr (st ? st->address : "", ip, sizeof ip);
  json_kstr (j, "Gateway", st ? st->gateway : "");
  json_kstr (j, "IPAddress", ip);
  json_kint (j, "IPPrefixLen", prefix);
  json_kstr (j, "IPv6Gateway", "");
  json_kstr (j, "GlobalIPv6Address", "");
  json_kint (j, "GlobalIPv6PrefixLen", 0);
  json_kstr (j, "MacAddress", n ? n->mac : "");
}

static void ports_object (struct json *j, const ContainerConfig *c, bool bindings)
{
  char key[32], port[8];
  json_obj_begin (j);
  /* exposed without a binding: null (docker's "80/tcp": null) */
  for (size_t i = 0; !bindings && i < c->n_exposed_ports; i++)
    {
      bool bound = false;
      for (size_t k = 0; k < c->n_ports; k++)
        {
          snprintf (key, sizeof key, "%u/%s", c->ports[k]->ctr_port, c->ports[k]->proto);
          bound |= strcmp (key, c->exposed_ports[i]) == 0;
        }
      if (!bound)
        {
          json_key (j, c->exposed_ports[i]);
          json_write_null (j);
        }
    }
  /* one key per container port, with every host binding of it */
  for (size_t i = 0; i < c->n_ports; i++)
    {
      const PortMap *p = c->ports[i];
      bool seen = false;
      for (size_t k = 0; k < i; k++)
        seen |= c->ports[k]->ctr_port == p->ctr_port && strcmp (c->ports[k]->proto, p->proto) == 0;
      if (seen)
        continue;
      snprintf (key, sizeof key, "%u/%s", p->ctr_port, p->proto);
      json_key (j, key);
      json_arr_begin (j);
      for (size_t k = i; k < c->n_ports; k++)
        {
          const PortMap *q = c->ports[k];
          if (q->ctr_port != p->ctr_port || strcmp (q->proto, p->proto) != 0)
            continue;
          json_obj_begin (j);
          /* inspect's Ports: the address bound (0.0.0.0); PortBindings: as asked */
          json_kstr (j, "HostIp", q->host_ip && q->host_ip[0] ? q->host_ip : bindings ? "" : "0.0.0.0");
          snprintf (port, sizeof port, "%u", q->host_port);
          json_kstr (j, "HostPort", bindings && q->host_port == 0 ? "" : port);
          json_obj_end (j);
        }
      json_arr_end (j);
    }
  json_obj_end (j);
}

void net_inspect_port_bindings (struct json *j, const ContainerConfig *c)
{
  json_key (j, "PortBindings");
  ports_object (j, c, true);
}

void net_inspect_settings (struct json *j, const ContainerInfo *ci)
{
  const ContainerConfig *c = ci->config;
  const Nic *n = c && c->n_nics ? c->nics[0] : NULL;
  bool running = is_running (ci);
  json_key (j, "NetworkSettings");
  json_obj_begin (j);
  json_kstr (j, "Bridge", "");
  json_kbool (j, "HairpinMode", false);
  json_key (j, "Ports");
  if (running && c)
    ports_object (j, c, false);
  else
    json_obj_begin (j), json_obj_end (j);
  address_fields (j, ci, running ? n : NULL);
  json_key (j, "Networks");
  json_obj_begin (j);
  if (net_inspect_has (c))
    {
      json_key (j, net_inspect_name (c));
      json_obj_begin (j);
      address_fields (j, ci, running ? n : NULL);
      /* not docker's: how the guest got the address and what it is doing now */
      const NetState *st = n && running ? nic_state (ci, n) : NULL;
      if (st)
        {
          json_kstr (j, "Source", st->source);
          json_kstr (j, "State", st->state);
          json_kint (j, "AddressChanges", st->changes);
          if (st->error && st->error[0])
            json_kstr (j, "Error", st->error);
        }
      json_obj_end (j);
    }
  json_obj_end (j);
  json_obj_end (j);
}

void net_inspect_ps_ports (struct json *j, const ContainerInfo *ci)
{
  const ContainerConfig *c = ci->config;
  json_key (j, "Ports");
  json_arr_begin (j);
  /* docker: a container that does not run has no ports bound */
  for (size_t i = 0; c && is_running (ci) && i < c->n_ports; i++)
    {
      const PortMap *p = c->ports[i];
      json_obj_begin (j);
      json_kstr (j, "IP", p->host_ip && p->host_ip[0] ? p->host_ip : "0.0.0.0");
      json_kint (j, "PrivatePort", p->ctr_port);
      json_kint (j, "PublicPort", p->host_port);
      json_kstr (j, "Type", p->proto);
      json_obj_end (j);
    }
  json_arr_end (j);
}
