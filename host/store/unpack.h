/* Unpacking a `docker load` archive's outer tar (maybe compressed) into a
 * staging directory with libarchive: regular files, directories and symlinks
 * only (docker save links repeated layers), confined (no "..", no absolute
 * names, nothing written through a symlink), bounded in bytes and entries. The
 * symlinks it leaves are resolved later only inside the tree (loadplan.c). */
#ifndef TETHER_STORE_UNPACK_H
#define TETHER_STORE_UNPACK_H

#include <stdint.h>

#include "terr.h"

#define UNPACK_MAX_ENTRIES 100000

/* The bytes a load may unpack: $TETHER_LOAD_MAX_MB if set, else the free
 * space of the file system of dir less 10 %, at most 1 TiB. */
uint64_t unpack_budget (const char *dir);
/* Changes the working directory to dest: call it in a child (tetherd's job). */
int unpack_outer (const char *archive, const char *dest, uint64_t max_bytes, struct terr *err);

#endif
