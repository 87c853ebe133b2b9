/* tetherctl: the docker-like host CLI (DESIGN §5). */
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vmrun.h"
#include "image.h"

static const char main_usage[]
    = "Usage: tetherctl [-H unix:PATH] VERB [OPTIONS] [ARGS...]\n"
      "\n"
      "  -H, --host unix:PATH       talk to `tether --listen unix:PATH` (also $TETHER_HOST)\n"
      "\n"
      "Verbs:\n"
      "  run       create and start a container, relaying its stdio\n"
      "  exec      run a command in a running container\n"
      "  attach    attach to a running container\n"
      "  ps        list containers\n"
      "  inspect   print docker-shaped JSON for containers\n"
      "  wait      wait for a container to end, print its exit code\n"
      "  kill      send a signal to a container\n"
      "  stop      stop a container gracefully\n"
      "  rm        remove containers\n"
      "  ping      round trip and tether statistics\n"
      "  health    the same, and the VM's last heartbeat (VM containers)\n"
      "  logs      a container VM's output (without -H)\n"
      "  image     build layer disks (image build DIR|TAR -o OUT.vmdk)\n"
      "  template  VM templates that run clones (create, ls, rm)\n"
      "  network   bridge networks (create, ls, rm, inspect)\n"
      "\n"
      "Run 'tetherctl VERB --help' for a verb's options.\n";

/* Without -H the container lives in its own VM (vm_cli_*); with -H in that tether. */
static const struct vm_verb
{
  const char *name;
  int (*fn) (int, char **);
} vm_verbs[] = {
  { "run", vm_cli_run },     { "exec", vm_cli_exec }, { "ps", vm_cli_ps },     { "inspect", vm_cli_inspect },
  { "wait", vm_cli_wait },   { "kill", vm_cli_kill }, { "stop", vm_cli_stop }, { "rm", vm_cli_rm },
  { "ping", vm_cli_ping },   { "logs", vm_cli_logs },   { "health", vm_cli_health },
  { "attach", vm_cli_attach }, { "template", vm_cli_template }, { "network", vm_cli_network },
};
/* image needs no connection: the verb table's shape around cmd_image. */
static int verb_image (const struct cli *cli, int argc, char **argv)
{
  (void) cli;
  return cmd_image (argc, argv);
}

/* Host mode has no endpoint to keep output: say so instead of "unknown verb". */
static int verb_logs_host (const struct cli *cli, int argc, char **argv)
{
  (void) cli;
  if (argc == 2 && strcmp (argv[1], "--help") == 0)
    return fputs ("Usage: tetherctl logs [-f] [-t] [--since T] [--until T] [--tail N] ID\n"
                  "A container VM's stdout and stderr as its endpoint logged them (without -H).\n", stdout), 0;
  return cli_err ("logs: a host-mode tether keeps no logs (it frees output once a client acks it); "
                  "logs are kept for container VMs (tetherctl without -H)"), CLI_FAIL;
}

static const struct verb
{
  const char *name;
  int (*fn) (const struct cli *, int, char **);
  int fail_code;
} verbs[] = {
  { "run", cli_run, CLI_FAIL_RUN },  { "exec", cli_exec, CLI_FAIL_RUN },
  { "attach", cli_attach, CLI_FAIL }, { "ps", cli_ps, CLI_FAIL },
  { "inspect", cli_inspect, CLI_FAIL }, { "wait", cli_wait, CLI_FAIL },
  { "kill", cli_kill, CLI_FAIL },    { "stop", cli_stop, CLI_FAIL },
  { "rm", cli_rm, CLI_FAIL },        { "ping", cli_ping, CLI_FAIL },
  { "health", cli_health, CLI_FAIL },
  { "image", verb_image, CLI_FAIL }, { "logs", verb_logs_host, CLI_FAIL },
};

int main (int argc, char **argv)
{
  /* a closed pipe or socket is an EPIPE to handle, not a death */
  signal (SIGPIPE, SIG_IGN);
  struct cli cli = { .host = getenv ("TETHER_HOST") };
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++)
    {
      const char *a = argv[i];
      if (strcmp (a, "-H") == 0 || strcmp (a, "--host") == 0)
        {
          if (i + 1 >= argc)
            return cli_err ("%s needs a value (unix:PATH)", a), CLI_FAIL;
          cli.host = argv[++i];
        }
      else if (strncmp (a, "-H", 2) == 0)
        cli.host = a + 2;
      else if (strncmp (a, "--host=", 7) == 0)
        cli.host = a + 7;
      else if (strcmp (a, "--help") == 0 || strcmp (a, "-h") == 0)
        return fputs (main_usage, stdout), 0;
      else
        return cli_err ("unknown option %s (see tetherctl --help)", a), CLI_FAIL;
    }
  if (i >= argc)
    return cli_err ("a verb is required (see tetherctl --help)"), CLI_FAIL;
  /* Without -H the VM verbs, their --help included (that mode's options). */
  if (cli.host == NULL || *cli.host == '\0')
    for (size_t k = 0; k < sizeof vm_verbs / sizeof vm_verbs[0]; k++)
      if (strcmp (argv[i], vm_verbs[k].name) == 0)
        {
          int code = vm_verbs[k].fn (argc - i, argv + i);
          if (fflush (stdout) != 0 && code == 0)
            code = 1;
          return code;
        }
  for (size_t k = 0; k < sizeof verbs / sizeof verbs[0]; k++)
    if (strcmp (argv[i], verbs[k].name) == 0)
      {
        int code = verbs[k].fn (&cli, argc - i, argv + i);
        if (fflush (stdout) != 0 && code == 0)
          code = verbs[k].fail_code;
        return code;
      }
  return cli_err ("unknown verb %s (see tetherctl --help)", argv[i]), CLI_FAIL;
}
