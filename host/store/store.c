#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "fdio.h"
#include "statedir.h"
#include "timefmt.h"
#include "tree.h"

/* ---- paths and the lock ---- */

static int images_path (char *out, size_t cap, const char *rel, struct terr *err)
{
  char dir[PATH_MAX];
  if (state_images_dir (dir, sizeof dir, err) < 0)
    return -1;
  int n = snprintf (out, cap, "%s/%s", dir, rel);
  if (n < 0 || (size_t) n >= cap)
    return terr_set (err, ENAMETOOLONG, "%s/%s", dir, rel);
  return 0;
}

/* Held for the scope: flock on images/.lock. */
static int lock_store (int how, struct terr *err)
{
  char p[PATH_MAX];
  if (images_path (p, sizeof p, ".lock", err) < 0)
    return -1;
  int fd = open (p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return terr_set (err, errno, "open %s", p);
  while (flock (fd, how) < 0)
    if (errno != EINTR)
      {
        close (fd);
        return terr_set (err, errno, "flock %s", p);
      }
  return fd;
}

static void unlock_store (int *fd)
{
  if (*fd >= 0)
    close (*fd);
}
#define cleanup_unlock __attribute__ ((cleanup (unlock_store)))

static bool is_hex64 (const char *s)
{
  return strlen (s) == 64 && strspn (s, "0123456789abcdef") == 64;
}

/* configs/<hex>.json of an id "sha256:<hex>" */
static int config_path (const char *id, char *out, size_t cap, struct terr *err)
{
  if (strncmp (id, "sha256:", 7) != 0 || !is_hex64 (id + 7))
    return terr_set (err, 0, "bad image id %.80s", id);
  char rel[96];
  snprintf (rel, sizeof rel, "configs/%s.json", id + 7);
  return images_path (out, cap, rel, err);
}

/* Writes data to path through a temporary file and rename. */
static int write_atomic (const char *path, const char *data, size_t len, struct terr *err)
{
  char tmp[PATH_MAX + 16];
  snprintf (tmp, sizeof tmp, "%s.tmp%d", path, (int) getpid ());
  cleanup_close int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return terr_set (err, errno, "create %s", tmp);
  if (fd_write_all (fd, data, len) < 0 || fsync (fd) < 0 || rename (tmp, path) < 0)
    {
      terr_set (err, errno, "write %s", path);
      unlink (tmp);
      return -1;
    }
  return 0;
}

/* ---- the tag index ---- */

static json_t *tags_load (struct terr *err)
{
  char p[PATH_MAX];
  if (images_path (p, sizeof p, "tags.json", err) < 0)
    return NULL;
  json_error_t je;
  json_t *t = json_load_file (p, JSON_REJECT_DUPLICATES, &je);
  if (t == NULL && access (p, F_OK) < 0)
    return json_object ();
  if (t == NULL || !json_is_object (t))
    {
      json_decref (t);
      terr_set (err, 0, "%s: %s", p, t ? "not an object" : je.text);
      return NULL;
    }
  return t;
}

static int tags_save (json_t *t, struct terr *err)
{
  char p[PATH_MAX];
  if (images_path (p, sizeof p, "tags.json", err) < 0)
    return -1;
  char *s = json_dumps (t, JSON_SORT_KEYS | JSON_INDENT (1));
  if (s == NULL)
    return terr_set (err, ENOMEM, "tags.json");
  int rc = write_atomic (p, s, strlen (s), err);
  free (s);
  return rc;
}

int store_tag (const char *ref, const char *id, char old[IMAGE_ID_LEN], struct terr *err)
{
  old[0] = '\0';
  cleanup_unlock int lk = lock_store (LOCK_EX, err);
  if (lk < 0)
    return -1;
  json_t *t = tags_load (err);
  if (t == NULL)
    return -1;
  const char *was = json_string_value (json_object_get (t, ref));
  if (was && strcmp (was, id) != 0)
    snprintf (old, IMAGE_ID_LEN, "%s", was);
  int rc = -1;
  if (was == NULL && json_object_size (t) >= STORE_MAX_TAGS)
    terr_set (err, 0, "at most %d tags", STORE_MAX_TAGS);
  else if (json_object_set_new (t, ref, json_string (id)) < 0)
    terr_set (err, ENOMEM, "tag %s", ref);
  else
    rc = tags_save (t, err);
  json_decref (t);
  return rc;
}

int store_untag (const char *ref, struct terr *err)
{
  cleanup_unlock int lk = lock_store (LOCK_EX, err);
  if (lk < 0)
    return -1;
  json_t *t = tags_load (err);
  if (t == NULL)
    return -1;
  int rc = json_object_del (t, ref) == 0 ? tags_save (t, err) : terr_set (err, 0, "No such image: %s", ref);
  json_decref (t);
  return rc;
}

size_t store_tags_of (const char *id, char (*tags)[REF_MAX + 140], size_t cap)
{
  struct terr err;
  terr_clear (&err);
  cleanup_unlock int lk = lock_store (LOCK_SH, &err);
  json_t *t = lk < 0 ? NULL : tags_load (&err);
  size_t n = 0;
  const char *k;
  json_t *v;
  json_object_foreach (t, k, v)
    if (n < cap && strcmp (json_string_value (v) ? json_string_value (v) : "", id) == 0)
      snprintf (tags[n++], sizeof tags[0], "%s", k);
  json_decref (t);
  return n;
}

/* ---- configs ---- */

int store_put_config (const char *config, size_t len, char id[IMAGE_ID_LEN], struct terr *err)
{
  if (len > STORE_MAX_CONFIG)
    return terr_set (err, 0, "image config of %zu bytes: at most %u", len, STORE_MAX_CONFIG);
  struct sha256 c;
  unsigned char d[SHA256_LEN];
  char hex[SHA256_HEX_LEN];
  sha256_init (&c);
  sha256_update (&c, config, len);
  sha256_final (&c, d);
  snprintf (id, IMAGE_ID_LEN, "sha256:%s", sha256_hex (d, hex));
  char dir[PATH_MAX], p[PATH_MAX];
  if (images_path (dir, sizeof dir, "configs", err) < 0 || config_path (id, p, sizeof p, err) < 0)
    return -1;
  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    return terr_set (err, errno, "mkdir %s", dir);
  cleanup_unlock int lk = lock_store (LOCK_EX, err);
  if (lk < 0)
    return -1;
  /* under the lock: an rmi of another image that shared a layer may have
   * removed its disk since the load converted or found it */
  json_t *parsed = json_loadb (config, len, 0, NULL);
  static char paths[STORE_MAX_LAYERS][4096];
  int n = parsed ? store_layer_paths (parsed, paths, STORE_MAX_LAYERS, err) : -1;
  json_decref (parsed);
  if (n < 0)
    return terr_wrap (err, "image %.19s", id);
  if (access (p, F_OK) == 0)
    return 0; /* the same bytes: the same image */
  return write_atomic (p, config, len, err);
}

json_t *store_config (const char *id, struct terr *err)
{
  char p[PATH_MAX];
  if (config_path (id, p, sizeof p, err) < 0)
    return NULL;
  json_error_t je;
  json_t *c = json_load_file (p, 0, &je);
  if (c == NULL || !json_is_object (c))
    {
      json_decref (c);
      terr_set (err, 0, "image %s: %s", id, access (p, F_OK) < 0 ? "no config" : je.text);
      return NULL;
    }
  return c;
}

int store_layer_paths (const json_t *config, char (*out)[4096], size_t max, struct terr *err)
{
  const json_t *ids = json_object_get (json_object_get (config, "rootfs"), "diff_ids");
  if (!json_is_array (ids) || json_array_size (ids) == 0)
    return terr_set (err, 0, "the image has no layers (rootfs.diff_ids)");
  if (json_array_size (ids) > max)
    return terr_set (err, 0, "the image has %zu layers: at most %zu", json_array_size (ids), max);
  size_t i;
  json_t *v;
  json_array_foreach (ids, i, v)
    {
      const char *d = json_string_value (v);
      if (d == NULL || strncmp (d, "sha256:", 7) != 0 || !is_hex64 (d + 7))
        return terr_set (err, 0, "bad diff id in the image config");
      char rel[80];
      snprintf (rel, sizeof rel, "%s.vmdk", d + 7);
      if (images_path (out[i], sizeof out[i], rel, err) < 0)
        return -1;
      if (access (out[i], R_OK) < 0)
        return terr_set (err, errno, "layer %.19s: its disk %s", d, out[i]);
    }
  return (int) i;
}

/* ---- lookup ---- */

int store_resolve (const char *name, char id[IMAGE_ID_LEN], struct terr *err)
{
  cleanup_unlock int lk = lock_store (LOCK_SH, err);
  if (lk < 0)
    return -1;
  json_t *t = tags_load (err);
  if (t == NULL)
    return -1;
  int rc = -1;
  struct image_ref r;
  char why[256], full[REF_MAX + 140];
  bool is_ref = ref_parse (name, &r, why, sizeof why) == 0;
  if (is_ref)
    {
      ref_full (&r, full, sizeof full);
      const char *v = json_string_value (json_object_get (t, full));
      if (v)
        rc = 0, snprintf (id, IMAGE_ID_LEN, "%s", v);
    }
  if (rc < 0 && ref_is_id_prefix (name))
    {
      /* an id or a prefix of one, as docker takes them (digest set lookup) */
      const char *hex = strncmp (name, "sha256:", 7) == 0 ? name + 7 : name;
      char dir[PATH_MAX];
      DIR *d = images_path (dir, sizeof dir, "configs", err) == 0 ? opendir (dir) : NULL;
      struct dirent *e;
      int found = 0;
      while (d && (e = readdir (d)) != NULL)
        if (strncmp (e->d_name, hex, strlen (hex)) == 0 && strlen (e->d_name) == 69 && found++ == 0)
          snprintf (id, IMAGE_ID_LEN, "sha256:%.64s", e->d_name);
      if (d)
        closedir (d);
      rc = found == 1 ? 0 : found > 1 ? -2 : -1;
    }
  json_decref (t);
  if (rc == -1 && !is_ref && !ref_is_id_prefix (name))
    return terr_set (err, 0, "%s", why), -3;
  if (rc == -1)
    terr_set (err, 0, "No such image: %s", name);
  if (rc == -2)
    terr_set (err, 0, "multiple images match the prefix %s", name);
  return rc;
}

/* ---- listing ---- */

static uint64_t layers_size (const json_t *config)
{
  static char paths[STORE_MAX_LAYERS][4096];
  struct terr err;
  terr_clear (&err);
  int n = store_layer_paths (config, paths, STORE_MAX_LAYERS, &err);
  uint64_t total = 0;
  for (int i = 0; i < n; i++)
    {
      struct stat st;
      if (stat (paths[i], &st) == 0)
        total += (uint64_t) st.st_blocks * 512;
    }
  return total;
}

static int by_created_desc (const void *a, const void *b)
{
  const struct store_image *x = a, *y = b;
  return x->created_ns < y->created_ns ? 1 : x->created_ns > y->created_ns ? -1 : strcmp (x->id, y->id);
}

static int add_image (struct store_image *img, const char *dir, const char *file, const json_t *tags)
{
  snprintf (img->id, sizeof img->id, "sha256:%.64s", file);
  struct terr err;
  terr_clear (&err);
  img->config = store_config (img->id, &err);
  if (img->config == NULL)
    return -1;
  const char *created = json_string_value (json_object_get (img->config, "created"));
  if (created == NULL || parse_rfc3339 (created, &img->created_ns) < 0)
    img->created_ns = 0;
  char p[PATH_MAX + 300];
  struct stat st;
  snprintf (p, sizeof p, "%s/%s", dir, file);
  img->tagged_ns = stat (p, &st) == 0 ? (int64_t) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec : 0;
  img->size = layers_size (img->config);
  const char *k;
  json_t *v;
  size_t n = 0;
  json_object_foreach ((json_t *) tags, k, v)
    n += strcmp (json_string_value (v) ? json_string_value (v) : "", img->id) == 0;
  img->tags = calloc (n + 1, sizeof *img->tags);
  if (img->tags == NULL)
    return -1;
  json_object_foreach ((json_t *) tags, k, v)
    if (strcmp (json_string_value (v) ? json_string_value (v) : "", img->id) == 0)
      img->tags[img->n_tags++] = strdup (k);
  return 0;
}

/* The listing; the caller holds the lock. */
static int list_locked (struct store_image **out, size_t *n, struct terr *err)
{
  *out = NULL;
  *n = 0;
  char dir[PATH_MAX];
  if (images_path (dir, sizeof dir, "configs", err) < 0)
    return -1;
  json_t *tags = tags_load (err);
  if (tags == NULL)
    return -1;
  DIR *d = opendir (dir);
  struct store_image *imgs = calloc (STORE_MAX_IMAGES, sizeof *imgs);
  if (imgs == NULL)
    {
      if (d)
        closedir (d);
      json_decref (tags);
      return terr_set (err, ENOMEM, "image list");
    }
  struct dirent *e;
  size_t k = 0;
  while (d && k < STORE_MAX_IMAGES && (e = readdir (d)) != NULL)
    {
      size_t len = strlen (e->d_name);
      if (len != 69 || strcmp (e->d_name + 64, ".json") != 0)
        continue;
      if (add_image (&imgs[k], dir, e->d_name, tags) == 0)
        k++;
      else
        {
          json_decref (imgs[k].config);
          memset (&imgs[k], 0, sizeof imgs[k]);
        }
    }
  if (d)
    closedir (d);
  json_decref (tags);
  qsort (imgs, k, sizeof *imgs, by_created_desc);
  *out = imgs;
  *n = k;
  return 0;
}

size_t store_count (void)
{
  char dir[PATH_MAX];
  struct terr err;
  terr_clear (&err);
  DIR *d = images_path (dir, sizeof dir, "configs", &err) == 0 ? opendir (dir) : NULL;
  size_t n = 0;
  struct dirent *e;
  while (d && (e = readdir (d)) != NULL)
    n += strlen (e->d_name) == 69 && strcmp (e->d_name + 64, ".json") == 0;
  if (d)
    closedir (d);
  return n;
}

int store_list (struct store_image **out, size_t *n, struct terr *err)
{
  cleanup_unlock int lk = lock_store (LOCK_SH, err);
  if (lk < 0)
    return *out = NULL, *n = 0, -1;
  return list_locked (out, n, err);
}

void store_list_free (struct store_image *imgs, size_t n)
{
  for (size_t i = 0; imgs && i < n; i++)
    {
      for (size_t t = 0; t < imgs[i].n_tags; t++)
        free (imgs[i].tags[t]);
      free (imgs[i].tags);
      json_decref (imgs[i].config);
    }
  free (imgs);
}

/* ---- removal ---- */

/* Does an image other than skip_id have the layer diff? Compared by diff id:
 * the disk's name is the diff id, no path to build or stat. */
static bool layer_of_other_image (const char *diff, const char *skip_id, struct store_image *imgs, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      if (strcmp (imgs[i].id, skip_id) == 0)
        continue;
      const json_t *ids = json_object_get (json_object_get (imgs[i].config, "rootfs"), "diff_ids");
      size_t j;
      json_t *v;
      json_array_foreach (ids, j, v)
        if (json_is_string (v) && strcmp (json_string_value (v), diff) == 0)
          return true;
    }
  return false;
}

