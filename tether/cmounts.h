/* The container's own mounts and kernel settings, docker's order (runc's
 * init): tmpfs mounts and /dev/shm's size, sysctls, read-only paths, masked
 * paths, then a read-only "/". Run by the container init once its root is in
 * place (after pivot_root in VM mode, on the host's root in host mode). */
#ifndef TETHER_CMOUNTS_H
#define TETHER_CMOUNTS_H

#include <stdbool.h>
#include <stddef.h>

#include "terr.h"
#include "tether.pb-c.h"

/* What host mode cannot give: net.* sysctls (the container shares the host's
 * network namespace). 0, or -1 with runc's message. */
int cmounts_check (const ContainerConfig *cfg, bool host_mode, char *why, size_t cap);
/* Host mode mounts a new /dev/shm; VM mode resizes the one rootfs_enter made. */
int cmounts_apply (const ContainerConfig *cfg, bool host_mode, struct terr *err);

#endif
