/* docker rename: POST /containers/{id}/rename?name=NEW, dockerd's checks
 * (daemon/rename.go): a valid name, not the current one, not another's. The
 * VM's hostname stays, as docker's does. */
#include <stdio.h>
#include <string.h>

#include "cfgcheck.h"
#include "routes.h"
#include "vmstate.h"

void route_ctr_rename (struct api_req *req, struct api_reply *rep)
{
  char id[65];
  ContainerInfo *ci = NULL;
  if (!ctr_lookup (req, rep, id, &ci))
    return;
  const char *name = req->arg ? req->arg (req->arg_ctx, "name") : NULL;
  const char *old = ci->config && ci->config->name ? ci->config->name : "";
  char other[65];
  struct terr err;
  terr_clear (&err);
  if (name && *name == '/')
    name++;
  if (name == NULL || *name == '\0')
    api_reply_error (rep, 400, "Neither old nor new names may be empty");
  else if (!cfg_name_valid (name) || strlen (name) > VM_NAME_MAX)
    api_reply_error (rep, 400, "Invalid container name (%.200s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
  else if (strcmp (name, old) == 0)
    api_reply_error (rep, 400, "Renaming a container with the same name as its current name");
  else if (vm_name_owner (name, other) == 0)
    api_reply_error (rep, 409,
                     "Conflict. The container name \"/%s\" is already in use by container \"%s\". You have to "
                     "remove (or rename) that container to be able to reuse that name.",
                     name, other);
  else if (vm_rename (id, name, &err) < 0)
    api_reply_error (rep, 500, "%s", err.msg);
  else
    api_reply_text (rep, 204, "");
  container_info__free_unpacked (ci, NULL);
}
