#include "loadplan.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "digest.h"
#include "fdio.h"

#define MAX_JSON_FILE (8u << 20) /* manifest.json, index.json, a manifest, a config */

/* Opens rel inside the tree: symlinks and ".." resolve as if root_fd were "/",
 * so a hostile symlink cannot reach a host file. */
static int open_in (int root_fd, const char *rel, struct terr *err)
{
  struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  int fd = (int) syscall (SYS_openat2, root_fd, rel, &how, sizeof how);
  if (fd < 0)
    return terr_set (err, errno, "%.200s in the archive", rel);
  struct stat st;
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return terr_set (err, 0, "%.200s in the archive is not a file", rel);
    }
  return fd;
}

/* The whole file, at most MAX_JSON_FILE bytes; *len its length. */
static char *slurp (int fd, const char *what, size_t *len, struct terr *err)
{
  struct stat st;
  if (fstat (fd, &st) < 0)
    return terr_set (err, errno, "%s", what), NULL;
  if ((uint64_t) st.st_size > MAX_JSON_FILE)
    return terr_set (err, 0, "%s: %lld bytes, at most %u", what, (long long) st.st_size, MAX_JSON_FILE),
           NULL;
  char *buf = malloc ((size_t) st.st_size + 1);
  if (buf == NULL)
    return terr_set (err, ENOMEM, "%s", what), NULL;
  ssize_t n = pread (fd, buf, (size_t) st.st_size, 0);
  if (n != st.st_size)
    {
      free (buf);
      return terr_set (err, errno ? errno : EIO, "read %s", what), NULL;
    }
  buf[n] = '\0';
  *len = (size_t) n;
  return buf;
}

static json_t *parse_json (const char *buf, size_t len, const char *what, struct terr *err)
{
  json_error_t je;
  json_t *j = json_loadb (buf, len, JSON_REJECT_DUPLICATES, &je);
  if (j == NULL)
    terr_set (err, 0, "%s: %s (line %d)", what, je.text, je.line);
  return j;
}

static json_t *load_json_file (int root_fd, const char *rel, struct terr *err)
{
  cleanup_close int fd = open_in (root_fd, rel, err);
  if (fd < 0)
    return NULL;
  size_t len;
  char *buf = slurp (fd, rel, &len, err);
  if (buf == NULL)
    return NULL;
  json_t *j = parse_json (buf, len, rel, err);
  free (buf);
  return j;
}

static bool good_digest (const char *d)
{
  return d && strlen (d) == 71 && strncmp (d, "sha256:", 7) == 0 && strspn (d + 7, "0123456789abcdef") == 64;
}

/* sha256 of the whole file at fd equals want ("sha256:<hex>"). */
static int check_blob (int fd, const char *want, const char *what, struct terr *err)
{
  struct sha256 c;
  sha256_init (&c);
  char buf[65536];
  ssize_t n;
  off_t off = 0;
  while ((n = pread (fd, buf, sizeof buf, off)) > 0)
    sha256_update (&c, buf, (size_t) n), off += n;
  if (n < 0)
    return terr_set (err, errno, "read %s", what);
  unsigned char d[SHA256_LEN];
  char hex[SHA256_HEX_LEN];
  sha256_final (&c, d);
  sha256_hex (d, hex);
  if (strcmp (hex, want + 7) != 0)
    return terr_set (err, 0, "%s: content does not match its digest %.19s... (got sha256:%.12s...)", what,
                     want, hex);
  return 0;
}

/* The config's diff ids, checked against the number of layers. */
static const json_t *diff_ids (const json_t *config, size_t n_layers, struct terr *err)
{
  const json_t *ids = json_object_get (json_object_get (config, "rootfs"), "diff_ids");
  if (!json_is_array (ids))
    return terr_set (err, 0, "invalid image config: no rootfs.diff_ids"), NULL;
  if (json_array_size (ids) != n_layers)
    return terr_set (err, 0, "invalid manifest, layers length mismatch: expected %zu, got %zu",
                     json_array_size (ids), n_layers),
           NULL;
  if (n_layers == 0 || n_layers > LOAD_MAX_LAYERS)
    return terr_set (err, 0, "an image of %zu layers: 1 to %d", n_layers, LOAD_MAX_LAYERS), NULL;
  return ids;
}

/* The layer with this diff id once: a second image (or the same layer twice)
 * shares the first's entry. fd is taken. */
static int add_layer (struct load_plan *p, int fd, const char *diff, struct terr *err)
{
  for (size_t i = 0; i < p->n_layers; i++)
    if (strcmp (p->layers[i].diff, diff) == 0)
      {
        close (fd);
        return (int) i;
      }
  if (p->n_layers == LOAD_MAX_UNIQUE)
    {
      close (fd);
      return terr_set (err, 0, "more than %d distinct layers in one archive", LOAD_MAX_UNIQUE);
    }
  struct stat st;
  struct load_layer *l = &p->layers[p->n_layers];
  l->fd = fd;
  l->size = fstat (fd, &st) == 0 ? (uint64_t) st.st_size : 0;
  snprintf (l->diff, sizeof l->diff, "%s", diff);
  return (int) p->n_layers++;
}

