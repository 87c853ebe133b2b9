/* Leaves the initramfs for a tmpfs root holding only the tether, as busybox
   switch_root does: a tmpfs (unlike rootfs) can be pivot_root'ed away from later,
   which the container init needs. */
#ifndef INIT_SWITCHROOT_H
#define INIT_SWITCHROOT_H

#include "terr.h"

/* Mounts a tmpfs on /newroot and copies `tether` to /newroot/tether. On failure
   nothing has changed and the tether can still be run where it is. */
int switchroot_prepare (const char *tether, struct terr *err);

/* Moves /dev /proc /sys /run under /newroot, deletes the initramfs contents
   (same device only), moves /newroot onto / and chroots into it. Best effort:
   each failure is printed and the next step still runs. Returns the number of
   failures. */
int switchroot_finish (void);

#endif
