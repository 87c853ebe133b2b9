#include "whiteout.h"

#include <unistd.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "tree.h"

enum wh_kind whiteout_kind (const char *name, const char **target)
{
  size_t pl = sizeof WH_PREFIX - 1;
  if (strncmp (name, WH_PREFIX, pl) != 0)
    return WH_NONE;
  if (strcmp (name, WH_OPAQUE) == 0)
    return WH_OPAQUE_DIR;
  if (strncmp (name + pl, WH_PREFIX, pl) == 0)
    return WH_META;
  const char *t = name + pl;
  if (*t == '\0' || strcmp (t, ".") == 0 || strcmp (t, "..") == 0 || strchr (t, '/') != NULL)
    return WH_INVALID;
  if (target != NULL)
    *target = t;
  return WH_FILE;
}

/* path's parent directory into out; the walker's paths always hold a '/'. */
static void parent_of (const char *path, char *out, size_t cap)
{
  const char *slash = strrchr (path, '/');
  size_t n = slash && slash != path ? (size_t) (slash - path) : 1;
  if (n >= cap)
    n = cap - 1;
  memcpy (out, slash && slash != path ? path : "/", n);
  out[n] = '\0';
}

static int convert_one (void *arg, const char *path, const char *rel, const struct stat *st, struct terr *err)
{
  struct wh_counts *c = arg;
  const char *base = strrchr (rel, '/');
  base = base ? base + 1 : rel;
  const char *target = NULL;
  enum wh_kind k = whiteout_kind (base, &target);
  if (k == WH_NONE)
    return 0;
  if (k == WH_INVALID)
    return terr_set (err, EINVAL, "invalid whiteout name %s", rel);
  if (S_ISDIR (st->st_mode))
    return terr_set (err, EINVAL, "whiteout %s is a directory", rel);
  char dir[PATH_MAX];
  parent_of (path, dir, sizeof dir);
  if (unlink (path) < 0)
    return terr_set (err, errno, "unlink %s", path);
  if (k == WH_META)
    return 0;
  if (k == WH_OPAQUE_DIR)
    {
      if (lsetxattr (dir, "trusted.overlay.opaque", "y", 1, 0) < 0)
        return terr_set (err, errno, "set trusted.overlay.opaque on %s", dir);
      c->opaque++;
      return 0;
    }
  char dev[PATH_MAX];
  if (snprintf (dev, sizeof dev, "%s/%s", dir, target) >= (int) sizeof dev)
    return terr_set (err, ENAMETOOLONG, "whiteout %s", rel);
  struct stat have;
  if (lstat (dev, &have) == 0)
    return 0; /* deleted and re-added in this layer: the new entry stands */
  if (mknod (dev, S_IFCHR | 0000, makedev (0, 0)) < 0)
    return terr_set (err, errno, "mknod whiteout %s", dev);
  c->files++;
  return 0;
}

int whiteout_convert (const char *root, struct wh_counts *counts, struct terr *err)
{
  counts->files = 0;
  counts->opaque = 0;
  return tree_walk (root, convert_one, counts, err);
}
