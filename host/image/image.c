#include "fdio.h"
#include "image.h"

#include <unistd.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "digest.h"
#include "statedir.h"
#include "tool.h"
#include "tree.h"
#include "whiteout.h"

#define MIB (1024u * 1024u)
#define LAYER_MIN_MB 8u
#define INODE_SIZE 256u

enum spec_kind { SPEC_DIR, SPEC_TAR, SPEC_VMDK };

bool image_progress;

static void progress (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
static void progress (const char *fmt, ...)
{
  if (!image_progress)
    return;
  char line[PATH_MAX + 256];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (line, sizeof line, fmt, ap);
  va_end (ap);
  fprintf (stderr, "image: %s\n", line);
}

static double now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static bool has_suffix (const char *s, const char *suffix)
{
  size_t n = strlen (s), m = strlen (suffix);
  return n >= m && strcmp (s + n - m, suffix) == 0;
}

/* A VMDK by name or by magic: "KDMV" (sparse extent) or a text descriptor. */
static bool is_vmdk (const char *path)
{
  if (has_suffix (path, ".vmdk"))
    return true;
  char head[21] = { 0 };
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fd_read (fd, head, sizeof head - 1) < 4)
    return false;
  return memcmp (head, "KDMV", 4) == 0 || strcmp (head, "# Disk DescriptorFile") == 0;
}

static int spec_kind (const char *spec, enum spec_kind *kind, struct terr *err)
{
  struct stat st;
  if (spec == NULL || *spec == '\0')
    return terr_set (err, EINVAL, "no image given");
  if (stat (spec, &st) < 0)
    return terr_set (err, errno, "%s", spec);
  if (S_ISDIR (st.st_mode))
    *kind = SPEC_DIR;
  else if (S_ISREG (st.st_mode))
    *kind = is_vmdk (spec) ? SPEC_VMDK : SPEC_TAR;
  else
    return terr_set (err, EINVAL, "%s: not a directory, tar file or .vmdk", spec);
  return 0;
}

/* The directory part of path ("." if none). */
static int dir_of (const char *path, char *out, size_t cap, struct terr *err)
{
  const char *slash = strrchr (path, '/');
  int n = slash == NULL ? snprintf (out, cap, ".")
          : slash == path ? snprintf (out, cap, "/")
                          : snprintf (out, cap, "%.*s", (int) (slash - path), path);
  if (n < 0 || (size_t) n >= cap)
    return terr_set (err, ENAMETOOLONG, "%.64s...", path);
  return 0;
}

/* A private work directory beside near (same file system, so rename() into place
 * is atomic). */
static int make_work_dir (const char *near, char *out, size_t cap, struct terr *err)
{
  char dir[PATH_MAX];
  if (dir_of (near, dir, sizeof dir, err) < 0)
    return -1;
  int n = snprintf (out, cap, "%s/.tether-build-XXXXXX", dir);
  if (n < 0 || (size_t) n >= cap)
    return terr_set (err, ENAMETOOLONG, "work directory in %s", dir);
  if (mkdtemp (out) == NULL)
    return terr_set (err, errno, "cannot write in %s (work directory)", dir);
  return 0;
}

static int join (char *out, size_t cap, const char *a, const char *b, struct terr *err)
{
  int n = snprintf (out, cap, "%s/%s", a, b);
  if (n < 0 || (size_t) n >= cap)
    return terr_set (err, ENAMETOOLONG, "%.64s/%s", a, b);
  return 0;
}

/* Size and inode count for a layer holding what st measured: the content, its
 * inode tables and 2 MiB of fixed metadata, plus 20%, at least 8 MiB. scale
 * doubles everything on a retry. */
