#include "ctrsummary.h"

#include <stdio.h>
#include <string.h>

#include "inspect.h"
#include "netinspect.h"
#include "statedir.h"
#include "timefmt.h"
#include "vmstate.h"


const char *ctr_command (const ContainerConfig *c, char *buf, size_t cap)
{
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < c->n_argv && len < cap; i++)
    {
      const char *a = c->argv[i];
      bool quote = i > 0 && strchr (a, ' ') != NULL;
      int n = snprintf (buf + len, cap - len, "%s%s%s%s", i ? " " : "", quote ? "'" : "", a, quote ? "'" : "");
      if (n < 0)
        break;
      len += (size_t) n; /* past cap when cut: the loop ends */
    }
  return buf;
}

static void empty_object (struct json *j, const char *key)
{
  json_key (j, key);
  json_obj_begin (j);
  json_obj_end (j);
}

/* Mounts: the container's volume disks (the image's layers and its top disk
 * are its filesystem, not mounts). */
static void mounts_write (struct json *j, const ContainerConfig *c)
{
  json_key (j, "Mounts");
  json_arr_begin (j);
  for (size_t i = 0; c && i < c->n_disks; i++)
    {
      const Disk *d = c->disks[i];
      if (d->role != DISK_ROLE__DISK_VOLUME)
        continue;
      json_obj_begin (j);
      json_kstr (j, "Type", "volume");
      json_kstr (j, "Destination", d->path);
      json_kstr (j, "Driver", "tether-vmdk");
      json_kstr (j, "Mode", "");
      json_kbool (j, "RW", !d->read_only);
      json_kstr (j, "Propagation", "");
      json_obj_end (j);
    }
  json_arr_end (j);
}

/* A record from before networks (no network in its config) has none. */
static void network_settings_write (struct json *j, const ContainerInfo *ci)
{
  if (ci->config && net_inspect_has (ci->config))
    return; /* inspect_write_extra wrote it */
  json_key (j, "NetworkSettings");
  json_obj_begin (j);
  empty_object (j, "Networks");
  json_obj_end (j);
}

/* ps: the network by name, with the address the guest reported. */
static void summary_networks_write (struct json *j, const ContainerInfo *ci)
{
  json_key (j, "NetworkSettings");
  json_obj_begin (j);
  json_key (j, "Networks");
  json_obj_begin (j);
  if (ci->config && net_inspect_has (ci->config))
    {
      json_key (j, net_inspect_name (ci->config));
      json_obj_begin (j);
      json_obj_end (j);
    }
  json_obj_end (j);
  json_obj_end (j);
}

void ctr_summary_write (struct json *j, const ContainerInfo *ci, int64_t now_ns)
{
  static const ContainerConfig empty = CONTAINER_CONFIG__INIT;
  const ContainerConfig *c = ci->config ? ci->config : &empty;
  char cmd[8192], st[96], name[300];
  json_obj_begin (j);
  json_kstr (j, "Id", c->id);
  json_key (j, "Names");
  json_arr_begin (j);
  if (c->name && *c->name)
    {
      snprintf (name, sizeof name, "/%s", c->name);
      json_str (j, name);
    }
  json_arr_end (j);
  /* the image as the client named it, and its id */
  json_kstr (j, "Image", c->image);
  json_kstr (j, "ImageID", c->image_id);
  json_kstr (j, "Command", ctr_command (c, cmd, sizeof cmd));
  json_kint (j, "Created", ci->created_ns / 1000000000);
  net_inspect_ps_ports (j, ci);
  inspect_labels_write (j, c);
  json_kstr (j, "State", ci->status ? ci->status : "");
  json_kstr (j, "Status", fmt_ps_status (ci->status ? ci->status : "", ci->health ? ci->health->status : NULL,
                                         ci->exit_code, ci->started_ns, ci->finished_ns, now_ns, st, sizeof st));
  json_key (j, "HostConfig");
  json_obj_begin (j);
  json_kstr (j, "NetworkMode", net_inspect_has (c) ? net_inspect_name (c) : "none");
  json_obj_end (j);
  summary_networks_write (j, ci);
  mounts_write (j, ci->config);
  json_obj_end (j);
}

/* docker's GraphDriver: the layer disks (LowerDir, bottom first) and the
 * container's top disk (UpperDir), as the VM's record has them. */
static void graph_driver_write (struct json *j, const struct vm_ctr *v)
{
  char lower[8192] = "", upper[VM_PATH_MAX] = "";
  for (size_t i = 0; v && i < v->n_disks && i < v->cfg->n_disks; i++)
    {
      if (v->cfg->disks[i]->role == DISK_ROLE__DISK_LAYER)
        {
          size_t n = strlen (lower);
          snprintf (lower + n, sizeof lower - n, "%s%s", n ? ":" : "", v->disks[i].file);
        }
      else if (v->cfg->disks[i]->role == DISK_ROLE__DISK_TOP)
        snprintf (upper, sizeof upper, "%s", v->disks[i].file);
    }
  json_key (j, "GraphDriver");
  json_obj_begin (j);
  json_key (j, "Data");
  json_obj_begin (j);
  json_kstr (j, "LowerDir", lower);
  json_kstr (j, "UpperDir", upper);
  json_obj_end (j);
  json_kstr (j, "Name", "tether-vmdk");
  json_obj_end (j);
}

static void inspect_extra (struct json *j, const void *ctx)
{
  const ContainerInfo *ci = ctx;
  const char *id = ci->config ? ci->config->id : NULL;
  char log[VM_PATH_MAX + 100];
  snprintf (log, sizeof log, "%s/containers/%s/log", state_dir (), id ? id : "");
  /* docker's top-level Image is the id; Config.Image the name given */
  const char *img = ci->config && ci->config->image_id && *ci->config->image_id ? ci->config->image_id
                    : ci->config && ci->config->image ? ci->config->image : "";
  json_kstr (j, "Image", img);
  /* the files as the container sees them inside its VM; the log on the host */
  json_kstr (j, "ResolvConfPath", "/etc/resolv.conf");
  json_kstr (j, "HostnamePath", "/etc/hostname");
  json_kstr (j, "HostsPath", "/etc/hosts");
  json_kstr (j, "LogPath", log);
  json_kstr (j, "MountLabel", "");
  json_kstr (j, "ProcessLabel", "");
  json_kstr (j, "AppArmorProfile", "");
  static struct vm_ctr v;
  struct terr err;
  bool loaded = id && vm_ctr_load (&v, id, &err) == 0;
  graph_driver_write (j, loaded ? &v : NULL);
  /* not docker's: how the container's VM started (#12), a clone of a template
   * or a cold boot and why (a docker client shows it and ignores it) */
  json_key (j, "VM");
  json_obj_begin (j);
  json_kstr (j, "Start", loaded && v.cloned ? "clone" : loaded && v.qemu_pid ? "cold" : "");
  json_kstr (j, "Template", loaded && v.cloned ? v.template_key : "");
  json_kstr (j, "StartNote", loaded ? v.start_note : "");
  json_obj_end (j);
  json_kstr (j, "Driver", "tether-vmdk");
  json_kstr (j, "Platform", "linux");
  mounts_write (j, ci->config);
  network_settings_write (j, ci);
}

void ctr_inspect_write (struct json *j, const ContainerInfo *ci)
{
  inspect_write_extra (j, ci, inspect_extra, ci);
}
