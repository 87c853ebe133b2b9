/* ps, inspect, exec, wait, kill, stop, rm without -H: containers are found under
 * $TETHER_STATE_DIR/containers by id, unique prefix or name; a running one is
 * reached through its endpoint's socket, a finished one through state.pb/json. */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "cli.h"
#include "netrec.h"
#include "epspawn.h"
#include "vmrelay.h"
#include "sig.h"
#include "statedir.h"
#include "timefmt.h"
#include "tree.h"
#include "vmrun.h"
#include "vmstate.h"

#define VM_STOP_WAIT_MS 60000

bool vm_resolve (const char *ref, char id[65])
{
  struct terr err;
  if (vm_find (ref, id, &err) < 0)
    {
      cli_err ("%s", err.msg);
      return false;
    }
  return true;
}

/* A connection to one container's endpoint, or NULL (the error said). */
static struct conn *endpoint_conn (const char *addr)
{
  return cli_connect (&(struct cli) { .host = addr });
}

int vm_load_exit (const char *id, int *code)
{
  struct terr err;
  ContainerInfo *ci = vm_state_load (id, &err);
  if (ci == NULL)
    return cli_err ("%s", err.msg), -1;
  bool done = vm_info_final (ci);
  *code = ci->exit_code;
  container_info__free_unpacked (ci, NULL);
  return done ? 0 : 1;
}

/* Waits (bounded) for the endpoint to write the final state. */
static int wait_final (const char *id, int timeout_ms, int *code)
{
  for (int t = 0; t <= timeout_ms; t += 100)
    {
      int r = vm_load_exit (id, code);
      if (r <= 0)
        return r;
      char a[200];
      if (endpoint_ensure (id, a, sizeof a) == NULL)
        return vm_load_exit (id, code) == 0 ? 0 : -1;
      usleep (100 * 1000);
    }
  return -1;
}

/* One request to a running container's endpoint; -1 after saying why. */
static int to_endpoint (const char *ref, const char *id, enum ctl_verb verb, const struct ctl_opts *o, bool quiet)
{
  char a[200];
  if (endpoint_ensure (id, a, sizeof a) == NULL)
    return cli_err ("%s: container is not running", ref), -1;
  struct conn *c = endpoint_conn (a);
  if (c == NULL)
    return -1;
  int r = ctl_one (c, verb, o, id, quiet);
  conn_close (c);
  return r;
}

/* The endpoint answers while the VM runs; after, the state dir does. */
static int wait_one (const char *ref, const char *id, const struct ctl_opts *o)
{
  (void) ref;
  char a[200];
  int ec;
  struct conn *c = endpoint_ensure (id, a, sizeof a) ? endpoint_conn (a) : NULL;
  int r = c ? ctl_one (c, CTL_WAIT, o, id, false) : -1;
  if (c)
    conn_close (c);
  if (r == 0)
    return 0;
  if (wait_final (id, 24 * 3600 * 1000, &ec) < 0)
    return -1;
  printf ("%d\n", ec);
  return 0;
}

static int kill_one (const char *ref, const char *id, const struct ctl_opts *o)
{
  return to_endpoint (ref, id, CTL_KILL, o, false);
}

static int stop_one (const char *ref, const char *id, const struct ctl_opts *o)
{
  char a[200];
  int ec;
  if (endpoint_ensure (id, a, sizeof a) == NULL)
    return printf ("%s\n", ref), 0; /* already stopped */
  if (to_endpoint (ref, id, CTL_STOP, o, false) < 0)
    return -1;
  /* printed the id; the VM powers off right after */
  wait_final (id, VM_STOP_WAIT_MS, &ec);
  return 0;
}

static int rm_one (const char *ref, const char *id, const struct ctl_opts *o)
{
  static const struct ctl_opts kill = { .signo = SIGKILL };
  char a[200];
  int ec;
  /* Exited but its endpoint still powering the VM off: let it finish (it
   * writes state.json last), then remove. */
  for (int t = 0; t < VM_STOP_WAIT_MS && endpoint_ensure (id, a, sizeof a) && vm_load_exit (id, &ec) == 0; t += 100)
    usleep (100 * 1000);
  if (endpoint_ensure (id, a, sizeof a))
    {
      if (!o->force)
        return cli_err ("%s: cannot remove a running container (stop it first or use -f)", ref), -1;
      /* quiet: rm prints the id once, below; a kill that raced the exit is fine */
      to_endpoint (ref, id, CTL_KILL, &kill, true);
      if (wait_final (id, VM_STOP_WAIT_MS, &ec) < 0)
        return cli_err ("%s: the VM did not stop", ref), -1;
    }
  static struct vm_ctr v;
  struct terr err;
  terr_clear (&err);
  if (o->volumes && vm_ctr_load (&v, id, &err) == 0)
    vm_anon_volumes_remove (v.cfg);
  vm_ctr_paths (&v, id, &err);
  netrec_detach_all (id); /* its address on a bridge network is free again */
  /* No shell: the state dir's path is the user's ($TETHER_STATE_DIR). */
  tree_remove (v.dir);
  if (access (v.dir, F_OK) == 0)
    return cli_err ("%s: cannot remove %s", ref, v.dir), -1;
  printf ("%s\n", ref);
  return 0;
}

