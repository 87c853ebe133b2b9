/* Images as docker lists and inspects them: the built-in busybox (a layer VMDK
 * made from Debian's busybox-static, host/image/image_default.c; its Id is its
 * layer's content hash, it has no config file) and the store's (host/store:
 * docker load, import). A loaded busybox:latest hides the built-in one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fnmatch.h>
#include <jansson.h>

#include "image.h"
#include "routes.h"
#include "store.h"
#include "timefmt.h"

#define BUILTIN_TAG "busybox:latest"

struct builtin {
  bool ready;
  char path[4096];
  char id[80];               /* "sha256:" + the layer file's hash */
  int64_t created_ns;
  long long size;
};

/* The layer once (image_default_layer builds it only if absent). */
static const struct builtin *builtin (struct terr *err)
{
  static struct builtin b;
  if (b.ready && access (b.path, R_OK) == 0)
    return &b; /* built once; again only if its file went */
  if (image_default_layer (b.path, sizeof b.path, err) < 0)
    return NULL;
  const char *base = strrchr (b.path, '/');
  base = base ? base + 1 : b.path;
  snprintf (b.id, sizeof b.id, "sha256:%.64s", base);
  struct stat st;
  if (stat (b.path, &st) == 0)
    b.created_ns = (int64_t) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec, b.size = st.st_size;
  b.ready = true;
  return &b;
}

bool image_builtin_named (const char *ref)
{
  static const char *const names[] = { "busybox", BUILTIN_TAG, "library/busybox", "library/busybox:latest",
                                       "docker.io/library/busybox", "docker.io/library/busybox:latest" };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp (ref, names[i]) == 0)
      return true;
  return false;
}

const char *image_builtin_layer (struct terr *err)
{
  const struct builtin *b = builtin (err);
  return b ? b->path : NULL;
}

/* The names docker finds it by: its tag (image_builtin_named), its id, or a
 * prefix of the id of at least 4 hex digits. */
static bool names_builtin (const char *ref, const struct builtin *b)
{
  if (image_builtin_named (ref))
    return true;
  const char *hex = strncmp (ref, "sha256:", 7) == 0 ? ref + 7 : ref;
  size_t n = strlen (hex);
  return n >= 4 && n <= 64 && strspn (hex, "0123456789abcdef") == n && strncmp (b->id + 7, hex, n) == 0;
}


/* The store has the name: it wins over the built-in image. */
static bool in_store (const char *ref, char id[IMAGE_ID_LEN])
{
  struct terr err;
  terr_clear (&err);
  return store_resolve (ref, id, &err) == 0;
}

bool image_builtin_used (const char *ref)
{
  char id[IMAGE_ID_LEN];
  if (in_store (ref, id))
    return false;
  struct terr err;
  terr_clear (&err);
  const struct builtin *b = builtin (&err);
  return b && names_builtin (ref, b);
}

static json_t *tag_array (char *const *tags, size_t n, bool none_tag)
{
  json_t *a = json_array ();
  char fam[REF_MAX + 140];
  for (size_t i = 0; i < n; i++)
    {
      ref_familiar_str (tags[i], fam, sizeof fam);
      json_array_append_new (a, json_string (fam));
    }
  if (n == 0 && none_tag)
    json_array_append_new (a, json_string ("<none>:<none>")); /* API < 1.44 shows a dangling image so */
  return a;
}

static json_t *list_entry (const char *id, int64_t created_s, json_t *labels, json_t *tags, uint64_t size,
                           int minor)
{
  json_t *o = json_pack ("{s:i,s:I,s:s,s:o,s:s,s:[],s:o,s:i,s:I}", "Containers", -1, "Created",
                         (json_int_t) created_s, "Id", id, "Labels", labels ? labels : json_null (), "ParentId", "",
                         "RepoDigests", "RepoTags", tags, "SharedSize", -1, "Size", (json_int_t) size);
  if (o && minor < 44)
    json_object_set_new (o, "VirtualSize", json_integer ((json_int_t) size));
  return o;
}

/* docker images' filters (daemon/images/images.go): reference=PATTERN (a glob
 * on the familiar "name:tag" and "name", any one matching) and dangling. */
struct img_filter {
  json_t *refs;               /* the reference patterns, or NULL */
  int dangling;               /* -1 any, 0 tagged only, 1 untagged only */
};