static void layer_geometry (const struct tree_stats *st, unsigned scale, uint64_t *size_mb, uint64_t *inodes)
{
  uint64_t n = (st->inodes + st->inodes / 10 + 64) * scale;
  uint64_t bytes = st->bytes * scale + n * INODE_SIZE + 2 * MIB;
  bytes += bytes / 5;
  uint64_t mb = (bytes + MIB - 1) / MIB;
  *size_mb = mb < LAYER_MIN_MB ? LAYER_MIN_MB : mb;
  *inodes = n;
}

/* mke2fs -d src into a raw image at img. No journal and no reserved blocks: the
 * layer is mounted read-only, a journal would only cost 4-64 MiB of space. */
static int mkfs_layer (const char *src, const char *img, const struct tree_stats *st, struct terr *err)
{
  for (unsigned scale = 1;; scale *= 2)
    {
      uint64_t size_mb, inodes;
      layer_geometry (st, scale, &size_mb, &inodes);
      char n_arg[32], size_arg[32];
      snprintf (n_arg, sizeof n_arg, "%llu", (unsigned long long) inodes);
      snprintf (size_arg, sizeof size_arg, "%lluM", (unsigned long long) size_mb);
      progress ("mke2fs: %s, %s inodes, content %llu KiB", size_arg, n_arg,
                (unsigned long long) (st->bytes / 1024));
      unlink (img);
      const char *argv[] = { "mke2fs", "-q", "-t", "ext4", "-d", src, "-E", "root_owner=0:0", "-O",
                             "^has_journal", "-m", "0", "-b", "4096", "-N", n_arg, "-F", img, size_arg,
                             NULL };
      if (tool_run (argv, -1, err) == 0)
        break;
      if (scale >= 2) /* the estimate was wrong twice: something else is */
        return -1;
      progress ("%s; retrying with twice the size", err->msg);
    }
  if (!st->has_lost_found)
    {
      /* an image has no /lost+found; the mounted layer should not show one */
      const char *argv[] = { "debugfs", "-w", "-R", "rmdir /lost+found", img, NULL };
      if (tool_run (argv, -1, err) < 0)
        return -1;
    }
  return 0;
}

/* Puts the finished VMDK at out_path. may_replace: rename() over whatever is there
 * (`image build -o`). Otherwise link() it in, which fails rather than replace: a
 * content-addressed file another builder put there first is the same content and
 * may already be open by a VM, so it stays (the loser's copy goes with its work
 * directory). fsync first: after a crash a cached name must not point at a torn
 * file, since a cache hit is never rebuilt. */
static int install (const char *vmdk, const char *out_path, bool may_replace, struct terr *err)
{
  {
    cleanup_close int fd = open (vmdk, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync (fd) < 0)
      return terr_set (err, errno, "fsync %s", vmdk);
  }
  if (may_replace ? rename (vmdk, out_path) < 0 : link (vmdk, out_path) < 0 && errno != EEXIST)
    return terr_set (err, errno, "%s to %s", may_replace ? "rename" : "link", out_path);
  return 0;
}

/* The tree at src (whiteouts already converted) into out_path, through the raw
 * image and VMDK in work. */
static int build_from_tree (const char *src, const char *work, const char *out_path, bool may_replace,
                            double t0, struct terr *err)
{
  char img[PATH_MAX], vmdk[PATH_MAX];
  struct tree_stats st;
  if (join (img, sizeof img, work, "layer.img", err) < 0 || join (vmdk, sizeof vmdk, work, "layer.vmdk", err) < 0)
    return -1;
  if (tree_measure (src, &st, err) < 0 || mkfs_layer (src, img, &st, err) < 0)
    return -1;
  const char *conv[] = { "qemu-img", "convert", "-q", "-f", "raw", "-O", "vmdk", img, vmdk, NULL };
  if (tool_run (conv, -1, err) < 0)
    return -1;
  if (install (vmdk, out_path, may_replace, err) < 0)
    return -1;
  struct stat vs;
  if (stat (out_path, &vs) == 0)
    progress ("built %s (%llu KiB) in %.2f s", out_path, (unsigned long long) vs.st_size / 1024,
              now_s () - t0);
  return 0;
}

