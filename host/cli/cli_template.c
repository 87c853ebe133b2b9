/* tetherctl template create|ls|rm (#12, docs/clone.md): the paused VMs that
 * `run` clones. create boots one (a cold boot's time) unless it exists; ls
 * says which are current (their key still matches the assets and QEMU of
 * now); rm unpublishes, and clones running from one keep running. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qemu.h"
#include "template.h"
#include "vmrun.h"

static const char template_usage[] =
  "Usage: tetherctl template create [--memory MIB] [--cpus N] [--serial] [--accel auto|kvm|tcg]\n"
  "       tetherctl template ls\n"
  "       tetherctl template rm KEY... | --stale | --all\n"
  "\n"
  "A template is a VM booted until its tether waits for a container, then saved:\n"
  "`run` restores a clone of the template of its shape instead of booting, when\n"
  "one exists (--no-template: boot cold). create prints the template's key.\n"
  "$TETHER_VMGENID=off: templates (made and used) without the VM Generation ID device.\n";

static int t_create (int argc, char **argv)
{
  static const struct option lo[] = { { "memory", 1, 0, 'm' }, { "cpus", 1, 0, 'c' },  { "serial", 0, 0, 's' },
                                      { "accel", 1, 0, 'a' },  { "help", 0, 0, 'h' }, { 0, 0, 0, 0 } };
  int mem = 128, cpus = 1, ch;
  bool serial = false;
  const char *accel = "auto";
  optind = 1;
  while ((ch = getopt_long (argc, argv, "+", lo, NULL)) != -1)
    switch (ch)
      {
      case 'm':
        if ((mem = cli_parse_uint (optarg, 1 << 20)) < 16)
          return cli_err ("template create: --memory takes MiB, at least 16"), CLI_FAIL;
        break;
      case 'c':
        if ((cpus = cli_parse_uint (optarg, 255)) < 1)
          return cli_err ("template create: --cpus takes 1 to 255"), CLI_FAIL;
        break;
      case 's': serial = true; break;
      case 'a':
        if (strcmp (optarg, "auto") && strcmp (optarg, "kvm") && strcmp (optarg, "tcg"))
          return cli_err ("template create: --accel takes auto, kvm or tcg"), CLI_FAIL;
        accel = optarg;
        break;
      case 'h': return fputs (template_usage, stdout), 0;
      default: return CLI_FAIL;
      }
  if (optind != argc)
    return cli_err ("template create takes no arguments (see --help)"), CLI_FAIL;
  struct tpl_shape s;
  tpl_shape_default (&s, (unsigned) mem, (unsigned) cpus, qemu_pick_accel (accel));
  s.serial_channel = serial;
  char key[TPL_KEY_LEN];
  bool made;
  struct terr err;
  terr_clear (&err);
  if (tpl_create (&s, key, &made, &err) < 0)
    return cli_err ("template create: %s", err.msg), CLI_FAIL;
  printf ("%s\n", key);
  if (!made)
    fprintf (stderr, "tetherctl: template %.12s exists already\n", key);
  return 0;
}

static int ls_one (const char *key, json_t *meta, void *ctx)
{
  (void) ctx;
  const char *created = json_string_value (json_object_get (meta, "Created"));
  const char *ch = json_string_value (json_object_get (meta, "Channel"));
  printf ("%-12.12s  %6lld  %4lld  %-13s  %-7s  %-4s  %-7s  %s\n", key,
          (long long) json_integer_value (json_object_get (meta, "MemoryMiB")),
          (long long) json_integer_value (json_object_get (meta, "Cpus")), ch ? ch : "?",
          json_is_true (json_object_get (meta, "VMGenID")) ? "yes" : "no",
          json_string_value (json_object_get (meta, "Accel")) ? json_string_value (json_object_get (meta, "Accel"))
                                                              : "?",
          meta && tpl_current (key, meta) ? "current" : "stale", created ? created : "?");
  return 0;
}

struct rm_ctx {
  int argc;
  char **argv;
  bool all, stale;
  int removed, failed;
  bool *matched;
};

static int rm_one (const char *key, json_t *meta, void *ctx)
{
  struct rm_ctx *r = ctx;
  bool want = r->all || (r->stale && !(meta && tpl_current (key, meta)));
  for (int i = 0; i < r->argc; i++)
    if (strncmp (key, r->argv[i], strlen (r->argv[i])) == 0)
      want = r->matched[i] = true;
  if (!want)
    return 0;
  struct terr err;
  terr_clear (&err);
  if (tpl_remove (key, false, &err) < 0)
    {
      cli_err ("template rm %.12s: %s", key, err.msg);
      r->failed++;
    }
  else
    printf ("%s\n", key), r->removed++;
  return 0;
}

static int t_rm (int argc, char **argv)
{
  static bool matched[256];
  struct rm_ctx r = { .matched = matched };
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--all") == 0)
        r.all = true;
      else if (strcmp (argv[i], "--stale") == 0)
        r.stale = true;
      else if (argv[i][0] == '-' || strlen (argv[i]) < 4 || strspn (argv[i], "0123456789abcdef") != strlen (argv[i]))
        return cli_err ("template rm: %s is not a template key (4 or more hex digits) (see --help)", argv[i]),
               CLI_FAIL;
      else if (r.argc < 256)
        argv[1 + r.argc++] = argv[i];
    }
  if (!r.all && !r.stale && r.argc == 0)
    return cli_err ("template rm needs a key, --stale or --all"), CLI_FAIL;
  r.argv = argv + 1;
  memset (matched, 0, sizeof matched);
  struct terr err;
  if (tpl_each (rm_one, &r, &err) < 0)
    return cli_err ("template rm: %s", err.msg), CLI_FAIL;
  for (int i = 0; i < r.argc; i++)
    if (!matched[i])
      cli_err ("template rm: no template %s", r.argv[i]), r.failed++;
  return r.failed ? CLI_FAIL : 0;
}

int vm_cli_template (int argc, char **argv)
{
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    return fputs (template_usage, argc < 2 ? stderr : stdout), argc < 2 ? CLI_FAIL : 0;
  if (strcmp (argv[1], "create") == 0)
    return t_create (argc - 1, argv + 1);
  if (strcmp (argv[1], "rm") == 0)
    return t_rm (argc - 1, argv + 1);
  if (strcmp (argv[1], "ls") == 0)
    {
      if (argc > 2)
        return cli_err ("template ls takes no arguments"), CLI_FAIL;
      struct terr err;
      printf ("%-12s  %6s  %4s  %-13s  %-7s  %-4s  %-7s  %s\n", "KEY", "MiB", "CPUS", "CHANNEL", "VMGENID", "ACCEL",
              "STATE", "CREATED");
      if (tpl_each (ls_one, NULL, &err) < 0)
        return cli_err ("template ls: %s", err.msg), CLI_FAIL;
      return 0;
    }
  return cli_err ("template: unknown subcommand %s (create, ls, rm)", argv[1]), CLI_FAIL;
}
