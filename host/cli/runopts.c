#include "runopts.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capnames.h"
#include "cfgcheck.h"
#include "cli.h"
#include "humansize.h"
#include "logstore.h"
#include "seccompjson.h"
#include "session.h"
#include "sig.h"

#define MAX_VM_MEM_MIB (1 << 20)
#define MIN_VM_MEM_MIB 96

enum {
  O_HELP = 256, O_NAME, O_STOP_SIGNAL, O_STOP_TIMEOUT,
  O_IMAGE, O_MEMORY, O_CPUS, O_ACCEL, O_SERIAL, O_LOG_OPT, O_INIT, O_NO_TEMPLATE,
  O_GROUP_ADD, O_CAP_ADD, O_CAP_DROP, O_PRIVILEGED, O_SECURITY_OPT,
};

#define RUN (OPTS_RUN_HOST | OPTS_RUN_VM)
#define ALL (RUN | OPTS_EXEC)

struct opt_def {
  const char *name;
  int key;                   /* the short letter, or an O_ value */
  const char *arg;           /* NULL: a flag */
  unsigned verbs;            /* where it is accepted */
  const char *help;          /* continuation lines start with '\n' */
};

static const struct opt_def defs[] = {
  { "image", O_IMAGE, "DIR|TAR|LAYER.vmdk", OPTS_RUN_VM,
    "an image layer, bottom first (repeatable;\ndefault: busybox)" },
  { "detach", 'd', NULL, RUN, "print the container id and return" },
  { "detach", 'd', NULL, OPTS_EXEC, "run in the background (output discarded)" },
  { "env", 'e', "K=V", ALL, "set an environment variable (K alone: take it from here)" },
  { "interactive", 'i', NULL, ALL, "keep stdin open and relay it" },
  { "tty", 't', NULL, ALL, "allocate a pseudo-tty" },
  { "user", 'u', "USER[:GROUP]", ALL, "run as this user (a name or uid, a group name or gid)" },
  { "group-add", O_GROUP_ADD, "GROUP", RUN, "an additional group, a name or gid (repeatable)" },
  { "cap-add", O_CAP_ADD, "CAP", RUN, "add a capability (NET_ADMIN, cap_sys_time, ALL; repeatable)" },
  { "cap-drop", O_CAP_DROP, "CAP", RUN, "drop a capability (repeatable)" },
  { "privileged", O_PRIVILEGED, NULL, RUN, "every capability, no seccomp filter, writable /sys\n"
                                           "(a VM: the VM's devices too)" },
  { "privileged", O_PRIVILEGED, NULL, OPTS_EXEC, "every capability" },
  { "workdir", 'w', "DIR", RUN, "working directory (created if missing)" },
  { "workdir", 'w', "DIR", OPTS_EXEC, "working directory" },
  { "volume", 'v', "NAME:/PATH", OPTS_RUN_VM, "a named volume (created on first use, kept)" },
  { "name", O_NAME, "NAME", RUN, "name the container" },
  { "memory", O_MEMORY, "MIB", OPTS_RUN_VM, "VM memory (default 128)" },
  { "cpus", O_CPUS, "N", OPTS_RUN_VM, "VM CPUs (default 1)" },
  { "init", O_INIT, NULL, RUN, "run an init as PID 1 that forwards signals and reaps\n"
                                "(default: the command is PID 1, as docker's)" },
  { "security-opt", O_SECURITY_OPT, "OPT", RUN, "no-new-privileges[:true|false], seccomp=unconfined,\n"
                                                 "or seccomp=PROFILE.json in docker's format\n"
                                                 "(default: docker 20.10's profile);\n"
                                                 "systempaths=unconfined: no masked or read-only /proc paths" },
  { "stop-signal", O_STOP_SIGNAL, "SIG", RUN, "signal `stop` sends first (default SIGTERM)" },
  { "stop-timeout", O_STOP_TIMEOUT, "S", RUN, "seconds `stop` waits before SIGKILL (default 10)" },
  { "health-cmd", HEALTHOPT_HEALTH_CMD, "CMD", RUN, "run CMD (/bin/sh -c) in the container to check its health" },
  { "health-interval", HEALTHOPT_HEALTH_INTERVAL, "D", RUN,
    "time between checks (default 30s; Go durations: 500ms, 1m30s)" },
  { "health-timeout", HEALTHOPT_HEALTH_TIMEOUT, "D", RUN, "a check running longer fails (default 30s)" },
  { "health-start-period", HEALTHOPT_HEALTH_START_PERIOD, "D", RUN,
    "failures in this time after start do not count\n(default 0s)" },
  { "health-start-interval", HEALTHOPT_HEALTH_START_INTERVAL, "D", RUN,
    "time between checks during the start period\n(default 5s)" },
  { "health-retries", HEALTHOPT_HEALTH_RETRIES, "N", RUN, "failures in a row that make it unhealthy (default 3)" },
  { "no-healthcheck", HEALTHOPT_NO_HEALTHCHECK, NULL, RUN, "disable any health check" },
  { "restart", HEALTHOPT_RESTART, "POLICY", RUN, "no, on-failure[:N], always or unless-stopped (default no)" },
  { "accel", O_ACCEL, "auto|kvm|tcg", OPTS_RUN_VM, "accelerator (auto: KVM only if a probe runs a guest)" },
  { "serial", O_SERIAL, NULL, OPTS_RUN_VM, "channel over a 16550 serial port, not virtio-serial" },
  { "no-template", O_NO_TEMPLATE, NULL, OPTS_RUN_VM, "boot the VM cold even if a template of its shape exists" },
  { "log-opt", O_LOG_OPT, "K=V", OPTS_RUN_VM,
    "rotate the log as docker's json-file (repeatable):\nmax-size=SIZE (10m, 1g; default unbounded),\n"
    "max-file=N (files kept, the current one included)" },
  { "network", NETOPT_NETWORK, "none|default|NAME", OPTS_RUN_VM,
    "default: QEMU's user network (outbound access,\n-p); none: loopback only; NAME: a bridge\nnetwork (tetherctl network create)" },
  { "publish", 'p', "[IP:][HOST:]PORT[/udp]", OPTS_RUN_VM, "publish a container port on the host (repeatable)" },
  { "dns", NETOPT_DNS, "IP", OPTS_RUN_VM, "a nameserver for /etc/resolv.conf (repeatable)" },
  { "add-host", NETOPT_ADD_HOST, "NAME:IP", OPTS_RUN_VM, "a line for /etc/hosts (repeatable)" },
  { "hostname", NETOPT_HOSTNAME, "NAME", RUN, "the container's host name (default: its short id)" },
  { "ulimit", HARDOPT_ULIMIT, "NAME=SOFT[:HARD]", RUN, "a resource limit (nofile, nproc, core, ...; repeatable)" },
  { "read-only", HARDOPT_READ_ONLY, NULL, RUN, "mount the container's root read-only" },
  { "tmpfs", HARDOPT_TMPFS, "PATH[:OPTS]", RUN, "a tmpfs at PATH (default rw,nosuid,nodev,noexec;\n"
                                                 "OPTS: size=64m,mode=1777,exec,...; repeatable)" },
  { "sysctl", HARDOPT_SYSCTL, "KEY=VALUE", RUN, "a namespaced sysctl (kernel.msg*, kernel.sem,\n"
                                                "kernel.shm*, fs.mqueue.*, net.* in a VM; repeatable)" },
  { "shm-size", HARDOPT_SHM_SIZE, "SIZE", RUN, "/dev/shm's size (default 64m)" },
  { "help", O_HELP, NULL, ALL, "print this help" },
};

