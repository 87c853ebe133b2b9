/* The container's disks: found by serial as they are hot-plugged, mounted as
 * read-only layers + a writable top under overlayfs, plus volumes. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mkdirp.h"
#include "sysfs.h"
#include "fdio.h"
#include "log.h"
#include "vm.h"

#define MAX_LAYERS 120  /* lowerdir must fit one page of mount options */
#define MAX_MOUNTS 160
#define DISKS_DIR "/run/tether/disks"

static char mounted[MAX_MOUNTS][160];
static int n_mounted;

static bool find_disk (const char *serial, char *dev, size_t len)
{
  /* virtio-blk shows the serial QEMU (or the vmx) gave it in /sys/block/vdX/serial;
   * devtmpfs may lag the sysfs entry */
  return sysfs_find ("/sys/block", "serial", serial, dev, len) == 0 && access (dev, F_OK) == 0;
}

const char *vmdisk_missing (const ContainerConfig *cfg)
{
  char dev[300];
  for (size_t i = 0; i < cfg->n_disks; i++)
    if (!find_disk (cfg->disks[i]->serial, dev, sizeof dev))
      return cfg->disks[i]->serial;
  return NULL;
}

static int mount_rec (const char *src, const char *target, const char *type, unsigned long flags, const char *data,
                      struct terr *err)
{
  if (n_mounted >= MAX_MOUNTS)
    return terr_set (err, 0, "too many mounts");
  if (mkdir_p (target, 0755) < 0)
    return terr_set (err, errno, "mkdir %s", target);
  if (mount (src, target, type, flags, data) < 0)
    return terr_set (err, errno, "mount %s (%s) on %s", src, type, target);
  snprintf (mounted[n_mounted++], sizeof mounted[0], "%s", target);
  return 0;
}

static int mount_disk (const Disk *d, const char *target, bool ro, struct terr *err)
{
  char dev[300];
  if (!find_disk (d->serial, dev, sizeof dev))
    return terr_set (err, 0, "disk %s is gone", d->serial);
  return mount_rec (dev, target, "ext4", MS_NOATIME | (ro ? MS_RDONLY : 0), NULL, err);
}

int vmdisk_mount_all (const ContainerConfig *cfg, struct terr *err)
{
  char lower[4096] = "", path[256];
  size_t n_layers = 0;
  const Disk *top = NULL;
  for (size_t i = 0; i < cfg->n_disks; i++)
    if (cfg->disks[i]->role == DISK_ROLE__DISK_LAYER)
      n_layers++;
    else if (cfg->disks[i]->role == DISK_ROLE__DISK_TOP)
      top = cfg->disks[i];
  if (n_layers == 0)
    return terr_set (err, 0, "the config names no image layer");
  if (n_layers > MAX_LAYERS)
    return terr_set (err, 0, "%zu layers: at most %d", n_layers, MAX_LAYERS);
  /* Layers come bottom first; lowerdir lists the top-most first. */
  size_t k = 0;
  for (size_t i = 0; i < cfg->n_disks; i++)
    {
      if (cfg->disks[i]->role != DISK_ROLE__DISK_LAYER)
        continue;
      snprintf (path, sizeof path, DISKS_DIR "/layer%zu", k++);
      if (mount_disk (cfg->disks[i], path, true, err) < 0)
        return -1;
      /* prepend "path:" */
      size_t pl = strlen (path), ll = strlen (lower), sep = ll ? 1 : 0;
      if (pl + sep + ll >= sizeof lower)
        return terr_set (err, 0, "overlay lowerdir too long");
      memmove (lower + pl + sep, lower, ll + 1);
      memcpy (lower, path, pl);
      if (sep)
        lower[pl] = ':';
    }
  char opts[4096 + 256];
  if (top)
    {
      if (mount_disk (top, DISKS_DIR "/top", false, err) < 0)
        return -1;
      mkdir (DISKS_DIR "/top/upper", 0755);
      mkdir (DISKS_DIR "/top/work", 0755);
      snprintf (opts, sizeof opts, "lowerdir=%s,upperdir=" DISKS_DIR "/top/upper,workdir=" DISKS_DIR "/top/work",
                lower);
    }
  else if (n_layers > 1)
    snprintf (opts, sizeof opts, "lowerdir=%s", lower); /* read-only overlay */
  else
    opts[0] = '\0';
  if (opts[0] ? mount_rec ("overlay", VM_ROOT, "overlay", 0, opts, err) < 0
              : mount_rec (DISKS_DIR "/layer0", VM_ROOT, NULL, MS_BIND, NULL, err) < 0)
    return terr_wrap (err, "container root");
  for (size_t i = 0; i < cfg->n_disks; i++)
    {
      const Disk *d = cfg->disks[i];
      if (d->role != DISK_ROLE__DISK_VOLUME)
        continue;
      if (!d->path || d->path[0] != '/' || strstr (d->path, ".."))
        return terr_set (err, 0, "volume %s: mount path must be absolute without ..", d->serial);
      snprintf (path, sizeof path, VM_ROOT "%s", d->path);
      if (mount_disk (d, path, d->read_only, err) < 0)
        return -1;
    }
  return 0;
}

