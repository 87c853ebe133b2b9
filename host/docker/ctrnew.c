/* POST /containers/create: docker's request, merged with its image's config
 * (imgmerge.c), then checked (ctrcreate.c), becomes a container VM's record
 * (host/cli/vmcreate.c) on the image's layer disks, created and not booted:
 * start boots it. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctrcreate.h"
#include "imgmerge.h"
#include "names.h"
#include "routes.h"
#include "store.h"
#include "vmcreate.h"
#include "vmstate.h"


#define NAME_TRIES 16 /* generated names taken already: draw again */

static const char *arg (struct api_req *req, const char *key)
{
  return req->arg ? req->arg (req->arg_ctx, key) : NULL;
}

static bool name_taken (const char *name, char other[65])
{
  return vm_name_owner (name, other) == 0;
}

/* The image the request names: its config's "config" object (new reference),
 * id and layer disks (bottom first). 0, or -1 with rep answered. */
struct image_pick {
  json_t *config;
  char id[IMAGE_ID_LEN];
  const char *layers[VM_MAX_LAYERS];
  size_t n_layers;
};

static char layer_paths[VM_MAX_LAYERS][4096];

static int pick_image (const char *name, struct image_pick *ip, struct api_reply *rep)
{
  struct terr err;
  terr_clear (&err);
  memset (ip, 0, sizeof *ip);
  if (image_builtin_used (name))
    {
      const char *layer = image_builtin_layer (&err); /* built once, not again per container */
      if (layer == NULL)
        return api_reply_error (rep, 500, "the built-in image: %s", err.msg), -1;
      const char *base = strrchr (layer, '/');
      snprintf (ip->id, sizeof ip->id, "sha256:%.64s", base ? base + 1 : layer);
      ip->layers[0] = layer;
      ip->n_layers = 1;
      ip->config = json_pack ("{s:[s],s:[s]}", "Env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                              "Cmd", "sh");
      return 0;
    }
  int rc = store_resolve (name, ip->id, &err);
  if (rc < 0)
    {
      /* docker's CLI pulls on a 404 with these words, then says it cannot */
      api_reply_error (rep, rc == -3 ? 400 : 404, rc == -3 ? "%s" : "No such image: %s", rc == -3 ? err.msg : name);
      return -1;
    }
  json_t *cfg = store_config (ip->id, &err);
  int n = cfg ? store_layer_paths (cfg, layer_paths, VM_MAX_LAYERS, &err) : -1;
  if (n < 0)
    {
      json_decref (cfg);
      return api_reply_error (rep, 500, "image %s: %s", name, err.msg), -1;
    }
  for (int i = 0; i < n; i++)
    ip->layers[i] = layer_paths[i];
  ip->n_layers = (size_t) n;
  ip->config = json_incref (json_object_get (cfg, "config"));
  json_decref (cfg);
  return 0;
}

/* The request with the image's config merged in, as text for create_req_parse. */
static char *merged_body (struct api_req *req, struct api_reply *rep, struct image_pick *ip)
{
  json_error_t je;
  json_t *body = json_loadb (req->body ? req->body : "", req->body_len, 0, &je);
  if (!json_is_object (body))
    {
      json_decref (body);
      /* create_req_parse words it as dockerd does */
      return strndup (req->body ? req->body : "", req->body_len);
    }
  const char *image = json_string_value (json_object_get (body, "Image"));
  if (image == NULL || *image == '\0')
    {
      json_decref (body);
      api_reply_error (rep, 400, "No image specified");
      return NULL;
    }
  if (pick_image (image, ip, rep) < 0)
    {
      json_decref (body);
      return NULL;
    }
  image_merge (body, ip->config);
  char *text = json_dumps (body, JSON_COMPACT);
  json_decref (body);
  if (text == NULL)
    api_reply_error (rep, 500, "out of memory");
  return text;
}

/* docker's anonymous volumes: each Volumes path no Binds entry covers gets a
 * fresh volume of its own (a random name), removed with the container by rm -v
 * and --rm. Docker copies the image's files at the path into it: tetherd does
 * not yet (README). */
static int anonymous_volumes (struct create_req *r, const char *text, struct api_reply *rep)
{
  json_t *body = json_loads (text, 0, NULL);
  const json_t *vols = json_object_get (body, "Volumes");
  const char *path;
  json_t *v;
  int rc = 0;
  json_object_foreach ((json_t *) vols, path, v)
    {
      if (path[0] != '/' || strlen (path) > 1000)
        {
          api_reply_error (rep, 400, "invalid volume specification: '%.200s'", path);
          rc = -1;
          break;
        }
      bool covered = false;
      for (size_t i = 0; i < r->n_volumes && !covered; i++)
        covered = strcmp (strchr (r->volumes[i], ':') + 1, path) == 0;
      if (covered)
        continue;
      char name[65];
      if (r->n_volumes == CREATE_MAX_VOLUMES || cli_random_id (name) < 0)
        {
          api_reply_error (rep, 400, "more than %d volumes: tetherd's bound", CREATE_MAX_VOLUMES);
          rc = -1;
          break;
        }
      snprintf (r->volumes[r->n_volumes], sizeof r->volumes[0], "%s:%s", name, path);
      r->volume_ptrs[r->n_volumes] = r->volumes[r->n_volumes];
      r->anon[r->cfg.n_anon_volumes++] = r->volumes[r->n_volumes];
      r->n_volumes++;
    }
  json_decref (body);
  return rc;
}

void route_ctr_create (struct api_req *req, struct api_reply *rep)
{
  struct create_req *r = calloc (1, sizeof *r);
  struct image_pick ip = { 0 };
  char *text = NULL;
  if (r == NULL)
    {
      api_reply_error (rep, 500, "out of memory");
      return;
    }
  int status = 400;
  char why[1024];
  if ((text = merged_body (req, rep, &ip)) == NULL)
    goto out;
  if (create_req_parse (r, text, strlen (text), arg (req, "name"), &status, why, sizeof why) < 0)
    {
      api_reply_error (rep, status, "%s", why);
      goto out;
    }
  if (ip.n_layers == 0)
    {
      api_reply_error (rep, 400, "No image specified");
      goto out;
    }
  if (anonymous_volumes (r, text, rep) < 0)
    goto out;
  /* the names only: "NAME:/PATH" cut at the colon for the record */
  static char anon_names[CREATE_MAX_VOLUMES][65];
  static char *anon_ptrs[CREATE_MAX_VOLUMES];
  for (size_t i = 0; i < r->cfg.n_anon_volumes; i++)
    {
      snprintf (anon_names[i], sizeof anon_names[i], "%.64s", r->anon[i]);
      anon_ptrs[i] = anon_names[i];
    }
  r->cfg.anon_volumes = anon_ptrs;
  r->cfg.image_id = ip.id;
  char other[65];
  if (r->name[0] && name_taken (r->name, other) && !r->is_name_generated)
    {
      api_reply_error (rep, 409,
                       "Conflict. The container name \"/%s\" is already in use by container \"%s\". You have to "
                       "remove (or rename) that container to be able to reuse that name.",
                       r->name, other);
      goto out;
    }
  for (int i = 0; r->is_name_generated && name_taken (r->name, other); i++)
    {
      if (i == NAME_TRIES)
        {
          api_reply_error (rep, 500, "no free generated name after %d draws: name the container", NAME_TRIES);
          goto out;
        }
      names_generate (r->name, sizeof r->name);
    }
  char id[65];
  if (cli_random_id (id) < 0)
    {
      api_reply_error (rep, 500, "no random id");
      goto out;
    }
  r->cfg.id = id;
  r->cfg.name = r->name;
  static struct vm_ctr v;
  struct terr err;
  terr_clear (&err);
  struct vm_create vc = { .accel = "auto", .layers = ip.layers, .n_layers = ip.n_layers,
                          .volumes = r->volume_ptrs, .n_volumes = r->n_volumes };
  if (vm_create (&v, &r->cfg, &vc, &err) < 0)
    {
      api_reply_error (rep, 500, "%s", err.msg);
      goto out;
    }
  struct json j;
  json_init (&j, 0);
  json_obj_begin (&j);
  json_kstr (&j, "Id", id);
  json_key (&j, "Warnings");
  json_arr_begin (&j);
  json_arr_end (&j);
  json_obj_end (&j);
  api_reply_json (rep, 201, &j);
  json_free (&j);
out:
  json_decref (ip.config);
  free (text);
  create_req_free (r);
  free (r);
}