static void usage (enum opts_verb verb)
{
  static const char *const heads[] = {
    [OPTS_RUN_HOST] = "Usage: tetherctl -H unix:PATH run [OPTIONS] [--] COMMAND [ARG...]\n\n"
                      "Create and start a container in the tether, relaying its stdio.\n",
    [OPTS_RUN_VM] = "Usage: tetherctl run [OPTIONS] [--] COMMAND [ARG...]\n\n"
                    "Boot a container VM (QEMU), relay its stdio and exit with its code.\n",
    [OPTS_EXEC] = "Usage: tetherctl [-H unix:PATH] exec [OPTIONS] CONTAINER [--] COMMAND [ARG...]\n\n"
                  "Run a command in a running container.\n",
  };
  printf ("%s\nOptions:\n", heads[verb]);
  for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
    {
      const struct opt_def *d = &defs[i];
      if (!(d->verbs & verb))
        continue;
      char left[64];
      snprintf (left, sizeof left, "%c%c%c --%s%s%s", d->key < 256 ? '-' : ' ',
                        d->key < 256 ? d->key : ' ', d->key < 256 ? ',' : ' ', d->name, d->arg ? " " : "",
                        d->arg ? d->arg : "");
      const char *h = d->help, *nl;
      /* a left column wider than 26 pushes its help right */
      printf ("  %-26s ", left);
      while ((nl = strchr (h, '\n')) != NULL)
        {
          printf ("%.*s\n%29s", (int) (nl - h), h, "");
          h = nl + 1;
        }
      printf ("%s\n", h);
    }
  if (verb == OPTS_RUN_VM)
    fputs ("\nEnvironment: TETHER_STATE_DIR (/var/lib/tether), TETHER_ASSETS (kernel, initramfs,\n"
           "ISO; default: the tetherctl binary's directory), TETHER_BOOT=iso (boot the ISO),\n"
           "TETHER_BOOT_TIMEOUT_S (60), TETHER_DISK_WAIT_S (guest disk wait, 30),\n"
           "TETHER_HOLD_S (output held for an endpoint after the exit, 600),\n"
           "TETHER_HEARTBEAT_MS (the guest's heartbeat, 100..60000, 1000).\n",
           stdout);
}

