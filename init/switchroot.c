#include "switchroot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "terr.h"
#include "log.h"

#define NEWROOT "/newroot"
#define RAMFS_MAGIC_ 0x858458f6
#define TMPFS_MAGIC_ 0x01021994
/* The initramfs is a few directories deep; more means something is wrong. */
#define DELETE_MAX_DEPTH 16

static const char *const moved[] = { "/dev", "/proc", "/sys", "/run" };

static int
copy_file (const char *src, const char *dst, mode_t mode, struct terr *err)
{
  static char buf[64 * 1024];
  cleanup_close int in = open (src, O_RDONLY | O_CLOEXEC);
  cleanup_close int out = -1;

  if (in < 0)
    return terr_set (err, errno, "open %s", src);
  out = open (dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (out < 0)
    return terr_set (err, errno, "create %s", dst);
  for (;;)
    {
      ssize_t n = read (in, buf, sizeof buf), off = 0;

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return terr_set (err, errno, "read %s", src);
      if (n == 0)
        break;
      while (off < n)
        {
          ssize_t w = write (out, buf + off, (size_t) (n - off));
          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            return terr_set (err, errno, "write %s", dst);
          off += w;
        }
    }
  if (close (take_fd (&out)) < 0)
    return terr_set (err, errno, "close %s", dst);
  return 0;
}

int
switchroot_prepare (const char *tether, struct terr *err)
{
  if (mkdir (NEWROOT, 0755) < 0 && errno != EEXIST)
    return terr_set (err, errno, "mkdir %s", NEWROOT);
  if (mount ("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
    return terr_set (err, errno, "mount tmpfs on %s", NEWROOT);
  if (copy_file (tether, NEWROOT "/tether", 0755, err) < 0)
    {
      umount (NEWROOT);
      return terr_wrap (err, "copy the tether");
    }
  return 0;
}

/* Unlinks everything under dir_fd that lives on `dev`; mount points of other
   file systems (the new root) are left alone. Closes dir_fd. */
static int
delete_contents (int dir_fd, dev_t dev, int depth)
{
  DIR *d = fdopendir (dir_fd);
  struct dirent *e;
  int failed = 0;

  if (d == NULL)
    {
      close (dir_fd);
      return 1;
    }
  while ((e = readdir (d)) != NULL)
    {
      struct stat st;
      int is_dir;

      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      if (fstatat (dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
        continue;
      is_dir = S_ISDIR (st.st_mode);
      if (is_dir && depth < DELETE_MAX_DEPTH)
        {
          int sub = openat (dir_fd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
          if (sub >= 0)
            failed += delete_contents (sub, dev, depth + 1);
        }
      if (unlinkat (dir_fd, e->d_name, is_dir ? AT_REMOVEDIR : 0) < 0)
        failed++;
    }
  closedir (d);
  return failed;
}

static int
delete_initramfs (void)
{
  struct statfs sfs;
  struct stat st;
  int fd;

  if (statfs ("/", &sfs) < 0 || stat ("/", &st) < 0)
    {
      log_msg ("stat /: %s; initramfs left in memory", strerror (errno));
      return 1;
    }
  /* Never delete a real disk's contents, whatever started us. */
  if ((unsigned long) sfs.f_type != RAMFS_MAGIC_ && (unsigned long) sfs.f_type != TMPFS_MAGIC_)
    {
      log_msg ("/ is not an initramfs (type %#lx); not deleting it", (unsigned long) sfs.f_type);
      return 1;
    }
  fd = open ("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      log_msg ("open /: %s; initramfs left in memory", strerror (errno));
      return 1;
    }
  if (delete_contents (fd, st.st_dev, 0) > 0)
    {
      log_msg ("some initramfs files could not be deleted");
      return 1;
    }
  return 0;
}

int
switchroot_finish (void)
{
  char target[64];
  int failed = 0;
  size_t i;

  for (i = 0; i < sizeof moved / sizeof moved[0]; i++)
    {
      strcpy (target, NEWROOT);
      strcat (target, moved[i]);
      if (mkdir (target, 0755) < 0 && errno != EEXIST)
        log_msg ("mkdir %s: %s", target, strerror (errno)), failed++;
      else if (mount (moved[i], target, NULL, MS_MOVE, NULL) < 0)
        log_msg ("move %s to %s: %s", moved[i], target, strerror (errno)), failed++;
    }
  if (chdir (NEWROOT) < 0)
    {
      log_msg ("chdir %s: %s", NEWROOT, strerror (errno));
      return failed + 1;
    }
  failed += delete_initramfs ();
  if (mount (".", "/", NULL, MS_MOVE, NULL) < 0)
    log_msg ("move %s onto /: %s", NEWROOT, strerror (errno)), failed++;
  if (chroot (".") < 0)
    log_msg ("chroot %s: %s", NEWROOT, strerror (errno)), failed++;
  if (chdir ("/") < 0)
    log_msg ("chdir /: %s", strerror (errno)), failed++;
  return failed;
}
