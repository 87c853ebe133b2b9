/* The DHCP client (dhcp.c) in the tether's loop: its sockets, its timer and
 * the netlink calls that put a lease on the interface. Before the interface
 * has an address the client talks through an AF_PACKET socket (IPv4/UDP built
 * by dhcpmsg.c, a BPF filter passing only UDP to port 68); once bound, through
 * a UDP socket bound to the interface (unicast renewals, broadcast rebinding). */
#ifndef TETHER_DHCPIO_H
#define TETHER_DHCPIO_H

#include <stdint.h>

#include "dhcp.h"
#include "loop.h"
#include "terr.h"

/* Called at every state or address change (the glue sends NetState). */
typedef void (*dhcpio_report_fn) (void *arg, const struct dhcp_event *ev);

struct dhcpio {
  struct dhcp_client c;
  int ifindex;
  struct watch raw, udp;  /* fd -1 while closed */
  struct timer t;
  dhcpio_report_fn report;
  void *arg;
};

/* Finds the interface by mac (it must be there: the caller waits for it with
 * netif_find_by_mac), sets it up (mtu 0 = keep), and sends the first DISCOVER.
 * hostname may be NULL. Returns 0 or -1 with err (no such interface, a socket). */
int dhcpio_start (struct dhcpio *io, const char *mac, const char *hostname, uint32_t mtu, dhcpio_report_fn fn,
                  void *arg, struct terr *err);
/* Closes the sockets, cancels the timer, removes the address; reports "stopped". */
void dhcpio_stop (struct dhcpio *io);

#endif
