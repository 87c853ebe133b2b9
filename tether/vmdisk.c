/* The container's disks: found by serial as they are hot-plugged, mounted as
 * read-only layers + a writable top under overlayfs, plus volumes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "disklimits.h"
#include "fdio.h"
#include "mkdirp.h"
#include "sysfs.h"
#include "log.h"
#include "vm.h"
#include "volcopy.h"

#define MAX_MOUNTS (VM_MAX_DISKS + 8) /* every disk, the container root, spare */
#define MAX_BLOCK_SEEN (2 * VM_MAX_DISKS) /* /sys/block entries one scan keeps */
#define DISKS_DIR "/run/tether/disks"
#define PAGE_OPTS 4096 /* mount(2) copies one page of options, its last byte a NUL */

/* The overlay's options name every layer's mount point (DISKS_DIR/layerN:, N
 * below 1000) and the top's: VM_MAX_LAYERS must keep them within the page. */
_Static_assert (VM_MAX_LAYERS < 1000, "layer numbers of at most 3 digits");
_Static_assert (VM_MAX_LAYERS * (sizeof DISKS_DIR "/layer999:" - 1)
                        + sizeof "lowerdir=,upperdir=" DISKS_DIR "/top/upper,workdir=" DISKS_DIR "/top/work"
                    <= PAGE_OPTS,
                "lowerdir of VM_MAX_LAYERS layers fits one page of mount options");

static char mounted[MAX_MOUNTS][160];
static int n_mounted;

/* What the last scan of /sys/block saw: each disk's serial and name. One pass
 * per look, not one per disk: with a hundred disks a lookup each would read
 * every disk's attributes a hundred times (~20,000 sysfs reads under TCG). */
struct seen_disk {
  char serial[48]; /* QEMU's are <= 20 bytes; VMware's (disk.EnableUUID) 32 hex digits */
  char name[32];
};
static struct seen_disk seen[MAX_BLOCK_SEEN];
static size_t n_seen;

static void scan_disks (void)
{
  n_seen = 0;
  DIR *d = opendir ("/sys/block");
  if (!d)
    return;
  struct dirent *e;
  while (n_seen < MAX_BLOCK_SEEN && (e = readdir (d)) != NULL)
    {
      struct seen_disk *s = &seen[n_seen];
      size_t len = strlen (e->d_name);
      if (e->d_name[0] == '.' || len >= sizeof s->name
          || sysfs_disk_serial ("/sys/block", e->d_name, s->serial, sizeof s->serial) <= 0)
        continue;
      memcpy (s->name, e->d_name, len + 1);
      n_seen++;
    }
  closedir (d);
}

/* The disk with this serial in the last scan, as /dev/NAME; devtmpfs may lag
 * the sysfs entry, so the node must be there too. */
static bool find_disk (const char *serial, char *dev, size_t len)
{
  for (size_t i = 0; i < n_seen; i++)
    if (strcmp (seen[i].serial, serial) == 0)
      {
        snprintf (dev, len, "/dev/%s", seen[i].name);
        return access (dev, F_OK) == 0;
      }
  return false;
}

const char *vmdisk_missing (const ContainerConfig *cfg)
{
  char dev[300];
  scan_disks ();
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
  char lower[PAGE_OPTS] = "", path[256];
  size_t n_layers = 0;
  const Disk *top = NULL;
  for (size_t i = 0; i < cfg->n_disks; i++)
    if (cfg->disks[i]->role == DISK_ROLE__DISK_LAYER)
      n_layers++;
    else if (cfg->disks[i]->role == DISK_ROLE__DISK_TOP)
      top = cfg->disks[i];
  if (n_layers == 0)
    return terr_set (err, 0, "the config names no image layer");
  if (n_layers > VM_MAX_LAYERS)
    return terr_set (err, 0, "%zu layers: at most %d", n_layers, VM_MAX_LAYERS);
  scan_disks ();
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
  char opts[PAGE_OPTS + 256];
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
  if (strlen (opts) >= PAGE_OPTS)
    return terr_set (err, 0, "overlay options longer than a page");
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
      if (d->read_only)
        {
          if (mount_disk (d, path, true, err) < 0)
            return -1;
          continue;
        }
      /* mounted aside first: an empty volume gets the image's files at its
       * path (docker's copy-up) before it hides them */
      char stage[64];
      bool copied;
      snprintf (stage, sizeof stage, DISKS_DIR "/vol%zu", i);
      if (mount_disk (d, stage, false, err) < 0)
        return -1;
      if (volcopy_if_empty (stage, path, &copied, err) < 0)
        return terr_wrap (err, "volume %s", d->path);
      if (copied)
        log_info ("volume %s: the image's files copied in", d->path);
      if (mount_rec (stage, path, NULL, MS_BIND, NULL, err) < 0)
        return terr_wrap (err, "volume %s", d->path);
    }
  return 0;
}

void vmdisk_track_mount (const char *target)
{
  if (n_mounted < MAX_MOUNTS)
    snprintf (mounted[n_mounted++], sizeof mounted[0], "%s", target);
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