static void *grow (void *p, size_t n, size_t size)
{
  void *q = realloc (p, n * size);
  if (q == NULL)
    abort (); /* a short-lived CLI verb may exit on a failed allocation */
  return q;
}

static void env_add (struct run_opts *o, const char *kv)
{
  char *v = (char *) kv;
  if (strchr (kv, '=') == NULL)
    {
      /* docker: "-e K" passes K from our environment, or nothing if unset */
      const char *val = getenv (kv);
      if (val == NULL)
        return;
      size_t n = strlen (kv) + strlen (val) + 2;
      v = grow (NULL, n, 1);
      snprintf (v, n, "%s=%s", kv, val);
      o->owned = grow (o->owned, o->n_owned + 1, sizeof *o->owned);
      o->owned[o->n_owned++] = v;
    }
  o->env = grow (o->env, o->n_env + 1, sizeof *o->env);
  o->env[o->n_env++] = v;
}

/* Counted past max, kept up to it: the error after the options says how many
 * were given (too_many), before anything is made. */
static int add_counted (const char **list, size_t *n, size_t max, const char *v)
{
  if (*n < max)
    list[*n] = v;
  (*n)++;
  return 0;
}

static int too_many (const struct run_opts *o)
{
  if (o->n_images > VM_MAX_LAYERS)
    return cli_err ("run: %zu layers: at most %d", o->n_images, VM_MAX_LAYERS), -1;
  if (o->n_volumes > VM_MAX_VOLUMES)
    return cli_err ("run: %zu volumes: at most %d", o->n_volumes, VM_MAX_VOLUMES), -1;
  return 0;
}

static void list_add (char ***list, size_t *n, const char *v)
{
  *list = grow (*list, *n + 1, sizeof **list);
  (*list)[(*n)++] = (char *) v;
}

/* A copy of s in the options' own strings, listed in SecurityOpt; -1 after an error. */
static int keep_security_opt (struct run_opts *o, const char *s)
{
  char *v = strdup (s);
  if (!v)
    return cli_err ("out of memory"), -1;
  o->owned = grow (o->owned, o->n_owned + 1, sizeof *o->owned);
  o->owned[o->n_owned++] = v;
  list_add (&o->security_opt, &o->n_security_opt, v);
  return 0;
}

/* A decimal in [min, max] into *out; -1 after "verb: what: arg". */
static int number (const char *verb, const char *arg, int min, int max, const char *what, int *out)
{
  int v = cli_parse_uint (arg, max);
  if (v < min)
    return cli_err ("%s: %s: %s", verb, what, arg), -1;
  *out = v;
  return 0;
}

