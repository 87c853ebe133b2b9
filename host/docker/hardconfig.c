/* HostConfig's hardening fields (createctx.h): Ulimits, ReadonlyRootfs, Tmpfs,
 * Sysctls, ShmSize, MaskedPaths and ReadonlyPaths, and Mounts of type tmpfs
 * (hostconfig.c hands them here). Values go through proto/hardspec.h, as
 * tetherctl's flags do. */
#include "createctx.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

static int take_ulimits (struct ctx *c, const json_t *hj)
{
  struct create_hard *h = &c->r->hard;
  ContainerConfig *cfg = &c->r->cfg;
  const json_t *a = json_object_get (hj, "Ulimits"), *e;
  size_t i;
  if (!a || json_is_null (a))
    return 0;
  if (!json_is_array (a))
    return create_type_error (c, "HostConfig.Ulimits", a, "[]*units.Ulimit");
  json_array_foreach (a, i, e)
    {
      const char *name;
      int64_t soft, hard;
      if (!json_is_object (e))
        return create_type_error (c, "HostConfig.Ulimits", e, "units.Ulimit");
      if (create_get_string (c, e, "Name", "HostConfig.Ulimits.Name", &name) < 0
          || create_get_int (c, e, "Soft", "HostConfig.Ulimits.Soft", &soft, NULL) < 0
          || create_get_int (c, e, "Hard", "HostConfig.Ulimits.Hard", &hard, NULL) < 0)
        return -1;
      int res = hard_ulimit_resource (name);
      if (res < 0)
        return create_fail (c, 400, "invalid ulimit type: %.64s", name);
      if (soft < -1 || hard < -1)
        return create_fail (c, 400, "invalid ulimit %.64s: %lld:%lld", name, (long long) soft, (long long) hard);
      if (cfg->n_rlimits >= HARD_MAX_ULIMITS)
        return create_fail (c, 400, "HostConfig.Ulimits: more than %d entries", HARD_MAX_ULIMITS);
      Rlimit *rl = &h->ulimits[cfg->n_rlimits];
      rlimit__init (rl);
      rl->resource = (uint32_t) res;
      rl->soft = soft == -1 ? UINT64_MAX : (uint64_t) soft;
      rl->hard = hard == -1 ? UINT64_MAX : (uint64_t) hard;
      if (hard_rlimit_check (rl, c->why, c->cap) < 0)
        return *c->status = 400, -1;
      h->ulimit_ptrs[cfg->n_rlimits++] = rl;
    }
  cfg->rlimits = h->ulimit_ptrs;
  return 0;
}

/* One tmpfs: path checked, options parsed into flags and data. */
static int add_tmpfs (struct ctx *c, const char *path, const char *opts, const char *prefix)
{
  struct create_hard *h = &c->r->hard;
  ContainerConfig *cfg = &c->r->cfg;
  char why[300];
  if (cfg->n_tmpfs >= HARD_MAX_TMPFS)
    return create_fail (c, 400, "more than %d tmpfs mounts", HARD_MAX_TMPFS);
  for (size_t i = 0; i < cfg->n_tmpfs; i++)
    if (strcmp (cfg->tmpfs[i]->path, path) == 0)
      return create_fail (c, 400, "Duplicate mount point: %.200s", path);
  TmpfsMount *t = &h->tmpfs[cfg->n_tmpfs];
  tmpfs_mount__init (t);
  if (hard_tmpfs_path_check (path, why, sizeof why) < 0
      || hard_tmpfs_opts (opts, &t->flags, h->tmpfs_data[cfg->n_tmpfs], HARD_TMPFS_DATA, why, sizeof why) < 0)
    return create_fail (c, 400, "%s%s", prefix, why);
  t->path = (char *) path;
  t->data = h->tmpfs_data[cfg->n_tmpfs];
  t->listed = prefix[0] == '\0'; /* HostConfig.Tmpfs's (a Mounts entry's errors have a prefix) */
  t->opts = (char *) (t->listed ? opts : "");
  h->tmpfs_ptrs[cfg->n_tmpfs++] = t;
  cfg->tmpfs = h->tmpfs_ptrs;
  return 0;
}

static int take_tmpfs (struct ctx *c, const json_t *hj)
{
  const json_t *m;
  if (create_get_object (c, hj, "Tmpfs", "HostConfig.Tmpfs", &m) < 0)
    return -1;
  const char *k;
  json_t *v;
  json_object_foreach ((json_t *) m, k, v)
    {
      if (!json_is_string (v))
        return create_type_error (c, "HostConfig.Tmpfs", v, "string");
      if (add_tmpfs (c, k, json_string_value (v), "") < 0)
        return -1;
    }
  return 0;
}