static int add_tag (struct load_image *img, const char *name, struct terr *err)
{
  struct image_ref r;
  char why[256];
  if (ref_parse (name, &r, why, sizeof why) < 0)
    return terr_set (err, 0, "%s: %.200s", why, name);
  if (r.digest[0])
    return 0; /* a digest is not a tag */
  if (img->n_tags == LOAD_MAX_TAGS)
    return terr_set (err, 0, "more than %d tags for one image", LOAD_MAX_TAGS);
  ref_full (&r, img->tags[img->n_tags++], sizeof img->tags[0]);
  return 0;
}

static struct load_image *new_image (struct load_plan *p, struct terr *err)
{
  if (p->n_imgs == LOAD_MAX_IMAGES)
    return terr_set (err, 0, "more than %d images in one archive", LOAD_MAX_IMAGES), NULL;
  struct load_image *img = &p->imgs[p->n_imgs++];
  img->config = NULL;
  img->config_len = img->n_tags = img->n_layers = 0;
  return img;
}

/* ---- docker save ---- */

static int read_docker_save (int root_fd, const json_t *manifest, struct load_plan *p, struct terr *err)
{
  if (!json_is_array (manifest) || json_array_size (manifest) == 0)
    return terr_set (err, 0, "manifest.json: not a list of images");
  size_t i;
  json_t *m;
  json_array_foreach (manifest, i, m)
    {
      const char *cfg = json_string_value (json_object_get (m, "Config"));
      const json_t *layers = json_object_get (m, "Layers"), *tags = json_object_get (m, "RepoTags");
      if (cfg == NULL || !json_is_array (layers))
        return terr_set (err, 0, "manifest.json: an image without Config or Layers");
      struct load_image *img = new_image (p, err);
      if (img == NULL)
        return -1;
      cleanup_close int cfd = open_in (root_fd, cfg, err);
      if (cfd < 0 || (img->config = slurp (cfd, cfg, &img->config_len, err)) == NULL)
        return -1;
      json_t *config = parse_json (img->config, img->config_len, cfg, err);
      if (config == NULL)
        return -1;
      const json_t *ids = diff_ids (config, json_array_size (layers), err);
      size_t k;
      json_t *l;
      json_array_foreach (ids ? layers : NULL, k, l)
        {
          const char *diff = json_string_value (json_array_get (ids, k));
          if (!json_is_string (l) || !good_digest (diff))
            {
              json_decref (config);
              return terr_set (err, 0, "manifest.json: bad layer %zu", k);
            }
          int fd = open_in (root_fd, json_string_value (l), err);
          int at = fd < 0 ? -1 : add_layer (p, fd, diff, err);
          if (at < 0)
            {
              json_decref (config);
              return -1;
            }
          img->layers[img->n_layers++] = (size_t) at;
        }
      json_decref (config);
      if (ids == NULL)
        return -1;
      json_t *t;
      json_array_foreach (json_is_array (tags) ? tags : NULL, k, t)
        if (json_is_string (t) && add_tag (img, json_string_value (t), err) < 0)
          return -1;
    }
  return 0;
}

/* ---- OCI image layout ---- */

