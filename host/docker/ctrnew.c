/* POST /containers/create: docker's request (ctrcreate.c) becomes a container
 * VM's record (host/cli/vmcreate.c), created and not booted: start boots it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctrcreate.h"
#include "names.h"
#include "routes.h"
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

void route_ctr_create (struct api_req *req, struct api_reply *rep)
{
  struct create_req *r = calloc (1, sizeof *r);
  if (r == NULL)
    {
      api_reply_error (rep, 500, "out of memory");
      return;
    }
  int status = 400;
  char why[1024];
  if (create_req_parse (r, req->body ? req->body : "", req->body_len, arg (req, "name"), &status, why, sizeof why) < 0)
    {
      api_reply_error (rep, status, "%s", why);
      goto out;
    }
  /* docker's CLI pulls on a 404 with these words, then says it cannot */
  if (!image_builtin_named (r->image))
    {
      api_reply_error (rep, 404, "No such image: %s", r->image);
      goto out;
    }
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
  /* the layer tetherd built once, not built again per container */
  const char *layer = image_builtin_layer (&err);
  if (layer == NULL)
    {
      api_reply_error (rep, 500, "the built-in image: %s", err.msg);
      goto out;
    }
  struct vm_create vc = { .accel = "auto", .layers = &layer, .n_layers = 1, .volumes = r->volume_ptrs,
                          .n_volumes = r->n_volumes };
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
  create_req_free (r);
  free (r);
}