int create_take_tmpfs_mount (struct ctx *c, const json_t *e)
{
  const char *target, *source;
  bool ro;
  const json_t *to;
  const char *pre = "invalid mount config for type \"tmpfs\": ";
  if (create_get_string (c, e, "Target", "HostConfig.Mounts.Target", &target) < 0
      || create_get_string (c, e, "Source", "HostConfig.Mounts.Source", &source) < 0
      || create_get_bool (c, e, "ReadOnly", "HostConfig.Mounts.ReadOnly", &ro) < 0
      || create_get_object (c, e, "TmpfsOptions", "HostConfig.Mounts.TmpfsOptions", &to) < 0)
    return -1;
  if (source[0])
    return create_fail (c, 400, "%sfield Source must not be specified", pre);
  if (!target[0])
    return create_fail (c, 400, "%sfield Target must not be empty", pre);
  int64_t size = 0, mode = 0;
  if (to && (create_get_int (c, to, "SizeBytes", "HostConfig.Mounts.TmpfsOptions.SizeBytes", &size, NULL) < 0
             || create_get_int (c, to, "Mode", "HostConfig.Mounts.TmpfsOptions.Mode", &mode, NULL) < 0))
    return -1;
  if (size < 0)
    return create_fail (c, 400, "%sinvalid tmpfs size %lld", pre, (long long) size);
  char opts[96];
  int n = snprintf (opts, sizeof opts, "%s", ro ? "ro" : "rw");
  if (size)
    n += snprintf (opts + n, sizeof opts - (size_t) n, ",size=%lld", (long long) size);
  if (mode)
    snprintf (opts + n, sizeof opts - (size_t) n, ",mode=%llo", (unsigned long long) mode & 07777);
  return add_tmpfs (c, target, opts, pre);
}

static int take_sysctls (struct ctx *c, const json_t *hj)
{
  struct create_hard *h = &c->r->hard;
  ContainerConfig *cfg = &c->r->cfg;
  const json_t *m;
  if (create_get_object (c, hj, "Sysctls", "HostConfig.Sysctls", &m) < 0)
    return -1;
  const char *k;
  json_t *v;
  json_object_foreach ((json_t *) m, k, v)
    {
      if (!json_is_string (v))
        return create_type_error (c, "HostConfig.Sysctls", v, "string");
      if (cfg->n_sysctls >= HARD_MAX_SYSCTLS)
        return create_fail (c, 400, "HostConfig.Sysctls: more than %d entries", HARD_MAX_SYSCTLS);
      char *kv = h->sysctls[cfg->n_sysctls];
      snprintf (kv, HARD_SYSCTL_MAX, "%s=%s", k, json_string_value (v));
      if (hard_sysctl_check (kv, c->why, c->cap) < 0 || strlen (k) + strlen (json_string_value (v)) + 1 >= HARD_SYSCTL_MAX)
        return create_fail (c, 400, "sysctl \"%.128s\" is not in a separate kernel namespace", k);
      h->sysctl_ptrs[cfg->n_sysctls++] = kv;
    }
  cfg->sysctls = h->sysctl_ptrs;
  return 0;
}

static bool absent (const json_t *hj, const char *key)
{
  const json_t *v = json_object_get (hj, key);
  return v == NULL || json_is_null (v);
}

/* null: docker's defaults; a list (even empty) replaces them. */
static int take_paths (struct ctx *c, const json_t *hj, const char *key, char **out, size_t *n)
{
  char path[64];
  snprintf (path, sizeof path, "HostConfig.%s", key);
  const json_t *a = json_object_get (hj, key), *e;
  size_t i;
  if (!a || json_is_null (a))
    return 0;
  if (!json_is_array (a))
    return create_type_error (c, path, a, "[]string");
  c->r->cfg.paths_given = true;
  json_array_foreach (a, i, e)
    {
      if (!json_is_string (e))
        return create_type_error (c, path, e, "string");
      if (*n >= HARD_MAX_PATHS)
        return create_fail (c, 400, "%s: more than %d entries", path, HARD_MAX_PATHS);
      out[(*n)++] = (char *) json_string_value (e);
    }
  return 0;
}

int create_take_hardening (struct ctx *c, const json_t *hj)
{
  ContainerConfig *cfg = &c->r->cfg;
  struct create_hard *h = &c->r->hard;
  bool ro;
  int64_t shm;
  if (take_ulimits (c, hj) < 0 || take_tmpfs (c, hj) < 0 || take_sysctls (c, hj) < 0
      || create_get_bool (c, hj, "ReadonlyRootfs", "HostConfig.ReadonlyRootfs", &ro) < 0
      || create_get_int (c, hj, "ShmSize", "HostConfig.ShmSize", &shm, NULL) < 0)
    return -1;
  cfg->readonly_rootfs = ro;
  if (shm < 0)
    return create_fail (c, 400, "SHM size can not be less than 0");
  cfg->shm_size = (uint64_t) shm;
  if (take_paths (c, hj, "MaskedPaths", h->masked, &cfg->n_masked_paths) < 0
      || take_paths (c, hj, "ReadonlyPaths", h->readonly, &cfg->n_readonly_paths) < 0)
    return -1;
  /* one list given, the other null: that one keeps docker's defaults */
  if (cfg->paths_given && absent (hj, "MaskedPaths"))
    for (size_t i = 0; i < HARD_N_DEFAULT_MASKED; i++)
      h->masked[cfg->n_masked_paths++] = (char *) hard_default_masked[i];
  if (cfg->paths_given && absent (hj, "ReadonlyPaths"))
    for (size_t i = 0; i < HARD_N_DEFAULT_READONLY; i++)
      h->readonly[cfg->n_readonly_paths++] = (char *) hard_default_readonly[i];
  cfg->masked_paths = h->masked;
  cfg->readonly_paths = h->readonly;
  return 0;
}
