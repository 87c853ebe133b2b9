/* The container's root in VM mode: pivot_root into the mounted image. */
#ifndef TETHER_ROOTFS_H
#define TETHER_ROOTFS_H

#include <stdbool.h>

#include "terr.h"

/* In the container init, after making mounts private: mounts /proc, /sys, /dev
 * (minimal), devpts, /dev/shm inside `root`, pivots into it and detaches the old
 * root. privileged: /sys writable and every VM device but the channel's in /dev. */
int rootfs_enter (const char *root, const char *hostname, bool privileged, struct terr *err);

#endif
