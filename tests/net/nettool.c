/* tests/net's driver of tether/netif.c (and, later, the DHCP client): one
 * request per run against an interface found by MAC, as the tether will make
 * them. Run inside a network namespace the test made. Exit 0 done, 1 the
 * request failed (the error on stderr), 2 usage.
 *   nettool find MAC | up MAC [MTU] | lo
 *   nettool addr add|del MAC A.B.C.D/N | route add|del MAC GW | block A.B.C.D/N
 *   nettool dhcp MAC SECONDS [HOSTNAME]: runs the DHCP client (dhcpio.c) in
 *     the tether's loop for SECONDS, one line per event on stdout:
 *     "dhcp STATE address=A/N gateway=G dns=D1,D2 lease_end_ns=T error=TEXT"
 *     (the lease fields only while bound, error only when there is one). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dhcpio.h"
#include "loop.h"
#include "netif.h"

static int usage (void)
{
  fprintf (stderr, "usage: nettool find MAC | up MAC [MTU] | lo | addr add|del MAC A/N | route add|del MAC GW | block A/N\n"
                   "       nettool dhcp MAC SECONDS [HOSTNAME]\n");
  return 2;
}

/* "A.B.C.D/N" */
static int parse_cidr (const char *s, struct in_addr *a, int *prefix)
{
  char ip[INET_ADDRSTRLEN];
  const char *slash = strchr (s, '/');
  if (!slash || (size_t) (slash - s) >= sizeof ip)
    return -1;
  memcpy (ip, s, (size_t) (slash - s));
  ip[slash - s] = 0;
  char *end;
  long n = strtol (slash + 1, &end, 10);
  if (inet_pton (AF_INET, ip, a) != 1 || *end || end == slash + 1 || n < 0 || n > 32)
    return -1;
  *prefix = (int) n;
  return 0;
}

static int by_mac (const char *mac, char ifname[IFNAMSIZ], int *idx)
{
  int r = netif_find_by_mac (mac, ifname, idx);
  if (r != 0)
    fprintf (stderr, "nettool: %s: %s\n", mac, r < 0 ? "not a MAC address" : "no such interface");
  return r == 0 ? 0 : -1;
}

static int fail (const struct terr *err)
{
  fprintf (stderr, "nettool: %s\n", err->msg);
  return 1;
}

static void print_event (void *arg, const struct dhcp_event *ev)
{
  (void) arg;
  printf ("dhcp %s", ev->state);
  if (ev->has_lease)
    {
      printf (" address=%s/%d", inet_ntoa (ev->address), ev->prefix);
      printf (" gateway=%s dns=", inet_ntoa (ev->gateway));
      for (unsigned i = 0; i < ev->n_dns; i++)
        printf ("%s%s", i ? "," : "", inet_ntoa (ev->dns[i]));
      printf (" lease_end_ns=%lld", (long long) ev->lease_end_ns);
    }
  if (ev->error)
    printf (" error=%s", ev->error);
  printf ("\n");
  fflush (stdout);
}

static int run_dhcp (const char *mac, const char *seconds, const char *hostname)
{
  struct terr err = { 0 };
  static struct dhcpio io;
  if (loop_init (&err) < 0 || dhcpio_start (&io, mac, hostname, 0, print_event, NULL, &err) < 0)
    return fail (&err);
  int64_t end = now_mono_ms () + 1000 * atoll (seconds);
  while (now_mono_ms () < end)
    loop_run_once ();
  dhcpio_stop (&io);
  return 0;
}

int main (int argc, char **argv)
{
  struct terr err = { 0 };
  char ifname[IFNAMSIZ];
  int idx, prefix;
  struct in_addr a;
  if (argc == 3 && strcmp (argv[1], "find") == 0)
    {
      if (by_mac (argv[2], ifname, &idx) < 0)
        return 1;
      printf ("%s %d\n", ifname, idx);
      return 0;
    }
  if (argc == 2 && strcmp (argv[1], "lo") == 0)
    return netif_lo_up (&err) < 0 ? fail (&err) : 0;
  if ((argc == 3 || argc == 4) && strcmp (argv[1], "up") == 0)
    {
      if (by_mac (argv[2], ifname, &idx) < 0)
        return 1;
      uint32_t mtu = argc == 4 ? (uint32_t) strtoul (argv[3], NULL, 10) : 0;
      return netif_set_up (idx, mtu, &err) < 0 ? fail (&err) : 0;
    }
  if (argc == 3 && strcmp (argv[1], "block") == 0)
    {
      if (parse_cidr (argv[2], &a, &prefix) < 0)
        return usage ();
      return netif_route_block (a, prefix, &err) < 0 ? fail (&err) : 0;
    }
  if (argc == 5 && (strcmp (argv[1], "addr") == 0 || strcmp (argv[1], "route") == 0))
    {
      bool add = strcmp (argv[2], "add") == 0;
      if (!add && strcmp (argv[2], "del") != 0)
        return usage ();
      if (by_mac (argv[3], ifname, &idx) < 0)
        return 1;
      int r;
      if (argv[1][0] == 'a')
        {
          if (parse_cidr (argv[4], &a, &prefix) < 0)
            return usage ();
          r = add ? netif_addr_add (idx, a, prefix, &err) : netif_addr_del (idx, a, prefix, &err);
        }
      else
        {
          if (inet_pton (AF_INET, argv[4], &a) != 1)
            return usage ();
          r = netif_route_default (idx, a, add, &err);
        }
      return r < 0 ? fail (&err) : 0;
    }
  if ((argc == 4 || argc == 5) && strcmp (argv[1], "dhcp") == 0)
    return run_dhcp (argv[2], argv[3], argc == 5 ? argv[4] : NULL);
  return usage ();
}
