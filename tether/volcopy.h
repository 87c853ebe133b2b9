/* docker's copy-up of an image's files into a new volume (volcopy.c). */
#ifndef TETHER_VOLCOPY_H
#define TETHER_VOLCOPY_H

#include <stdbool.h>

#include "terr.h"

/* When the volume mounted at vol is empty (lost+found aside) and src is a
 * non-empty directory (not a symlink), copies src's tree into vol. *copied
 * says whether it did. 0, or -1 with err (the volume too small: ENOSPC). */
int volcopy_if_empty (const char *vol, const char *src, bool *copied, struct terr *err);

#endif
