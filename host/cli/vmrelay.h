/* The stdio relay of a VM container's primary through its endpoint, that
 * survives the endpoint (DESIGN §1, docs/endpoint.md "Adoption"): when the
 * connection is lost while the container runs, the endpoint is found or adopted
 * again, the session attaches anew from the offsets it has, and the bytes the
 * tether freed meanwhile (the endpoint had logged them) come from the log. */
#ifndef TETHER_CTL_VMRELAY_H
#define TETHER_CTL_VMRELAY_H

#include <stdbool.h>
#include <stdint.h>

#include "session.h"
#include "vmstate.h"

#define VM_RELAY_RECONNECTS 20     /* attempts after a lost connection */
#define VM_RELAY_RETRY_MS 250

/* The exit code in the final state on disk, once the endpoint wrote it (bounded
 * wait): after a lost connection or an endpoint that failed. */
int vm_final_code (const struct vm_ctr *v);
/* Returns the container's exit code (125 and the reason on our own failures; 0
 * when the detach keys were typed). */
/* so: stdin relayed, tty, detach keys (handle and signal id are set here).
 * from: stdout and stderr offsets to resume at (attach --stdout-offset: bytes
 * the tether freed are read from the log); NULL: what the tether still holds. */
int vm_relay (const struct vm_ctr *v, const struct session_opts *so, const uint64_t *from);

#endif
