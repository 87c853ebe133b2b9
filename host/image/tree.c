#include "fdio.h"
#include "tree.h"

#include <unistd.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#define BLOCK 4096u

static int cmp_names (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static int not_dot (const struct dirent *e)
{
  return strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0;
}

/* Byte order, not the locale's: the tree hash and the disk layout must not
 * depend on where tetherctl runs. */
static int by_bytes (const struct dirent **a, const struct dirent **b)
{
  return strcmp ((*a)->d_name, (*b)->d_name);
}

static void free_entries (struct dirent **entries, int n)
{
  for (int i = 0; i < n; i++)
    free (entries[i]);
  free (entries);
}

/* path holds the directory's full path (len bytes used, PATH_MAX cap); rel_at is
 * where the relative part starts. */
static int walk_dir (char *path, size_t len, size_t rel_at, tree_fn fn, void *arg, struct terr *err)
{
  struct dirent **entries;
  int n = scandir (path, &entries, not_dot, by_bytes);
  if (n < 0)
    return terr_set (err, errno, "scandir %s", path);
  int rc = 0;
  for (int i = 0; i < n && rc == 0; i++)
    {
      const char *name = entries[i]->d_name;
      size_t nl = strlen (name);
      if (len + 1 + nl >= PATH_MAX)
        {
          rc = terr_set (err, ENAMETOOLONG, "path under %s", path);
          break;
        }
      path[len] = '/';
      memcpy (path + len + 1, name, nl + 1);
      struct stat st;
      if (lstat (path, &st) < 0)
        {
          if (errno != ENOENT) /* removed by the callback: fine */
            rc = terr_set (err, errno, "lstat %s", path);
          path[len] = '\0';
          continue;
        }
      const char *rel = path + (rel_at < len + 1 ? rel_at : len + 1);
      rc = fn (arg, path, rel, &st, err);
      if (rc == 0 && S_ISDIR (st.st_mode))
        rc = walk_dir (path, len + 1 + nl, rel_at, fn, arg, err);
      path[len] = '\0';
    }
  free_entries (entries, n);
  return rc;
}

int tree_walk (const char *root, tree_fn fn, void *arg, struct terr *err)
{
  char path[PATH_MAX];
  size_t len = strlen (root);
  while (len > 1 && root[len - 1] == '/')
    len--;
  if (len >= sizeof path)
    return terr_set (err, ENAMETOOLONG, "%.64s...", root);
  memcpy (path, root, len);
  path[len] = '\0';
  return walk_dir (path, len, len + 1, fn, arg, err);
}

static uint64_t round_block (uint64_t n)
{
  return (n + BLOCK - 1) / BLOCK * BLOCK;
}

static int measure_one (void *arg, const char *path, const char *rel, const struct stat *st, struct terr *err)
{
  (void) path;
  (void) err;
  struct tree_stats *ts = arg;
  ts->inodes++;
  if (S_ISREG (st->st_mode) || S_ISDIR (st->st_mode))
    ts->bytes += round_block ((uint64_t) st->st_size);
  else if (S_ISLNK (st->st_mode) && st->st_size >= 60) /* shorter targets live in the inode */
    ts->bytes += BLOCK;
  const char *base = strrchr (rel, '/');
  base = base ? base + 1 : rel;
  if (strncmp (base, ".wh.", 4) == 0)
    ts->has_whiteouts = true;
  if (strcmp (rel, "lost+found") == 0)
    ts->has_lost_found = true;
  return 0;
}

int tree_measure (const char *root, struct tree_stats *ts, struct terr *err)
{
  memset (ts, 0, sizeof *ts);
  ts->inodes = 1;
  ts->bytes = BLOCK;
  return tree_walk (root, measure_one, ts, err);
}

/* Hash stream records: every variable-length field is preceded by its length, so
 * no two different trees give the same stream. */
static void put_u64 (struct sha256 *c, uint64_t v)
{
  unsigned char b[8];
  for (int i = 0; i < 8; i++)
    b[i] = (unsigned char) (v >> (56 - 8 * i));
  sha256_update (c, b, sizeof b);
}

static void put_bytes (struct sha256 *c, const void *p, size_t n)
{
  put_u64 (c, n);
  sha256_update (c, p, n);
}

static int hash_xattrs (struct sha256 *c, const char *path, struct terr *err)
{
  ssize_t n = llistxattr (path, NULL, 0);
  if (n < 0 && (errno == ENOTSUP || errno == ENODATA))
    n = 0;
  if (n < 0)
    return terr_set (err, errno, "llistxattr %s", path);
  cleanup_free char *list = malloc ((size_t) n + 1);
  if (list == NULL)
    return terr_set (err, ENOMEM, "xattrs of %s", path);
  if (n > 0 && (n = llistxattr (path, list, (size_t) n)) < 0)
    return terr_set (err, errno, "llistxattr %s", path);
  size_t count = 0;
  for (ssize_t i = 0; i < n; i += (ssize_t) strlen (list + i) + 1)
    count++;
  cleanup_free const char **names = calloc (count ? count : 1, sizeof *names);
  if (names == NULL)
    return terr_set (err, ENOMEM, "xattrs of %s", path);
  size_t k = 0;
  for (ssize_t i = 0; i < n; i += (ssize_t) strlen (list + i) + 1)
    names[k++] = list + i;
  qsort (names, count, sizeof *names, cmp_names);
  put_u64 (c, count);
  for (size_t i = 0; i < count; i++)
    {
      char val[65536]; /* XATTR_SIZE_MAX */
      ssize_t vl = lgetxattr (path, names[i], val, sizeof val);
      if (vl < 0)
        return terr_set (err, errno, "lgetxattr %s %s", path, names[i]);
      put_bytes (c, names[i], strlen (names[i]));
      put_bytes (c, val, (size_t) vl);
    }
  return 0;
}

static int hash_fd (struct sha256 *c, int fd, const char *path, struct terr *err)
{
  static unsigned char buf[1 << 16];
  for (;;)
    {
      ssize_t n = fd_read (fd, buf, sizeof buf);
      if (n < 0)
        return terr_set (err, errno, "read %s", path);
      if (n == 0)
        return 0;
      sha256_update (c, buf, (size_t) n);
    }
}

static int hash_entry (struct sha256 *c, const char *path, const char *rel, const struct stat *st,
                       struct terr *err)
{
  put_bytes (c, rel, strlen (rel));
  put_u64 (c, st->st_mode);
  put_u64 (c, st->st_uid);
  put_u64 (c, st->st_gid);
  put_u64 (c, S_ISREG (st->st_mode) || S_ISLNK (st->st_mode) ? (uint64_t) st->st_size : 0);
  put_u64 (c, S_ISCHR (st->st_mode) || S_ISBLK (st->st_mode) ? (uint64_t) st->st_rdev : 0);
  if (S_ISLNK (st->st_mode))
    {
      char target[PATH_MAX];
      ssize_t n = readlink (path, target, sizeof target);
      if (n < 0)
        return terr_set (err, errno, "readlink %s", path);
      put_bytes (c, target, (size_t) n);
    }
  if (hash_xattrs (c, path, err) < 0)
    return -1;
  if (S_ISREG (st->st_mode))
    {
      cleanup_close int fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        return terr_set (err, errno, "open %s", path);
      return hash_fd (c, fd, path, err);
    }
  return 0;
}

static int hash_one (void *arg, const char *path, const char *rel, const struct stat *st, struct terr *err)
{
  return hash_entry (arg, path, rel, st, err);
}

int tree_hash (const char *root, unsigned char out[SHA256_LEN], struct terr *err)
{
  struct sha256 c;
  sha256_init (&c);
  static const char tag[] = "tether-tree-v1";
  put_bytes (&c, tag, sizeof tag - 1);
  struct stat st;
  if (lstat (root, &st) < 0)
    return terr_set (err, errno, "lstat %s", root);
  if (hash_entry (&c, root, "", &st, err) < 0 || tree_walk (root, hash_one, &c, err) < 0)
    return -1;
  sha256_final (&c, out);
  return 0;
}

int file_hash (const char *path, unsigned char out[SHA256_LEN], struct terr *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return terr_set (err, errno, "open %s", path);
  struct sha256 c;
  sha256_init (&c);
  if (hash_fd (&c, fd, path, err) < 0)
    return -1;
  sha256_final (&c, out);
  return 0;
}

static int remove_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) st;
  (void) flag;
  (void) ftw;
  remove (path);
  return 0;
}

void tree_remove (const char *root)
{
  nftw (root, remove_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}
