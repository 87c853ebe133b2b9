/* docker's -p syntax and the host ports behind it (portspec.h). */
#include "portspec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netspec.h"

static int port_number (const char *s, size_t n, unsigned *out)
{
  if (n == 0 || n > 5)
    return -1;
  unsigned v = 0;
  for (size_t i = 0; i < n; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return -1;
      v = v * 10 + (unsigned) (s[i] - '0');
    }
  if (v > 65535)
    return -1;
  *out = v;
  return 0;
}

int port_spec_parse (const char *spec, PortMap *pm, char *store, size_t cap, struct terr *err)
{
  port_map__init (pm);
  size_t len = strlen (spec);
  if (len + 8 > cap)
    return terr_set (err, 0, "invalid port spec: %.64s...", spec);
  memcpy (store, spec, len + 1);
  char *proto = strrchr (store, '/');
  pm->proto = (char *) "tcp";
  if (proto)
    {
      *proto++ = '\0';
      if (strcmp (proto, "tcp") != 0 && strcmp (proto, "udp") != 0)
        return terr_set (err, 0, "invalid proto: %s", proto);
      pm->proto = proto;
    }
  /* IP:HOST:CTR, HOST:CTR or CTR; an empty HOST (IP::CTR) picks one */
  char *parts[3];
  int n = 0;
  for (char *p = store; n < 3; n++)
    {
      parts[n] = p;
      char *colon = strchr (p, ':');
      if (!colon)
        {
          n++;
          break;
        }
      *colon = '\0';
      p = colon + 1;
      if (n == 2)
        return terr_set (err, 0, "invalid port spec: %s", spec);
    }
  const char *ctr = parts[n - 1], *host = n >= 2 ? parts[n - 2] : "", *ip = n == 3 ? parts[0] : "";
  unsigned cp, hp = 0;
  if (strchr (ctr, '-') || strchr (host, '-'))
    return terr_set (err, 0, "port ranges (%s) are not supported: publish each port with its own -p", spec);
  if (port_number (ctr, strlen (ctr), &cp) < 0 || cp == 0)
    return terr_set (err, 0, "invalid containerPort: %s", ctr);
  if (*host && port_number (host, strlen (host), &hp) < 0)
    return terr_set (err, 0, "invalid hostPort: %s", host);
  struct in_addr a;
  if (*ip && net_ip_parse (ip, &a) < 0)
    return terr_set (err, 0, "invalid IP address: %s (IPv4 only here)", ip);
  pm->ctr_port = cp;
  pm->host_port = hp;
  pm->host_ip = (char *) (strcmp (ip, "0.0.0.0") == 0 ? "" : ip);
  return 0;
}

/* A socket bound to the PortMap's host side: its fd, or -1 (errno). */
static int bind_host (const PortMap *p, unsigned port)
{
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port) };
  if (p->host_ip && p->host_ip[0] && inet_pton (AF_INET, p->host_ip, &sa.sin_addr) != 1)
    return errno = EINVAL, -1;
  int fd = socket (AF_INET, (strcmp (p->proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  /* QEMU binds with SO_REUSEADDR: a port in TIME_WAIT is free for it too */
  int one = 1;
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind (fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    {
      int e = errno;
      close (fd);
      return errno = e, -1;
    }
  return fd;
}

int port_reserve (ContainerConfig *cfg, struct terr *err)
{
  for (size_t i = 0; i < cfg->n_ports; i++)
    {
      PortMap *p = cfg->ports[i];
      const char *ip = p->host_ip && p->host_ip[0] ? p->host_ip : "0.0.0.0";
      for (size_t j = 0; j < i; j++)
        {
          const PortMap *q = cfg->ports[j];
          if (p->host_port && q->host_port == p->host_port && strcmp (q->proto, p->proto) == 0)
            return terr_set (err, 0, "Bind for %s:%u failed: port is already allocated", ip, p->host_port);
        }
      int fd = bind_host (p, p->host_port);
      if (fd < 0)
        return errno == EADDRINUSE
                   ? terr_set (err, 0, "Bind for %s:%u failed: port is already allocated", ip, p->host_port)
                   : terr_set (err, errno, "bind %s:%u/%s", ip, p->host_port, p->proto);
      if (p->host_port == 0)
        {
          struct sockaddr_in sa;
          socklen_t sl = sizeof sa;
          if (getsockname (fd, (struct sockaddr *) &sa, &sl) == 0)
            p->host_port = ntohs (sa.sin_port);
        }
      close (fd);
    }
  return 0;
}

void port_list_format (const ContainerConfig *cfg, char *out, size_t cap)
{
  size_t len = 0;
  out[0] = '\0';
  for (size_t i = 0; i < cfg->n_ports && len < cap; i++)
    {
      const PortMap *p = cfg->ports[i];
      int n = snprintf (out + len, cap - len, "%s%s:%u->%u/%s", i ? ", " : "",
                        p->host_ip && p->host_ip[0] ? p->host_ip : "0.0.0.0", p->host_port, p->ctr_port, p->proto);
      if (n < 0)
        break;
      len += (size_t) n;
    }
}
