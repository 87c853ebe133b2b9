/* The built-in default image: one layer from Debian's busybox-static. The tree is
 * staged in a work directory on every call and hashed like any directory layer,
 * so a new busybox (or a change here) gives a new layer and the same one a cache
 * hit. Staging costs a copy of busybox and a few hundred symlinks. */
#include <unistd.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "fdio.h"
#include "image.h"
#include "statedir.h"
#include "tool.h"
#include "tree.h"

#define BUSYBOX_DEFAULT "/bin/busybox"
#define APPLET_LIST_MAX (256 * 1024)

/* Directories and their modes, parents first. */
static const struct
{
  const char *path;
  mode_t mode;
} default_dirs[] = {
  { "bin", 0755 },     { "sbin", 0755 },    { "usr", 0755 },     { "usr/bin", 0755 }, { "usr/sbin", 0755 },
  { "etc", 0755 },     { "dev", 0755 },     { "proc", 0555 },    { "sys", 0555 },     { "run", 0755 },
  { "tmp", 01777 },    { "root", 0700 },    { "home", 0755 },    { "mnt", 0755 },     { "var", 0755 },
  { "var/tmp", 01777 }, { "var/log", 0755 },
};

/* Small text files: the tether rewrites hostname, hosts and resolv.conf at start;
 * these are the placeholders it finds (and bind-mount targets). */
static const struct
{
  const char *path;
  const char *text;
} default_files[] = {
  { "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n" },
  { "etc/group", "root:x:0:\nnobody:x:65534:\nnogroup:x:65534:\n" },
  { "etc/hostname", "localhost\n" },
  { "etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" },
  { "etc/resolv.conf", "" },
};

static int make_dir (const char *root, const char *rel, mode_t mode, struct terr *err)
{
  char p[PATH_MAX];
  if (snprintf (p, sizeof p, "%s/%s", root, rel) >= (int) sizeof p)
    return terr_set (err, ENAMETOOLONG, "%s", rel);
  if (mkdir (p, 0700) < 0 && errno != EEXIST)
    return terr_set (err, errno, "mkdir %s", p);
  /* chmod after mkdir: the umask must not shape the image */
  if (chmod (p, mode) < 0)
    return terr_set (err, errno, "chmod %s", p);
  return 0;
}

