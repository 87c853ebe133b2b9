#include "layer.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "image.h"
#include "lstream.h"
#include "statedir.h"
#include "tree.h"
#include "untar.h"

#define MIB (1024ull * 1024ull)
#define SPACE_MARGIN (512ull * MIB)
/* The uncompressed stream may exceed the unpacked sizes by each entry's header,
 * pax records (long names, xattrs) and padding, and by the trailing blocks. */
#define STREAM_PER_ENTRY 8192ull
#define STREAM_SLACK (64ull * MIB)
#define DIGEST_PREFIX "sha256:"

/* "sha256:<64 lowercase hex>" -> the hex. */
static int parse_digest (const char *d, char hex[SHA256_HEX_LEN], struct terr *err)
{
  size_t pl = sizeof DIGEST_PREFIX - 1;
  if (strncmp (d, DIGEST_PREFIX, pl) != 0 || strlen (d + pl) != SHA256_HEX_LEN - 1
      || strspn (d + pl, "0123456789abcdef") != SHA256_HEX_LEN - 1)
    return LAYER_REFUSE (err, EINVAL, "layer digest %.80s: not sha256:<64 hex digits>", d);
  memcpy (hex, d + pl, SHA256_HEX_LEN);
  return 0;
}

static int env_max_bytes (uint64_t *out, struct terr *err)
{
  const char *v = getenv (LAYER_MAX_ENV);
  if (v == NULL || *v == '\0')
    {
      *out = (uint64_t) LAYER_DEFAULT_MAX_MB * MIB;
      return 0;
    }
  char *end;
  errno = 0;
  unsigned long long mb = strtoull (v, &end, 10);
  if (errno != 0 || *end != '\0' || mb == 0 || mb > UINT64_MAX / MIB || *v < '0' || *v > '9')
    return LAYER_REFUSE (err, EINVAL, "%s=%.32s: not a number of MiB", LAYER_MAX_ENV, v);
  *out = mb * MIB;
  return 0;
}

/* The caller's limits with their defaults, bounded by the free space in images
 * (layer.h: a third of it, less the margin). why gets the note for the message
 * when the space is what bounds it. */
static int effective_limits (const char *images, const struct layer_limits *lim, struct untar_limits *ul,
                             uint64_t *stream_max, char *why, size_t why_cap, struct terr *err)
{
  ul->max_bytes = lim != NULL ? lim->max_bytes : 0;
  ul->max_entries = lim != NULL && lim->max_entries > 0 ? lim->max_entries : LAYER_DEFAULT_MAX_ENTRIES;
  ul->why_bytes = NULL;
  if (ul->max_bytes == 0 && env_max_bytes (&ul->max_bytes, err) < 0)
    return -1;
  struct statvfs vs;
  if (statvfs (images, &vs) < 0)
    return terr_set (err, errno, "statvfs %s", images);
  uint64_t avail = (uint64_t) vs.f_bavail * vs.f_frsize;
  uint64_t space = avail > SPACE_MARGIN ? (avail - SPACE_MARGIN) / 3 : 0;
  if (space < ul->max_bytes)
    {
      ul->max_bytes = space;
      snprintf (why, why_cap, "; %llu MiB free in %.100s allow no more", (unsigned long long) (avail / MIB),
                images);
      ul->why_bytes = why;
    }
  uint64_t per_entry
      = ul->max_entries > UINT64_MAX / STREAM_PER_ENTRY ? UINT64_MAX : ul->max_entries * STREAM_PER_ENTRY;
  *stream_max = ul->max_bytes + STREAM_SLACK;
  *stream_max = *stream_max > UINT64_MAX - per_entry ? UINT64_MAX : *stream_max + per_entry;
  return 0;
}

static bool is_file (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISREG (st.st_mode);
}

/* One pass that only hashes: the layer is on disk already. */
static int hash_only (const char *tar_path, uint64_t stream_max, layer_progress_fn progress, void *ctx,
                      char got[72], struct terr *err)
{
  struct lstream s;
  int rc = lstream_open (&s, tar_path, stream_max, progress, ctx, err);
  if (rc == 0)
    rc = lstream_drain (&s, err);
  if (rc == 0)
    lstream_digest (&s, got);
  lstream_close (&s);
  return rc;
}

