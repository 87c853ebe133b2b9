/* What changes the image store (host/store): docker load and import (a job
 * streaming docker's JSON messages, the body spooled to a file by server.c),
 * pull (no registry is reachable: docker's failure), tag and rmi with
 * dockerd's conflict rules (daemon/images/image_delete.go). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctrlist.h"
#include "jobs.h"
#include "load.h"
#include "routes.h"
#include "store.h"
#include "vmstate.h"


static const char *arg (struct api_req *req, const char *key)
{
  return req->arg ? req->arg (req->arg_ctx, key) : NULL;
}

/* ---- load and import: jobs ---- */

struct load_arg {
  char path[4096];
  bool quiet, import;
  char ref[REF_MAX + 140];
  char comment[1024];
  char *config;               /* import: the Config to give the image (JSON) */
};

static int load_run (void *p)
{
  struct load_arg *a = p;
  struct terr err;
  terr_clear (&err);
  int rc = a->import ? store_import (a->path, a->config, a->comment, a->ref[0] ? a->ref : NULL, 1, &err)
                     : store_load (a->path, a->quiet, 1, &err);
  if (rc < 0)
    load_write_error (1, err.msg);
  return 0; /* the stream says it: the reply is 200 already */
}

static void load_defer (struct api_reply *rep, struct load_arg *a)
{
  struct job_spec js = { .run = load_run, .arg = a, .stream_type = CT_JSON };
  job_defer (rep, &js);
  if (rep->job)
    rep->status = 200, rep->content_type = CT_JSON;
}

void route_img_load (struct api_req *req, struct api_reply *rep)
{
  if (req->upload_path == NULL)
    {
      api_reply_error (rep, 500, "the upload was not kept");
      return;
    }
  struct load_arg *a = calloc (1, sizeof *a);
  if (a == NULL)
    {
      api_reply_error (rep, 500, "out of memory");
      return;
    }
  snprintf (a->path, sizeof a->path, "%s", req->upload_path);
  a->quiet = api_arg_bool (req, "quiet");
  load_defer (rep, a);
}

/* import's ?changes (Dockerfile instructions) are not applied yet: refused by name. */
static void import (struct api_req *req, struct api_reply *rep)
{
  const char *repo = arg (req, "repo"), *tag = arg (req, "tag"), *changes = arg (req, "changes");
  if (changes && *changes)
    {
      api_reply_error (rep, 501, "docker import --change is not supported by tetherd yet (%.100s)", changes);
      return;
    }
  struct load_arg *a = calloc (1, sizeof *a);
  if (a == NULL)
    {
      api_reply_error (rep, 500, "out of memory");
      return;
    }
  a->import = true;
  snprintf (a->path, sizeof a->path, "%s", req->upload_path);
  snprintf (a->comment, sizeof a->comment, "%s", arg (req, "message") ? arg (req, "message") : "");
  if (repo && *repo)
    {
      char name[REF_MAX + 140], why[256];
      snprintf (name, sizeof name, "%s%s%s", repo, tag && *tag ? ":" : "", tag && *tag ? tag : "");
      struct image_ref r;
      if (ref_parse (name, &r, why, sizeof why) < 0)
        {
          free (a);
          api_reply_error (rep, 400, "%s", why);
          return;
        }
      ref_full (&r, a->ref, sizeof a->ref);
    }
  load_defer (rep, a);
}

void route_img_create (struct api_req *req, struct api_reply *rep)
{
  const char *src = arg (req, "fromSrc"), *from = arg (req, "fromImage");
  if (src && strcmp (src, "-") == 0 && req->upload_path)
    {
      import (req, rep);
      return;
    }
  if (src && *src)
    {
      api_reply_error (rep, 501, "docker import from a URL is not supported by tetherd (%.200s): import a file",
                       src);
      return;
    }
  /* docker's pull: no registry is reachable from tetherd */
  api_reply_error (rep, 404,
                   "pull access denied for %.200s: tetherd pulls from no registry (docker save the image where "
                   "one is reachable, then docker load it here)",
                   from ? from : "");
}

