/* docker's volume copy-up (daemon/volumes.go, copyExistingContents): a volume
 * that is empty when it is first mounted gets what the image has at its path:
 * files, directories, symlinks and device nodes with their owners, modes and
 * times. Copied through the container's merged root, so the layers' whiteouts
 * hold. Never follows a symlink: each entry is opened relative to its
 * directory's fd with O_NOFOLLOW. */
#include "volcopy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fdio.h"

#define COPY_MAX_DEPTH 64

static int copy_meta (int dfd, const char *name, const struct stat *st, bool is_link, struct terr *err)
{
  if (fchownat (dfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    return terr_set (err, errno, "volume copy: chown %s", name);
  if (!is_link && fchmodat (dfd, name, st->st_mode & 07777, 0) < 0)
    return terr_set (err, errno, "volume copy: chmod %s", name);
  struct timespec ts[2] = { st->st_atim, st->st_mtim };
  utimensat (dfd, name, ts, AT_SYMLINK_NOFOLLOW); /* times: best effort, as cp -a */
  return 0;
}

static int copy_file (int sdir, int ddir, const char *name, const struct stat *st, struct terr *err)
{
  cleanup_close int in = openat (sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int out = openat (ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (in < 0 || out < 0)
    return terr_set (err, errno, "volume copy: open %s", name);
  char buf[65536];
  ssize_t n;
  while ((n = fd_read (in, buf, sizeof buf)) > 0)
    if (fd_write_all (out, buf, (size_t) n) < 0)
      return terr_set (err, errno, "volume copy: write %s", name); /* ENOSPC: the volume is too small */
  if (n < 0)
    return terr_set (err, errno, "volume copy: read %s", name);
  return copy_meta (ddir, name, st, false, err);
}

static int copy_dir (int sdir, int ddir, int depth, struct terr *err);

static int copy_entry (int sdir, int ddir, const char *name, int depth, struct terr *err)
{
  struct stat st;
  if (fstatat (sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return terr_set (err, errno, "volume copy: stat %s", name);
  if (S_ISREG (st.st_mode))
    return copy_file (sdir, ddir, name, &st, err);
  if (S_ISLNK (st.st_mode))
    {
      char target[4096];
      ssize_t n = readlinkat (sdir, name, target, sizeof target - 1);
      if (n < 0)
        return terr_set (err, errno, "volume copy: readlink %s", name);
      target[n] = '\0';
      if (symlinkat (target, ddir, name) < 0)
        return terr_set (err, errno, "volume copy: symlink %s", name);
      return copy_meta (ddir, name, &st, true, err);
    }
  if (S_ISDIR (st.st_mode))
    {
      if (depth >= COPY_MAX_DEPTH)
        return terr_set (err, 0, "volume copy: deeper than %d directories at %s", COPY_MAX_DEPTH, name);
      if (mkdirat (ddir, name, 0700) < 0)
        return terr_set (err, errno, "volume copy: mkdir %s", name);
      cleanup_close int s = openat (sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      cleanup_close int d = openat (ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (s < 0 || d < 0)
        return terr_set (err, errno, "volume copy: open %s", name);
      if (copy_dir (s, d, depth + 1, err) < 0)
        return -1;
      return copy_meta (ddir, name, &st, false, err);
    }
  /* devices, fifos, sockets: the node itself */
  if (mknodat (ddir, name, st.st_mode, st.st_rdev) < 0)
    return terr_set (err, errno, "volume copy: mknod %s", name);
  return copy_meta (ddir, name, &st, false, err);
}

/* A directory stream of its own: a dup() would share the offset, and a second
 * walk of the same directory would find it at its end. */
static DIR *open_stream (int dfd)
{
  int fd = openat (dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fd < 0 ? NULL : fdopendir (fd);
  if (d == NULL && fd >= 0)
    close (fd);
  return d;
}

static int copy_dir (int sdir, int ddir, int depth, struct terr *err)
{
  DIR *d = open_stream (sdir);
  if (d == NULL)
    return terr_set (err, errno, "volume copy: opendir");
  struct dirent *e;
  int rc = 0;
  while (rc == 0 && (e = readdir (d)) != NULL)
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      rc = copy_entry (sdir, ddir, e->d_name, depth, err);
  closedir (d);
  return rc;
}

/* Empty as docker sees a new volume: nothing but lost+found (mke2fs's). */
static bool vol_empty (int dfd)
{
  DIR *d = open_stream (dfd);
  if (d == NULL)
    return false;
  bool empty = true;
  struct dirent *e;
  while (empty && (e = readdir (d)) != NULL)
    empty = strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0 || strcmp (e->d_name, "lost+found") == 0;
  closedir (d);
  return empty;
}

int volcopy_if_empty (const char *vol, const char *src, bool *copied, struct terr *err)
{
  *copied = false;
  struct stat st;
  /* the image has nothing there, or not a directory of its own (a symlink is not followed) */
  if (lstat (src, &st) < 0 || !S_ISDIR (st.st_mode))
    return 0;
  cleanup_close int s = open (src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int d = open (vol, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (s < 0 || d < 0)
    return terr_set (err, errno, "volume copy: open %s", s < 0 ? src : vol);
  if (!vol_empty (d) || vol_empty (s))
    return 0;
  if (copy_dir (s, d, 0, err) < 0)
    return -1;
  *copied = true;
  /* the volume's root takes the directory's owner and mode, as docker's */
  if (fchown (d, st.st_uid, st.st_gid) < 0 || fchmod (d, st.st_mode & 07777) < 0)
    return terr_set (err, errno, "volume copy: the volume's root");
  return 0;
}
