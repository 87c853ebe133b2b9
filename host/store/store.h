/* tetherd's image records (DESIGN §5): beside the layer VMDKs in
 * $TETHER_STATE_DIR/images/ (named by diff id) live
 *   configs/<hex>.json   each image's config, byte for byte as loaded: its
 *                        sha256 is the image id, as docker's
 *   tags.json            the tag index {"docker.io/library/foo:latest": "sha256:<hex>"}
 * Every change holds images/.lock (flock, exclusive), readers a shared lock:
 * tetherd's jobs run in forked children, several at once. */
#ifndef TETHER_STORE_STORE_H
#define TETHER_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ref.h"
#include "terr.h"

#define IMAGE_ID_LEN 72            /* "sha256:" + 64 hex + NUL */
#define STORE_MAX_CONFIG (8u << 20) /* an image config; docker's are a few KiB */
#define STORE_MAX_IMAGES 4096
#define STORE_MAX_TAGS 16384
#define STORE_MAX_LAYERS 128      /* an image's, as loadplan.h's LOAD_MAX_LAYERS */

struct json_t;

/* One image as listed: id, its tags (full references), created (ns, from the
 * config's "created"; 0 if none) and its layers' disk bytes. */
struct store_image {
  char id[IMAGE_ID_LEN];
  char **tags;
  size_t n_tags;
  int64_t created_ns;
  int64_t tagged_ns;           /* when configs/ got it (Metadata.LastTagTime) */
  uint64_t size;
  struct json_t *config;       /* the parsed config (owned) */
};

/* Adds config (len bytes, JSON) as an image; id gets its "sha256:<hex>". An
 * image already present is kept as it is. */
int store_put_config (const char *config, size_t len, char id[IMAGE_ID_LEN], struct terr *err);
/* Points the full reference ref at id; *old gets the id it pointed at before
 * ("" if none or the same). */
int store_tag (const char *ref, const char *id, char old[IMAGE_ID_LEN], struct terr *err);
/* Removes ref from the index; -1 with err if it was not there. */
int store_untag (const char *ref, struct terr *err);
/* Removes every tag of id, each (if not NULL) told the reference first. */
int store_untag_id (const char *id, void (*each) (const char *ref, void *ctx), void *ctx, struct terr *err);

/* Finds what a client names: a reference (its tag, "latest" by default), a
 * full id or a unique prefix of an id. 0; -1 not found (err: docker's "No such
 * image: X"); -2 an ambiguous prefix; -3 a malformed reference (err: why). */
int store_resolve (const char *name, char id[IMAGE_ID_LEN], struct terr *err);
/* The parsed config of id (the caller json_decref's it), or NULL with err. */
struct json_t *store_config (const char *id, struct terr *err);
/* The layer disks of the parsed config, bottom first: paths into out (each
 * out_cap bytes), at most max. Returns how many, or -1 (a config without
 * rootfs.diff_ids, or a layer disk missing). */
int store_layer_paths (const struct json_t *config, char (*out)[4096], size_t max, struct terr *err);

/* How many images there are (the configs; nothing parsed). */
size_t store_count (void);
/* Every image (newest first) into *out; store_list_free after. */
int store_list (struct store_image **out, size_t *n, struct terr *err);
void store_list_free (struct store_image *imgs, size_t n);
/* The tags of id (full references) into tags (cap entries of tag_cap bytes); how many. */
size_t store_tags_of (const char *id, char (*tags)[REF_MAX + 140], size_t cap);

/* Removes what loads left in $TETHER_STATE_DIR/tmp (staging directories,
 * spooled uploads) older than max_age_s: a load in progress touches its own. */
#define STORE_TMP_MAX_AGE_S 3600
void store_sweep_tmp (int max_age_s);

/* Removes the image's config (its tags must be gone) and every layer disk no
 * image and no container (in_use says) uses any more. */
int store_remove (const char *id, bool (*in_use) (const char *layer_path, void *ctx), void *ctx,
                  struct terr *err);

#endif
