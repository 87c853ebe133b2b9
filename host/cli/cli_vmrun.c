/* `tetherctl run` without -H: prepare the container's disks and config, start
 * its endpoint (which starts QEMU), then attach like a host-mode client. */
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdio.h"
#include "cli.h"
#include "ep.h"
#include "image.h"
#include "qemu.h"
#include "runopts.h"
#include "session.h"
#include "sig.h"
#include "statedir.h"
#include "timefmt.h"
#include "vmrun.h"

#define TOP_DISK_MB 1024
#define VOLUME_MB 1024
#define MAX_VM_MEM_MIB (1 << 20)

static const char vm_run_usage[]
    = "Usage: tetherctl run [OPTIONS] [--] COMMAND [ARG...]\n"
      "\n"
      "Boot a container VM (QEMU), relay its stdio and exit with its code.\n"
      "\n"
      "Options:\n"
      "      --image DIR|TAR|LAYER.vmdk  an image layer, bottom first (repeatable;\n"
      "                             default: busybox)\n"
      "  -d, --detach               print the container id and return\n"
      "  -e, --env K=V              set an environment variable\n"
      "  -i, --interactive          keep stdin open and relay it\n"
      "  -t, --tty                  allocate a pseudo-tty\n"
      "  -u, --user UID[:GID]       run as this user\n"
      "  -w, --workdir DIR          working directory (created if missing)\n"
      "  -v, --volume NAME:/PATH    a named volume (created on first use, kept)\n"
      "      --name NAME            name the container\n"
      "      --memory MIB           VM memory (default 128)\n"
      "      --cpus N               VM CPUs (default 1)\n"
      "      --stop-signal SIG      signal `stop` sends first (default SIGTERM)\n"
      "      --stop-timeout S       seconds `stop` waits before SIGKILL (default 10)\n"
      "      --accel auto|kvm|tcg   accelerator (auto: KVM only if a probe runs a guest)\n"
      "      --serial               channel over a 16550 serial port, not virtio-serial\n"
      RUNOPTS_USAGE
      "      --help                 print this help\n"
      "\n"
      "Environment: TETHER_STATE_DIR (/var/lib/tether), TETHER_ASSETS (kernel, initramfs,\n"
      "ISO; default: the tetherctl binary's directory), TETHER_BOOT=iso (boot the ISO),\n"
      "TETHER_BOOT_TIMEOUT_S (60), TETHER_DISK_WAIT_S (guest disk wait, 30).\n";

enum { O_HELP = 256, O_NAME, O_STOP_SIGNAL, O_STOP_TIMEOUT, O_IMAGE, O_MEMORY, O_CPUS, O_ACCEL, O_SERIAL };

struct vm_opts {
  bool interactive, tty, detach, serial;
  const char *cwd, *user, *name, *accel;
  char *env[512];
  size_t n_env;
  const char *images[64];
  size_t n_images;
  const char *vols[16];
  size_t n_vols;
  int stop_signal, stop_timeout, memory_mib, cpus;
  struct runopts ro;
};