static void report_whiteouts (const struct wh_counts *wh)
{
  if (wh->files + wh->opaque > 0)
    progress ("whiteouts: %u deleted, %u opaque directories", wh->files, wh->opaque);
}

int image_layer_build_tree (const char *root, const char *out_path, bool may_replace, struct terr *err)
{
  double t0 = now_s ();
  char work[PATH_MAX];
  struct wh_counts wh = { 0, 0 };
  if (whiteout_convert (root, &wh, err) < 0)
    return -1;
  report_whiteouts (&wh);
  if (make_work_dir (out_path, work, sizeof work, err) < 0)
    return -1;
  int rc = build_from_tree (root, work, out_path, may_replace, t0, err);
  tree_remove (work);
  return rc;
}

int image_layer_build (const char *spec, const char *out_path, struct terr *err)
{
  double t0 = now_s ();
  enum spec_kind kind;
  if (spec_kind (spec, &kind, err) < 0)
    return -1;
  if (kind == SPEC_VMDK)
    return terr_set (err, EINVAL, "%s is already a VMDK", spec);
  /* a symlink to the tree: cp -a and mke2fs -d must see the directory itself */
  char real[PATH_MAX];
  if (kind == SPEC_DIR)
    {
      if (realpath (spec, real) == NULL)
        return terr_set (err, errno, "realpath %s", spec);
      spec = real;
    }
  char work[PATH_MAX], root[PATH_MAX];
  if (make_work_dir (out_path, work, sizeof work, err) < 0)
    return -1;
  int rc = -1;
  const char *src = spec;
  struct tree_stats st;
  struct wh_counts wh = { 0, 0 };
  if (join (root, sizeof root, work, "root", err) < 0)
    goto out;
  if (kind == SPEC_TAR)
    {
      /* mkdir then chmod: the umask must not decide the image's root mode; a "./"
       * entry in the tar sets it anyway */
      if (mkdir (root, 0755) < 0 || chmod (root, 0755) < 0)
        {
          terr_set (err, errno, "mkdir %s", root);
          goto out;
        }
      progress ("extracting %s", spec);
      /* tar refuses members with ".." and strips a leading "/" by default: nothing
       * lands outside root */
      const char *argv[] = { "tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "--same-permissions",
                             "--same-owner", "-C", root, "-xf", spec, NULL };
      if (tool_run (argv, -1, err) < 0)
        {
          terr_wrap (err, "extract %s", spec);
          goto out;
        }
      if (whiteout_convert (root, &wh, err) < 0)
        goto out;
      src = root;
    }
  else
    {
      if (tree_measure (spec, &st, err) < 0)
        goto out;
      if (st.has_whiteouts)
        {
          /* whiteouts are converted in a copy: the user's directory is never touched */
          progress ("copying %s to convert its whiteouts", spec);
          const char *argv[] = { "cp", "-a", "--preserve=all", "--", spec, root, NULL };
          if (tool_run (argv, -1, err) < 0 || whiteout_convert (root, &wh, err) < 0)
            goto out;
          src = root;
        }
    }
  report_whiteouts (&wh);
  rc = build_from_tree (src, work, out_path, true, t0, err);
out:
  tree_remove (work);
  return rc;
}