int store_untag_id (const char *id, void (*each) (const char *ref, void *ctx), void *ctx, struct terr *err)
{
  cleanup_unlock int lk = lock_store (LOCK_EX, err);
  if (lk < 0)
    return -1;
  json_t *t = tags_load (err);
  if (t == NULL)
    return -1;
  const char *k;
  json_t *v, *tmp;
  json_object_foreach_safe (t, tmp, k, v)
    if (strcmp (json_string_value (v) ? json_string_value (v) : "", id) == 0)
      {
        if (each)
          each (k, ctx);
        json_object_del (t, k);
      }
  int rc = tags_save (t, err);
  json_decref (t);
  return rc;
}

int store_remove (const char *id, bool (*in_use) (const char *layer_path, void *ctx), void *ctx,
                  struct terr *err)
{
  /* one exclusive hold from the reading to the unlinking: a load that
   * registers an image on a shared layer meanwhile waits, then finds its
   * disks (store_put_config checks them under the lock) */
  cleanup_unlock int lk = lock_store (LOCK_EX, err);
  if (lk < 0)
    return -1;
  json_t *config = store_config (id, err);
  if (config == NULL)
    return -1;
  static char mine[STORE_MAX_LAYERS][4096];
  struct terr lerr;
  terr_clear (&lerr);
  int n = store_layer_paths (config, mine, STORE_MAX_LAYERS, &lerr);
  const json_t *diffs = json_object_get (json_object_get (config, "rootfs"), "diff_ids"); /* parallel to mine */
  char p[PATH_MAX];
  struct store_image *imgs;
  size_t n_imgs;
  if (config_path (id, p, sizeof p, err) < 0 || list_locked (&imgs, &n_imgs, err) < 0)
    {
      json_decref (config);
      return -1;
    }
  int rc = unlink (p) < 0 ? terr_set (err, errno, "remove %s", p) : 0;
  for (int i = 0; rc == 0 && i < n; i++)
    if (!layer_of_other_image (json_string_value (json_array_get (diffs, (size_t) i)), id, imgs, n_imgs)
        && !(in_use && in_use (mine[i], ctx)))
      unlink (mine[i]);
  store_list_free (imgs, n_imgs);
  json_decref (config);
  return rc;
}

void store_sweep_tmp (int max_age_s)
{
  char dir[PATH_MAX];
  struct terr err;
  terr_clear (&err);
  if (state_subdir ("tmp", dir, sizeof dir, &err) < 0)
    return;
  DIR *d = opendir (dir);
  struct dirent *e;
  time_t now = time (NULL);
  while (d && (e = readdir (d)) != NULL)
    {
      if (strncmp (e->d_name, "load-", 5) != 0 && strncmp (e->d_name, "upload-", 7) != 0)
        continue;
      char p[PATH_MAX + 300];
      struct stat st;
      snprintf (p, sizeof p, "%s/%s", dir, e->d_name);
      if (lstat (p, &st) == 0 && now - st.st_mtime > max_age_s)
        tree_remove (p);
    }
  if (d)
    closedir (d);
}
