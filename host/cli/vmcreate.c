/* docker create for container VMs (vmcreate.h). */
#include "vmcreate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "image.h"
#include "mkdirp.h"
#include "netrec.h"
#include "netspec.h"
#include "qemu.h"
#include "statedir.h"

#define TOP_DISK_MB 1024
#define VOLUME_MB 1024

static Disk disk_store[VM_MAX_DISKS];
static Disk *disk_ptrs[VM_MAX_DISKS];

static int add_disk (struct vm_ctr *v, const char *serial, DiskRole role, const char *file, const char *format, bool ro,
                     const char *path, struct terr *err)
{
  if (v->n_disks >= VM_MAX_DISKS)
    return terr_set (err, 0, "at most %d disks", VM_MAX_DISKS);
  size_t i = v->n_disks++;
  struct vm_disk *d = &v->disks[i];
  snprintf (d->serial, sizeof d->serial, "%s", serial);
  snprintf (d->file, sizeof d->file, "%s", file);
  snprintf (d->format, sizeof d->format, "%s", format);
  d->read_only = ro;
  Disk *cd = &disk_store[i];
  disk__init (cd);
  cd->serial = d->serial;
  cd->role = role;
  cd->path = (char *) (path ? path : "");
  cd->read_only = ro;
  disk_ptrs[i] = cd;
  v->cfg->n_disks = v->n_disks;
  return 0;
}

/* Layers (bottom first), the top disk, volumes. */
static int prepare_disks (struct vm_ctr *v, const struct vm_create *o, struct terr *err)
{
  char path[VM_PATH_MAX + 64], serial[24];
  v->cfg->disks = disk_ptrs;
  for (size_t i = 0; i < (o->n_layers ? o->n_layers : 1); i++)
    {
      int r = o->n_layers ? image_layer_resolve (o->layers[i], path, sizeof path, err)
                          : image_default_layer (path, sizeof path, err);
      if (r < 0)
        return -1;
      snprintf (serial, sizeof serial, "l%zu", i);
      size_t n = strlen (path);
      const char *fmt = n > 5 && strcmp (path + n - 5, ".vmdk") == 0 ? "vmdk" : "raw";
      if (add_disk (v, serial, DISK_ROLE__DISK_LAYER, path, fmt, true, NULL, err) < 0)
        return -1;
    }
  static const char *const top_dirs[] = { "upper", "work", NULL };
  snprintf (path, sizeof path, "%s/top.img", v->dir);
  if (image_make_rw_disk (path, TOP_DISK_MB, top_dirs, err) < 0
      || add_disk (v, "top", DISK_ROLE__DISK_TOP, path, "raw", false, NULL, err) < 0)
    return -1;
  for (size_t i = 0; i < o->n_volumes; i++)
    {
      const char *colon = strchr (o->volumes[i], ':');
      size_t nl = colon ? (size_t) (colon - o->volumes[i]) : 0;
      if (!colon || nl == 0 || nl >= VOLUME_NAME_MAX || colon[1] != '/' || memchr (o->volumes[i], '/', nl))
        return terr_set (err, 0, "volume %s: want NAME:/PATH", o->volumes[i]);
      char name[VOLUME_NAME_MAX];
      snprintf (name, sizeof name, "%.*s", (int) nl, o->volumes[i]);
      if (vm_volume_make (name, path, sizeof path, err) < 0)
        return -1;
      snprintf (serial, sizeof serial, "v%zu", i);
      if (add_disk (v, serial, DISK_ROLE__DISK_VOLUME, path, "raw", false, colon + 1, err) < 0)
        return -1;
    }
  return 0;
}

int vm_volume_path (const char *name, char *path, size_t cap)
{
  int n = snprintf (path, cap, "%s/volumes/%s.img", state_dir (), name);
  return n > 0 && (size_t) n < cap ? 0 : -1;
}

int vm_volume_make (const char *name, char *path, size_t cap, struct terr *err)
{
  char dir[VM_PATH_MAX];
  snprintf (dir, sizeof dir, "%s/volumes", state_dir ());
  mkdir_p (dir, 0700);
  if (vm_volume_path (name, path, cap) < 0)
    return terr_set (err, 0, "volume %s: path too long", name);
  if (access (path, F_OK) == 0)
    return 0;
  return image_make_rw_disk (path, VOLUME_MB, NULL, err);
}

/* The network the config names: none, or the default network (QEMU's user
 * network: docker clients send "default" or "bridge" for docker's default) with
 * one NIC whose MAC comes from the id. Its gateway is blocked as a destination:
 * QEMU maps it to the host's 127.0.0.1, which no container may reach. */
static Nic nic_store;
static Nic *nic_ptrs[1];
static char nic_mac[18];
static char *nic_blocked[] = { (char *) NET_USER_GATEWAY "/32" };
static char *user_dns[] = { (char *) NET_USER_DNS };

/* A named bridge network (netrec.h): the container is attached to its record,
 * which hands out the next free address unless the network uses DHCP. */
static struct netrec net_rec;
static char nic_addr[24];

