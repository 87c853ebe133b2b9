/* HostConfig and NetworkingConfig of docker's create body (ctrcreate.h): what
 * the VM is given (memory, CPUs, named volumes, restart policy, json-file log
 * rotation, console size, init, groups, capabilities, privileged,
 * no-new-privileges) and the host-side settings it cannot honour,
 * refused by name. Config and the entry point are in ctrcreate.c. */
#include "createctx.h"
#include "humansize.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnames.h"
#include "cfgcheck.h"
#include "logstore.h"
#include "netrec.h"
#include "securityopt.h"

static const struct field host_fields[] = {
  { "Binds", R_TAKE, NULL },
  { "ContainerIDFile", R_ANY, NULL }, /* --cidfile: the CLI writes it */
  { "LogConfig", R_TAKE, NULL },
  { "NetworkMode", R_TAKE, NULL },
  { "PortBindings", R_TAKE, NULL }, /* netconfig.c */
  { "RestartPolicy", R_TAKE, NULL },
  { "AutoRemove", R_TAKE, NULL },
  { "VolumeDriver", R_ZERO, "--volume-driver" },
  { "VolumesFrom", R_ZERO, "--volumes-from" },
  { "ConsoleSize", R_TAKE, NULL },
  { "Annotations", R_ZERO, "--annotation" },
  { "CapAdd", R_TAKE, NULL },
  { "CapDrop", R_TAKE, NULL },
  { "CgroupnsMode", R_TAKE, NULL },
  { "Dns", R_TAKE, NULL }, /* netconfig.c */
  { "DnsOptions", R_ZERO, "--dns-option" },
  { "DnsSearch", R_ZERO, "--dns-search" },
  { "ExtraHosts", R_TAKE, NULL }, /* netconfig.c */
  { "GroupAdd", R_TAKE, NULL },
  { "IpcMode", R_ZERO, "--ipc" },
  { "Cgroup", R_ZERO, "--cgroup" },
  { "Links", R_ZERO, "--link" },
  { "OomScoreAdj", R_ZERO, "--oom-score-adj" },
  { "PidMode", R_ZERO, "--pid" },
  { "Privileged", R_TAKE, NULL },
  { "PublishAllPorts", R_TAKE, NULL }, /* netconfig.c */
  { "ReadonlyRootfs", R_TAKE, NULL }, /* hardconfig.c */
  { "SecurityOpt", R_TAKE, NULL },
  { "StorageOpt", R_ZERO, "--storage-opt" },
  { "Tmpfs", R_TAKE, NULL }, /* hardconfig.c */
  { "UTSMode", R_ZERO, "--uts" },
  { "UsernsMode", R_ZERO, "--userns" },
  { "ShmSize", R_TAKE, NULL }, /* hardconfig.c */
  { "Sysctls", R_TAKE, NULL }, /* hardconfig.c */
  { "Runtime", R_ZERO, "--runtime" },
  { "Isolation", R_TAKE, NULL },
  { "CpuShares", R_ZERO, "-c, --cpu-shares" },
  { "Memory", R_TAKE, NULL },
  { "NanoCpus", R_TAKE, NULL },
  { "CgroupParent", R_ZERO, "--cgroup-parent" },
  { "Devices", R_ZERO, "--device" },
  { "DeviceRequests", R_ZERO, "--gpus" },
  { "MemorySwap", R_ZERO, "--memory-swap" },
  { "MemorySwappiness", R_TAKE, NULL },
  { "PidsLimit", R_ZERO, "--pids-limit" },
  { "Ulimits", R_TAKE, NULL }, /* hardconfig.c */
  { "MaskedPaths", R_TAKE, NULL }, /* hardconfig.c */
  { "ReadonlyPaths", R_TAKE, NULL }, /* hardconfig.c */
  { "Mounts", R_TAKE, NULL },
  { "Init", R_TAKE, NULL },
  /* the rest (Blkio*, Cpu*, Kernel*, MemoryReservation, OomKillDisable, ...)
   * fall to the unknown-key rule: zero only, named by their key */
};

/* An object whose every member is zero, deeply: what the CLI sends for an
 * endpoint it has no settings for. */
static bool is_deep_zero (const json_t *v)
{
  if (!json_is_object (v))
    return create_is_zero (v);
  const char *k;
  json_t *m;
  json_object_foreach ((json_t *) v, k, m)
    if (!is_deep_zero (m))
      return false;
  return true;
}

