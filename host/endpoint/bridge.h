/* A VM's tap on a named network's Linux bridge (#13), made by its endpoint:
 * in the network namespace the network names (/run/netns/NAME, or the
 * endpoint's own), the bridge is created if missing and brought up, then a
 * tap is created, brought up and attached to it. The tap's fd goes to QEMU
 * (QMP getfd); the tap is not persistent, so it goes away with the last fd,
 * that is when QEMU ends. ioctls only (SIOCBRADDBR, TUNSETIFF, SIOCBRADDIF):
 * no ip(8). */
#ifndef TETHER_EP_BRIDGE_H
#define TETHER_EP_BRIDGE_H

#include "terr.h"

/* The tap's name for a container: "tt" + the first 12 of its id. */
void bridge_tap_name (const char *ctr_id, char out[16]);
/* Returns the tap's fd (the caller closes it once QEMU holds its own), or -1
 * with err naming the step. netns "" = the current namespace. */
int bridge_tap_open (const char *netns, const char *bridge, const char *tap, struct terr *err);

#endif