static int parse (int argc, char **argv, struct vm_opts *o)
{
  static const struct option longs[] = {
    { "detach", no_argument, NULL, 'd' },        { "env", required_argument, NULL, 'e' },
    { "interactive", no_argument, NULL, 'i' },   { "tty", no_argument, NULL, 't' },
    { "user", required_argument, NULL, 'u' },    { "workdir", required_argument, NULL, 'w' },
    { "volume", required_argument, NULL, 'v' },  { "help", no_argument, NULL, O_HELP },
    { "name", required_argument, NULL, O_NAME }, { "stop-signal", required_argument, NULL, O_STOP_SIGNAL },
    { "stop-timeout", required_argument, NULL, O_STOP_TIMEOUT },
    { "image", required_argument, NULL, O_IMAGE }, { "memory", required_argument, NULL, O_MEMORY },
    { "cpus", required_argument, NULL, O_CPUS },   { "accel", required_argument, NULL, O_ACCEL },
    { "serial", no_argument, NULL, O_SERIAL },     RUNOPTS_LONGS,
    { NULL, 0, NULL, 0 },
  };
  memset (o, 0, sizeof *o);
  o->stop_timeout = -1;
  o->accel = "auto";
  runopts_init (&o->ro);
  optind = 0;
  opterr = 0;
  int ch;
  while ((ch = getopt_long (argc, argv, "+:de:itu:w:v:", longs, NULL)) != -1)
    switch (ch)
      {
      case 'd': o->detach = true; break;
      case 'i': o->interactive = true; break;
      case 't': o->tty = true; break;
      case 'u': o->user = optarg; break;
      case 'w': o->cwd = optarg; break;
      case O_NAME: o->name = optarg; break;
      case O_SERIAL: o->serial = true; break;
      case O_HELP: return 0;
      case 'e':
        if (o->n_env >= sizeof o->env / sizeof o->env[0])
          return cli_err ("run: too many -e"), -1;
        if (strchr (optarg, '=') == NULL)
          {
            const char *val = getenv (optarg);
            if (val == NULL)
              break;
            size_t n = strlen (optarg) + strlen (val) + 2;
            char *kv = malloc (n);
            if (kv == NULL)
              abort ();
            snprintf (kv, n, "%s=%s", optarg, val);
            o->env[o->n_env++] = kv;
          }
        else
          o->env[o->n_env++] = optarg;
        break;
      case 'v':
        if (o->n_vols >= sizeof o->vols / sizeof o->vols[0])
          return cli_err ("run: too many volumes"), -1;
        o->vols[o->n_vols++] = optarg;
        break;
      case O_IMAGE:
        if (o->n_images >= sizeof o->images / sizeof o->images[0])
          return cli_err ("run: too many image layers"), -1;
        o->images[o->n_images++] = optarg;
        break;
      case O_STOP_SIGNAL:
        if ((o->stop_signal = sig_parse (optarg)) < 0)
          return cli_err ("run: invalid signal: %s", optarg), -1;
        break;
      case O_STOP_TIMEOUT:
        if ((o->stop_timeout = cli_parse_uint (optarg, 1000000)) < 0)
          return cli_err ("run: invalid stop timeout: %s", optarg), -1;
        break;
      case O_MEMORY:
        if ((o->memory_mib = cli_parse_uint (optarg, MAX_VM_MEM_MIB)) < 96)
          return cli_err ("run: --memory takes MiB, at least 96: %s", optarg), -1;
        break;
      case O_CPUS:
        if ((o->cpus = cli_parse_uint (optarg, 64)) < 1)
          return cli_err ("run: invalid --cpus: %s", optarg), -1;
        break;
      case O_ACCEL:
        if (strcmp (optarg, "auto") && strcmp (optarg, "kvm") && strcmp (optarg, "tcg"))
          return cli_err ("run: --accel takes auto, kvm or tcg"), -1;
        o->accel = optarg;
        break;
      case ':': return cli_err ("run: option %s needs a value", argv[optind - 1]), -1;
      default:
        if (ch >= RUNOPT_HEALTH_CMD && ch < RUNOPT_END)
          {
            if (runopts_take (&o->ro, ch, optarg) < 0)
              return -1;
            break;
          }
        return cli_err ("run: unknown option %s (see tetherctl run --help)", argv[optind - 1]), -1;
      }
  return optind;
}