static int prepare_bridge (ContainerConfig *cfg, const char *net, struct terr *err)
{
  /* docker publishes a bridge network's ports through the host; not done here
   * yet: refused rather than silently dropped */
  if (cfg->n_ports)
    return terr_set (err, 0, "network %s: published ports (-p) work on the default network only", net);
  if (netrec_attach (net, cfg->id, &net_rec, nic_addr, sizeof nic_addr, err) < 0)
    return -1;
  nic__init (&nic_store);
  net_mac_from_id (cfg->id, nic_mac);
  nic_store.mac = nic_mac;
  nic_store.dhcp = net_rec.dhcp;
  nic_store.address = net_rec.dhcp ? (char *) "" : nic_addr;
  nic_store.gateway = net_rec.dhcp ? (char *) "" : net_rec.gateway;
  nic_store.bridge = net_rec.bridge;
  nic_store.netns = net_rec.netns;
  cfg->network = net_rec.name; /* an id or its prefix names it too: inspect shows the name */
  nic_ptrs[0] = &nic_store;
  cfg->nics = nic_ptrs;
  cfg->n_nics = 1;
  return 0;
}

static int prepare_network (ContainerConfig *cfg, struct terr *err)
{
  const char *net = cfg->network && cfg->network[0] ? cfg->network : "default";
  if (strcmp (net, "none") == 0)
    {
      cfg->n_nics = 0;
      if (cfg->n_ports)
        cfg->n_ports = 0; /* docker publishes nothing without a network, silently */
      return 0;
    }
  if (strcmp (net, "default") != 0 && strcmp (net, "bridge") != 0)
    return prepare_bridge (cfg, net, err);
  nic__init (&nic_store);
  net_mac_from_id (cfg->id, nic_mac);
  nic_store.mac = nic_mac;
  nic_store.address = (char *) NET_USER_GUEST;
  nic_store.gateway = (char *) NET_USER_GATEWAY;
  nic_store.blocked = nic_blocked;
  nic_store.n_blocked = 1;
  nic_ptrs[0] = &nic_store;
  cfg->nics = nic_ptrs;
  cfg->n_nics = 1;
  if (cfg->n_dns == 0)
    {
      cfg->dns = user_dns;
      cfg->n_dns = 1;
    }
  return 0;
}

/* The container ended before its VM started: record why. */
static int record_failure (struct vm_ctr *v, const struct terr *err)
{
  snprintf (v->error, sizeof v->error, "%s", err->msg);
  v->info.status = (char *) "exited";
  v->info.exit_code = 125;
  v->info.finished_ns = now_real_ns ();
  struct terr e2;
  vm_state_save (v, &e2);
  return -1;
}

int vm_create (struct vm_ctr *v, ContainerConfig *cfg, const struct vm_create *o, struct terr *err)
{
  /* Counts first: a refused container leaves nothing behind (no directory, no record). */
  if (o->n_layers > VM_MAX_LAYERS)
    return terr_set (err, 0, "%zu layers: at most %d", o->n_layers, VM_MAX_LAYERS);
  if (o->n_volumes > VM_MAX_VOLUMES)
    return terr_set (err, 0, "%zu volumes: at most %d", o->n_volumes, VM_MAX_VOLUMES);
  if (prepare_network (cfg, err) < 0)
    return -1;
  /* afresh: a daemon creates one container after another in the same v */
  if (v->loaded)
    container_info__free_unpacked (v->loaded, NULL);
  memset (v, 0, sizeof *v);
  if (vm_ctr_paths (v, cfg->id, err) < 0 || (mkdir_p (v->dir, 0700) < 0 && terr_set (err, errno, "mkdir %s", v->dir)))
    {
      /* no container record: nothing would free its address */
      struct terr e2;
      if (cfg->n_nics && cfg->nics[0]->bridge && cfg->nics[0]->bridge[0])
        netrec_detach (net_rec.name, cfg->id, &e2);
      return -1;
    }
  v->cfg = cfg;
  const char *dw = getenv ("TETHER_DISK_WAIT_S");
  cfg->disk_wait_s = dw && atoi (dw) > 0 ? (uint32_t) atoi (dw) : 0;
  const char *nw = getenv ("TETHER_NIC_WAIT_MS");
  cfg->nic_wait_ms = nw && atoi (nw) > 0 ? (uint32_t) atoi (nw) : 0;
  const char *hold = getenv ("TETHER_HOLD_S");
  cfg->hold_s = hold && atoi (hold) > 0 ? (uint32_t) atoi (hold) : 0;
  const char *beat = getenv ("TETHER_HEARTBEAT_MS");
  cfg->heartbeat_ms = beat && atoi (beat) > 0 ? (uint32_t) atoi (beat) : 0;
  container_info__init (&v->info);
  v->info.config = cfg;
  v->info.status = (char *) "created";
  v->info.error = v->error;
  v->info.created_ns = now_real_ns ();
  v->serial_channel = o->serial;
  v->no_template = o->no_template;
  const char *boot = getenv ("TETHER_BOOT");
  v->iso_boot = boot && strcmp (boot, "iso") == 0;
  snprintf (v->accel, sizeof v->accel, "%s", qemu_pick_accel (o->accel ? o->accel : "auto"));
  if (vm_state_save (v, err) < 0)
    return -1;
  if (prepare_disks (v, o, err) < 0 || vm_config_write (v, err) < 0)
    return record_failure (v, err);
  return vm_state_save (v, err);
}