/* docker's restart policies (20.10 daemon/container.go validateRestartPolicy). */
static int take_restart (struct ctx *c, const json_t *hj, bool auto_remove)
{
  struct create_req *r = c->r;
  const json_t *pj;
  const char *name = "";
  int64_t max = 0;
  if (create_get_object (c, hj, "RestartPolicy", "HostConfig.RestartPolicy", &pj) < 0)
    return -1;
  if (pj && (create_get_string (c, pj, "Name", "HostConfig.RestartPolicy.Name", &name) < 0
             || create_get_int (c, pj, "MaximumRetryCount", "HostConfig.RestartPolicy.MaximumRetryCount", &max,
                                NULL) < 0))
    return -1;
  bool is_none = name[0] == '\0' || strcmp (name, "no") == 0;
  if (strcmp (name, "on-failure") == 0)
    {
      if (max < 0)
        return create_fail (c, 400, "maximum retry count cannot be negative");
      if (max > INT32_MAX)
        return create_fail (c, 400, "maximum retry count is too large");
    }
  else if (is_none || strcmp (name, "always") == 0 || strcmp (name, "unless-stopped") == 0)
    {
      if (max != 0)
        return create_fail (c, 400, "maximum retry count cannot be used with restart policy '%s'", name);
    }
  else
    return create_fail (c, 400, "invalid restart policy '%.64s'", name);
  if (auto_remove && !is_none)
    return create_fail (c, 400, "can't create 'AutoRemove' container with restart policy");
  if (name[0])
    {
      r->rp.name = (char *) name;
      r->rp.maximum_retry_count = (int32_t) max;
      r->cfg.restart_policy = &r->rp;
    }
  return 0;
}

/* LogConfig: the endpoint keeps json-file logs, rotated by max-size/max-file. */
static int take_log (struct ctx *c, const json_t *hj)
{
  ContainerConfig *cfg = &c->r->cfg;
  const json_t *lj, *oj;
  const char *type;
  if (create_get_object (c, hj, "LogConfig", "HostConfig.LogConfig", &lj) < 0)
    return -1;
  if (lj == NULL)
    return 0;
  if (create_get_string (c, lj, "Type", "HostConfig.LogConfig.Type", &type) < 0
      || create_get_object (c, lj, "Config", "HostConfig.LogConfig.Config", &oj) < 0)
    return -1;
  if (type[0] && strcmp (type, "json-file") != 0)
    return create_fail (c, 501, "HostConfig.LogConfig.Type '%.64s' (--log-driver) is not supported by tetherd yet: "
                                "it keeps json-file logs", type);
  if (oj == NULL)
    return 0;
  const char *k;
  json_t *v;
  json_object_foreach ((json_t *) oj, k, v)
    {
      if (!json_is_string (v))
        return create_type_error (c, "HostConfig.LogConfig.Config", v, "string");
      const char *s = json_string_value (v);
      if (strcmp (k, "max-size") == 0)
        {
          uint64_t n;
          if (human_size (s, &n) < 0)
            return create_fail (c, 400, "invalid size: '%.64s'", s);
          cfg->log_max_size = n;
        }
      else if (strcmp (k, "max-file") == 0)
        {
          char *end;
          long n = strtol (s, &end, 10);
          if (end == s || *end)
            return create_fail (c, 400, "strconv.Atoi: parsing \"%.64s\": invalid syntax", s);
          if (n < 1)
            return create_fail (c, 400, "max-file cannot be less than 1");
          if (n > LOG_MAX_FILE)
            return create_fail (c, 400, "max-file %ld is more than tetherd keeps (%d)", n, LOG_MAX_FILE);
          cfg->log_max_file = (uint32_t) n;
        }
      else if (strcmp (k, "compress") == 0 || strcmp (k, "labels") == 0 || strcmp (k, "labels-regex") == 0
               || strcmp (k, "env") == 0 || strcmp (k, "env-regex") == 0 || strcmp (k, "tag") == 0)
        return create_fail (c, 501, "HostConfig.LogConfig.Config.%s (--log-opt %s) is not supported by tetherd yet", k,
                            k);
      else
        return create_fail (c, 400, "unknown log opt '%.64s' for json-file log driver", k);
    }
  return 0;
}

/* Binds: named volumes ("NAME:/PATH", read-write) reach a container VM as
 * disks of their own; Mounts of type tmpfs go to hardconfig.c; host paths,
 * options and other Mounts do not yet. */
