/* The container's root in VM mode: pivot_root into the mounted image. */
#ifndef TETHER_ROOTFS_H
#define TETHER_ROOTFS_H

#include "terr.h"

/* In the container init, after making mounts private: mounts /proc, /sys, /dev
 * (minimal), devpts, /dev/shm inside `root`, pivots into it and detaches the old root. */
int rootfs_enter (const char *root, const char *hostname, struct terr *err);

#endif
