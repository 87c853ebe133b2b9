/* Syntax and bounds of a config's network settings (netspec.h). */
#include "netspec.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int net_ip_parse (const char *s, struct in_addr *a)
{
  return s && inet_pton (AF_INET, s, a) == 1 ? 0 : -1;
}

int net_cidr_parse (const char *s, struct in_addr *a, int *prefix)
{
  char ip[INET_ADDRSTRLEN];
  const char *slash = s ? strchr (s, '/') : NULL;
  if (!slash || (size_t) (slash - s) >= sizeof ip || !slash[1] || strlen (slash + 1) > 2)
    return -1;
  memcpy (ip, s, (size_t) (slash - s));
  ip[slash - s] = '\0';
  char *end;
  long n = strtol (slash + 1, &end, 10);
  if (*end || n < 0 || n > 32 || slash[1] < '0' || slash[1] > '9' || net_ip_parse (ip, a) < 0)
    return -1;
  *prefix = (int) n;
  return 0;
}

static int hexval (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int net_mac_parse (const char *s, uint8_t mac[6])
{
  if (!s || strlen (s) != 17)
    return -1;
  for (int i = 0; i < 6; i++)
    {
      int hi = hexval (s[3 * i]), lo = hexval (s[3 * i + 1]);
      if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
        return -1;
      mac[i] = (uint8_t) (hi << 4 | lo);
    }
  return 0;
}

void net_mac_from_id (const char *id, char out[18])
{
  uint8_t b[5] = { 0 };
  for (int i = 0; i < 10 && id && id[i]; i++)
    {
      int v = hexval (id[i]);
      b[i / 2] = (uint8_t) (b[i / 2] << 4 | (v < 0 ? 0 : v));
    }
  snprintf (out, 18, "02:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4]);
}

static int check_nic (const Nic *n, size_t i, char *why, size_t cap)
{
  uint8_t mac[6];
  struct in_addr a;
  int prefix;
  if (net_mac_parse (n->mac, mac) < 0 || (mac[0] & 1))
    return snprintf (why, cap, "NIC %zu: MAC '%.32s' is not a unicast xx:xx:xx:xx:xx:xx", i, n->mac ? n->mac : ""),
           -1;
  if (!n->dhcp && net_cidr_parse (n->address, &a, &prefix) < 0)
    return snprintf (why, cap, "NIC %s: address '%.48s' is not A.B.C.D/N", n->mac, n->address ? n->address : ""), -1;
  if (n->gateway && n->gateway[0] && net_ip_parse (n->gateway, &a) < 0)
    return snprintf (why, cap, "NIC %s: gateway '%.48s' is not A.B.C.D", n->mac, n->gateway), -1;
  if (n->mtu && (n->mtu < 68 || n->mtu > 65535))
    return snprintf (why, cap, "NIC %s: MTU %u is outside 68..65535", n->mac, n->mtu), -1;
  if (n->n_blocked > NET_MAX_BLOCKED)
    return snprintf (why, cap, "NIC %s: %zu blocked destinations, at most %d", n->mac, n->n_blocked, NET_MAX_BLOCKED),
           -1;
  for (size_t j = 0; j < n->n_blocked; j++)
    if (net_cidr_parse (n->blocked[j], &a, &prefix) < 0)
      return snprintf (why, cap, "NIC %s: blocked '%.48s' is not A.B.C.D/N", n->mac, n->blocked[j] ? n->blocked[j] : ""),
             -1;
  return 0;
}

int net_check (const ContainerConfig *cfg, char *why, size_t cap)
{
  if (cfg->n_nics > NET_MAX_NICS)
    return snprintf (why, cap, "%zu NICs: at most %d", cfg->n_nics, NET_MAX_NICS), -1;
  for (size_t i = 0; i < cfg->n_nics; i++)
    if (check_nic (cfg->nics[i], i, why, cap) < 0)
      return -1;
  if (cfg->n_ports > NET_MAX_PORTS)
    return snprintf (why, cap, "%zu published ports: at most %d", cfg->n_ports, NET_MAX_PORTS), -1;
  for (size_t i = 0; i < cfg->n_ports; i++)
    {
      const PortMap *p = cfg->ports[i];
      struct in_addr a;
      if (!p->proto || (strcmp (p->proto, "tcp") != 0 && strcmp (p->proto, "udp") != 0))
        return snprintf (why, cap, "port %zu: protocol '%.16s' is not tcp or udp", i, p->proto ? p->proto : ""), -1;
      if (!p->ctr_port || p->ctr_port > 65535 || p->host_port > 65535)
        return snprintf (why, cap, "port %zu: %u:%u is outside 1..65535", i, p->host_port, p->ctr_port), -1;
      if (p->host_ip && p->host_ip[0] && net_ip_parse (p->host_ip, &a) < 0)
        return snprintf (why, cap, "port %zu: host address '%.48s' is not A.B.C.D", i, p->host_ip), -1;
    }
  return 0;
}
