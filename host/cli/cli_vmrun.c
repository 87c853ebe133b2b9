/* `tetherctl run` without -H: prepare the container's disks and config, start
 * its endpoint (which starts QEMU), then attach like a host-mode client. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ep.h"
#include "epspawn.h"
#include "session.h"
#include "vmcreate.h"
#include "vmrelay.h"
#include "vmrun.h"

static struct vm_ctr vm;

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
  if (o.name)
    {
      char other[65];
      if (vm_name_owner (o.name, other) == 0)
        return cli_err ("run: the name %s is in use by %s", o.name, other), CLI_FAIL_RUN;
    }
  static ContainerConfig cfg;
  container_config__init (&cfg);
  if (run_opts_config (po, id, argv + first, (size_t) (argc - first), &cfg) < 0)
    return CLI_FAIL_RUN;
  cfg.memory_bytes = (uint64_t) (o.memory_mib ? o.memory_mib : 128) << 20;
  cfg.cpus = (uint32_t) (o.cpus ? o.cpus : 1);
  cfg.log_max_size = o.log_max_size;
  cfg.log_max_file = o.log_max_file;
  const struct vm_create vc = { .layers = o.images, .n_layers = o.n_images, .volumes = o.volumes,
                                .n_volumes = o.n_volumes, .serial = o.serial, .accel = o.accel,
                                .no_template = o.no_template };
  if (vm_create (&vm, &cfg, &vc, &err) < 0)
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
