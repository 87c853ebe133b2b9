/* tetherctl network create|ls|rm|inspect (#13): named bridge networks, kept
 * as records under $TETHER_STATE_DIR/networks/ (netrec.h). Nothing is made on
 * the host here: the endpoint of the first VM on a network creates its bridge
 * (host/endpoint/bridge.c). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "netrec.h"
#include "vmrun.h"

static const char network_usage[]
    = "Usage: tetherctl network create [--subnet A.B.C.D/N] [--gateway IP] [--dhcp] [--netns NAME] NAME\n"
      "       tetherctl network ls\n"
      "       tetherctl network rm NAME...\n"
      "       tetherctl network inspect NAME...\n"
      "\n"
      "A bridge network: each container VM on it (`run --network NAME`) gets a tap on\n"
      "the Linux bridge, created in network namespace /run/netns/NAME (--netns; default\n"
      "the host's) by the first VM's endpoint. Addresses come from the subnet (default\n"
      NETREC_DEFAULT_SUBNET ", the gateway its first host), or with --dhcp from a DHCP\n"
      "server on the bridge. create prints the network's id.\n";

static int n_create (int argc, char **argv)
{
  static const struct option lo[] = { { "subnet", 1, 0, 's' }, { "gateway", 1, 0, 'g' }, { "dhcp", 0, 0, 'd' },
                                      { "netns", 1, 0, 'n' },  { "driver", 1, 0, 'D' },  { "help", 0, 0, 'h' },
                                      { 0, 0, 0, 0 } };
  const char *subnet = NULL, *gateway = NULL, *netns = "";
  bool dhcp = false;
  int ch;
  optind = 1;
  while ((ch = getopt_long (argc, argv, "+d:", lo, NULL)) != -1)
    switch (ch)
      {
      case 's': subnet = optarg; break;
      case 'g': gateway = optarg; break;
      case 'd':
        if (optarg && strcmp (optarg, "bridge") != 0) /* -d DRIVER, docker's short form */
          return cli_err ("network create: only the bridge driver exists"), CLI_FAIL;
        if (!optarg)
          dhcp = true;
        break;
      case 'D':
        if (strcmp (optarg, "bridge") != 0)
          return cli_err ("network create: only the bridge driver exists"), CLI_FAIL;
        break;
      case 'n': netns = optarg; break;
      case 'h': return fputs (network_usage, stdout), 0;
      default: return CLI_FAIL;
      }
  if (optind != argc - 1)
    return cli_err ("network create takes exactly one NAME (see --help)"), CLI_FAIL;
  if (gateway && !subnet)
    return cli_err ("network create: --gateway needs --subnet"), CLI_FAIL;
  static struct netrec n;
  struct terr err;
  if (netrec_create (&n, argv[optind], subnet, gateway, dhcp, netns, &err) < 0)
    return cli_err ("%s", err.msg), CLI_FAIL;
  printf ("%s\n", n.id);
  return 0;
}

static int n_ls (int argc, char **argv)
{
  (void) argv;
  if (argc != 1)
    return cli_err ("network ls takes no arguments"), CLI_FAIL;
  static char names[NETREC_MAX_CTRS][NETREC_NAME_MAX + 1];
  static struct netrec n;
  struct terr err;
  int k = netrec_list (names, NETREC_MAX_CTRS, &err);
  if (k < 0)
    return cli_err ("%s", err.msg), CLI_FAIL;
  printf ("%-15s%-20s%-10s%s\n", "NETWORK ID", "NAME", "DRIVER", "SCOPE");
  for (int i = 0; i < k; i++)
    if (netrec_load (names[i], &n, &err) == 0)
      printf ("%-15.12s%-20s%-10s%s\n", n.id, n.name, "bridge", "local");
  return 0;
}

static int n_rm (int argc, char **argv)
{
  if (argc < 2)
    return cli_err ("network rm needs at least one NAME"), CLI_FAIL;
  int rc = 0;
  for (int i = 1; i < argc; i++)
    {
      struct terr err;
      if (netrec_predefined (argv[i]))
        cli_err ("%s is a pre-defined network and cannot be removed", argv[i]), rc = CLI_FAIL;
      else if (netrec_remove (argv[i], &err) < 0)
        {
          if (err.errnum == ENOENT)
            cli_err ("Error: No such network: %s", argv[i]);
          else
            cli_err ("%s", err.msg);
          rc = CLI_FAIL;
        }
      else
        printf ("%s\n", argv[i]);
    }
  return rc;
}

static int n_inspect (int argc, char **argv)
{
  if (argc < 2)
    return cli_err ("network inspect needs at least one NAME"), CLI_FAIL;
  static struct netrec n;
  json_t *all = json_array ();
  int rc = 0;
  for (int i = 1; all && i < argc; i++)
    {
      struct terr err;
      if (netrec_load (argv[i], &n, &err) < 0)
        cli_err ("Error: No such network: %s", argv[i]), rc = CLI_FAIL;
      else if (json_array_append_new (all, netrec_docker_json (&n)) < 0)
        rc = CLI_FAIL;
    }
  char *text = all ? json_dumps (all, JSON_INDENT (4)) : NULL;
  json_decref (all);
  if (!text)
    return cli_err ("network inspect: out of memory"), CLI_FAIL;
  printf ("%s\n", text);
  free (text);
  return rc;
}

int vm_cli_network (int argc, char **argv)
{
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    return fputs (network_usage, argc < 2 ? stderr : stdout), argc < 2 ? CLI_FAIL : 0;
  const char *sub = argv[1];
  if (strcmp (sub, "create") == 0)
    return n_create (argc - 1, argv + 1);
  if (strcmp (sub, "ls") == 0 || strcmp (sub, "list") == 0)
    return n_ls (argc - 1, argv + 1);
  if (strcmp (sub, "rm") == 0 || strcmp (sub, "remove") == 0)
    return n_rm (argc - 1, argv + 1);
  if (strcmp (sub, "inspect") == 0)
    return n_inspect (argc - 1, argv + 1);
  return cli_err ("network: unknown command %s (see --help)", sub), CLI_FAIL;
}