/* --log-opt K=V: the json-file options the endpoint's log honours. */
static int log_opt (struct run_opts *o, const char *verb, const char *kv)
{
  const char *v = strchr (kv, '=');
  if (v == NULL)
    return cli_err ("%s: invalid --log-opt %s: want KEY=VALUE", verb, kv), -1;
  size_t klen = (size_t) (v++ - kv);
  if (klen == 8 && strncmp (kv, "max-size", 8) == 0)
    {
      uint64_t n;
      if (human_size (v, &n) < 0)
        return cli_err ("%s: invalid --log-opt max-size=%s: want a size such as 10m", verb, v), -1;
      if (n == 0)
        return cli_err ("%s: --log-opt max-size must be a positive number", verb), -1;
      o->log_max_size = n;
      return 0;
    }
  if (klen == 8 && strncmp (kv, "max-file", 8) == 0)
    {
      int n = cli_parse_uint (v, LOG_MAX_FILE);
      if (n < 1)
        return cli_err ("%s: invalid --log-opt max-file=%s: want 1 to %d", verb, v, LOG_MAX_FILE), -1;
      o->log_max_file = (uint32_t) n;
      return 0;
    }
  return cli_err ("%s: unknown log opt '%.*s' (this log takes max-size and max-file)", verb, (int) klen, kv), -1;
}

/* --security-opt as the docker CLI: a bare word but no-new-privileges is its
 * error; seccomp=FILE is read here (the CLI's messages) and its text goes
 * on as the daemon takes it; the rest is the daemon's reading
 * (securityopt.h), whose errors run reports as dockerd's. */
static int security_opt (struct run_opts *o, const char *verb, const char *arg)
{
  char why[300];
  if (strcmp (arg, "systempaths=unconfined") == 0)
    {
      o->hard.systempaths_unconfined = true; /* the docker CLI's: empty path lists, not a SecurityOpt */
      return 0;
    }
  const char *sep = strchr (arg, '=');
  if (!sep && strcmp (arg, "no-new-privileges") != 0 && !(sep = strchr (arg, ':')))
    return cli_err ("Invalid --security-opt: \"%s\"", arg), -1;
  const char *path = sep ? sep + 1 : "";
  int r;
  if (sep && sep - arg == 7 && strncmp (arg, "seccomp", 7) == 0 && strcmp (path, "unconfined")
      && strcmp (path, "builtin"))
    {
      FILE *f = fopen (path, "re");
      if (!f)
        return cli_err ("opening seccomp profile (%s) failed: open %s: %s", path, path, strerror (errno)), -1;
      static char text[sizeof "seccomp=" - 1 + SECCOMP_JSON_MAX + 1];
      const size_t pre = sizeof "seccomp=" - 1;
      memcpy (text, "seccomp=", pre);
      size_t len = fread (text + pre, 1, SECCOMP_JSON_MAX + 1, f);
      fclose (f);
      json_error_t je;
      json_t *j = len <= SECCOMP_JSON_MAX ? json_loadb (text + pre, len, 0, &je) : NULL;
      if (!j)
        return cli_err ("compacting json for seccomp profile (%s) failed: %s", path,
                        len > SECCOMP_JSON_MAX ? "the file is larger than 1 MiB" : je.text),
               -1;
      json_decref (j);
      if (memchr (text + pre, '\0', len))
        return cli_err ("compacting json for seccomp profile (%s) failed: a NUL byte in the file", path), -1;
      text[pre + len] = '\0';
      r = security_opt_take (&o->sec, text, why, sizeof why);
      /* inspect's SecurityOpt holds the profile's text, as the docker CLI sends it */
      if (r == 0 && (r = keep_security_opt (o, text)) < 0)
        return -1;
    }
  else if ((r = security_opt_take (&o->sec, arg, why, sizeof why)) == 0)
    list_add (&o->security_opt, &o->n_security_opt, arg);
  if (r == SECURITY_OPT_UNSUPPORTED)
    return cli_err ("%s: --security-opt %s is not supported (no-new-privileges, seccomp=unconfined, "
                    "seccomp=PROFILE.json or systempaths=unconfined)",
                    verb, why),
           -1;
  if (r < 0)
    return cli_err ("%s: %s", verb, why), -1;
  return 0;
}

