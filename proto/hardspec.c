/* docker's hardening options' values (hardspec.h). */
#include "hardspec.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

/* docker 20.10's defaults (oci/defaults.go), as runc applies them. */
const char *const hard_default_masked[HARD_N_DEFAULT_MASKED] = {
  "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
  "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
};
const char *const hard_default_readonly[HARD_N_DEFAULT_READONLY] = {
  "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

struct name_num {
  const char *name;
  int num;
};

/* go-units' ulimit names. */
static const struct name_num ulimits[] = {
  { "core", RLIMIT_CORE },     { "cpu", RLIMIT_CPU },         { "data", RLIMIT_DATA },
  { "fsize", RLIMIT_FSIZE },   { "locks", RLIMIT_LOCKS },     { "memlock", RLIMIT_MEMLOCK },
  { "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE },   { "nofile", RLIMIT_NOFILE },
  { "nproc", RLIMIT_NPROC },   { "rss", RLIMIT_RSS },         { "rtprio", RLIMIT_RTPRIO },
  { "rttime", RLIMIT_RTTIME }, { "sigpending", RLIMIT_SIGPENDING }, { "stack", RLIMIT_STACK },
};

int hard_ulimit_resource (const char *name)
{
  for (size_t i = 0; i < sizeof ulimits / sizeof ulimits[0]; i++)
    if (strcmp (name, ulimits[i].name) == 0)
      return ulimits[i].num;
  return -1;
}

const char *hard_ulimit_name (int resource)
{
  for (size_t i = 0; i < sizeof ulimits / sizeof ulimits[0]; i++)
    if (ulimits[i].num == resource)
      return ulimits[i].name;
  return NULL;
}

/* A decimal int64 as Go's strconv.ParseInt; -1 is RLIM_INFINITY. */
static int limit_value (const char *s, uint64_t *out)
{
  char *end;
  errno = 0;
  long long v = strtoll (s, &end, 10);
  if (!*s || *end || errno || v < -1 || isspace ((unsigned char) *s))
    return -1;
  *out = v == -1 ? RLIM_INFINITY : (uint64_t) v;
  return 0;
}

int hard_ulimit_parse (const char *arg, Rlimit *out, char *why, size_t cap)
{
  const char *eq = strchr (arg, '=');
  if (!eq || strchr (eq + 1, '='))
    return snprintf (why, cap, "invalid ulimit argument: %s", arg), -1;
  char name[32];
  if ((size_t) (eq - arg) >= sizeof name)
    return snprintf (why, cap, "invalid ulimit type: %.*s", (int) (eq - arg), arg), -1;
  snprintf (name, sizeof name, "%.*s", (int) (eq - arg), arg);
  int res = hard_ulimit_resource (name);
  if (res < 0)
    return snprintf (why, cap, "invalid ulimit type: %s", name), -1;
  char vals[64];
  if (strlen (eq + 1) >= sizeof vals)
    return snprintf (why, cap, "invalid ulimit argument: %s", arg), -1;
  snprintf (vals, sizeof vals, "%s", eq + 1);
  char *colon = strchr (vals, ':');
  if (colon)
    *colon++ = '\0';
  if (colon && strchr (colon, ':'))
    return snprintf (why, cap, "too many limit value arguments - %s, can only have up to two, `soft[:hard]`", eq + 1),
           -1;
  uint64_t soft, hard;
  if (limit_value (vals, &soft) < 0)
    return snprintf (why, cap, "strconv.ParseInt: parsing \"%s\": invalid syntax", vals), -1;
  if (colon && limit_value (colon, &hard) < 0)
    return snprintf (why, cap, "strconv.ParseInt: parsing \"%s\": invalid syntax", colon), -1;
  if (!colon)
    hard = soft;
  rlimit__init (out);
  out->resource = (uint32_t) res;
  out->soft = soft;
  out->hard = hard;
  return hard_rlimit_check (out, why, cap);
}

int hard_rlimit_check (const Rlimit *rl, char *why, size_t cap)
{
  if (rl->resource >= RLIMIT_NLIMITS)
    return snprintf (why, cap, "invalid ulimit type: resource %u", rl->resource), -1;
  /* RLIM_INFINITY is the largest value, as the kernel orders them */
  if (rl->soft > rl->hard)
    return snprintf (why, cap, "ulimit soft limit must be less than or equal to hard limit: %lld > %lld",
                     rl->soft == RLIM_INFINITY ? -1LL : (long long) rl->soft,
                     rl->hard == RLIM_INFINITY ? -1LL : (long long) rl->hard),
           -1;
  return 0;
}

int hard_tmpfs_path_check (const char *path, char *why, size_t cap)
{
  if (!path || path[0] != '/')
    return snprintf (why, cap, "invalid mount path: '%s' mount path must be absolute", path ? path : ""), -1;
  if (strspn (path, "/") == strlen (path))
    return snprintf (why, cap, "invalid specification: destination can't be '/'"), -1;
  if (strlen (path) >= HARD_PATH_MAX)
    return snprintf (why, cap, "invalid mount path: '%.64s...' is longer than %d bytes", path, HARD_PATH_MAX - 1), -1;
  return 0;
}

struct flag_opt {
  const char *name;
  bool clear;
  unsigned long flag;
};

/* moby's pkg/mount flags (mount(8)'s names); the rest are tmpfs data. */
static const struct flag_opt flag_opts[] = {
  { "defaults", false, 0 },        { "ro", false, MS_RDONLY },         { "rw", true, MS_RDONLY },
  { "suid", true, MS_NOSUID },     { "nosuid", false, MS_NOSUID },     { "dev", true, MS_NODEV },
  { "nodev", false, MS_NODEV },    { "exec", true, MS_NOEXEC },        { "noexec", false, MS_NOEXEC },
  { "sync", false, MS_SYNCHRONOUS }, { "async", true, MS_SYNCHRONOUS }, { "dirsync", false, MS_DIRSYNC },
  { "mand", false, MS_MANDLOCK },  { "nomand", true, MS_MANDLOCK },    { "atime", true, MS_NOATIME },
  { "noatime", false, MS_NOATIME }, { "diratime", true, MS_NODIRATIME }, { "nodiratime", false, MS_NODIRATIME },
  { "relatime", false, MS_RELATIME }, { "norelatime", true, MS_RELATIME }, { "strictatime", false, MS_STRICTATIME },
  { "nostrictatime", true, MS_STRICTATIME },
};
static const char *const data_opts[] = { "size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol" };

/* A value as tmpfs reads it ("64m", "50%", "1777", mpol's "bind:0-3"): no
 * comma or option syntax of its own can slip through. */
static bool tmpfs_value_ok (const char *v, size_t n)
{
  static const char ok[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.:%-";
  size_t d = 0;
  while (d < n && v[d] && strchr (ok, v[d]))
    d++;
  return n > 0 && d == n;
}

int hard_tmpfs_opts (const char *opts, uint64_t *flags, char *data, size_t cap, char *why, size_t why_cap)
{
  uint64_t f = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  size_t used = 0;
  data[0] = '\0';
  const char *p = opts ? opts : "";
  while (*p)
    {
      size_t n = strcspn (p, ",");
      const char *eq = memchr (p, '=', n);
      size_t klen = eq ? (size_t) (eq - p) : n;
      bool known = false;
      for (size_t i = 0; !eq && i < sizeof flag_opts / sizeof flag_opts[0]; i++)
        if (strlen (flag_opts[i].name) == n && strncmp (p, flag_opts[i].name, n) == 0)
          {
            f = flag_opts[i].clear ? f & ~(uint64_t) flag_opts[i].flag : f | flag_opts[i].flag;
            known = true;
          }
      for (size_t i = 0; eq && i < sizeof data_opts / sizeof data_opts[0]; i++)
        if (strlen (data_opts[i]) == klen && strncmp (p, data_opts[i], klen) == 0)
          known = tmpfs_value_ok (eq + 1, n - klen - 1);
      if (!known && n > 0)
        return snprintf (why, why_cap, "invalid tmpfs option [\"%.*s\"]", (int) (n > 64 ? 64 : n), p), -1;
      if (eq)
        {
          if (used + n + 2 > cap)
            return snprintf (why, why_cap, "tmpfs options longer than %zu bytes", cap - 1), -1;
          used += (size_t) snprintf (data + used, cap - used, "%s%.*s", used ? "," : "", (int) n, p);
        }
      p += n;
      if (*p == ',')
        p++;
    }
  *flags = f;
  return 0;
}

/* docker's opts.ValidateSysctl list: the IPC namespace's keys and the prefixes
 * of namespaced trees. */
static const char *const sysctl_keys[] = {
  "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax",
  "kernel.shmmni", "kernel.shm_rmid_forced",
};

bool hard_sysctl_is_net (const char *key)
{
  return strncmp (key, "net.", 4) == 0;
}

bool hard_sysctl_namespaced (const char *key)
{
  for (size_t i = 0; i < sizeof sysctl_keys / sizeof sysctl_keys[0]; i++)
    if (strcmp (key, sysctl_keys[i]) == 0)
      return true;
  return strncmp (key, "fs.mqueue.", 10) == 0 || hard_sysctl_is_net (key);
}

int hard_sysctl_check (const char *kv, char *why, size_t cap)
{
  const char *eq = kv ? strchr (kv, '=') : NULL;
  if (!eq || eq == kv)
    return snprintf (why, cap, "sysctl '%s' is not whitelisted", kv ? kv : ""), -1;
  if (strlen (kv) >= HARD_SYSCTL_MAX)
    return snprintf (why, cap, "sysctl '%.64s...' is longer than %d bytes", kv, HARD_SYSCTL_MAX - 1), -1;
  char key[HARD_SYSCTL_MAX];
  snprintf (key, sizeof key, "%.*s", (int) (eq - kv), kv);
  /* the key names a file under /proc/sys: no way out of it */
  if (!hard_sysctl_namespaced (key) || strstr (key, "..") || strchr (key, '/') || strchr (eq + 1, '\n'))
    return snprintf (why, cap, "sysctl '%s' is not whitelisted", kv), -1;
  return 0;
}

int hard_ram_in_bytes (const char *s, int64_t *out)
{
  char *end;
  if (!isdigit ((unsigned char) s[0]))
    return -1;
  errno = 0;
  double v = strtod (s, &end);
  if (errno || end == s)
    return -1;
  if (*end == ' ')
    end++;
  double mult = 1;
  const char *units = "kmgtp";
  const char *u = *end ? strchr (units, tolower ((unsigned char) *end)) : NULL;
  if (u)
    {
      for (const char *q = units; q <= u; q++)
        mult *= 1024;
      end++;
    }
  if (*end == 'i' || *end == 'I')
    end++;
  if (*end == 'b' || *end == 'B')
    end++;
  if (*end || v * mult > 9.2e18)
    return -1;
  *out = (int64_t) (v * mult);
  return 0;
}

static int path_list_check (char **paths, size_t n, const char *what, char *why, size_t cap)
{
  if (n > HARD_MAX_PATHS)
    return snprintf (why, cap, "%zu %s paths: at most %d", n, what, HARD_MAX_PATHS), -1;
  for (size_t i = 0; i < n; i++)
    if (!paths[i] || paths[i][0] != '/' || strlen (paths[i]) >= HARD_PATH_MAX)
      return snprintf (why, cap, "invalid %s path '%.64s': absolute, under %d bytes", what, paths[i] ? paths[i] : "",
                       HARD_PATH_MAX),
             -1;
  return 0;
}

int hard_check (const ContainerConfig *cfg, char *why, size_t cap)
{
  if (cfg->n_rlimits > HARD_MAX_ULIMITS)
    return snprintf (why, cap, "%zu ulimits: at most %d", cfg->n_rlimits, HARD_MAX_ULIMITS), -1;
  for (size_t i = 0; i < cfg->n_rlimits; i++)
    if (hard_rlimit_check (cfg->rlimits[i], why, cap) < 0)
      return -1;
  if (cfg->n_tmpfs > HARD_MAX_TMPFS)
    return snprintf (why, cap, "%zu tmpfs mounts: at most %d", cfg->n_tmpfs, HARD_MAX_TMPFS), -1;
  for (size_t i = 0; i < cfg->n_tmpfs; i++)
    {
      const TmpfsMount *t = cfg->tmpfs[i];
      if (hard_tmpfs_path_check (t->path, why, cap) < 0)
        return -1;
      if (!t->data || strlen (t->data) >= HARD_TMPFS_DATA)
        return snprintf (why, cap, "tmpfs %s: options longer than %d bytes", t->path, HARD_TMPFS_DATA - 1), -1;
    }
  if (cfg->n_sysctls > HARD_MAX_SYSCTLS)
    return snprintf (why, cap, "%zu sysctls: at most %d", cfg->n_sysctls, HARD_MAX_SYSCTLS), -1;
  for (size_t i = 0; i < cfg->n_sysctls; i++)
    if (hard_sysctl_check (cfg->sysctls[i], why, cap) < 0)
      return -1;
  if (cfg->shm_size > (1ull << 40))
    return snprintf (why, cap, "SHM size %llu is larger than 1 TiB", (unsigned long long) cfg->shm_size), -1;
  if (path_list_check (cfg->masked_paths, cfg->n_masked_paths, "masked", why, cap) < 0)
    return -1;
  return path_list_check (cfg->readonly_paths, cfg->n_readonly_paths, "read-only", why, cap);
}
