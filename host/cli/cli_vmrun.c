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

#include "mkdirp.h"
#include "fdio.h"
#include "cli.h"
#include "ep.h"
#include "epspawn.h"
#include "image.h"
#include "qemu.h"
#include "session.h"
#include "sig.h"
#include "statedir.h"
#include "timefmt.h"
#include "vmrelay.h"
#include "vmrun.h"

#define TOP_DISK_MB 1024
#define VOLUME_MB 1024

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
static int prepare_disks (const struct run_opts *o, struct terr *err)
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
  for (size_t i = 0; i < o->n_volumes; i++)
    {
      const char *colon = strchr (o->volumes[i], ':');
      size_t nl = colon ? (size_t) (colon - o->volumes[i]) : 0;
      if (!colon || nl == 0 || colon[1] != '/' || memchr (o->volumes[i], '/', nl))
        return terr_set (err, 0, "volume %s: want NAME:/PATH", o->volumes[i]);
      snprintf (path, sizeof path, "%s/volumes", state_dir ());
      mkdir_p (path, 0700);
      snprintf (path, sizeof path, "%s/volumes/%.*s.img", state_dir (), (int) nl, o->volumes[i]);
      if (access (path, F_OK) < 0 && image_make_rw_disk (path, VOLUME_MB, NULL, err) < 0)
        return -1;
      snprintf (serial, sizeof serial, "v%zu", i);
      if (add_disk (serial, DISK_ROLE__DISK_VOLUME, path, "raw", false, colon + 1, err) < 0)
        return -1;
    }
  return 0;
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

static int run_vm (int argc, char **argv, struct run_opts *po)
{
  int first = run_opts_parse (OPTS_RUN_VM, argc, argv, po);
  const struct run_opts o = *po;
  if (first <= 0)
    return first == 0 ? 0 : CLI_FAIL_RUN;
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
  if (mkdir_p (vm.dir, 0700) < 0)
    return cli_err ("mkdir %s: %s", vm.dir, strerror (errno)), CLI_FAIL_RUN;
  static ContainerConfig cfg;
  container_config__init (&cfg);
  vm.cfg = &cfg;
  if (run_opts_config (po, vm.id, argv + first, (size_t) (argc - first), &cfg) < 0)
    return CLI_FAIL_RUN;
  cfg.memory_bytes = (uint64_t) (o.memory_mib ? o.memory_mib : 128) << 20;
  cfg.cpus = (uint32_t) (o.cpus ? o.cpus : 1);
  cfg.log_max_size = o.log_max_size;
  cfg.log_max_file = o.log_max_file;
  const char *dw = getenv ("TETHER_DISK_WAIT_S");
  cfg.disk_wait_s = dw && atoi (dw) > 0 ? (uint32_t) atoi (dw) : 0;
  const char *hold = getenv ("TETHER_HOLD_S");
  cfg.hold_s = hold && atoi (hold) > 0 ? (uint32_t) atoi (hold) : 0;
  const char *beat = getenv ("TETHER_HEARTBEAT_MS");
  cfg.heartbeat_ms = beat && atoi (beat) > 0 ? (uint32_t) atoi (beat) : 0;
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
  if (prepare_disks (&o, &err) < 0 || vm_config_write (&vm, &err) < 0)
    return fail_early (&err);
  if (vm_state_save (&vm, &err) < 0)
    return cli_err ("%s", err.msg), CLI_FAIL_RUN;
  if (endpoint_spawn (&vm, o.detach ? EP_BOOT : EP_BOOT_ATTACHED, &err) < 0)
    return vm_final_code (&vm);
  if (o.detach)
    {
      printf ("%s\n", vm.id);
      return fflush (stdout) == 0 ? 0 : CLI_FAIL_RUN;
    }
  struct session_opts so = { .relay_stdin = o.interactive, .tty = o.tty };
  attach_keys (&so, NULL);
  return vm_relay (&vm, &so, NULL);
}

int vm_cli_run (int argc, char **argv)
{
  struct run_opts o;
  int code = run_vm (argc, argv, &o);
  run_opts_free (&o);
  return code;
}
