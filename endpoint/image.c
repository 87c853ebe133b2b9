/* STAND-IN until branch `image` lands: just enough for the VM runner and its
 * tests. A directory or tar becomes an ext4 vmdk through mke2fs -d and
 * qemu-img; OCI whiteouts (.wh.NAME) become overlayfs whiteouts (0:0 char
 * devices). Cached under images/ by a hash of the path, size and mtime. */
#include "image.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "statedir.h"

static int run_argv (char *const argv[], struct terr *err)
{
  pid_t pid = fork ();
  if (pid < 0)
    return terr_set (err, errno, "fork");
  if (pid == 0)
    {
      int fd = open ("/dev/null", O_RDWR);
      if (fd >= 0)
        dup2 (fd, 0), dup2 (fd, 1);
      execvp (argv[0], argv);
      _exit (127);
    }
  int st;
  while (waitpid (pid, &st, 0) < 0)
    if (errno != EINTR)
      return terr_set (err, errno, "waitpid");
  if (!WIFEXITED (st) || WEXITSTATUS (st) != 0)
    return terr_set (err, 0, "%s failed (status %d)", argv[0], st);
  return 0;
}

static int run_sh (const char *cmd, struct terr *err)
{
  char *argv[] = { "sh", "-c", (char *) cmd, NULL };
  return run_argv (argv, err);
}

static unsigned long long fnv (const char *s, unsigned long long h)
{
  for (; *s; s++)
    h = (h ^ (unsigned char) *s) * 1099511628211ULL;
  return h;
}

static int tree_to_vmdk (const char *tree, const char *out, struct terr *err)
{
  char cmd[8192];
  snprintf (cmd, sizeof cmd,
            "set -e; cd '%s'; find . -name '.wh..wh..opq' -delete; "
            "find . -name '.wh.*' | while read -r w; do d=$(dirname \"$w\"); b=$(basename \"$w\"); "
            "rm -f \"$w\"; mknod \"$d/${b#.wh.}\" c 0 0; done; "
            "mb=$(( $(du -sm . | cut -f1) * 2 + 16 )); "
            "mke2fs -q -t ext4 -d . '%s.raw' ${mb}M; qemu-img convert -O vmdk '%s.raw' '%s.tmp'; "
            "rm -f '%s.raw'; mv '%s.tmp' '%s'",
            tree, out, out, out, out, out, out);
  return run_sh (cmd, err);
}

int image_layer_resolve (const char *spec, char *out, size_t out_len, struct terr *err)
{
  struct stat st;
  if (stat (spec, &st) < 0)
    return terr_set (err, errno, "image layer %s", spec);
  size_t n = strlen (spec);
  if (S_ISREG (st.st_mode) && n > 5 && strcmp (spec + n - 5, ".vmdk") == 0)
    {
      if (realpath (spec, out) == NULL || strlen (out) >= out_len)
        return terr_set (err, errno, "realpath %s", spec);
      return 0;
    }
  char key[600], dir[4096];
  snprintf (key, sizeof key, "%s:%lld:%lld", spec, (long long) st.st_size, (long long) st.st_mtime);
  snprintf (dir, sizeof dir, "%s/images", state_dir ());
  mkdir (state_dir (), 0700);
  mkdir (dir, 0700);
  if ((size_t) snprintf (out, out_len, "%s/%016llx.vmdk", dir, fnv (key, 1469598103934665603ULL)) >= out_len)
    return terr_set (err, 0, "path too long");
  if (access (out, F_OK) == 0)
    return 0;
  char tmp[] = "/tmp/tether-layer-XXXXXX", cmd[8192];
  if (mkdtemp (tmp) == NULL)
    return terr_set (err, errno, "mkdtemp");
  if (S_ISDIR (st.st_mode))
    snprintf (cmd, sizeof cmd, "cp -a '%s'/. '%s'/", spec, tmp);
  else
    snprintf (cmd, sizeof cmd, "tar -xf '%s' -C '%s' --numeric-owner", spec, tmp);
  int r = run_sh (cmd, err);
  if (r == 0)
    r = tree_to_vmdk (tmp, out, err);
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmp);
  run_sh (cmd, err);
  return r < 0 ? terr_wrap (err, "image layer %s", spec) : 0;
}

int image_default_layer (char *out, size_t out_len, struct terr *err)
{
  char tmp[] = "/tmp/tether-bb-XXXXXX", cmd[4096];
  if (mkdtemp (tmp) == NULL)
    return terr_set (err, errno, "mkdtemp");
  snprintf (cmd, sizeof cmd,
            "set -e; cd '%s'; mkdir -p bin sbin etc tmp proc sys dev root usr/bin usr/sbin; "
            "cp /bin/busybox bin/busybox; for a in $(bin/busybox --list); do "
            "[ -e bin/$a ] || ln -s busybox bin/$a; done; chmod 1777 tmp; "
            "echo 'root:x:0:0:root:/root:/bin/sh' > etc/passwd; echo 'root:x:0:' > etc/group",
            tmp);
  int r = run_sh (cmd, err);
  char dir[4096];
  snprintf (dir, sizeof dir, "%s/images", state_dir ());
  mkdir (state_dir (), 0700);
  mkdir (dir, 0700);
  if ((size_t) snprintf (out, out_len, "%s/busybox-default.vmdk", dir) >= out_len)
    r = terr_set (err, 0, "path too long");
  if (r == 0 && access (out, F_OK) != 0)
    r = tree_to_vmdk (tmp, out, err);
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmp);
  run_sh (cmd, err);
  return r;
}

int image_make_rw_disk (const char *path, unsigned size_mb, const char *const *dirs, struct terr *err)
{
  char tmp[] = "/tmp/tether-rw-XXXXXX", cmd[8192];
  if (mkdtemp (tmp) == NULL)
    return terr_set (err, errno, "mkdtemp");
  int n = snprintf (cmd, sizeof cmd, "set -e; cd '%s'; ", tmp);
  for (size_t i = 0; dirs && dirs[i]; i++)
    n += snprintf (cmd + n, sizeof cmd - (size_t) n, "mkdir -p '%s'; ", dirs[i]);
  snprintf (cmd + n, sizeof cmd - (size_t) n, "mke2fs -q -t ext4 -d . '%s' %uM", path, size_mb);
  int r = run_sh (cmd, err);
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmp);
  run_sh (cmd, err);
  return r < 0 ? terr_wrap (err, "disk %s", path) : 0;
}