static int mkdir_p (const char *path)
{
  char buf[VM_PATH_MAX];
  snprintf (buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/')
      {
        *p = '\0';
        if (mkdir (buf, 0700) < 0 && errno != EEXIST)
          return -1;
        *p = '/';
      }
  return mkdir (buf, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

static struct vm_ctr vm;
static Disk disk_store[VM_MAX_DISKS];
static Disk *disk_ptrs[VM_MAX_DISKS];

static int add_disk (const char *serial, DiskRole role, const char *file, const char *format, bool ro,
                     const char *path, struct terr *err)
{
  if (vm.n_disks >= VM_MAX_DISKS)
    return terr_set (err, 0, "at most %d disks", VM_MAX_DISKS);
  size_t i = vm.n_disks++;
  struct vm_disk *d = &vm.disks[i];
  snprintf (d->serial, sizeof d->serial, "%s", serial);
  snprintf (d->file, sizeof d->file, "%s", file);
  snprintf (d->format, sizeof d->format, "%s", format);
  d->read_only = ro;
  Disk *cd = &disk_store[i];
  disk__init (cd);
  cd->serial = d->serial;
  cd->role = role;
  cd->path = (char *) (path ? path : "");
  cd->read_only = ro;
  disk_ptrs[i] = cd;
  vm.cfg->n_disks = vm.n_disks;
  return 0;
}

/* Layers (bottom first), the top disk, volumes. */
static int prepare_disks (const struct vm_opts *o, struct terr *err)
{
  char path[VM_PATH_MAX + 64], serial[24];
  vm.cfg->disks = disk_ptrs;
  for (size_t i = 0; i < (o->n_images ? o->n_images : 1); i++)
    {
      int r = o->n_images ? image_layer_resolve (o->images[i], path, sizeof path, err)
                          : image_default_layer (path, sizeof path, err);
      if (r < 0)
        return -1;
      snprintf (serial, sizeof serial, "l%zu", i);
      size_t n = strlen (path);
      const char *fmt = n > 5 && strcmp (path + n - 5, ".vmdk") == 0 ? "vmdk" : "raw";
      if (add_disk (serial, DISK_ROLE__DISK_LAYER, path, fmt, true, NULL, err) < 0)
        return -1;
    }
  static const char *const top_dirs[] = { "upper", "work", NULL };
  snprintf (path, sizeof path, "%s/top.img", vm.dir);
  if (image_make_rw_disk (path, TOP_DISK_MB, top_dirs, err) < 0
      || add_disk ("top", DISK_ROLE__DISK_TOP, path, "raw", false, NULL, err) < 0)
    return -1;
  for (size_t i = 0; i < o->n_vols; i++)
    {
      const char *colon = strchr (o->vols[i], ':');
      size_t nl = colon ? (size_t) (colon - o->vols[i]) : 0;
      if (!colon || nl == 0 || colon[1] != '/' || memchr (o->vols[i], '/', nl))
        return terr_set (err, 0, "volume %s: want NAME:/PATH", o->vols[i]);
      snprintf (path, sizeof path, "%s/volumes", state_dir ());
      mkdir_p (path);
      snprintf (path, sizeof path, "%s/volumes/%.*s.img", state_dir (), (int) nl, o->vols[i]);
      if (access (path, F_OK) < 0 && image_make_rw_disk (path, VOLUME_MB, NULL, err) < 0)
        return -1;
      snprintf (serial, sizeof serial, "v%zu", i);
      if (add_disk (serial, DISK_ROLE__DISK_VOLUME, path, "raw", false, colon + 1, err) < 0)
        return -1;
    }
  return 0;
}

static int write_config (struct terr *err)
{
  size_t n = container_config__get_packed_size (vm.cfg);
  if (n > FRAME_MAX_PAYLOAD)
    return terr_set (err, 0, "config of %zu bytes is larger than %u", n, FRAME_MAX_PAYLOAD);
  uint8_t *buf = malloc (n ? n : 1);
  if (buf == NULL)
    return terr_set (err, ENOMEM, "config");
  container_config__pack (vm.cfg, buf);
  char path[VM_PATH_MAX + 16];
  snprintf (path, sizeof path, "%s/config.bin", vm.dir);
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int r = fd < 0 || fd_write_all (fd, buf, n) < 0 ? terr_set (err, errno, "write %s", path) : 0;
  if (fd >= 0)
    close (fd);
  free (buf);
  return r;
}

/* The container ended before its VM started: record it and say why. */
static int fail_early (const struct terr *err)
{
  snprintf (vm.error, sizeof vm.error, "%s", err->msg);
  vm.info.status = (char *) "exited";
  vm.info.exit_code = 125;
  vm.info.finished_ns = now_real_ns ();
  struct terr e2;
  vm_state_save (&vm, &e2);
  cli_err ("%s", err->msg);
  return CLI_FAIL_RUN;
}

/* Double fork + setsid: the endpoint outlives this process and its terminal. */
static int spawn_endpoint (bool wait_client, struct terr *err)
{
  int pfd[2];
  if (pipe2 (pfd, O_CLOEXEC) < 0)
    return terr_set (err, errno, "pipe");
  fflush (NULL);
  pid_t pid = fork ();
  if (pid < 0)
    return terr_set (err, errno, "fork");
  if (pid == 0)
    {
      close (pfd[0]);
      if (setsid () < 0 || fork () != 0)
        _exit (0);
      char log[VM_PATH_MAX + 32];
      snprintf (log, sizeof log, "%s/endpoint.log", vm.dir);
      int lfd = open (log, O_WRONLY | O_CREAT | O_APPEND, 0600);
      int nul = open ("/dev/null", O_RDONLY);
      if (lfd < 0 || nul < 0 || dup2 (nul, 0) < 0 || dup2 (lfd, 1) < 0 || dup2 (lfd, 2) < 0)
        _exit (125);
      int ready = fcntl (pfd[1], F_DUPFD, 3);
      /* every inherited fd but the ready pipe goes */
      for (int fd = 3; fd < 1024; fd++)
        if (fd != ready)
          close (fd);
      if (chdir ("/") < 0)
        _exit (125);
      sigset_t none;
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      signal (SIGINT, SIG_IGN);
      signal (SIGHUP, SIG_IGN);
      setvbuf (stderr, NULL, _IOLBF, 0);
      endpoint_main (&vm, ready, wait_client);
    }
  close (pfd[1]);
  waitpid (pid, NULL, 0);
  char b;
  ssize_t n;
  while ((n = read (pfd[0], &b, 1)) < 0 && errno == EINTR)
    ;
  close (pfd[0]);
  if (n != 1)
    return terr_set (err, 0, "the VM did not start");
  return 0;
}

/* After a lost connection or an endpoint that failed: the final state on disk. */
static int code_from_state (void)
{
  struct terr err;
  for (int i = 0; i < 100; i++)
    {
      ContainerInfo *ci = vm_state_load (vm.id, &err);
      if (ci && ci->status && strcmp (ci->status, "exited") == 0)
        {
          int code = ci->exit_code;
          if (code == 125 && ci->error && *ci->error)
            cli_err ("%s", ci->error);
          container_info__free_unpacked (ci, NULL);
          return code;
        }
      if (ci)
        container_info__free_unpacked (ci, NULL);
      usleep (100 * 1000);
    }
  cli_err ("%s: the container's endpoint went away", vm.id);
  return CLI_FAIL_RUN;
}

static int attach_and_relay (const struct vm_opts *o)
{
  char addr[VM_SOCK_MAX + 8];
  snprintf (addr, sizeof addr, "unix:%s", vm.ctl_sock);
  struct terr err;
  terr_clear (&err);
  struct conn *c = conn_open (addr, &err);
  if (c == NULL)
    return code_from_state ();
  struct session_opts so = { .handle = 1, .signal_id = vm.id, .relay_stdin = o->interactive, .tty = o->tty };
  struct session *s = session_new (c, &so, &err);
  if (s == NULL)
    return cli_err ("%s", err.msg), conn_close (c), CLI_FAIL_RUN;
  Attach at = ATTACH__INIT;
  at.id = vm.id;
  at.handle = 1;
  at.want_stdin = o->interactive;
  Msg am = MSG__INIT;
  am.body_case = MSG__BODY_ATTACH;
  am.attach = &at;
  Msg *r = conn_request (c, &am, session_dispatch, s, -1, &err);
  if (r == NULL || conn_reply_error (r, MSG__BODY_ATTACHED, &err) < 0)
    {
      session_free (s);
      conn_close (c);
      return code_from_state ();
    }
  session_set_offsets (s, r->attached->stdout_offset, r->attached->stderr_offset, r->attached->stdin_offset);
  struct session_result res;
  int rc = session_run (s, &res, &err);
  session_free (s);
  conn_close (c);
  if (rc < 0)
    return code_from_state ();
  if (res.error[0] != '\0')
    cli_err ("%s", res.error);
  return res.exit_code;
}

int vm_cli_run (int argc, char **argv)
{
  struct vm_opts o;
  int first = parse (argc, argv, &o);
  if (first == 0)
    return cli_usage (vm_run_usage), 0;
  if (first < 0)
    return CLI_FAIL_RUN;
  if (first < argc && strcmp (argv[first], "--") == 0)
    first++;
  if (first >= argc)
    return cli_err ("run: a command is required (see tetherctl run --help)"), CLI_FAIL_RUN;
  char id[65];
  struct terr err;
  terr_clear (&err);
  if (cli_random_id (id) < 0)
    return cli_err ("getrandom: %s", strerror (errno)), CLI_FAIL_RUN;
  if (vm_ctr_paths (&vm, id, &err) < 0)
    return cli_err ("%s", err.msg), CLI_FAIL_RUN;
  if (o.name)
    {
      char other[65];
      if (vm_find (o.name, other, &err) == 0)
        return cli_err ("run: the name %s is in use by %s", o.name, other), CLI_FAIL_RUN;
    }
  if (mkdir_p (vm.dir) < 0)
    return cli_err ("mkdir %s: %s", vm.dir, strerror (errno)), CLI_FAIL_RUN;
  static ContainerConfig cfg;
  container_config__init (&cfg);
  vm.cfg = &cfg;
  cfg.id = vm.id;
  cfg.name = (char *) (o.name ? o.name : "");
  cfg.argv = argv + first;
  cfg.n_argv = (size_t) (argc - first);
  cfg.env = o.env;
  cfg.n_env = o.n_env;
  cfg.cwd = (char *) (o.cwd ? o.cwd : "");
  cfg.create_cwd = o.cwd != NULL;
  cfg.user = (char *) (o.user ? o.user : "");
  cfg.tty = o.tty;
  cfg.open_stdin = o.interactive;
  cfg.stop_signal = (uint32_t) o.stop_signal;
  cfg.stop_timeout_s = o.stop_timeout;
  cfg.memory_bytes = (uint64_t) (o.memory_mib ? o.memory_mib : 128) << 20;
  cfg.cpus = (uint32_t) (o.cpus ? o.cpus : 1);
  const char *dw = getenv ("TETHER_DISK_WAIT_S");
  cfg.disk_wait_s = dw && atoi (dw) > 0 ? (uint32_t) atoi (dw) : 0;
  if (runopts_apply (&o.ro, &cfg) < 0)
    return CLI_FAIL_RUN;
  if (o.tty)
    session_winsize (&cfg.rows, &cfg.cols);
  container_info__init (&vm.info);
  vm.info.config = &cfg;
  vm.info.status = (char *) "created";
  vm.info.error = vm.error;
  vm.info.created_ns = now_real_ns ();
  vm.serial_channel = o.serial;
  const char *boot = getenv ("TETHER_BOOT");
  vm.iso_boot = boot && strcmp (boot, "iso") == 0;
  snprintf (vm.accel, sizeof vm.accel, "%s", qemu_pick_accel (o.accel));
  if (vm_state_save (&vm, &err) < 0)
    return cli_err ("%s", err.msg), CLI_FAIL_RUN;
  if (prepare_disks (&o, &err) < 0 || write_config (&err) < 0)
    return fail_early (&err);
  if (vm_state_save (&vm, &err) < 0)
    return cli_err ("%s", err.msg), CLI_FAIL_RUN;
  if (spawn_endpoint (!o.detach, &err) < 0)
    return code_from_state ();
  if (o.detach)
    {
      printf ("%s\n", vm.id);
      return fflush (stdout) == 0 ? 0 : CLI_FAIL_RUN;
    }
  return attach_and_relay (&o);
}
