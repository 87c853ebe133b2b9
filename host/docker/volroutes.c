/* docker volume create|ls|inspect|rm: a named volume is an ext4 disk,
 * STATE/volumes/NAME.img (host/cli/vmcreate.c), plugged into each container VM
 * that names it. The local driver only. */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgcheck.h"
#include "cli.h"
#include "routes.h"
#include "statedir.h"
#include "timefmt.h"
#include "vmcreate.h"
#include "vmstate.h"

static void volume_write (struct json *j, const char *name, const char *path)
{
  char t[RFC3339_LEN];
  struct stat st;
  int64_t ns = stat (path, &st) == 0 ? (int64_t) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec : 0;
  json_obj_begin (j);
  json_kstr (j, "CreatedAt", fmt_rfc3339 (ns, t));
  json_kstr (j, "Driver", "local");
  json_key (j, "Labels");
  json_obj_begin (j);
  json_obj_end (j);
  json_kstr (j, "Mountpoint", path); /* the disk; inside a VM it is mounted where the container asked */
  json_kstr (j, "Name", name);
  json_key (j, "Options");
  json_obj_begin (j);
  json_obj_end (j);
  json_kstr (j, "Scope", "local");
  json_obj_end (j);
}

/* NAME.img in STATE/volumes, for each volume. */
static int each_volume (void (*fn) (const char *name, const char *path, void *ctx), void *ctx)
{
  char dir[VM_PATH_MAX];
  snprintf (dir, sizeof dir, "%s/volumes", state_dir ());
  DIR *d = opendir (dir);
  if (d == NULL)
    return 0;
  struct dirent *de;
  int n = 0;
  while ((de = readdir (d)) != NULL)
    {
      size_t l = strlen (de->d_name);
      if (l <= 4 || l - 4 >= VOLUME_NAME_MAX || strcmp (de->d_name + l - 4, ".img") != 0)
        continue;
      char name[VOLUME_NAME_MAX], path[VM_PATH_MAX + 160];
      snprintf (name, sizeof name, "%.*s", (int) (l - 4), de->d_name);
      if (vm_volume_path (name, path, sizeof path) == 0)
        fn (name, path, ctx), n++;
    }
  closedir (d);
  return n;
}

static void list_one (const char *name, const char *path, void *ctx)
{
  volume_write (ctx, name, path);
}

void route_vol_list (struct api_req *req, struct api_reply *rep)
{
  (void) req;
  struct json j;
  json_init (&j, 0);
  json_obj_begin (&j);
  json_key (&j, "Volumes");
  json_arr_begin (&j);
  each_volume (list_one, &j);
  json_arr_end (&j);
  json_key (&j, "Warnings");
  json_arr_begin (&j);
  json_arr_end (&j);
  json_obj_end (&j);
  api_reply_json (rep, 200, &j);
  json_free (&j);
}

static bool volume_exists (const char *name, char *path, size_t cap)
{
  return cfg_name_valid (name) && vm_volume_path (name, path, cap) == 0 && access (path, F_OK) == 0;
}

void route_vol_inspect (struct api_req *req, struct api_reply *rep)
{
  char path[VM_PATH_MAX + 160];
  if (!volume_exists (req->param, path, sizeof path))
    {
      api_reply_error (rep, 404, "get %s: no such volume", req->param);
      return;
    }
  struct json j;
  json_init (&j, 0);
  volume_write (&j, req->param, path);
  api_reply_json (rep, 200, &j);
  json_free (&j);
}

void route_vol_create (struct api_req *req, struct api_reply *rep)
{
  json_t *b = json_loadb (req->body ? req->body : "", req->body_len, 0, NULL);
  const char *name = json_string_value (json_object_get (b, "Name"));
  const char *driver = json_string_value (json_object_get (b, "Driver"));
  json_t *opts = json_object_get (b, "DriverOpts");
  char gen[65], path[VM_PATH_MAX + 160];
  struct terr err;
  terr_clear (&err);
  if (driver && *driver && strcmp (driver, "local") != 0)
    api_reply_error (rep, 501, "volume driver %s is not supported by tetherd yet (local only)", driver);
  else if (json_object_size (opts) > 0)
    api_reply_error (rep, 501, "volume driver options are not supported by tetherd yet");
  else if (name && *name && (!cfg_name_valid (name) || strlen (name) >= VOLUME_NAME_MAX))
    api_reply_error (rep, 400,
                     "create %s: \"%s\" includes invalid characters for a local volume name, only "
                     "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed",
                     name, name);
  else
    {
      if (name == NULL || *name == '\0')
        name = cli_random_id (gen) == 0 ? gen : "volume"; /* docker's anonymous name: 64 hex */
      if (vm_volume_make (name, path, sizeof path, &err) < 0)
        api_reply_error (rep, 500, "create %s: %s", name, err.msg);
      else
        {
          struct json j;
          json_init (&j, 0);
          volume_write (&j, name, path);
          api_reply_json (rep, 201, &j);
          json_free (&j);
        }
    }
  json_decref (b);
}

/* docker refuses to remove a volume any container names, running or not. */
struct users {
  const char *path;
  char ids[512];
};

static int find_user (const char *id, void *ctx)
{
  struct users *u = ctx;
  static struct vm_ctr v;
  struct terr err;
  if (vm_ctr_load (&v, id, &err) < 0)
    return 0;
  for (size_t i = 0; i < v.n_disks; i++)
    if (strcmp (v.disks[i].file, u->path) == 0)
      {
        size_t n = strlen (u->ids);
        snprintf (u->ids + n, sizeof u->ids - n, "%s%s", n ? ", " : "", id);
        break;
      }
  return 0;
}

void route_vol_remove (struct api_req *req, struct api_reply *rep)
{
  char path[VM_PATH_MAX + 160];
  if (!volume_exists (req->param, path, sizeof path))
    {
      /* docker: removing an absent volume with force is not an error */
      if (api_arg_bool (req, "force"))
        api_reply_text (rep, 204, "");
      else
        api_reply_error (rep, 404, "get %s: no such volume", req->param);
      return;
    }
  struct users u = { .path = path };
  vm_each (find_user, &u);
  if (u.ids[0])
    {
      api_reply_error (rep, 409, "remove %s: volume is in use - [%s]", req->param, u.ids);
      return;
    }
  if (unlink (path) < 0)
    api_reply_error (rep, 500, "remove %s: cannot remove its disk", req->param);
  else
    api_reply_text (rep, 204, "");
}