int image_layer_resolve (const char *spec, char *out, size_t out_len, struct terr *err)
{
  enum spec_kind kind;
  if (spec_kind (spec, &kind, err) < 0)
    return -1;
  if (kind == SPEC_VMDK)
    {
      char abs[PATH_MAX];
      if (realpath (spec, abs) == NULL)
        return terr_set (err, errno, "realpath %s", spec);
      if (strlen (abs) >= out_len)
        return terr_set (err, ENAMETOOLONG, "%s", abs);
      memcpy (out, abs, strlen (abs) + 1);
      return 0;
    }
  char real[PATH_MAX];
  if (kind == SPEC_DIR)
    {
      if (realpath (spec, real) == NULL)
        return terr_set (err, errno, "realpath %s", spec);
      spec = real; /* hash the tree, not a symlink to it */
    }
  unsigned char d[SHA256_LEN];
  char hex[SHA256_HEX_LEN];
  double t0 = now_s ();
  if ((kind == SPEC_TAR ? file_hash (spec, d, err) : tree_hash (spec, d, err)) < 0)
    return terr_wrap (err, "hash %s", spec);
  sha256_hex (d, hex);
  char images[PATH_MAX];
  if (state_images_dir (images, sizeof images, err) < 0)
    return -1;
  int n = snprintf (out, out_len, "%s/%s.vmdk", images, hex);
  if (n < 0 || (size_t) n >= out_len)
    return terr_set (err, ENAMETOOLONG, "layer path in %s", images);
  struct stat st;
  if (stat (out, &st) == 0 && S_ISREG (st.st_mode))
    {
      progress ("cached %s (sha256 in %.2f s)", out, now_s () - t0);
      return 0;
    }
  progress ("building layer sha256:%.12s from %s", hex, spec);
  return image_layer_build (spec, out, err);
}

int image_make_rw_disk (const char *path, unsigned size_mb, const char *const *dirs, struct terr *err)
{
  if (size_mb == 0 || size_mb > 16u * 1024 * 1024)
    return terr_set (err, EINVAL, "disk size %u MiB out of range (1 MiB..16 TiB)", size_mb);
  for (size_t i = 0; dirs != NULL && dirs[i] != NULL; i++)
    if (*dirs[i] == '\0' || strchr (dirs[i], '/') != NULL || strcmp (dirs[i], ".") == 0
        || strcmp (dirs[i], "..") == 0)
      return terr_set (err, EINVAL, "bad directory name \"%s\" for %s", dirs[i], path);
  {
    cleanup_close int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
      return terr_set (err, errno, errno == EEXIST ? "refusing to overwrite %s" : "create %s", path);
  }
  char work[PATH_MAX] = "", root[PATH_MAX];
  int rc = -1;
  bool has_dirs = dirs != NULL && dirs[0] != NULL;
  if (has_dirs)
    {
      if (make_work_dir (path, work, sizeof work, err) < 0 || join (root, sizeof root, work, "root", err) < 0)
        goto out;
      if (mkdir (root, 0755) < 0 || chmod (root, 0755) < 0)
        {
          terr_set (err, errno, "mkdir %s", root);
          goto out;
        }
      for (size_t i = 0; dirs[i] != NULL; i++)
        {
          char d[PATH_MAX];
          if (join (d, sizeof d, root, dirs[i], err) < 0)
            goto out;
          if (mkdir (d, 0755) < 0 || chmod (d, 0755) < 0)
            {
              terr_set (err, errno, "mkdir %s", d);
              goto out;
            }
        }
    }
  char size_arg[32];
  snprintf (size_arg, sizeof size_arg, "%uM", size_mb);
  /* -m 0: no blocks reserved for root, the container's root is the only user.
   * lazy_journal_init: the file was just created, its holes already read as
   * zeros; writing the journal out would make a 10 GiB disk take 64 MiB. */
  const char *argv[16] = { "mke2fs", "-q", "-t", "ext4", "-E", "root_owner=0:0,lazy_journal_init=1",
                           "-m", "0", "-b", "4096", "-F" };
  size_t k = 11;
  if (has_dirs)
    {
      argv[k++] = "-d";
      argv[k++] = root;
    }
  argv[k++] = path;
  argv[k++] = size_arg;
  argv[k] = NULL;
  rc = tool_run (argv, -1, err);
out:
  if (rc < 0)
    unlink (path);
  if (*work)
    tree_remove (work);
  return rc;
}