/* ---- tag ---- */

void route_img_tag (struct api_req *req, struct api_reply *rep)
{
  struct terr err;
  terr_clear (&err);
  char id[IMAGE_ID_LEN], old[IMAGE_ID_LEN];
  int rc = store_resolve (req->param, id, &err);
  if (rc < 0 && image_builtin_used (req->param))
    {
      api_reply_error (rep, 501, "tagging tetherd's built-in busybox is not supported: docker load an image to tag");
      return;
    }
  if (rc < 0)
    {
      api_reply_error (rep, rc == -1 ? 404 : 400, "%s", err.msg);
      return;
    }
  const char *repo = arg (req, "repo"), *tag = arg (req, "tag");
  char name[REF_MAX + 140], why[256], full[REF_MAX + 140];
  snprintf (name, sizeof name, "%s%s%s", repo ? repo : "", tag && *tag ? ":" : "", tag && *tag ? tag : "");
  struct image_ref r;
  if (ref_parse (name, &r, why, sizeof why) < 0 || r.digest[0])
    {
      api_reply_error (rep, 400, "%s", r.digest[0] ? "refusing to create a tag with a digest reference" : why);
      return;
    }
  ref_full (&r, full, sizeof full);
  if (store_tag (full, id, old, &err) < 0)
    {
      api_reply_error (rep, 500, "%s", err.msg);
      return;
    }
  api_reply_text (rep, 201, "");
}

/* ---- rmi ---- */

/* The first container using image id: running ones when want_running, else any. */
static bool container_using (const char *id, bool want_running, char out[13])
{
  struct ctr_list l;
  struct terr err;
  terr_clear (&err);
  if (ctr_list_load (&l, &err) < 0)
    return false;
  bool found = false;
  for (size_t i = 0; i < l.n && !found; i++)
    {
      const ContainerInfo *ci = l.items[i];
      if (ci->config && ci->config->image_id && strcmp (ci->config->image_id, id) == 0
          && (!want_running || ctr_is_running (ci)))
        found = true, snprintf (out, 13, "%.12s", ci->config->id);
    }
  ctr_list_free (&l);
  return found;
}

struct disk_scan {
  const char *path;
  bool used;
};

static int disk_of (const char *cid, void *p)
{
  struct disk_scan *s = p;
  static struct vm_ctr v;
  struct terr err;
  terr_clear (&err);
  if (vm_ctr_load (&v, cid, &err) < 0)
    return 0;
  for (size_t i = 0; i < v.n_disks; i++)
    if (strcmp (v.disks[i].file, s->path) == 0)
      s->used = true;
  return s->used ? 1 : 0;
}

/* A layer disk a container still has stays. */
static bool layer_in_use (const char *path, void *ctx)
{
  (void) ctx;
  struct disk_scan s = { path, false };
  vm_each (disk_of, &s);
  return s.used;
}

/* checkImageDeleteConflict: a running container (never forced), a stopped one
 * (unless forced). 0, or 409 in rep. */
static int delete_conflict (struct api_reply *rep, const char *id, bool force)
{
  char c[13];
  if (container_using (id, true, c))
    return api_reply_error (rep, 409,
                            "conflict: unable to delete %.12s (cannot be forced) - image is being used by running "
                            "container %s",
                            id + 7, c),
           -1;
  if (!force && container_using (id, false, c))
    return api_reply_error (rep, 409,
                            "conflict: unable to delete %.12s (must be forced) - image is being used by stopped "
                            "container %s",
                            id + 7, c),
           -1;
  return 0;
}

static void record_untag (const char *ref, void *arr)
{
  char fam[REF_MAX + 140];
  ref_familiar_str (ref, fam, sizeof fam);
  json_array_append_new (arr, json_pack ("{s:s}", "Untagged", fam));
}