static int filter_parse (const char *text, struct img_filter *f, char *why, size_t cap)
{
  f->refs = NULL;
  f->dangling = -1;
  if (text == NULL || *text == '\0')
    return 0;
  json_t *o = json_loads (text, JSON_REJECT_DUPLICATES, NULL);
  if (!json_is_object (o))
    {
      json_decref (o);
      snprintf (why, cap, "invalid filter: %.200s", text);
      return -1;
    }
  const char *k;
  json_t *v;
  json_object_foreach (o, k, v)
    {
      /* {"reference":{"x":true}}, or the older {"reference":["x"]} */
      json_t *vals = json_array ();
      if (json_is_object (v))
        {
          const char *p;
          json_t *b;
          json_object_foreach (v, p, b)
            json_array_append_new (vals, json_string (p));
        }
      else if (json_is_array (v))
        json_array_extend (vals, v);
      if (strcmp (k, "reference") == 0)
        f->refs = vals;
      else if (strcmp (k, "dangling") == 0 && json_array_size (vals) == 1)
        {
          const char *d = json_string_value (json_array_get (vals, 0));
          f->dangling = d && (strcmp (d, "true") == 0 || strcmp (d, "1") == 0) ? 1 : 0;
          json_decref (vals);
        }
      else
        {
          snprintf (why, cap, "invalid filter '%.100s'", k); /* k is o's: before o goes */
          json_decref (vals);
          json_decref (o);
          json_decref (f->refs);
          f->refs = NULL;
          return -1;
        }
    }
  json_decref (o);
  return 0;
}

static bool ref_matches (const json_t *refs, const char *full)
{
  char fam[REF_MAX + 140], name[REF_MAX + 140];
  ref_familiar_str (full, fam, sizeof fam);
  snprintf (name, sizeof name, "%s", fam);
  char *colon = strrchr (name, ':');
  if (colon && !strchr (colon, '/'))
    *colon = '\0';
  size_t i;
  json_t *p;
  json_array_foreach (refs, i, p)
    {
      const char *pat = json_string_value (p);
      /* Go's path.Match, which dockerd uses: '*' stops at '/' */
      if (pat && (fnmatch (pat, fam, FNM_PATHNAME) == 0 || fnmatch (pat, name, FNM_PATHNAME) == 0))
        return true;
    }
  return false;
}

/* An image passes: shown[] gets the tags to show (those the reference filter
 * matched; pointers into tags, at most STORE_MAX_TAGS_SHOWN). */
#define STORE_MAX_TAGS_SHOWN 256
static bool filter_pass (const struct img_filter *f, char *const *tags, size_t n, char **shown, size_t *n_shown)
{
  *n_shown = 0;
  if ((f->dangling == 1 && n > 0) || (f->dangling == 0 && n == 0))
    return false;
  for (size_t i = 0; i < n && *n_shown < STORE_MAX_TAGS_SHOWN; i++)
    if (f->refs == NULL || ref_matches (f->refs, tags[i]))
      shown[(*n_shown)++] = tags[i];
  return f->refs == NULL || *n_shown > 0;
}

void route_img_list (struct api_req *req, struct api_reply *rep)
{
  struct terr err;
  terr_clear (&err);
  struct img_filter f;
  char why[300];
  if (filter_parse (req->arg ? req->arg (req->arg_ctx, "filters") : NULL, &f, why, sizeof why) < 0)
    {
      api_reply_error (rep, 400, "%s", why);
      return;
    }
  struct store_image *imgs;
  size_t n;
  if (store_list (&imgs, &n, &err) < 0)
    {
      json_decref (f.refs);
      api_reply_error (rep, 500, "the image store: %s", err.msg);
      return;
    }
  json_t *arr = json_array ();
  char id[IMAGE_ID_LEN];
  const struct builtin *b = builtin (&err);
  char *tag = (char *) "docker.io/library/" BUILTIN_TAG;
  static char *shown[STORE_MAX_TAGS_SHOWN];
  size_t n_shown;
  if (b && !in_store (BUILTIN_TAG, id) && filter_pass (&f, &tag, 1, shown, &n_shown))
    {
      json_array_append_new (arr, list_entry (b->id, b->created_ns / 1000000000, NULL, tag_array (&tag, 1, false),
                                              (uint64_t) b->size, req->minor));
    }
  for (size_t i = 0; i < n; i++)
    {
      if (!filter_pass (&f, imgs[i].tags, imgs[i].n_tags, shown, &n_shown))
        continue;
      json_t *labels = json_object_get (json_object_get (imgs[i].config, "config"), "Labels");
      json_array_append_new (arr, list_entry (imgs[i].id, imgs[i].created_ns / 1000000000,
                                              json_is_object (labels) ? json_incref (labels) : NULL,
                                              tag_array (shown, n_shown, req->minor < 44),
                                              imgs[i].size, req->minor));
    }
  store_list_free (imgs, n);
  json_decref (f.refs);
  api_reply_jansson (rep, 200, arr);
}

