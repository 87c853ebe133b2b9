/* docker's network options for run (netopts.h). */
#include "netopts.h"

#include <string.h>

#include "cli.h"
#include "portspec.h"

int net_opts_take (struct net_opts *o, int opt, const char *arg)
{
  struct in_addr a;
  struct terr err;
  switch (opt)
    {
    case NETOPT_NETWORK:
      o->network = arg;
      return 0;
    case NETOPT_HOSTNAME:
      if (strlen (arg) > 63 || !arg[0])
        return cli_err ("invalid hostname %s: 1 to 63 bytes", arg), -1;
      o->hostname = arg;
      return 0;
    case NETOPT_PUBLISH:
      if (o->n_ports >= NET_MAX_PORTS)
        return cli_err ("run: at most %d published ports", NET_MAX_PORTS), -1;
      if (port_spec_parse (arg, &o->ports[o->n_ports], o->port_text[o->n_ports], sizeof o->port_text[0], &err) < 0)
        return cli_err ("%s", err.msg), -1;
      o->port_ptrs[o->n_ports] = &o->ports[o->n_ports];
      o->n_ports++;
      return 0;
    case NETOPT_DNS:
      if (net_ip_parse (arg, &a) < 0)
        return cli_err ("invalid argument \"%s\" for \"--dns\" flag: %s is not an ip address", arg, arg), -1;
      if (o->n_dns >= NETOPT_MAX_DNS)
        return cli_err ("run: at most %d --dns", NETOPT_MAX_DNS), -1;
      o->dns[o->n_dns++] = (char *) arg;
      return 0;
    case NETOPT_ADD_HOST:
      {
        const char *colon = strchr (arg, ':');
        if (!colon || colon == arg || net_ip_parse (colon + 1, &a) < 0)
          return cli_err ("invalid argument \"%s\" for \"--add-host\" flag: invalid IP address in add-host: \"%s\"",
                          arg, colon ? colon + 1 : ""),
                 -1;
        if (o->n_hosts >= NETOPT_MAX_HOSTS)
          return cli_err ("run: at most %d --add-host", NETOPT_MAX_HOSTS), -1;
        o->hosts[o->n_hosts++] = (char *) arg;
        return 0;
      }
    }
  return -1;
}

void net_opts_apply (struct net_opts *o, ContainerConfig *cfg)
{
  cfg->network = (char *) (o->network ? o->network : "default");
  cfg->ports = o->port_ptrs;
  cfg->n_ports = o->n_ports;
  cfg->dns = o->dns;
  cfg->n_dns = o->n_dns;
  cfg->extra_hosts = o->hosts;
  cfg->n_extra_hosts = o->n_hosts;
  if (o->hostname)
    cfg->hostname = (char *) o->hostname;
}