/* One option's value; -1 after an error message. */
static int take (struct run_opts *o, const char *verb, int key, const char *arg)
{
  if (key >= HEALTHOPT_HEALTH_CMD && key < HEALTHOPT_END)
    return health_opts_take (&o->health, key, arg);
  if (key == 'p')
    key = NETOPT_PUBLISH;
  if (key >= NETOPT_NETWORK && key < NETOPT_END)
    return net_opts_take (&o->net, key, arg);
  if (key >= HARDOPT_ULIMIT && key < HARDOPT_END)
    return hard_opts_take (&o->hard, key, arg);
  switch (key)
    {
    case 'd': o->detach = true; return 0;
    case 'e':
      if (!cfg_env_valid (arg))
        return cli_err ("invalid argument \"%s\" for \"-e, --env\" flag: invalid environment variable: %s", arg, arg),
               -1;
      env_add (o, arg);
      return 0;
    case 'i': o->interactive = true; return 0;
    case 't': o->tty = true; return 0;
    case 'u': o->user = arg; return 0;
    case O_GROUP_ADD: list_add (&o->group_add, &o->n_group_add, arg); return 0;
    case O_CAP_ADD: list_add (&o->cap_add, &o->n_cap_add, arg); return 0;
    case O_CAP_DROP: list_add (&o->cap_drop, &o->n_cap_drop, arg); return 0;
    case O_PRIVILEGED: o->privileged = true; return 0;
    case 'w':
      if (!cfg_cwd_valid (arg))
        return cli_err ("the working directory '%s' is invalid, it needs to be an absolute path", arg), -1;
      o->cwd = arg;
      return 0;
    case 'v': return add_counted (o->volumes, &o->n_volumes, VM_MAX_VOLUMES, arg);
    case O_IMAGE: return add_counted (o->images, &o->n_images, VM_MAX_LAYERS, arg);
    case O_NAME:
      o->name = arg[0] == '/' ? arg + 1 : arg; /* docker strips one leading slash */
      if (!cfg_name_valid (o->name))
        return cli_err ("Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", o->name), -1;
      return 0;
    case O_SERIAL: o->serial = true; return 0;
    case O_NO_TEMPLATE: o->no_template = true; return 0;
    case O_INIT: o->init = true; return 0;
    case O_LOG_OPT: return log_opt (o, verb, arg);
    case O_SECURITY_OPT: return security_opt (o, verb, arg);
    case O_STOP_SIGNAL:
      if ((o->stop_signal = sig_parse (arg)) < 0)
        return cli_err ("%s: invalid signal: %s", verb, arg), -1;
      return 0;
    case O_STOP_TIMEOUT: return number (verb, arg, 0, 1000000, "invalid stop timeout", &o->stop_timeout);
    case O_MEMORY:
      return number (verb, arg, MIN_VM_MEM_MIB, MAX_VM_MEM_MIB, "--memory takes MiB, at least 96", &o->memory_mib);
    case O_CPUS: return number (verb, arg, 1, 64, "invalid --cpus", &o->cpus);
    case O_ACCEL:
      if (strcmp (arg, "auto") && strcmp (arg, "kvm") && strcmp (arg, "tcg"))
        return cli_err ("%s: --accel takes auto, kvm or tcg", verb), -1;
      o->accel = arg;
      return 0;
    }
  return -1;
}