/* The verb's options, then each id resolved (prefix or name) and handed to one. */
static int each_vm (enum ctl_verb verb, int (*one) (const char *, const char *, const struct ctl_opts *), int argc,
                    char **argv)
{
  struct ctl_opts o;
  int first = ctl_parse (verb, argc, argv, &o);
  if (first <= 0)
    return first == 0 ? 0 : CLI_FAIL;
  int code = 0;
  for (int i = first; i < argc; i++)
    {
      char id[65];
      if (!vm_resolve (argv[i], id) || one (argv[i], id, &o) < 0)
        code = CLI_FAIL;
      fflush (stdout);
    }
  return code;
}

int vm_cli_wait (int argc, char **argv) { return each_vm (CTL_WAIT, wait_one, argc, argv); }
int vm_cli_kill (int argc, char **argv) { return each_vm (CTL_KILL, kill_one, argc, argv); }
int vm_cli_stop (int argc, char **argv) { return each_vm (CTL_STOP, stop_one, argc, argv); }
int vm_cli_rm (int argc, char **argv) { return each_vm (CTL_RM, rm_one, argc, argv); }

int vm_cli_exec (int argc, char **argv)
{
  struct run_opts o;
  int cmd_at, code = CLI_FAIL_RUN, k = exec_parse (argc, argv, &o, &cmd_at);
  char id[65], a[200];
  struct conn *c = NULL;
  if (k == 0)
    code = 0;
  else if (k < 0 || !vm_resolve (argv[k], id))
    ;
  else if (endpoint_ensure (id, a, sizeof a) == NULL)
    cli_err ("%s: container is not running", argv[k]);
  else if ((c = cli_connect (&(struct cli) { .host = a })) != NULL)
    code = exec_over (c, &o, id, argv + cmd_at, (size_t) (argc - cmd_at));
  run_opts_free (&o);
  return code;
}

struct list_ctx {
  bool all;
  ContainerInfo *items[4096];
  size_t n;
};

static int collect (const char *id, void *ctx)
{
  struct list_ctx *l = ctx;
  struct terr err;
  ContainerInfo *ci = vm_state_load (id, &err);
  if (ci == NULL)
    return 0;
  /* docker's ps: running and restarting ones only, unless -a */
  bool shown = l->all || (ci->status && (strcmp (ci->status, "running") == 0 || strcmp (ci->status, "restarting") == 0));
  if (!shown || l->n >= 4096)
    {
      container_info__free_unpacked (ci, NULL);
      return 0;
    }
  l->items[l->n++] = ci;
  return 0;
}

static int by_created_desc (const void *a, const void *b)
{
  const ContainerInfo *x = *(ContainerInfo *const *) a, *y = *(ContainerInfo *const *) b;
  return x->created_ns < y->created_ns ? 1 : x->created_ns > y->created_ns ? -1 : 0;
}

int vm_cli_ps (int argc, char **argv)
{
  static struct list_ctx l;
  bool as_json = false;
  l.all = false;
  l.n = 0;
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "-a") == 0 || strcmp (argv[i], "--all") == 0)
      l.all = true;
    else if (strcmp (argv[i], "--json") == 0)
      as_json = true;
    else
      {
        struct cli c = { .host = "unix:/nonexistent" };
        return cli_ps (&c, argc, argv); /* --help and errors */
      }
  vm_each (collect, &l);
  qsort (l.items, l.n, sizeof l.items[0], by_created_desc);
  ContainerList cl = CONTAINER_LIST__INIT;
  cl.containers = l.items;
  cl.n_containers = l.n;
  ps_print (&cl, as_json);
  for (size_t i = 0; i < l.n; i++)
    container_info__free_unpacked (l.items[i], NULL);
  return fflush (stdout) == 0 ? 0 : CLI_FAIL;
}

/* Each state.json is loaded (jansson) and the objects dumped as one array indented
 * like docker's; a file that does not parse is reported, not passed through. */
