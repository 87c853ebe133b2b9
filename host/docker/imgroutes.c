/* Images before `docker load`: the built-in busybox alone (a layer VMDK made
 * from Debian's busybox-static, host/image/image_default.c), listed and
 * inspected as docker shows an image. Its Id is its layer's content hash (there
 * is no image config to hash yet). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "routes.h"
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

void route_img_list (struct api_req *req, struct api_reply *rep)
{
  (void) req;
  struct terr err;
  terr_clear (&err);
  const struct builtin *b = builtin (&err);
  if (b == NULL)
    {
      api_reply_error (rep, 500, "the built-in image: %s", err.msg);
      return;
    }
  struct json j;
  json_init (&j, 0);
  json_arr_begin (&j);
  json_obj_begin (&j);
  json_kint (&j, "Containers", -1);
  json_kint (&j, "Created", b->created_ns / 1000000000);
  json_kstr (&j, "Id", b->id);
  json_key (&j, "Labels");
  json_write_null (&j);
  json_kstr (&j, "ParentId", "");
  json_key (&j, "RepoDigests");
  json_arr_begin (&j);
  json_arr_end (&j);
  json_key (&j, "RepoTags");
  json_arr_begin (&j);
  json_str (&j, BUILTIN_TAG);
  json_arr_end (&j);
  json_kint (&j, "SharedSize", -1);
  json_kint (&j, "Size", b->size);
  json_obj_end (&j);
  json_arr_end (&j);
  api_reply_json (rep, 200, &j);
  json_free (&j);
}

void route_img_inspect (struct api_req *req, struct api_reply *rep)
{
  struct terr err;
  terr_clear (&err);
  const struct builtin *b = builtin (&err);
  if (b == NULL || !names_builtin (req->param, b))
    {
      api_reply_error (rep, 404, "No such image: %s", req->param);
      return;
    }
  char t[RFC3339_LEN];
  struct json j;
  json_init (&j, 4);
  json_obj_begin (&j);
  json_kstr (&j, "Id", b->id);
  json_key (&j, "RepoTags");
  json_arr_begin (&j);
  json_str (&j, BUILTIN_TAG);
  json_arr_end (&j);
  json_key (&j, "RepoDigests");
  json_arr_begin (&j);
  json_arr_end (&j);
  json_kstr (&j, "Parent", "");
  json_kstr (&j, "Comment", "tether's built-in image: Debian's busybox-static");
  json_kstr (&j, "Created", fmt_rfc3339 (b->created_ns, t));
  json_kstr (&j, "DockerVersion", "");
  json_kstr (&j, "Author", "");
  json_key (&j, "Config");
  json_obj_begin (&j);
  json_key (&j, "Env");
  json_arr_begin (&j);
  json_str (&j, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  json_arr_end (&j);
  json_key (&j, "Cmd");
  json_arr_begin (&j);
  json_str (&j, "sh");
  json_arr_end (&j);
  json_key (&j, "Entrypoint");
  json_write_null (&j);
  json_key (&j, "Labels");
  json_write_null (&j);
  json_obj_end (&j);
  json_kstr (&j, "Architecture", "amd64");
  json_kstr (&j, "Os", "linux");
  json_kint (&j, "Size", b->size);
  json_key (&j, "GraphDriver");
  json_obj_begin (&j);
  json_key (&j, "Data");
  json_obj_begin (&j);
  json_kstr (&j, "Layers", b->path);
  json_obj_end (&j);
  json_kstr (&j, "Name", "tether-vmdk");
  json_obj_end (&j);
  json_key (&j, "RootFS");
  json_obj_begin (&j);
  json_kstr (&j, "Type", "layers");
  json_key (&j, "Layers");
  json_arr_begin (&j);
  json_str (&j, b->id);
  json_arr_end (&j);
  json_obj_end (&j);
  json_obj_end (&j);
  /* docker's inspect of one image answers the object, the CLI makes the array */
  api_reply_json (rep, 200, &j);
  json_free (&j);
}
