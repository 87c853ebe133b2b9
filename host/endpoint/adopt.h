/* One endpoint per VM, and a new one for a VM whose endpoint died (DESIGN §1,
 * docs/endpoint.md "Adoption"): the lock in the state dir, and finding the QEMU
 * the dead endpoint started. */
#ifndef TETHER_CTL_ADOPT_H
#define TETHER_CTL_ADOPT_H

#include <stdint.h>

#include "terr.h"
#include "vmstate.h"

/* Takes containers/ID/endpoint.lock (flock, held for the process's life; the fd
 * is CLOEXEC and QEMU closes every fd, so only this process holds it). Returns the
 * fd, or -1: errno EWOULDBLOCK when another endpoint owns the VM. */
int ep_lock (const char *dir, struct terr *err);
/* Whether an endpoint holds the lock now (a probe: takes and drops a shared lock). */
bool ep_lock_held (const char *dir);

/* The start time of pid in clock ticks since boot (/proc/PID/stat field 22), or 0. */
uint64_t proc_start_ticks (int pid);

/* A pidfd for the QEMU v records, if that process still runs: the same pid, the
 * same start time, a qemu-system binary. -1 with the reason otherwise. */
int qemu_find (const struct vm_ctr *v, struct terr *err);

#endif