static json_t *builtin_inspect (const struct builtin *b)
{
  char t[RFC3339_LEN];
  return json_pack ("{s:s,s:[s],s:[],s:s,s:s,s:s,s:s,s:s,s:{s:[s],s:[s],s:n,s:n},s:s,s:s,s:I,"
                    "s:{s:{s:s},s:s},s:{s:s,s:[s]}}",
                    "Id", b->id, "RepoTags", BUILTIN_TAG, "RepoDigests", "Parent", "", "Comment",
                    "tether's built-in image: Debian's busybox-static", "Created", fmt_rfc3339 (b->created_ns, t),
                    "DockerVersion", "", "Author", "", "Config", "Env",
                    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "Cmd", "sh",
                    "Entrypoint", "Labels", "Architecture", "amd64", "Os", "linux", "Size", (json_int_t) b->size,
                    "GraphDriver", "Data", "Layers", b->path, "Name", "tether-vmdk", "RootFS", "Type", "layers",
                    "Layers", b->id);
}

static const char *str_or (const json_t *o, const char *key, const char *dflt)
{
  const char *v = json_string_value (json_object_get (o, key));
  return v ? v : dflt;
}

static json_t *store_inspect (const char *id, struct api_reply *rep)
{
  struct terr err;
  terr_clear (&err);
  json_t *cfg = store_config (id, &err);
  if (cfg == NULL)
    {
      api_reply_error (rep, 500, "%s", err.msg);
      return NULL;
    }
  static char tags[64][REF_MAX + 140];
  char *tp[64];
  size_t nt = store_tags_of (id, tags, 64);
  for (size_t i = 0; i < nt; i++)
    tp[i] = tags[i];
  static char paths[128][4096];
  int nl = store_layer_paths (cfg, paths, 128, &err);
  char joined[8192] = "";
  uint64_t size = 0;
  for (int i = 0; i < nl; i++)
    {
      struct stat st;
      if (stat (paths[i], &st) == 0)
        size += (uint64_t) st.st_blocks * 512;
      size_t used = strlen (joined);
      snprintf (joined + used, sizeof joined - used, "%s%s", i ? ":" : "", paths[nl - 1 - i]); /* top first */
    }
  json_t *config = json_object_get (cfg, "config");
  json_t *o = json_pack ("{s:s,s:o,s:[],s:s,s:s,s:s,s:s,s:s,s:O,s:s,s:s,s:I,s:{s:{s:s},s:s},s:{s:s,s:O}}", "Id", id,
                         "RepoTags", tag_array (tp, nt, false), "RepoDigests", "Parent", "", "Comment",
                         str_or (cfg, "comment", ""), "Created", str_or (cfg, "created", ""), "DockerVersion",
                         str_or (cfg, "docker_version", ""), "Author", str_or (cfg, "author", ""), "Config",
                         config ? config : json_null (), "Architecture", str_or (cfg, "architecture", "amd64"),
                         "Os", str_or (cfg, "os", "linux"), "Size", (json_int_t) size, "GraphDriver", "Data",
                         "Layers", joined, "Name", "tether-vmdk", "RootFS", "Type", "layers", "Layers",
                         json_object_get (json_object_get (cfg, "rootfs"), "diff_ids"));
  json_decref (cfg);
  if (o == NULL)
    api_reply_error (rep, 500, "image %s: its config does not make an inspect object", id);
  return o;
}

void route_img_inspect (struct api_req *req, struct api_reply *rep)
{
  struct terr err;
  terr_clear (&err);
  char id[IMAGE_ID_LEN];
  int rc = store_resolve (req->param, id, &err);
  if (rc == 0)
    {
      json_t *o = store_inspect (id, rep);
      if (o)
        api_reply_jansson (rep, 200, o); /* docker's inspect of one image answers the object, the CLI makes the array */
      return;
    }
  const struct builtin *b = builtin (&err);
  if (b == NULL || !names_builtin (req->param, b))
    {
      if (rc == -2)
        api_reply_error (rep, 400, "%s", err.msg);
      else
        api_reply_error (rep, 404, "No such image: %s", req->param);
      return;
    }
  api_reply_jansson (rep, 200, builtin_inspect (b));
}