static int take_mounts (struct ctx *c, const json_t *hj)
{
  struct create_req *r = c->r;
  const json_t *bj = json_object_get (hj, "Binds");
  if (bj && !json_is_null (bj))
    {
      if (!json_is_array (bj))
        return create_type_error (c, "HostConfig.Binds", bj, "[]string");
      size_t i;
      const json_t *e;
      json_array_foreach (bj, i, e)
      {
        const char *s = json_is_string (e) ? json_string_value (e) : "";
        const char *colon = strchr (s, ':');
        if (s[0] == '/' || s[0] == '.' || s[0] == '~')
          return create_fail (c, 501, "HostConfig.Binds (bind mounts of host paths: %.200s) is not supported by "
                                      "tetherd yet", s);
        char name[CREATE_VOLUME_NAME];
        size_t nl = colon ? (size_t) (colon - s) : 0;
        if (colon == NULL || colon[1] != '/' || nl >= sizeof name)
          return create_fail (c, 400, "invalid volume specification: '%.200s'", s);
        snprintf (name, sizeof name, "%.*s", (int) nl, s);
        if (!cfg_name_valid (name))
          return create_fail (c, 400, "create %s: \"%s\" includes invalid characters for a local volume name, only "
                                      "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed",
                              name, name);
        const char *opt = strchr (colon + 1, ':');
        if (opt && strcmp (opt, ":rw") != 0)
          return create_fail (c, 501, "HostConfig.Binds (volume options %.60s) is not supported by tetherd yet", opt);
        if (r->n_volumes == CREATE_MAX_VOLUMES)
          return create_fail (c, 400, "at most %d volumes", CREATE_MAX_VOLUMES);
        snprintf (r->volumes[r->n_volumes], sizeof r->volumes[0], "%.*s", opt ? (int) (opt - s) : (int) strlen (s),
                  s);
        r->volume_ptrs[r->n_volumes] = r->volumes[r->n_volumes];
        r->n_volumes++;
      }
    }
  const json_t *mj = json_object_get (hj, "Mounts");
  if (mj && !json_is_null (mj))
    {
      if (!json_is_array (mj))
        return create_type_error (c, "HostConfig.Mounts", mj, "[]mount.Mount");
      size_t i;
      const json_t *e;
      json_array_foreach (mj, i, e)
        {
          const char *type = json_string_value (json_object_get (e, "Type"));
          if (type && strcmp (type, "tmpfs") == 0)
            {
              if (create_take_tmpfs_mount (c, e) < 0)
                return -1;
              continue;
            }
          const char *dst = json_string_value (json_object_get (e, "Target"));
          type = type ? type : "";
          return create_fail (c, 501, "HostConfig.Mounts (%s%s mounts, on %.200s) is not supported by tetherd yet",
                              strcmp (type, "volume") == 0 ? "named volume"
                              : strcmp (type, "bind") == 0 ? "host path bind"
                                                           : "type ",
                              strcmp (type, "volume") == 0 || strcmp (type, "bind") == 0 ? "" : type, dst ? dst : "?");
        }
    }
  return 0;
}

/* A []string of HostConfig into an array of its own (CREATE_MAX_LIST at most). */
static int take_list (struct ctx *c, const json_t *hj, const char *key, const char *path, char ***owned, char ***field,
                      size_t *n)
{
  const json_t *v = json_object_get (hj, key);
  if (v == NULL || json_is_null (v))
    return 0;
  if (*owned == NULL && (*owned = calloc (CREATE_MAX_LIST, sizeof **owned)) == NULL)
    return create_fail (c, 500, "out of memory");
  *n = 0;
  if (create_get_strings (c, hj, key, path, false, *owned, n, NULL) < 0)
    return -1;
  *field = *owned;
  return 0;
}

/* Groups and capabilities (docs/security.md). Capability names are checked
 * here, as dockerd checks them at create; groups are names in the container's
 * /etc/group, found at start (dockerd's "Unable to find group" is a start error). */
static int take_confine (struct ctx *c, const json_t *hj)
{
  struct create_req *r = c->r;
  ContainerConfig *cfg = &r->cfg;
  bool b;
  if (take_list (c, hj, "GroupAdd", "HostConfig.GroupAdd", &r->group_add, &cfg->group_add, &cfg->n_group_add) < 0
      || take_list (c, hj, "CapAdd", "HostConfig.CapAdd", &r->cap_add, &cfg->cap_add, &cfg->n_cap_add) < 0
      || take_list (c, hj, "CapDrop", "HostConfig.CapDrop", &r->cap_drop, &cfg->cap_drop, &cfg->n_cap_drop) < 0
      || create_get_bool (c, hj, "Privileged", "HostConfig.Privileged", &b) < 0)
    return -1;
  cfg->privileged = b;
  uint64_t caps;
  char why[200];
  if (capset_of (cfg->privileged, cfg->cap_add, cfg->n_cap_add, cfg->cap_drop, cfg->n_cap_drop, ~0ull, &caps, why,
                 sizeof why)
      < 0)
    return create_fail (c, 400, "%s", why);
  return 0;
}

