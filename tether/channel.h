/* Where clients come from: a listening unix socket (host mode), or the one
 * guest channel to the endpoint (tty, virtio-serial port, vsock). */
#ifndef TETHER_CHANNEL_H
#define TETHER_CHANNEL_H

#include "terr.h"

/* "unix:PATH": up to MAX_CONNS clients, socket mode 0600 (it grants root exec). */
int channel_listen (const char *spec, struct terr *err);
/* "vsock:PORT" (listen, one peer at a time) or a device path (tty in raw mode,
 * or a virtio-serial port). */
int channel_open (const char *spec, struct terr *err);
void channel_cleanup (void);

#endif
