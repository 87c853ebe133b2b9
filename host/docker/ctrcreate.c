/* docker's create body into a ContainerConfig (ctrcreate.h). dockerd's texts
 * are 20.10's (daemon/container.go verifyContainerSettings, runconfig). Go
 * decodes the body into typed structs: a value of the wrong type is Go's
 * "json: cannot unmarshal ..." (400); unknown keys are ignored by Go, but here a
 * key we do not know set to a non-zero value is refused (501) like a known one
 * we cannot honour: a newer client's setting must not vanish silently.
 *
 * This file: the entry point, the name and Config (container.Config);
 * hostconfig.c: HostConfig and NetworkingConfig; createctx.c: the context and
 * the getters both use. */
#include "ctrcreate.h"
#include "createctx.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgcheck.h"
#include "names.h"
#include "sig.h"

static const struct field config_fields[] = {
  { "Hostname", R_TAKE, NULL },
  { "Domainname", R_ZERO, "--domainname" },
  { "User", R_TAKE, NULL },
  { "AttachStdin", R_ANY, NULL }, /* the attach request says which streams it wants */
  { "AttachStdout", R_ANY, NULL },
  { "AttachStderr", R_ANY, NULL },
  { "ExposedPorts", R_TAKE, NULL }, /* netconfig.c */
  { "Tty", R_TAKE, NULL },
  { "OpenStdin", R_TAKE, NULL },
  { "StdinOnce", R_TAKE, NULL },
  { "Env", R_TAKE, NULL },
  { "Cmd", R_TAKE, NULL },
  { "Healthcheck", R_TAKE, NULL },
  { "ArgsEscaped", R_ANY, NULL }, /* Windows only */
  { "Image", R_TAKE, NULL },
  { "Volumes", R_ANY, NULL },     /* anonymous volumes: the create route makes them (ctrnew.c) */
  { "WorkingDir", R_TAKE, NULL },
  { "Entrypoint", R_TAKE, NULL },
  { "NetworkDisabled", R_ZERO, "--network-disabled" },
  { "MacAddress", R_ZERO, "--mac-address" },
  { "OnBuild", R_ANY, NULL },     /* image builds only */
  { "Shell", R_ANY, NULL },       /* image builds only */
  { "Labels", R_TAKE, NULL },
  { "StopSignal", R_TAKE, NULL },
  { "StopTimeout", R_TAKE, NULL },
  { "HostConfig", R_TAKE, NULL },
  { "NetworkingConfig", R_TAKE, NULL },
};

/* ---- Config ---- */

static int take_command (struct ctx *c, const json_t *cfgj)
{
  struct create_req *r = c->r;
  size_t n = 0;
  bool has_ep;
  /* docker's merge with the image's config: the one image is the built-in
   * busybox, whose config is docker's busybox's (no Entrypoint, Cmd ["sh"]):
   * with neither in the request, the command is sh; an Entrypoint given drops
   * the image's Cmd. */
  if (create_get_strings (c, cfgj, "Entrypoint", "Config.Entrypoint", true, r->argv, &n, &has_ep) < 0)
    return -1;
  /* --entrypoint "" sends [""] to clear the image's: no entrypoint part */
  if (n == 1 && r->argv[0][0] == '\0')
    n = 0;
  r->cfg.entrypoint_len = (uint32_t) n;
  if (create_get_strings (c, cfgj, "Cmd", "Config.Cmd", true, r->argv, &n, NULL) < 0)
    return -1;
  /* the image's Cmd and Entrypoint are merged in before (imgmerge.c) */
  if (n == 0)
    return create_fail (c, 400, "No command specified");
  r->cfg.argv = r->argv;
  r->cfg.n_argv = n;
  return 0;
}