static bool is_default_network (const char *mode)
{
  return mode[0] == '\0' || strcmp (mode, "default") == 0 || strcmp (mode, "bridge") == 0
         || strcmp (mode, "none") == 0;
}

/* The default network, none, or a bridge network's record (netrec.h); else
 * docker's 404. A host network or container:ID cannot be honoured in a VM. */
static bool network_known (struct ctx *c, const char *field, const char *mode)
{
  static struct netrec rec;
  struct terr err;
  if (is_default_network (mode))
    return true;
  if (strcmp (mode, "host") == 0 || strncmp (mode, "container:", 10) == 0)
    return create_fail (c, 501, "%s '%.64s' (--network) is not supported by tetherd (a container is a VM)", field,
                        mode), false;
  /* docker's words; not its 404, which makes the CLI pull the image instead */
  if (netrec_load (mode, &rec, &err) < 0)
    return create_fail (c, 400, "network %.64s not found", mode), false;
  return true;
}

static int take_resources (struct ctx *c, const json_t *hj)
{
  ContainerConfig *cfg = &c->r->cfg;
  int64_t mem, nano;
  if (create_get_int (c, hj, "Memory", "HostConfig.Memory", &mem, NULL) < 0
      || create_get_int (c, hj, "NanoCpus", "HostConfig.NanoCpus", &nano, NULL) < 0)
    return -1;
  if (mem < 0)
    return create_fail (c, 400, "invalid memory limit %lld", (long long) mem);
  if (mem != 0 && (uint64_t) mem < CREATE_MEMORY_MIN)
    return create_fail (c, 400, "Minimum memory limit allowed is 96MB (a tether container is a VM: it needs 96 MiB)");
  if ((uint64_t) mem > CREATE_MEMORY_MAX)
    return create_fail (c, 400, "Maximum memory limit allowed is 1TB (tetherd's bound for a VM)");
  cfg->memory_bytes = mem ? (uint64_t) mem : CREATE_MEMORY_DEFAULT;
  if (nano < 0 || nano > (int64_t) CREATE_MAX_CPUS * 1000000000)
    return create_fail (c, 400, "Range of CPUs is from 0.01 to %d.00, as there are only %d CPUs available",
                        CREATE_MAX_CPUS, CREATE_MAX_CPUS);
  /* a VM has whole CPUs: 1.5 becomes 2, so the limit is never tighter than asked */
  cfg->cpus = (uint32_t) ((nano + 999999999) / 1000000000);
  int64_t swappiness;
  bool has_sw;
  if (create_get_int (c, hj, "MemorySwappiness", "HostConfig.MemorySwappiness", &swappiness, &has_sw) < 0)
    return -1;
  if (has_sw && swappiness != -1)
    return create_unsupported (c, "HostConfig.MemorySwappiness", "--memory-swappiness");
  return 0;
}

/* HostConfig.SecurityOpt as dockerd 20.10's parseSecurityOpt (securityopt.h,
 * tetherctl's parser too): no-new-privileges[:bool]; seccomp=unconfined,
 * =builtin, or the profile's JSON text inline (the docker CLI reads
 * --security-opt seccomp=FILE and sends the file). The profile is decoded
 * here, where dockerd decodes it at start: `docker create` with a bad profile
 * fails at once. apparmor and label are docker's, not the tether's: 501. */
