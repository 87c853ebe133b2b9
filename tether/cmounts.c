/* The container's own mounts and sysctls (cmounts.h). */
#include "cmounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "hardspec.h"
#include "mkdirp.h"


/* docker gives a privileged container no masked and no read-only paths. */
static bool cfg_privileged (const ContainerConfig *cfg)
{
  return cfg->privileged;
}

int cmounts_check (const ContainerConfig *cfg, bool host_mode, char *why, size_t cap)
{
  for (size_t i = 0; host_mode && i < cfg->n_sysctls; i++)
    if (hard_sysctl_is_net (cfg->sysctls[i]))
      {
        const char *eq = strchr (cfg->sysctls[i], '=');
        return snprintf (why, cap, "sysctl \"%.*s\" not allowed in host network namespace",
                         (int) (eq ? eq - cfg->sysctls[i] : 64), cfg->sysctls[i]),
               -1;
      }
  return 0;
}

/* runc's maskPath: /dev/null on a file, an empty read-only tmpfs on a
 * directory; what this kernel lacks is left alone. Unlike runc, the kind is
 * looked at first: a bind of /dev/null that fails on a directory has made
 * and torn down a mount, and the kernel then waits for an expedited RCU grace
 * period (~0.1 ms of every launch here, for /proc/acpi and /sys/firmware). */
static int mask_path (const char *path, struct terr *err)
{
  struct stat st;
  if (stat (path, &st) < 0)
    return errno == ENOENT ? 0 : terr_set (err, errno, "mask %s", path);
  if (S_ISDIR (st.st_mode) ? mount ("tmpfs", path, "tmpfs", MS_RDONLY, NULL) == 0
                           : mount ("/dev/null", path, NULL, MS_BIND, NULL) == 0)
    return 0;
  return errno == ENOENT ? 0 : terr_set (err, errno, "mask %s", path);
}

/* runc's readonlyPath: a bind of the path on itself, remounted read-only with
 * the flags it had (a bind remount may not drop nosuid, nodev, noexec). */
static int readonly_path (const char *path, struct terr *err)
{
  if (mount (path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
    return errno == ENOENT ? 0 : terr_set (err, errno, "bind %s", path);
  struct statvfs sv;
  unsigned long keep = 0;
  if (statvfs (path, &sv) == 0)
    keep = sv.f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME);
  if (mount (path, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, NULL) < 0)
    return terr_set (err, errno, "remount %s read-only", path);
  return 0;
}

/* Through /proc/sys of this namespace: the key was checked (hardspec.h). */
static int write_sysctl (const char *kv, struct terr *err)
{
  const char *eq = strchr (kv, '=');
  char path[HARD_SYSCTL_MAX + 16];
  int n = snprintf (path, sizeof path, "/proc/sys/%.*s", (int) (eq - kv), kv);
  for (char *p = path + 10; p < path + n; p++)
    if (*p == '.')
      *p = '/';
  int fd = open (path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return terr_set (err, errno, "sysctl %.*s: open %s", (int) (eq - kv), kv, path);
  size_t len = strlen (eq + 1);
  ssize_t w = write (fd, eq + 1, len);
  int e = errno;
  close (fd);
  if (w != (ssize_t) len)
    return terr_set (err, w < 0 ? e : EIO, "sysctl %.*s: write %s", (int) (eq - kv), kv, eq + 1);
  return 0;
}

static int shm_mount (const ContainerConfig *cfg, bool host_mode, struct terr *err)
{
  if (!host_mode && cfg->shm_size == 0)
    return 0; /* rootfs_enter's is docker's default */
  char data[64];
  /* a remount changes the size only (tmpfs keeps its mode) */
  snprintf (data, sizeof data, "%ssize=%llu", host_mode ? "mode=1777," : "",
            (unsigned long long) (cfg->shm_size ? cfg->shm_size : HARD_SHM_DEFAULT));
  unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | (host_mode ? 0 : MS_REMOUNT);
  if (mount ("shm", "/dev/shm", "tmpfs", flags, data) < 0)
    return terr_set (err, errno, "mount /dev/shm (%s)", data);
  return 0;
}

/* Only "/" itself: its submounts (/dev, /proc, /etc/hosts, volumes, tmpfs)
 * stay writable, as under docker. */
static int readonly_root (struct terr *err)
{
  struct statvfs sv;
  unsigned long keep = 0;
  if (statvfs ("/", &sv) == 0)
    keep = sv.f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME);
  if (mount ("/", "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, NULL) < 0)
    return terr_set (err, errno, "remount / read-only");
  return 0;
}

int cmounts_apply (const ContainerConfig *cfg, bool host_mode, struct terr *err)
{
  if (shm_mount (cfg, host_mode, err) < 0)
    return -1;
  for (size_t i = 0; i < cfg->n_tmpfs; i++)
    {
      const TmpfsMount *t = cfg->tmpfs[i];
      if (mkdir_p (t->path, 0755) < 0)
        return terr_set (err, errno, "tmpfs: mkdir %s", t->path);
      if (mount ("tmpfs", t->path, "tmpfs", (unsigned long) t->flags, t->data) < 0)
        return terr_set (err, errno, "mount tmpfs on %s (%s)", t->path, t->data);
    }
  for (size_t i = 0; i < cfg->n_sysctls; i++)
    if (write_sysctl (cfg->sysctls[i], err) < 0)
      return -1;
  const char *const *ro = hard_default_readonly, *const *masked = hard_default_masked;
  size_t n_ro = HARD_N_DEFAULT_READONLY, n_masked = HARD_N_DEFAULT_MASKED;
  if (cfg_privileged (cfg))
    n_ro = n_masked = 0;
  else if (cfg->paths_given)
    {
      ro = (const char *const *) cfg->readonly_paths, n_ro = cfg->n_readonly_paths;
      masked = (const char *const *) cfg->masked_paths, n_masked = cfg->n_masked_paths;
    }
  for (size_t i = 0; i < n_ro; i++)
    if (readonly_path (ro[i], err) < 0)
      return -1;
  for (size_t i = 0; i < n_masked; i++)
    if (mask_path (masked[i], err) < 0)
      return -1;
  return cfg->readonly_rootfs ? readonly_root (err) : 0;
}