/* One pass that extracts into work/root and hashes. */
static int extract (const char *tar_path, const char *work, const struct untar_limits *ul, uint64_t stream_max,
                    layer_progress_fn progress, void *ctx, char root[PATH_MAX], char got[72], struct terr *err)
{
  if (snprintf (root, PATH_MAX, "%s/root", work) >= PATH_MAX)
    return terr_set (err, ENAMETOOLONG, "%.64s/root", work);
  /* mkdir then chmod: the umask must not decide the root's mode ("./" may) */
  if (mkdir (root, 0755) < 0 || chmod (root, 0755) < 0)
    return terr_set (err, errno, "mkdir %s", root);
  struct lstream s;
  int rc = lstream_open (&s, tar_path, stream_max, progress, ctx, err);
  if (rc == 0)
    rc = untar_stream (&s, root, ul, err);
  if (rc == 0)
    lstream_digest (&s, got);
  lstream_close (&s);
  return rc;
}

static int mismatch (const char *want, const char *got, struct terr *err)
{
  return LAYER_REFUSE (err, EINVAL, "layer %s: content does not match its digest (got %s)", want, got);
}

static int target_path (const char *images, const char *digest, char *out, size_t out_len, struct terr *err)
{
  int n = snprintf (out, out_len, "%s/%s.vmdk", images, digest + sizeof DIGEST_PREFIX - 1);
  if (n < 0 || (size_t) n >= out_len)
    return terr_set (err, ENAMETOOLONG, "layer path in %s", images);
  return 0;
}

int layer_convert (const char *tar_path, const char *want_diff, const struct layer_limits *lim,
                   layer_progress_fn progress, void *ctx, char diff_out[72], char *out, size_t out_len,
                   struct terr *err)
{
  char images[PATH_MAX], hex[SHA256_HEX_LEN], got[72], why[160], target[PATH_MAX];
  struct untar_limits ul;
  uint64_t stream_max = 0;
  if (want_diff != NULL && parse_digest (want_diff, hex, err) < 0)
    return -1;
  if (state_images_dir (images, sizeof images, err) < 0
      || effective_limits (images, lim, &ul, &stream_max, why, sizeof why, err) < 0)
    return -1;
  if (want_diff != NULL && target_path (images, want_diff, target, sizeof target, err) < 0)
    return -1;
  if (want_diff != NULL && is_file (target))
    {
      if (hash_only (tar_path, stream_max, progress, ctx, got, err) < 0)
        return -1;
      if (strcmp (got, want_diff) != 0)
        return mismatch (want_diff, got, err);
    }
  else
    {
      /* not known to be there: extract while hashing, the name comes at the end */
      char work[PATH_MAX], root[PATH_MAX];
      if (snprintf (work, sizeof work, "%s/.tether-layer-XXXXXX", images) >= (int) sizeof work)
        return terr_set (err, ENAMETOOLONG, "work directory in %s", images);
      if (mkdtemp (work) == NULL)
        return terr_set (err, errno, "cannot write in %s (work directory)", images);
      int rc = extract (tar_path, work, &ul, stream_max, progress, ctx, root, got, err);
      if (rc == 0 && want_diff != NULL && strcmp (got, want_diff) != 0)
        rc = mismatch (want_diff, got, err);
      if (rc == 0)
        rc = target_path (images, got, target, sizeof target, err);
      /* present already (want_diff NULL, or another process finished first): kept */
      if (rc == 0 && !is_file (target))
        rc = image_layer_build_tree (root, target, false, err);
      tree_remove (work);
      if (rc < 0)
        return -1;
    }
  if (strlen (target) >= out_len)
    return terr_set (err, ENAMETOOLONG, "%s", target);
  memcpy (out, target, strlen (target) + 1);
  memcpy (diff_out, got, strlen (got) + 1);
  return 0;
}
