/* A VM container's record read back whole, for an endpoint that adopts a VM whose
 * endpoint died (docs/endpoint.md): state.pb holds the ContainerInfo and its
 * config, state.json's "VM" object the QEMU process and the disks plugged in. */
#include "vmstate.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "statedir.h"
#include "timefmt.h"

static const char *str_of (json_t *o, const char *key)
{
  const char *s = json_string_value (json_object_get (o, key));
  return s ? s : "";
}

static int64_t time_of (json_t *o, const char *key)
{
  int64_t ns = 0;
  return parse_rfc3339 (str_of (o, key), &ns) == 0 ? ns : 0;
}

static int load_disks (struct vm_ctr *v, json_t *disks, struct terr *err)
{
  size_t n = json_array_size (disks);
  if (n > VM_MAX_DISKS || (v->cfg && n != v->cfg->n_disks))
    return terr_set (err, 0, "state.json: %zu disks do not match the config", n);
  for (size_t i = 0; i < n; i++)
    {
      json_t *d = json_array_get (disks, i);
      struct vm_disk *vd = &v->disks[i];
      snprintf (vd->serial, sizeof vd->serial, "%s", str_of (d, "Serial"));
      snprintf (vd->file, sizeof vd->file, "%s", str_of (d, "File"));
      snprintf (vd->format, sizeof vd->format, "%s", str_of (d, "Format"));
      vd->read_only = json_is_true (json_object_get (d, "ReadOnly"));
    }
  v->n_disks = n;
  return 0;
}

static int load_vm_object (struct vm_ctr *v, struct terr *err)
{
  char path[VM_PATH_MAX + 32];
  snprintf (path, sizeof path, "%s/state.json", v->dir);
  json_error_t jerr;
  json_t *root = json_load_file (path, JSON_REJECT_DUPLICATES, &jerr);
  json_t *vm = json_object_get (root, "VM");
  if (!json_is_object (vm))
    {
      json_decref (root);
      return terr_set (err, 0, "%s: no VM object (%s)", path, root ? "missing" : jerr.text);
    }
  v->qemu_pid = (int) json_integer_value (json_object_get (vm, "QemuPid"));
  v->qemu_start = (uint64_t) json_integer_value (json_object_get (vm, "QemuStartTime"));
  const char *chan = str_of (vm, "ChannelSocket"); /* it may have moved (chardev-change) */
  if (*chan && strlen (chan) < sizeof v->chan_sock)
    snprintf (v->chan_sock, sizeof v->chan_sock, "%s", chan);
  v->serial_channel = strcmp (str_of (vm, "Channel"), "16550") == 0;
  v->iso_boot = strcmp (str_of (vm, "Boot"), "iso") == 0;
  v->cloned = strcmp (str_of (vm, "Start"), "clone") == 0;
  snprintf (v->template_key, sizeof v->template_key, "%s", str_of (vm, "Template"));
  snprintf (v->start_note, sizeof v->start_note, "%s", str_of (vm, "StartNote"));
  v->no_template = json_is_true (json_object_get (vm, "NoTemplate"));
  snprintf (v->accel, sizeof v->accel, "%s", str_of (vm, "Accel"));
  v->boot_ns = time_of (vm, "BootAt");
  v->hello_ns = time_of (vm, "HelloAt");
  v->beat_ns = time_of (vm, "LastHeartbeatAt");
  int64_t beat = vm_last_beat (v->dir); /* newer: state.json is written on changes only */
  if (beat > v->beat_ns)
    v->beat_ns = beat;
  v->unresponsive = json_is_true (json_object_get (vm, "Unresponsive"));
  int r = load_disks (v, json_object_get (vm, "Disks"), err);
  json_decref (root);
  return r;
}

int64_t vm_last_beat (const char *dir)
{
  char p[VM_PATH_MAX + 16];
  snprintf (p, sizeof p, "%s/heartbeat", dir);
  uint8_t b[8];
  uint64_t ns = 0;
  int fd = open (p, O_RDONLY | O_CLOEXEC);
  if (fd >= 0 && pread (fd, b, sizeof b, 0) == (ssize_t) sizeof b)
    for (int i = 0; i < 8; i++)
      ns |= (uint64_t) b[i] << (8 * i);
  if (fd >= 0)
    close (fd);
  return (int64_t) ns;
}

int vm_ctr_load (struct vm_ctr *v, const char *id, struct terr *err)
{
  /* a daemon loads again and again: the last record goes (the pointers into it
   * go with the memset) */
  ContainerInfo *old = v->loaded;
  memset (v, 0, sizeof *v);
  if (old)
    container_info__free_unpacked (old, NULL);
  if (vm_ctr_paths (v, id, err) < 0)
    return -1;
  ContainerInfo *ci = vm_state_load (id, err);
  if (ci == NULL)
    return -1;
  if (ci->config == NULL)
    {
      container_info__free_unpacked (ci, NULL);
      return terr_set (err, 0, "%s: state.pb has no config", v->dir);
    }
  /* v keeps ci's strings and config until the next load (an endpoint's: its life) */
  v->loaded = ci;
  v->info = *ci;
  v->cfg = ci->config;
  v->info.config = v->cfg;
  snprintf (v->error, sizeof v->error, "%s", ci->error ? ci->error : "");
  v->info.error = v->error;
  return load_vm_object (v, err);
}

struct volume_user {
  const char *self, *path;
  bool used;
};

static int uses_volume (const char *id, void *ctx)
{
  struct volume_user *u = ctx;
  static struct vm_ctr v; /* big (every disk's path): not on the stack */
  struct terr err;
  terr_clear (&err);
  if (strcmp (id, u->self) == 0 || vm_ctr_load (&v, id, &err) < 0)
    return 0;
  for (size_t i = 0; i < v.n_disks && !u->used; i++)
    u->used = strcmp (v.disks[i].file, u->path) == 0;
  return u->used ? 1 : 0;
}

void vm_anon_volumes_remove (const ContainerConfig *cfg)
{
  for (size_t i = 0; cfg && i < cfg->n_anon_volumes; i++)
    {
      const char *name = cfg->anon_volumes[i];
      if (strlen (name) != 64 || strspn (name, "0123456789abcdef") != 64)
        continue; /* not a name tetherd made: never a path */
      char path[VM_PATH_MAX];
      if (snprintf (path, sizeof path, "%s/volumes/%s.img", state_dir (), name) >= (int) sizeof path)
        continue;
      /* another container may name it (-v HEX:/path): docker keeps a volume in use */
      struct volume_user u = { cfg->id ? cfg->id : "", path, false };
      vm_each (uses_volume, &u);
      if (!u.used)
        unlink (path);
    }
}