static int take_env (struct ctx *c, const json_t *cfgj)
{
  struct create_req *r = c->r;
  size_t n = 0;
  if (create_get_strings (c, cfgj, "Env", "Config.Env", false, r->env, &n, NULL) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (!cfg_env_valid (r->env[i]))
      return create_fail (c, 400, "invalid environment variable: %.200s", r->env[i]);
  r->cfg.env = r->env;
  r->cfg.n_env = n;
  return 0;
}

static int key_cmp (const void *a, const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Labels {K: V} as "K=V", sorted by key: the same body gives the same config. */
static int take_labels (struct ctx *c, const json_t *cfgj)
{
  struct create_req *r = c->r;
  const json_t *lo;
  if (create_get_object (c, cfgj, "Labels", "Config.Labels", &lo) < 0)
    return -1;
  if (lo == NULL || json_object_size (lo) == 0)
    return 0;
  size_t n = json_object_size (lo), total = 0, i = 0;
  if (n > CREATE_MAX_LIST)
    return create_fail (c, 400, "Config.Labels: more than %d entries (tetherd's bound)", CREATE_MAX_LIST);
  const char *k;
  json_t *v;
  json_object_foreach ((json_t *) lo, k, v)
    {
      if (!json_is_string (v))
        return create_type_error (c, "Config.Labels", v, "string");
      r->labels[i++] = (char *) k;
      total += strlen (k) + json_string_length (v) + 2;
    }
  qsort (r->labels, n, sizeof *r->labels, key_cmp);
  r->arena = malloc (total);
  if (r->arena == NULL)
    return create_fail (c, 500, "out of memory");
  char *p = r->arena;
  for (i = 0; i < n; i++)
    {
      const char *val = json_string_value (json_object_get (lo, r->labels[i]));
      size_t kl = strlen (r->labels[i]), vl = strlen (val);
      memcpy (p, r->labels[i], kl);
      p[kl] = '=';
      memcpy (p + kl + 1, val, vl + 1);
      r->labels[i] = p;
      p += kl + vl + 2;
    }
  r->cfg.labels = r->labels;
  r->cfg.n_labels = n;
  return 0;
}

/* moby's containertypes.MinimumDuration */
#define HEALTH_MIN_NS 1000000

static int take_healthcheck (struct ctx *c, const json_t *cfgj)
{
  struct create_req *r = c->r;
  const json_t *hj;
  if (create_get_object (c, cfgj, "Healthcheck", "Config.Healthcheck", &hj) < 0)
    return -1;
  if (hj == NULL)
    return 0;
  static const char *const keys[] = { "Interval", "Timeout", "StartPeriod", "StartInterval" };
  int64_t *durs[] = { &r->hc.interval_ns, &r->hc.timeout_ns, &r->hc.start_period_ns, &r->hc.start_interval_ns };
  for (size_t i = 0; i < 4; i++)
    {
      char path[64];
      snprintf (path, sizeof path, "Config.Healthcheck.%s", keys[i]);
      if (create_get_int (c, hj, keys[i], path, durs[i], NULL) < 0)
        return -1;
      if (*durs[i] != 0 && *durs[i] < HEALTH_MIN_NS)
        return create_fail (c, 400, "%s in Healthcheck cannot be less than 1ms", keys[i]);
    }
  int64_t retries;
  if (create_get_int (c, hj, "Retries", "Config.Healthcheck.Retries", &retries, NULL) < 0)
    return -1;
  if (retries < 0)
    return create_fail (c, 400, "Retries in Healthcheck cannot be negative");
  if (retries > INT32_MAX)
    return create_fail (c, 400, "Retries in Healthcheck is too large");
  r->hc.retries = (int32_t) retries;
  size_t n = 0;
  if (create_get_strings (c, hj, "Test", "Config.Healthcheck.Test", false, r->test, &n, NULL) < 0)
    return -1;
  /* [] inherits the image's (there is none); the tether knows these three */
  if (n > 0 && strcmp (r->test[0], "NONE") && strcmp (r->test[0], "CMD") && strcmp (r->test[0], "CMD-SHELL"))
    return create_fail (c, 400, "unknown Healthcheck.Test type '%.64s': use NONE, CMD or CMD-SHELL", r->test[0]);
  r->hc.test = r->test;
  r->hc.n_test = n;
  r->cfg.healthcheck = &r->hc;
  return 0;
}

static int take_config (struct ctx *c, const json_t *cfgj)
{
  struct create_req *r = c->r;
  ContainerConfig *cfg = &r->cfg;
  const char *s;
  bool b;
  if (create_get_string (c, cfgj, "Image", "Config.Image", &s) < 0)
    return -1;
  if (strlen (s) >= sizeof r->image)
    return create_fail (c, 400, "invalid reference format: repository name must not be more than 255 characters");
  strcpy (r->image, s);
  cfg->image = r->image;
  if (take_command (c, cfgj) < 0 || take_env (c, cfgj) < 0 || take_labels (c, cfgj) < 0
      || take_healthcheck (c, cfgj) < 0)
    return -1;
  if (create_get_string (c, cfgj, "WorkingDir", "Config.WorkingDir", &s) < 0)
    return -1;
  if (!cfg_cwd_valid (s))
    return create_fail (c, 400, "the working directory '%.200s' is invalid, it needs to be an absolute path", s);
  cfg->cwd = (char *) s;
  cfg->create_cwd = s[0] != '\0'; /* docker creates a missing working directory */
  if (create_get_string (c, cfgj, "User", "Config.User", &s) < 0)
    return -1;
  cfg->user = (char *) s;
  if (create_get_string (c, cfgj, "Hostname", "Config.Hostname", &s) < 0)
    return -1;
  if (strlen (s) > 64) /* sethostname's bound: the start would fail */
    return create_fail (c, 400, "invalid hostname '%.80s': longer than 64 bytes", s);
  cfg->hostname = (char *) s;
  if (create_get_bool (c, cfgj, "Tty", "Config.Tty", &b) < 0)
    return -1;
  cfg->tty = b;
  if (create_get_bool (c, cfgj, "OpenStdin", "Config.OpenStdin", &b) < 0)
    return -1;
  cfg->open_stdin = b;
  if (create_get_bool (c, cfgj, "StdinOnce", "Config.StdinOnce", &b) < 0)
    return -1;
  r->stdin_once = b;
  if (create_get_string (c, cfgj, "StopSignal", "Config.StopSignal", &s) < 0)
    return -1;
  if (s[0])
    {
      int sig = sig_parse (s);
      if (sig < 0)
        return create_fail (c, 400, "Invalid signal: %.64s", s);
      cfg->stop_signal = (uint32_t) sig;
    }
  int64_t t;
  bool has_t;
  if (create_get_int (c, cfgj, "StopTimeout", "Config.StopTimeout", &t, &has_t) < 0)
    return -1;
  if (has_t && t < 0)
    return create_unsupported (c, "Config.StopTimeout", "a negative timeout: wait for ever");
  if (has_t && t > INT32_MAX)
    return create_fail (c, 400, "Config.StopTimeout %lld is too large", (long long) t);
  cfg->stop_timeout_s = has_t ? (int32_t) t : -1;
  return create_check_rest (c, cfgj, "Config", config_fields, sizeof config_fields / sizeof config_fields[0]);
}

static int take_name (struct ctx *c, const char *name_q)
{
  struct create_req *r = c->r;
  if (name_q == NULL || name_q[0] == '\0')
    {
      r->is_name_generated = true;
      return names_generate (r->name, sizeof r->name) < 0 ? create_fail (c, 500, "cannot generate a name") : 0;
    }
  const char *n = name_q[0] == '/' ? name_q + 1 : name_q; /* docker strips one leading slash */
  if (!cfg_name_valid (n))
    return create_fail (c, 400, "Invalid container name (%.200s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", n);
  if (strlen (n) >= sizeof r->name)
    return create_fail (c, 400, "Invalid container name (%.200s...): longer than %zu bytes", n, sizeof r->name - 2);
  strcpy (r->name, n);
  return 0;
}

static void req_init (struct create_req *r)
{
  memset (r, 0, sizeof *r);
  container_config__init (&r->cfg);
  healthcheck__init (&r->hc);
  restart_policy__init (&r->rp);
  r->cfg.stop_timeout_s = -1;
  r->cfg.name = r->name;
  r->cfg.image = r->image;
}

static int parse (struct ctx *c, const char *body, size_t len, const char *name_q)
{
  struct create_req *r = c->r;
  if (len > CREATE_MAX_BODY)
    return create_fail (c, 413, "request body of %zu bytes is larger than tetherd's %d", len, CREATE_MAX_BODY);
  json_error_t jerr;
  r->root = json_loadb (body ? body : "", len, 0, &jerr);
  if (r->root == NULL)
    return create_fail (c, 400, "invalid JSON: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
  if (!json_is_object (r->root))
    return create_fail (c, 400, "invalid JSON: json: cannot unmarshal %s into Go value of type container.CreateRequest",
                        create_go_kind (r->root));
  /* every list is bounded by CREATE_MAX_LIST entries: the arrays are that
   * size, allocated once (argv holds Entrypoint and Cmd together) */
  r->argv = calloc (CREATE_MAX_LIST, sizeof *r->argv);
  r->env = calloc (CREATE_MAX_LIST, sizeof *r->env);
  r->labels = calloc (CREATE_MAX_LIST, sizeof *r->labels);
  r->test = calloc (CREATE_MAX_LIST, sizeof *r->test);
  if (!r->argv || !r->env || !r->labels || !r->test)
    return create_fail (c, 500, "out of memory");
  const json_t *hj = NULL, *nj = NULL;
  if (take_name (c, name_q) < 0 || take_config (c, r->root) < 0
      || create_get_object (c, r->root, "HostConfig", "HostConfig", &hj) < 0
      || (hj && create_take_host_config (c, hj) < 0)
      || create_get_object (c, r->root, "NetworkingConfig", "NetworkingConfig", &nj) < 0
      || (nj && create_take_networking (c, nj) < 0)
      || create_take_network (c, r->root, hj) < 0)
    return -1;
  if (hj == NULL)
    r->cfg.memory_bytes = CREATE_MEMORY_DEFAULT;
  size_t packed = container_config__get_packed_size (&r->cfg);
  if (packed > CREATE_MAX_PACKED)
    return create_fail (c, 400, "the container's config is %zu bytes packed, more than tetherd's %d", packed,
                        CREATE_MAX_PACKED);
  return 0;
}

int create_req_parse (struct create_req *r, const char *body, size_t len, const char *name_q, int *status, char *why,
                      size_t cap)
{
  struct ctx c = { r, status, why, cap };
  req_init (r);
  *status = 0;
  if (cap)
    why[0] = '\0';
  if (parse (&c, body, len, name_q) < 0)
    {
      create_req_free (r);
      return -1;
    }
  return 0;
}

void create_req_free (struct create_req *r)
{
  json_decref (r->root);
  free (r->argv);
  free (r->env);
  free (r->labels);
  free (r->test);
  free (r->arena);
  if (r->seccomp)
    seccomp_profile__free_unpacked (r->seccomp, NULL);
  free (r->group_add);
  free (r->cap_add);
  free (r->cap_drop);
  free (r->security_opt);
  req_init (r);
}
