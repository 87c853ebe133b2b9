/* Layer tars from `docker load` / `docker import` into the layer disks of the
 * image store (DESIGN §5): $TETHER_STATE_DIR/images/<diff id hex>.vmdk, one
 * read-only ext4 VMDK per layer, named by the sha256 of the uncompressed tar.
 * The input is hostile: nothing it says may write outside a private work
 * directory, and a tar bomb fails cleanly with the host's disk intact.
 * tetherd only (libarchive); tetherctl builds with host/image's tar shell-out. */
#ifndef TETHER_STORE_LAYER_H
#define TETHER_STORE_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "terr.h"

#define LAYER_DEFAULT_MAX_MB (32u * 1024u) /* 32 GiB */
#define LAYER_DEFAULT_MAX_ENTRIES 1000000u
#define LAYER_MAX_ENV "TETHER_LAYER_MAX_MB"

/* Limits of one layer's unpacking (a tar bomb fails cleanly, the host's disk intact). */
struct layer_limits {
  /* sum of unpacked file sizes (a sparse file counts its apparent size); 0: the
   * default ($TETHER_LAYER_MAX_MB, else 32 GiB). Never more than a third of the
   * free space of the images directory's file system minus a 512 MiB margin: the
   * extracted tree, the raw image and the VMDK exist at once while one is built. */
  uint64_t max_bytes;
  uint64_t max_entries; /* 0: default 1,000,000 */
};

/* bytes of the (compressed) input read so far, its size; called at most once per
 * MiB read, and once at the end with done == total */
typedef void (*layer_progress_fn) (void *ctx, uint64_t done, uint64_t total);

/* Converts the layer tar at tar_path (plain, gzip, xz, zstd or bzip2, as docker
 * accepts) into $TETHER_STATE_DIR/images/<diffhex>.vmdk (state_images_dir()),
 * where the diff id is the sha256 of the UNCOMPRESSED tar stream, to its last
 * byte (padding after the end-of-archive blocks included, as docker hashes it).
 * want_diff ("sha256:<64 hex>" or NULL): when given and the stream's digest
 * differs, fails with "layer sha256:X: content does not match its digest (got
 * sha256:Y)" and writes nothing. If the VMDK for the diff id already exists it is
 * only verified by digest (want_diff given: one hashing pass, nothing extracted),
 * never rebuilt nor replaced. Otherwise the tar is extracted confined into a
 * private work directory beside the target while it is hashed (one pass),
 * whiteouts are converted, the VMDK is built and linked into place atomically;
 * two processes converting the same layer at once both succeed with one file.
 * diff_out gets "sha256:<hex>", out the VMDK path. 0, or -1 with err set;
 * for hostile input the message names the entry, errnum is EPERM for an escape,
 * EFBIG over a limit, EINVAL for malformed or mismatching content, and no
 * strerror follows the text. Changes the working directory and umask while it
 * extracts, restored before it returns: no threads. */
int layer_convert (const char *tar_path, const char *want_diff, const struct layer_limits *lim,
                   layer_progress_fn progress, void *ctx, char diff_out[72], char *out, size_t out_len,
                   struct terr *err);

#endif