/* Writes a file inside the container root without following the image's
 * symlinks out of it (openat2 RESOLVE_IN_ROOT). */
static int write_in_root (const char *rel, const char *text, struct terr *err)
{
  int root = open (VM_ROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return terr_set (err, errno, "open %s", VM_ROOT);
  mkdirat (root, "etc", 0755);
  struct open_how how = { .flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, .mode = 0644,
                          .resolve = RESOLVE_IN_ROOT };
  int fd = (int) syscall (SYS_openat2, root, rel, &how, sizeof how);
  close (root);
  if (fd < 0)
    return terr_set (err, errno, "write /%s in the container", rel);
  int r = fd_write_all (fd, text, strlen (text));
  close (fd);
  return r < 0 ? terr_set (err, errno, "write /%s", rel) : 0;
}

int vmdisk_write_etc (const ContainerConfig *cfg, const char *id, struct terr *err)
{
  char host[80], text[8192];
  snprintf (host, sizeof host, "%.63s", cfg->hostname && cfg->hostname[0] ? cfg->hostname : id);
  if (!(cfg->hostname && cfg->hostname[0]))
    host[12] = '\0';
  snprintf (text, sizeof text, "%s\n", host);
  if (write_in_root ("etc/hostname", text, err) < 0)
    return -1;
  int n = snprintf (text, sizeof text,
                    "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t%s\n", host);
  for (size_t i = 0; i < cfg->n_extra_hosts && n > 0 && (size_t) n < sizeof text; i++)
    {
      /* docker's --add-host name:ip */
      const char *h = cfg->extra_hosts[i], *colon = strrchr (h, ':');
      if (colon)
        n += snprintf (text + n, sizeof text - (size_t) n, "%s\t%.*s\n", colon + 1, (int) (colon - h), h);
    }
  if (write_in_root ("etc/hosts", text, err) < 0)
    return -1;
  if (cfg->n_dns)
    {
      n = 0;
      for (size_t i = 0; i < cfg->n_dns && n >= 0 && (size_t) n < sizeof text; i++)
        n += snprintf (text + n, sizeof text - (size_t) n, "nameserver %s\n", cfg->dns[i]);
      if (write_in_root ("etc/resolv.conf", text, err) < 0)
        return -1;
    }
  return 0;
}

void vmdisk_unmount_all (void)
{
  while (n_mounted > 0)
    {
      const char *p = mounted[--n_mounted];
      if (umount2 (p, 0) < 0 && umount2 (p, MNT_DETACH) < 0)
        log_warn ("unmount %s: %s", p, strerror (errno));
    }
}
