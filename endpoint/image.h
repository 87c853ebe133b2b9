/* Image layers as ext4 disks (DESIGN §4, §5). STAND-IN until branch `image` lands. */
#ifndef TETHER_CTL_IMAGE_H
#define TETHER_CTL_IMAGE_H

#include <stddef.h>

#include "terr.h"

/* DIR|TAR|.vmdk -> cached layer vmdk */
int image_layer_resolve (const char *spec, char *out, size_t out_len, struct terr *err);
/* busybox-static default image */
int image_default_layer (char *out, size_t out_len, struct terr *err);
/* raw sparse ext4 with the given top-level directories */
int image_make_rw_disk (const char *path, unsigned size_mb, const char *const *dirs, struct terr *err);

#endif
