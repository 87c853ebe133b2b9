#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mkdirp.h"
#include "sysfs.h"
#include "vm.h"

struct devnode {
  const char *name;
  unsigned major, minor;
};
/* The minimal /dev docker gives a container. */
static const struct devnode devnodes[] = {
  { "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static int mount_in (const char *root, const char *src, const char *dir, const char *type, unsigned long flags,
                     const char *data, struct terr *err)
{
  char path[4096];
  snprintf (path, sizeof path, "%s%s", root, dir);
  if (mkdir (path, 0755) < 0 && errno != EEXIST)
    return terr_set (err, errno, "mkdir %s", path);
  if (mount (src, path, type, flags, data) < 0)
    return terr_set (err, errno, "mount %s on %s", type ? type : src, path);
  return 0;
}

static int make_dev (const char *root, struct terr *err)
{
  char path[4096];
  for (size_t i = 0; i < sizeof devnodes / sizeof devnodes[0]; i++)
    {
      snprintf (path, sizeof path, "%s/dev/%s", root, devnodes[i].name);
      if (mknod (path, S_IFCHR | 0666, makedev (devnodes[i].major, devnodes[i].minor)) < 0 && errno != EEXIST)
        return terr_set (err, errno, "mknod %s", path);
      chmod (path, 0666); /* mknod obeys the umask */
    }
  static const char *const links[][2] = {
    { "pts/ptmx", "ptmx" }, { "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
    { "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
  };
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    {
      snprintf (path, sizeof path, "%s/dev/%s", root, links[i][1]);
      if (symlink (links[i][0], path) < 0 && errno != EEXIST)
        return terr_set (err, errno, "symlink %s", path);
    }
  return 0;
}

/* --privileged: docker gives the container every device of its host; here the
 * host is the VM, less the tether's own channel (its virtio-serial port, the
 * 16550 it may use, vsock), which must stay out of the container's reach. One
 * walk in the forked container init, so the state is plain statics. */
static const char *dev_root;
static dev_t channel_devs[4];
static int n_channel_devs;
static struct terr *dev_err;

static void channel_dev (const char *path)
{
  struct stat st;
  if (n_channel_devs < 4 && stat (path, &st) == 0 && (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode)))
    channel_devs[n_channel_devs++] = st.st_rdev;
}

static int copy_dev (const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  (void) type, (void) ftw;
  if (!S_ISCHR (st->st_mode) && !S_ISBLK (st->st_mode))
    return 0;
  for (int i = 0; i < n_channel_devs; i++)
    if (channel_devs[i] == st->st_rdev)
      return 0;
  char dst[4096];
  snprintf (dst, sizeof dst, "%s%s", dev_root, path);
  char *slash = strrchr (dst, '/');
  *slash = '\0';
  int made = mkdir_p (dst, 0755);
  *slash = '/';
  if (made < 0 || (mknod (dst, st->st_mode, st->st_rdev) < 0 && errno != EEXIST))
    return terr_set (dev_err, errno, "privileged: mknod %s", dst), 1;
  if (chown (dst, st->st_uid, st->st_gid) < 0 || chmod (dst, st->st_mode & 07777) < 0)
    return terr_set (dev_err, errno, "privileged: owner and mode of %s", dst), 1;
  return 0;
}

static int copy_vm_devices (const char *root, struct terr *err)
{
  char port[300];
  n_channel_devs = 0;
  if (vport_find (VM_CHANNEL_PORT_NAME, port, sizeof port) == 0)
    channel_dev (port);
  channel_dev (VM_CHANNEL_SERIAL);
  channel_dev ("/dev/vsock");
  channel_dev ("/dev/vhost-vsock");
  dev_root = root;
  dev_err = err;
  /* FTW_MOUNT: devtmpfs only (not /dev/pts, /dev/shm); FTW_PHYS: no links */
  return nftw ("/dev", copy_dev, 16, FTW_PHYS | FTW_MOUNT) == 0 ? 0 : -1;
}

int rootfs_enter (const char *root, const char *hostname, bool privileged, struct terr *err)
{
  (void) hostname; /* /etc/hostname and friends are written by the tether before the run */
  if (mount (root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
    return terr_set (err, errno, "bind %s", root);
  if (mount_in (root, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err) < 0
      || mount_in (root, "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | (privileged ? 0 : MS_RDONLY),
                   NULL, err)
             < 0
      || mount_in (root, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", err) < 0
      || mount_in (root, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                   "newinstance,ptmxmode=0666,mode=0620,gid=5", err)
             < 0
      || mount_in (root, "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k",
                   err)
             < 0
      || mount_in (root, "mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err) < 0)
    return terr_wrap (err, "container root");
  if (make_dev (root, err) < 0 || (privileged && copy_vm_devices (root, err) < 0))
    return -1;
  if (chdir (root) < 0)
    return terr_set (err, errno, "chdir %s", root);
  /* pivot_root(".", ".") stacks the old root under the new one; detaching it
   * leaves the tether and its files out of the container's view. */
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return terr_set (err, errno, "pivot_root %s", root);
  if (umount2 (".", MNT_DETACH) < 0)
    return terr_set (err, errno, "detach old root");
  if (chdir ("/") < 0)
    return terr_set (err, errno, "chdir /");
  return 0;
}
