/* OCI layer whiteouts to overlayfs form (image-spec layer.md, "Whiteouts"):
 *   .wh.NAME         NAME was deleted   -> a 0/0 character device named NAME
 *   .wh..wh..opq     directory is opaque -> xattr trusted.overlay.opaque=y on it
 * Other ".wh..wh." names are aufs metadata (.wh..wh.plnk, .wh..wh.aufs): dropped. */
#ifndef TETHER_CTL_WHITEOUT_H
#define TETHER_CTL_WHITEOUT_H

#include "terr.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

enum wh_kind {
  WH_NONE,     /* an ordinary name */
  WH_FILE,     /* .wh.NAME: *target = NAME */
  WH_OPAQUE_DIR, /* .wh..wh..opq */
  WH_META,     /* another .wh..wh.* name: remove it */
  WH_INVALID,  /* ".wh." alone, ".wh..", ".wh..." : refuse the layer */
};

/* Classifies one directory entry name. Pure. */
enum wh_kind whiteout_kind (const char *name, const char **target);

struct wh_counts {
  unsigned files;   /* whiteout devices made */
  unsigned opaque;  /* directories marked opaque */
};
/* Converts every whiteout below root in place (root must be a private copy). A
 * .wh.NAME next to a real NAME (the layer deleted and re-added it) only loses
 * the marker. Needs root: mknod and trusted.* xattrs. */
int whiteout_convert (const char *root, struct wh_counts *counts, struct terr *err);

#endif
