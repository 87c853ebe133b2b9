/* Starting a container's endpoint, and starting it again (DESIGN §1): every
 * tetherctl verb that talks to a VM finds a live endpoint through
 * endpoint_ensure, which adopts the running QEMU with a new endpoint when the old
 * one died (docs/endpoint.md "Adoption"). */
#ifndef TETHER_CTL_EPSPAWN_H
#define TETHER_CTL_EPSPAWN_H

#include <stddef.h>

#include "ep.h"
#include "terr.h"
#include "vmstate.h"

#define EP_ADOPT_WAIT_MS 10000     /* a starting endpoint's socket, at most */

/* Forks the endpoint as a daemon (setsid, stdio on containers/ID/endpoint.log)
 * and waits for its ready byte. */
int endpoint_spawn (struct vm_ctr *v, enum ep_start how, struct terr *err);

/* "unix:PATH" of id's endpoint, adopting the VM first if its endpoint died while
 * it runs; NULL when no endpoint is needed (the VM is gone and its state final)
 * or none could be started (said on stderr). */
const char *endpoint_ensure (const char *id, char *addr, size_t cap);

#endif