int run_opts_parse (enum opts_verb verb, int argc, char **argv, struct run_opts *o)
{
  enum { N = sizeof defs / sizeof defs[0] };
  struct option longs[N + 1];
  char shorts[2 * N + 3] = "+:";
  size_t nl = 0, ns = 2;
  for (size_t i = 0; i < N; i++)
    {
      if (!(defs[i].verbs & verb))
        continue;
      longs[nl++] = (struct option) { defs[i].name, defs[i].arg ? required_argument : no_argument, NULL,
                                      defs[i].key };
      if (defs[i].key < 256)
        {
          shorts[ns++] = (char) defs[i].key;
          if (defs[i].arg)
            shorts[ns++] = ':';
        }
    }
  longs[nl] = (struct option) { NULL, 0, NULL, 0 };
  shorts[ns] = '\0';

  memset (o, 0, sizeof *o);
  o->stop_timeout = -1;
  o->accel = "auto";
  health_opts_init (&o->health);
  optind = 0; /* glibc: full re-initialisation */
  opterr = 0;
  int ch;
  while ((ch = getopt_long (argc, argv, shorts, longs, NULL)) != -1)
    {
      if (ch == O_HELP)
        return usage (verb), 0;
      if (ch == ':')
        return cli_err ("%s: option %s needs a value", argv[0], argv[optind - 1]), -1;
      if (ch == '?')
        return cli_err ("%s: unknown option %s (see tetherctl %s --help)", argv[0], argv[optind - 1], argv[0]),
               -1;
      if (take (o, argv[0], ch, optarg) < 0)
        return -1;
    }
  if (too_many (o) < 0)
    return -1;
  /* the daemon's check at create, before anything starts */
  uint64_t caps;
  char why[200];
  if (capset_of (o->privileged, o->cap_add, o->n_cap_add, o->cap_drop, o->n_cap_drop, ~0ull, &caps, why, sizeof why)
      < 0)
    return cli_err ("%s", why), -1;
  if (!(verb & RUN))
    return optind;
  if (optind < argc && strcmp (argv[optind], "--") == 0)
    optind++;
  if (optind >= argc)
    return cli_err ("run: a command is required (see tetherctl run --help)"), -1;
  return optind;
}

void run_opts_free (struct run_opts *o)
{
  for (size_t i = 0; i < o->n_owned; i++)
    free (o->owned[i]);
  free (o->owned);
  free (o->env);
  security_opts_free (&o->sec);
  free (o->group_add);
  free (o->cap_add);
  free (o->cap_drop);
  free (o->security_opt);
  o->owned = o->env = o->group_add = o->cap_add = o->cap_drop = o->security_opt = NULL;
  o->n_owned = o->n_env = o->n_group_add = o->n_cap_add = o->n_cap_drop = o->n_security_opt = 0;
}

int run_opts_config (struct run_opts *o, char *id, char **cmd, size_t n, ContainerConfig *cfg)
{
  cfg->id = id;
  cfg->name = (char *) (o->name ? o->name : "");
  cfg->argv = cmd;
  cfg->n_argv = n;
  cfg->env = o->env;
  cfg->n_env = o->n_env;
  cfg->cwd = (char *) (o->cwd ? o->cwd : "");
  cfg->create_cwd = o->cwd != NULL;
  cfg->user = (char *) (o->user ? o->user : "");
  cfg->tty = o->tty;
  cfg->open_stdin = o->interactive;
  cfg->stop_signal = (uint32_t) o->stop_signal;
  cfg->stop_timeout_s = o->stop_timeout;
  cfg->init = o->init;
  cfg->seccomp_mode = o->sec.seccomp_mode;
  cfg->seccomp_profile = o->sec.seccomp_profile;
  cfg->group_add = o->group_add;
  cfg->n_group_add = o->n_group_add;
  cfg->cap_add = o->cap_add;
  cfg->n_cap_add = o->n_cap_add;
  cfg->cap_drop = o->cap_drop;
  cfg->n_cap_drop = o->n_cap_drop;
  cfg->privileged = o->privileged;
  cfg->no_new_privileges = o->sec.no_new_privileges;
  cfg->security_opt = o->security_opt;
  cfg->n_security_opt = o->n_security_opt;
  if (o->tty)
    session_winsize (&cfg->rows, &cfg->cols);
  net_opts_apply (&o->net, cfg);
  hard_opts_apply (&o->hard, cfg);
  return health_opts_apply (&o->health, cfg);
}

void run_opts_exec (const struct run_opts *o, char *container_id, char *exec_id, char **cmd, size_t n, Exec *ex)
{
  ex->container_id = container_id;
  ex->exec_id = exec_id;
  ex->argv = cmd;
  ex->n_argv = n;
  ex->env = o->env;
  ex->n_env = o->n_env;
  ex->cwd = (char *) (o->cwd ? o->cwd : "");
  ex->user = (char *) (o->user ? o->user : "");
  ex->tty = o->tty;
  ex->open_stdin = o->interactive && !o->detach;
  ex->detach = o->detach;
  ex->privileged = o->privileged;
  if (o->tty)
    session_winsize (&ex->rows, &ex->cols);
  if (o->tty && o->rows && o->cols)
    ex->rows = o->rows, ex->cols = o->cols; /* tetherd: the client's ConsoleSize */
}