static int open_blob (int root_fd, const json_t *desc, const char *what, struct terr *err)
{
  const char *d = json_string_value (json_object_get (desc, "digest"));
  if (!good_digest (d))
    return terr_set (err, 0, "%s: no sha256 digest", what);
  char rel[96];
  snprintf (rel, sizeof rel, "blobs/sha256/%s", d + 7);
  int fd = open_in (root_fd, rel, err);
  if (fd < 0)
    return -1;
  struct stat st;
  const json_t *size = json_object_get (desc, "size");
  if (json_is_integer (size) && fstat (fd, &st) == 0 && json_integer_value (size) != st.st_size)
    {
      close (fd);
      return terr_set (err, 0, "%s %.19s: %lld bytes, the descriptor says %lld", what, d,
                       (long long) st.st_size, (long long) json_integer_value (size));
    }
  if (check_blob (fd, d, what, err) < 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

static json_t *load_blob_json (int root_fd, const json_t *desc, const char *what, char **bytes, size_t *len,
                               struct terr *err)
{
  cleanup_close int fd = open_blob (root_fd, desc, what, err);
  if (fd < 0)
    return NULL;
  size_t n;
  char *buf = slurp (fd, what, &n, err);
  if (buf == NULL)
    return NULL;
  json_t *j = parse_json (buf, n, what, err);
  if (bytes && j)
    *bytes = buf, *len = n;
  else
    free (buf);
  return j;
}

static bool layer_type_ok (const char *mt)
{
  static const char *const ok[] = {
    "application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd", "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  };
  for (size_t i = 0; mt && i < sizeof ok / sizeof ok[0]; i++)
    if (strcmp (mt, ok[i]) == 0)
      return true;
  return false;
}

static int read_oci_manifest (int root_fd, const json_t *desc, struct load_plan *p, struct terr *err)
{
  json_t *man = load_blob_json (root_fd, desc, "image manifest", NULL, NULL, err);
  if (man == NULL)
    return -1;
  int rc = -1;
  json_t *config = NULL;
  struct load_image *img = new_image (p, err);
  const json_t *layers = json_object_get (man, "layers");
  if (img == NULL)
    goto out;
  if (!json_is_array (layers))
    {
      terr_set (err, 0, "image manifest: no layers");
      goto out;
    }
  config = load_blob_json (root_fd, json_object_get (man, "config"), "image config", &img->config,
                           &img->config_len, err);
  const json_t *ids = config ? diff_ids (config, json_array_size (layers), err) : NULL;
  if (ids == NULL)
    goto out;
  size_t k;
  json_t *l;
  json_array_foreach (layers, k, l)
    {
      const char *mt = json_string_value (json_object_get (l, "mediaType"));
      const char *diff = json_string_value (json_array_get (ids, k));
      if (!layer_type_ok (mt) || !good_digest (diff))
        {
          terr_set (err, 0, "layer %zu: unsupported media type %.100s", k, mt ? mt : "(none)");
          goto out;
        }
      int fd = open_blob (root_fd, l, "layer", err);
      int at = fd < 0 ? -1 : add_layer (p, fd, diff, err);
      if (at < 0)
        goto out;
      img->layers[img->n_layers++] = (size_t) at;
    }
  /* the name: containerd's annotation, else ref.name when it is a whole reference */
  const json_t *ann = json_object_get (desc, "annotations");
  const char *name = json_string_value (json_object_get (ann, "io.containerd.image.name"));
  const char *ref = json_string_value (json_object_get (ann, "org.opencontainers.image.ref.name"));
  if (name == NULL && ref && (strchr (ref, ':') || strchr (ref, '/')))
    name = ref;
  rc = name ? add_tag (img, name, err) : 0;
out:
  json_decref (config);
  json_decref (man);
  return rc;
}

static int read_oci (int root_fd, const json_t *index, struct load_plan *p, int depth, struct terr *err)
{
  const json_t *ms = json_object_get (index, "manifests");
  if (!json_is_array (ms) || json_array_size (ms) == 0)
    return terr_set (err, 0, "index.json: no manifests");
  size_t i;
  json_t *d;
  json_array_foreach (ms, i, d)
    {
      const char *mt = json_string_value (json_object_get (d, "mediaType"));
      if (mt && (strcmp (mt, "application/vnd.oci.image.index.v1+json") == 0
                 || strcmp (mt, "application/vnd.docker.distribution.manifest.list.v2+json") == 0))
        {
          if (depth > 0)
            return terr_set (err, 0, "index.json: indexes nested too deep");
          json_t *sub = load_blob_json (root_fd, d, "image index", NULL, NULL, err);
          int rc = sub ? read_oci (root_fd, sub, p, depth + 1, err) : -1;
          json_decref (sub);
          if (rc < 0)
            return -1;
          continue;
        }
      const json_t *plat = json_object_get (d, "platform");
      const char *arch = json_string_value (json_object_get (plat, "architecture"));
      if (arch && strcmp (arch, "amd64") != 0)
        continue; /* another platform's image in a multi-platform index */
      if (read_oci_manifest (root_fd, d, p, err) < 0)
        return -1;
    }
  if (p->n_imgs == 0)
    return terr_set (err, 0, "index.json: no linux/amd64 image");
  return 0;
}

/* Only the counts are reset, here and in load_plan_free: an entry is filled as
 * it is added, and clearing all 1.4 MB of the plan was half of a small load. */
int load_plan_read (int root_fd, struct load_plan *p, struct terr *err)
{
  p->n_imgs = p->n_layers = 0;
  struct terr e2;
  terr_clear (&e2);
  /* docker 25+ writes both: manifest.json carries the tags docker save was given */
  json_t *j = load_json_file (root_fd, "manifest.json", &e2);
  if (j)
    {
      int rc = read_docker_save (root_fd, j, p, err);
      json_decref (j);
      return rc;
    }
  j = load_json_file (root_fd, "index.json", &e2);
  if (j)
    {
      int rc = read_oci (root_fd, j, p, 0, err);
      json_decref (j);
      return rc;
    }
  return terr_set (err, 0, "open manifest.json: no such file or directory (neither docker save nor an OCI layout)");
}

void load_plan_free (struct load_plan *p)
{
  for (size_t i = 0; i < p->n_imgs; i++)
    free (p->imgs[i].config);
  for (size_t i = 0; i < p->n_layers; i++)
    if (p->layers[i].fd >= 0)
      close (p->layers[i].fd);
  p->n_imgs = p->n_layers = 0;
}