static int take_security_opt (struct ctx *c, const json_t *hj)
{
  const json_t *a = json_object_get (hj, "SecurityOpt"), *e;
  size_t i;
  if (!a || json_is_null (a))
    return 0;
  if (!json_is_array (a))
    return create_type_error (c, "HostConfig.SecurityOpt", a, "[]string");
  struct security_opts so = { 0 };
  json_array_foreach (a, i, e)
    {
      if (!json_is_string (e))
        {
          security_opts_free (&so);
          return create_type_error (c, "HostConfig.SecurityOpt", e, "string");
        }
      int r = security_opt_take (&so, json_string_value (e), c->why, c->cap);
      if (r < 0)
        {
          security_opts_free (&so);
          if (r == SECURITY_OPT_UNSUPPORTED)
            {
              char name[64];
              snprintf (name, sizeof name, "%s", c->why);
              return create_fail (c, 501,
                                  "HostConfig.SecurityOpt '%s' (--security-opt %s) is not supported by tetherd yet "
                                  "(no-new-privileges and seccomp= are)",
                                  name, name);
            }
          return *c->status = 400, -1;
        }
    }
  ContainerConfig *cfg = &c->r->cfg;
  if (c->r->seccomp)
    seccomp_profile__free_unpacked (c->r->seccomp, NULL);
  c->r->seccomp = so.seccomp_profile; /* the request owns it from here */
  cfg->seccomp_mode = so.seccomp_mode;
  cfg->seccomp_profile = so.seccomp_profile;
  cfg->no_new_privileges = so.no_new_privileges;
  /* kept as given for inspect, a profile's JSON too (dockerd does) */
  return take_list (c, hj, "SecurityOpt", "HostConfig.SecurityOpt", &c->r->security_opt, &cfg->security_opt,
                    &cfg->n_security_opt);
}

int create_take_host_config (struct ctx *c, const json_t *hj)
{
  ContainerConfig *cfg = &c->r->cfg;
  const char *s;
  bool b;
  if (take_mounts (c, hj) < 0 || take_resources (c, hj) < 0 || take_log (c, hj) < 0 || take_confine (c, hj) < 0
      || take_security_opt (c, hj) < 0 || create_take_hardening (c, hj) < 0)
    return -1;
  if (create_get_bool (c, hj, "AutoRemove", "HostConfig.AutoRemove", &b) < 0)
    return -1;
  cfg->auto_remove = b;
  if (take_restart (c, hj, b) < 0)
    return -1;
  if (create_get_bool (c, hj, "Init", "HostConfig.Init", &b) < 0)
    return -1;
  cfg->init = b;
  if (create_get_string (c, hj, "NetworkMode", "HostConfig.NetworkMode", &s) < 0)
    return -1;
  if (!network_known (c, "HostConfig.NetworkMode", s))
    return -1;
  if (create_get_string (c, hj, "CgroupnsMode", "HostConfig.CgroupnsMode", &s) < 0)
    return -1;
  if (s[0] && strcmp (s, "private") != 0)
    return create_fail (c, 501, "HostConfig.CgroupnsMode '%.64s' (--cgroupns) is not supported by tetherd yet", s);
  if (create_get_string (c, hj, "Isolation", "HostConfig.Isolation", &s) < 0)
    return -1;
  if (s[0] && strcmp (s, "default") != 0)
    return create_fail (c, 501, "HostConfig.Isolation '%.64s' (--isolation) is not supported by tetherd yet", s);
  const json_t *cs = json_object_get (hj, "ConsoleSize");
  if (cs && !json_is_null (cs))
    {
      const json_t *h = json_array_get (cs, 0), *w = json_array_get (cs, 1);
      if (!json_is_array (cs) || json_array_size (cs) != 2 || !json_is_integer (h) || !json_is_integer (w)
          || json_integer_value (h) < 0 || json_integer_value (w) < 0 || json_integer_value (h) > 65535
          || json_integer_value (w) > 65535)
        return create_fail (c, 400, "HostConfig.ConsoleSize: want [rows, cols], each 0 to 65535");
      cfg->rows = (uint32_t) json_integer_value (h);
      cfg->cols = (uint32_t) json_integer_value (w);
    }
  return create_check_rest (c, hj, "HostConfig", host_fields, sizeof host_fields / sizeof host_fields[0]);
}

/* NetworkingConfig.EndpointsConfig: the CLI names the default network with
 * every setting at zero; an endpoint with settings (--ip, --network-alias...) or
 * another network cannot be honoured. */
int create_take_networking (struct ctx *c, const json_t *nj)
{
  const json_t *ej;
  if (create_get_object (c, nj, "EndpointsConfig", "NetworkingConfig.EndpointsConfig", &ej) < 0)
    return -1;
  if (ej)
    {
      const char *k;
      json_t *v;
      json_object_foreach ((json_t *) ej, k, v)
        {
          if (!network_known (c, "NetworkingConfig.EndpointsConfig", k))
            return -1;
          if (!is_deep_zero (v))
            return create_fail (c, 501, "NetworkingConfig.EndpointsConfig.%s (endpoint settings such as --ip, "
                                        "--network-alias) is not supported by tetherd yet", k);
        }
    }
  static const struct field fs[] = { { "EndpointsConfig", R_TAKE, NULL } };
  return create_check_rest (c, nj, "NetworkingConfig", fs, 1);
}
