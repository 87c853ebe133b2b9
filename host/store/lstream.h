/* A layer file read as its uncompressed tar stream, hashed as it passes: the one
 * pass that gives both the diff id and the bytes the extractor parses.
 *
 * libarchive decompresses inside its read pipeline and offers no hook on the
 * bytes between the filter and the tar parser. So two archives are chained: the
 * outer one reads the file with the decompression filters and the "raw" format
 * (the whole decompressed stream as one entry); its data blocks feed, through
 * lstream_read, a second archive that parses only tar. Each byte is decompressed
 * once and hashed once (no second pass, no temporary file). */
#ifndef TETHER_STORE_LSTREAM_H
#define TETHER_STORE_LSTREAM_H

#include <stdbool.h>
#include <stdint.h>

#include <archive.h>

#include "layer.h"
#include "terr.h"

/* Refuses the layer's content: the message is whole (no strerror after it),
 * errnum still says the kind (EPERM an escape, EFBIG over a limit, EINVAL
 * malformed or not matching). Evaluates to -1. */
struct sha256_ctx;

#define LAYER_REFUSE(err, kind, ...) (terr_set ((err), 0, __VA_ARGS__), (err)->errnum = (kind), -1)

struct lstream {
  struct archive *raw;    /* the file through its decompression filter */
  int fd;                 /* the file (libarchive does not close it) */
  struct sha256_ctx *sha; /* nettle's (see lstream.c), allocated by lstream_open */
  uint64_t len;           /* uncompressed bytes hashed so far */
  uint64_t max_len;       /* more is refused: a bomb of padding costs CPU, not disk */
  uint64_t in_size;       /* the file's size, for progress */
  uint64_t in_reported;   /* input bytes at the last progress call */
  layer_progress_fn progress;
  void *ctx;
  bool is_eof;
  bool has_err;           /* err holds why the last read failed */
  struct terr err;        /* the tar reader above sees only -1 */
};

/* Opens path: plain, gzip, xz, zstd, bzip2 (one layer of compression, as docker
 * reads it). */
int lstream_open (struct lstream *s, const char *path, uint64_t max_len, layer_progress_fn progress, void *ctx,
                  struct terr *err);
/* The next block of the uncompressed stream, hashed: *len 0 at its end. */
int lstream_next (struct lstream *s, const void **buf, size_t *len, struct terr *err);
/* libarchive read callback (client data: the lstream) over lstream_next. No skip
 * callback goes with it: a skip would pass over bytes unhashed. */
la_ssize_t lstream_read (struct archive *a, void *client, const void **buf);
/* Hashes what is left: the tar parser stops at the end-of-archive blocks, the
 * padding after them is part of the diff id. */
int lstream_drain (struct lstream *s, struct terr *err);
/* "sha256:<64 hex>" of everything read; call after lstream_drain. */
void lstream_digest (struct lstream *s, char out[72]);
/* Also after a failed lstream_open. */
void lstream_close (struct lstream *s);

#endif