/* dockerd's ImageDelete: a reference is untagged (refused without force if it
 * is the last one and a container uses the image); the image itself goes when
 * no tag is left and nothing conflicts. An id untags everything first. */
void route_img_remove (struct api_req *req, struct api_reply *rep)
{
  if (image_builtin_used (req->param))
    {
      api_reply_error (rep, 409, "conflict: %s is tetherd's built-in image: it cannot be removed", req->param);
      return;
    }
  struct terr err;
  terr_clear (&err);
  char id[IMAGE_ID_LEN];
  int rc = store_resolve (req->param, id, &err);
  if (rc < 0)
    {
      api_reply_error (rep, rc == -1 ? 404 : 400, "%s", err.msg);
      return;
    }
  bool force = api_arg_bool (req, "force");
  static char tags[2][REF_MAX + 140];
  size_t n_tags = store_tags_of (id, tags, 2); /* none, one, or more than one is all that matters */
  struct image_ref r;
  char why[256], full[REF_MAX + 140], fam[REF_MAX + 140], c[13];
  const char *hex = strncmp (req->param, "sha256:", 7) == 0 ? req->param + 7 : req->param;
  bool by_ref = !(ref_is_id_prefix (req->param) && strncmp (id + 7, hex, strlen (hex)) == 0);
  bool quiet = false;
  json_t *out = json_array ();
  if (by_ref)
    {
      if (ref_parse (req->param, &r, why, sizeof why) < 0)
        {
          json_decref (out);
          api_reply_error (rep, 400, "%s", why);
          return;
        }
      ref_full (&r, full, sizeof full);
      if (!force && n_tags == 1 && container_using (id, false, c))
        {
          json_decref (out);
          api_reply_error (rep, 409,
                           "conflict: unable to remove repository reference \"%s\" (must force) - container %s "
                           "is using its referenced image %.12s",
                           req->param, c, id + 7);
          return;
        }
      if (store_untag (full, &err) < 0)
        {
          json_decref (out);
          api_reply_error (rep, 404, "No such image: %s", req->param);
          return;
        }
      ref_familiar_str (full, fam, sizeof fam);
      json_array_append_new (out, json_pack ("{s:s}", "Untagged", fam));
      if (n_tags > 1)
        {
          api_reply_jansson (rep, 200, out); /* another tag keeps the image */
          return;
        }
      quiet = true; /* the image is dangling now: a conflict leaves it so, no error */
    }
  else
    {
      /* dockerd's order: a running container (never forced) before the tags */
      if (container_using (id, true, c))
        {
          json_decref (out);
          delete_conflict (rep, id, force);
          return;
        }
      if (!force && n_tags > 1)
        {
          json_decref (out);
          api_reply_error (rep, 409,
                           "conflict: unable to delete %.12s (must be forced) - image is referenced in multiple "
                           "repositories",
                           id + 7);
          return;
        }
      if (delete_conflict (rep, id, force) < 0)
        {
          json_decref (out);
          return;
        }
      if (store_untag_id (id, record_untag, out, &err) < 0)
        {
          json_decref (out);
          api_reply_error (rep, 500, "%s", err.msg);
          return;
        }
    }
  struct api_reply conflict = { 0 };
  if (delete_conflict (&conflict, id, force) < 0)
    {
      if (quiet)
        {
          api_reply_free (&conflict);
          api_reply_jansson (rep, 200, out);
        }
      else
        {
          json_decref (out);
          *rep = conflict;
        }
      return;
    }
  if (store_remove (id, layer_in_use, NULL, &err) < 0)
    {
      json_decref (out);
      api_reply_error (rep, 500, "%s", err.msg);
      return;
    }
  json_array_append_new (out, json_pack ("{s:s}", "Deleted", id));
  api_reply_jansson (rep, 200, out);
}
