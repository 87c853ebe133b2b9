/* The early mounts: /proc, /sys, devtmpfs on /dev, tmpfs on /run. */
#ifndef INIT_MOUNTS_H
#define INIT_MOUNTS_H

#include "terr.h"

/* Mounts /dev first so a console exists to report the rest. Each failure is
   printed (once the console is up) and the remaining mounts still run. Returns
   the number of failures. */
int mounts_early (void);

/* Points fds 0, 1, 2 at /dev/console (the kernel could not: the initramfs has no
   /dev/console node). */
int mounts_console (struct terr *err);

#endif