int vm_cli_inspect (int argc, char **argv)
{
  int code = 0;
  json_t *all = json_array ();
  if (all == NULL)
    return cli_err ("inspect: out of memory"), CLI_FAIL;
  for (int i = 1; i < argc; i++)
    {
      char id[65], path[VM_PATH_MAX + 100];
      if (strcmp (argv[i], "--") == 0)
        continue;
      if (!vm_resolve (argv[i], id))
        {
          code = CLI_FAIL;
          continue;
        }
      snprintf (path, sizeof path, "%s/containers/%s/state.json", state_dir (), id);
      json_error_t jerr;
      json_t *obj = json_load_file (path, JSON_REJECT_DUPLICATES, &jerr);
      if (obj == NULL || json_array_append_new (all, obj) < 0)
        {
          cli_err ("%s: %s", path, obj ? "out of memory" : jerr.text);
          code = CLI_FAIL;
        }
    }
  char *text = json_dumps (all, JSON_INDENT (4));
  json_decref (all);
  if (text == NULL)
    return cli_err ("inspect: out of memory"), CLI_FAIL;
  int r = printf ("%s\n", text);
  free (text);
  return r >= 0 && fflush (stdout) == 0 ? code : CLI_FAIL;
}

/* ping ID: the tether inside that container's VM, through its endpoint. */
/* ping ID and health ID: the tether's round trip and counters through the
 * endpoint; health adds the VM's heartbeat as the endpoint recorded it. */
static int vm_ping_or_health (int argc, char **argv, bool health)
{
  if (argc == 2 && strcmp (argv[1], "--help") == 0)
    {
      printf ("usage: tetherctl %s ID\n       tetherctl -H unix:PATH %s\n"
              "Round trip to the tether and its counters (uptime, RSS, containers, frames, resyncs)%s.\n",
              argv[0], argv[0], health ? ", the last heartbeat and whether the VM answers" : "");
      return 0;
    }
  if (argc != 2)
    return cli_err ("%s: give the container (see tetherctl %s --help)", argv[0], argv[0]), CLI_FAIL;
  char id[65], a[200];
  if (!vm_resolve (argv[1], id))
    return CLI_FAIL;
  const char *addr = endpoint_ensure (id, a, sizeof a);
  if (health)
    {
      static struct vm_ctr v;
      struct terr err;
      char t[RFC3339_LEN], ago[64];
      if (vm_ctr_load (&v, id, &err) < 0)
        return cli_err ("%s", err.msg), CLI_FAIL;
      printf ("status: %s\n", v.info.status ? v.info.status : "");
      print_health (v.info.health);
      if (v.beat_ns)
        printf ("heartbeat: %s (%s ago)\n", fmt_rfc3339 (v.beat_ns, t),
                fmt_human_duration (now_real_ns () - v.beat_ns, ago, sizeof ago));
      else
        printf ("heartbeat: none\n");
      printf ("responsive: %s\n", v.unresponsive ? "no (heartbeats missed)" : addr ? "yes" : "-");
      fflush (stdout);
    }
  if (addr == NULL)
    return health ? 0 : (cli_err ("%s: container is not running", argv[1]), CLI_FAIL);
  struct conn *c = endpoint_conn (a);
  return c ? ping_over (c) : CLI_FAIL;
}

/* attach ID: the primary's output from now (and what the tether still holds),
 * stdin if it was run with -i; survives the endpoint as run does. */
int vm_cli_attach (int argc, char **argv)
{
  struct attach_opts ao;
  int k = attach_parse (argc, argv, &ao);
  if (k <= 0)
    return k == 0 ? 0 : CLI_FAIL;
  char id[65], a[200];
  static struct vm_ctr v;
  struct terr err;
  if (!vm_resolve (argv[k], id))
    return CLI_FAIL;
  if (endpoint_ensure (id, a, sizeof a) == NULL || vm_ctr_load (&v, id, &err) < 0
      || strcmp (v.info.status ? v.info.status : "", "running") != 0)
    return cli_err ("%s: You cannot attach to a stopped container, start it first", argv[k]), CLI_FAIL;
  struct session_opts so = { .relay_stdin = v.cfg->open_stdin && !ao.no_stdin, .tty = v.cfg->tty };
  if (attach_keys (&so, ao.keys) < 0)
    return cli_err ("attach: invalid --detach-keys %s: want items like a or ctrl-p, comma-separated", ao.keys),
           CLI_FAIL;
  uint64_t from[2] = { ao.off_out, ao.off_err };
  return vm_relay (&v, &so, ao.have_offsets ? from : NULL);
}

int vm_cli_ping (int argc, char **argv) { return vm_ping_or_health (argc, argv, false); }
int vm_cli_health (int argc, char **argv) { return vm_ping_or_health (argc, argv, true); }
