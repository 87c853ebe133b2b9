/* docker's -p/--publish syntax, [IP:][HOSTPORT:]CTRPORT[/PROTO], into a
 * PortMap, and the host side of publishing: picking a free host port and
 * checking that a chosen one is free (docker's error when it is not). */
#ifndef TETHER_CTL_PORTSPEC_H
#define TETHER_CTL_PORTSPEC_H

#include <stddef.h>

#include "terr.h"
#include "tether.pb-c.h"

/* Fills pm (whose strings point into store, cap bytes). -1 with docker's
 * message ("invalid containerPort: x") on a bad spec. Ranges (8000-8010) are
 * refused: one port per -p here. */
int port_spec_parse (const char *spec, PortMap *pm, char *store, size_t cap, struct terr *err);
/* Every PortMap of cfg with host_port 0 gets a free port (bound and let go:
 * docker's userland proxy has the same race); then each one is bound for a
 * moment to learn it is free. -1 with docker's "Bind for IP:PORT failed: port
 * is already allocated" otherwise. */
int port_reserve (ContainerConfig *cfg, struct terr *err);
/* "127.0.0.1:8080->80/tcp, ..." as docker ps shows PORTS. */
void port_list_format (const ContainerConfig *cfg, char *out, size_t cap);

#endif