static int write_file (const char *root, const char *rel, const void *data, size_t len, mode_t mode,
                       struct terr *err)
{
  char p[PATH_MAX];
  if (snprintf (p, sizeof p, "%s/%s", root, rel) >= (int) sizeof p)
    return terr_set (err, ENAMETOOLONG, "%s", rel);
  cleanup_close int fd = open (p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return terr_set (err, errno, "create %s", p);
  if (fd_write_all (fd, data, len) < 0 || fchmod (fd, mode) < 0)
    return terr_set (err, errno, "write %s", p);
  return 0;
}

static int copy_busybox (const char *bb, const char *root, struct terr *err)
{
  cleanup_close int fd = open (bb, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return terr_set (err, errno, "open %s (install busybox-static)", bb);
  struct stat st;
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    return terr_set (err, errno ? errno : EINVAL, "%s is not a file", bb);
  void *m = mmap (NULL, (size_t) st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (m == MAP_FAILED)
    return terr_set (err, errno, "mmap %s", bb);
  int rc = write_file (root, "bin/busybox", m, (size_t) st.st_size, 0755, err);
  munmap (m, (size_t) st.st_size);
  return rc;
}

/* Makes parent directories of rel (0755) below root. */
static int make_parents (const char *root, const char *rel, struct terr *err)
{
  char part[PATH_MAX];
  for (const char *s = strchr (rel, '/'); s != NULL; s = strchr (s + 1, '/'))
    {
      snprintf (part, sizeof part, "%.*s", (int) (s - rel), rel);
      if (make_dir (root, part, 0755, err) < 0)
        return -1;
    }
  return 0;
}

/* One symlink to /bin/busybox per line of `busybox --list-full` ("usr/bin/awk"). */
static int link_applets (const char *bb, const char *root, unsigned *count, struct terr *err)
{
  cleanup_close int fd = memfd_create ("busybox-list", MFD_CLOEXEC);
  if (fd < 0)
    return terr_set (err, errno, "memfd_create");
  const char *argv[] = { bb, "--list-full", NULL };
  if (tool_run (argv, fd, err) < 0)
    return -1;
  cleanup_free char *list = malloc (APPLET_LIST_MAX + 1);
  if (list == NULL)
    return terr_set (err, ENOMEM, "applet list");
  ssize_t n = pread (fd, list, APPLET_LIST_MAX, 0);
  if (n < 0)
    return terr_set (err, errno, "read applet list");
  list[n] = '\0';
  *count = 0;
  char *save = NULL;
  for (char *line = strtok_r (list, "\n", &save); line != NULL; line = strtok_r (NULL, "\n", &save))
    {
      while (*line == '/')
        line++;
      if (*line == '\0' || strcmp (line, "bin/busybox") == 0)
        continue;
      if (strstr (line, "..") != NULL)
        return terr_set (err, EINVAL, "odd applet path %s", line);
      char p[PATH_MAX];
      if (snprintf (p, sizeof p, "%s/%s", root, line) >= (int) sizeof p)
        return terr_set (err, ENAMETOOLONG, "%s", line);
      if (make_parents (root, line, err) < 0)
        return -1;
      if (symlink ("/bin/busybox", p) < 0)
        {
          if (errno == EEXIST)
            continue;
          return terr_set (err, errno, "symlink %s", p);
        }
      (*count)++;
    }
  if (*count == 0)
    return terr_set (err, EINVAL, "%s --list-full listed no applets", bb);
  return 0;
}

int image_default_layer (char *out, size_t out_len, struct terr *err)
{
  const char *bb = getenv ("TETHER_BUSYBOX");
  if (bb == NULL || *bb == '\0')
    bb = BUSYBOX_DEFAULT;
  char images[PATH_MAX], work[PATH_MAX], root[PATH_MAX];
  if (state_images_dir (images, sizeof images, err) < 0)
    return -1;
  if (snprintf (work, sizeof work, "%s/.tether-default-XXXXXX", images) >= (int) sizeof work)
    return terr_set (err, ENAMETOOLONG, "work directory in %s", images);
  if (mkdtemp (work) == NULL)
    return terr_set (err, errno, "mkdtemp in %s", images);
  if (snprintf (root, sizeof root, "%s/root", work) >= (int) sizeof root)
    {
      rmdir (work);
      return terr_set (err, ENAMETOOLONG, "work directory in %s", images);
    }
  int rc = -1;
  unsigned applets = 0;
  if (mkdir (root, 0755) < 0 || chmod (root, 0755) < 0)
    {
      terr_set (err, errno, "mkdir %s", root);
      goto out;
    }
  for (size_t i = 0; i < sizeof default_dirs / sizeof default_dirs[0]; i++)
    if (make_dir (root, default_dirs[i].path, default_dirs[i].mode, err) < 0)
      goto out;
  for (size_t i = 0; i < sizeof default_files / sizeof default_files[0]; i++)
    if (write_file (root, default_files[i].path, default_files[i].text, strlen (default_files[i].text), 0644,
                    err)
        < 0)
      goto out;
  if (copy_busybox (bb, root, err) < 0 || link_applets (bb, root, &applets, err) < 0)
    goto out;
  rc = image_layer_resolve (root, out, out_len, err);
  if (rc == 0 && image_progress)
    fprintf (stderr, "image: default layer: %s with %u applets\n", bb, applets);
out:
  if (rc < 0)
    terr_wrap (err, "default image");
  tree_remove (work);
  return rc;
}
