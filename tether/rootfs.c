#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

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

int rootfs_enter (const char *root, const char *hostname, struct terr *err)
{
  (void) hostname; /* /etc/hostname and friends are written by the tether before the run */
  if (mount (root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
    return terr_set (err, errno, "bind %s", root);
  if (mount_in (root, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err) < 0
      || mount_in (root, "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL, err) < 0
      || mount_in (root, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", err) < 0
      || mount_in (root, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                   "newinstance,ptmxmode=0666,mode=0620,gid=5", err)
             < 0
      || mount_in (root, "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k",
                   err)
             < 0
      || mount_in (root, "mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err) < 0)
    return terr_wrap (err, "container root");
  if (make_dev (root, err) < 0)
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
