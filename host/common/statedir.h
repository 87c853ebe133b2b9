/* The host state directory (DESIGN §5): $TETHER_STATE_DIR, else /var/lib/tether.
 * It holds images/ (layer VMDKs by content hash), volumes/ and containers/ID/. */
#ifndef TETHER_CTL_STATEDIR_H
#define TETHER_CTL_STATEDIR_H

#include <stddef.h>

#include "terr.h"

#define STATE_DIR_DEFAULT "/var/lib/tether"

/* $TETHER_STATE_DIR if set and not empty, else STATE_DIR_DEFAULT. Never NULL. */
const char *state_dir (void);
/* Creates the state directory if missing (parents 0755, the top itself 0700: it
 * holds every container's disks and logs). An existing one is left as it is. */
int state_dir_make (struct terr *err);
/* Creates state_dir()/name (0700) and the top if needed; writes the path to out. */
int state_subdir (const char *name, char *out, size_t out_len, struct terr *err);
int state_images_dir (char *out, size_t out_len, struct terr *err);
int state_volumes_dir (char *out, size_t out_len, struct terr *err);
int state_containers_dir (char *out, size_t out_len, struct terr *err);

#endif
