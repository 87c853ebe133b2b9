/* wait, kill, stop, rm, ping: one request per container, one line per answer. */
#include "cli.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sig.h"
#include "timefmt.h"

static const char wait_usage[]
    = "Usage: tetherctl [-H unix:PATH] wait CONTAINER [CONTAINER...]\n"
      "\n"
      "Block until each container's current run ends, then print its exit code.\n"
      "\n"
      "Options:\n"
      "      --help                 print this help\n";

static const char kill_usage[]
    = "Usage: tetherctl [-H unix:PATH] kill [OPTIONS] CONTAINER [CONTAINER...]\n"
      "\n"
      "Send a signal to the container's main process and print the container.\n"
      "Exit status 1 if it is not running.\n"
      "\n"
      "Options:\n"
      "  -s, --signal SIG           signal name (KILL, SIGKILL) or number (default KILL)\n"
      "      --help                 print this help\n";

static const char stop_usage[]
    = "Usage: tetherctl [-H unix:PATH] stop [OPTIONS] CONTAINER [CONTAINER...]\n"
      "\n"
      "Send the stop signal (default SIGTERM), then SIGKILL after the timeout, and\n"
      "print the container once it has stopped.\n"
      "\n"
      "Options:\n"
      "  -t, --time S               seconds to wait before SIGKILL (default: the\n"
      "                             container's stop timeout, 10; 0: SIGKILL at once)\n"
      "      --help                 print this help\n";

static const char rm_usage[]
    = "Usage: tetherctl [-H unix:PATH] rm [OPTIONS] CONTAINER [CONTAINER...]\n"
      "\n"
      "Remove containers and print each. Exit status 1 if one is running (without -f)\n"
      "or not found.\n"
      "\n"
      "Options:\n"
      "  -f, --force                kill a running container first\n"
      "  -v, --volumes              remove its anonymous volumes too (VM mode)\n"
      "      --help                 print this help\n";

static const char ping_usage[]
    = "Usage: tetherctl [-H unix:PATH] ping\n"
      "\n"
      "Measure the round trip to the tether and print its statistics.\n"
      "\n"
      "Options:\n"
      "      --help                 print this help\n";

enum { OPT_HELP = 256 };

static const struct option wait_longs[] = { { "help", no_argument, NULL, OPT_HELP }, { NULL, 0, NULL, 0 } };
static const struct option kill_longs[] = {
  { "signal", required_argument, NULL, 's' }, { "help", no_argument, NULL, OPT_HELP }, { NULL, 0, NULL, 0 },
};
static const struct option stop_longs[] = {
  { "time", required_argument, NULL, 't' },    { "timeout", required_argument, NULL, 't' },
  { "help", no_argument, NULL, OPT_HELP },     { NULL, 0, NULL, 0 },
};
static const struct option rm_longs[] = {
  { "force", no_argument, NULL, 'f' }, { "volumes", no_argument, NULL, 'v' },
  { "help", no_argument, NULL, OPT_HELP }, { NULL, 0, NULL, 0 },
};

static const struct {
  const char *shorts;
  const struct option *longs;
  const char *usage;
} verbs[] = {
  [CTL_WAIT] = { "+:", wait_longs, wait_usage },
  [CTL_KILL] = { "+:s:", kill_longs, kill_usage },
  [CTL_STOP] = { "+:t:", stop_longs, stop_usage },
  [CTL_RM] = { "+:fv", rm_longs, rm_usage },
};

static int take (struct ctl_opts *o, const char *verb, int ch, const char *arg)
{
  switch (ch)
    {
    case 's':
      if ((o->signo = sig_parse (arg)) < 0)
        return cli_err ("%s: invalid signal: %s", verb, arg), -1;
      return 0;
    case 't':
      if ((o->timeout_s = cli_parse_uint (arg, 1000000)) < 0)
        return cli_err ("%s: invalid time: %s", verb, arg), -1;
      return 0;
    case 'f': o->force = true; return 0;
    case 'v': o->volumes = true; return 0;
    }
  return -1;
}

int ctl_parse (enum ctl_verb verb, int argc, char **argv, struct ctl_opts *o)
{
  *o = (struct ctl_opts) { .signo = SIGKILL, .timeout_s = -1 }; /* docker's kill default; the container's stop timeout */
  optind = 0; /* glibc: full re-initialisation */
  opterr = 0;
  int ch;
  while ((ch = getopt_long (argc, argv, verbs[verb].shorts, verbs[verb].longs, NULL)) != -1)
    {
      if (ch == OPT_HELP)
        return cli_usage (verbs[verb].usage), 0;
      if (ch == ':')
        return cli_err ("%s: option %s needs a value", argv[0], argv[optind - 1]), -1;
      if (ch == '?')
        return cli_err ("%s: unknown option %s (see tetherctl %s --help)", argv[0], argv[optind - 1],
                        argv[0]),
               -1;
      if (take (o, argv[0], ch, optarg) < 0)
        return -1;
    }
  if (optind < argc && strcmp (argv[optind], "--") == 0)
    optind++;
  if (optind >= argc)
    return cli_err ("%s: at least one container is required (see tetherctl %s --help)", argv[0],
                    argv[0]),
           -1;
  return optind;
}

static Msg *stop_request (struct conn *c, const char *id, int timeout_s, struct terr *err)
{
  Stop s = STOP__INIT;
  s.id = (char *) id;
  s.timeout_s = timeout_s;
  Msg m = MSG__INIT;
  m.body_case = MSG__BODY_STOP;
  m.stop = &s;
  return conn_request (c, &m, NULL, NULL, -1, err);
}

static Msg *send_one (struct conn *c, enum ctl_verb verb, const struct ctl_opts *o, const char *id,
                      Msg__BodyCase *want, struct terr *err);

/* `stop -t 0`: docker kills at once, but Stop.timeout_s 0 means "the default"
 * on the wire, so send SIGKILL ourselves and wait for the exit. */
static Msg *stop_now (struct conn *c, const char *id, struct terr *err)
{
  static const struct ctl_opts kill = { .signo = SIGKILL };
  Msg__BodyCase want;
  Msg *r = send_one (c, CTL_KILL, &kill, id, &want, err);
  if (r == NULL)
    return NULL;
  /* not running (ERR_CONFLICT) is fine: stop of a stopped container succeeds */
  if (conn_reply_error (r, want, err) < 0 && err->code != ERR_CONFLICT)
    return NULL;
  return send_one (c, CTL_WAIT, &kill, id, &want, err);
}

/* The request for one id and the reply that answers it. */
static Msg *send_one (struct conn *c, enum ctl_verb verb, const struct ctl_opts *o, const char *id,
                      Msg__BodyCase *want, struct terr *err)
{
  Msg m = MSG__INIT;
  Wait w = WAIT__INIT;
  Signal sg = SIGNAL__INIT;
  Remove rm = REMOVE__INIT;
  switch (verb)
    {
    case CTL_STOP:
      *want = MSG__BODY_EXIT;
      return o->timeout_s == 0 ? stop_now (c, id, err) : stop_request (c, id, o->timeout_s, err);
    case CTL_WAIT:
      w.id = (char *) id;
      m.body_case = MSG__BODY_WAIT, m.wait = &w, *want = MSG__BODY_EXIT;
      return conn_request (c, &m, NULL, NULL, -1, err);
    case CTL_KILL:
      sg.id = (char *) id;
      sg.signo = (uint32_t) o->signo;
      m.body_case = MSG__BODY_SIGNAL, m.signal = &sg, *want = MSG__BODY_OK;
      break;
    case CTL_RM:
      rm.id = (char *) id;
      rm.force = o->force;
      m.body_case = MSG__BODY_REMOVE, m.remove = &rm, *want = MSG__BODY_OK;
      break;
    }
  return conn_request (c, &m, NULL, NULL, CONN_REPLY_TIMEOUT_MS, err);
}

int ctl_one (struct conn *c, enum ctl_verb verb, const struct ctl_opts *o, const char *id, bool quiet)
{
  struct terr err;
  terr_clear (&err);
  Msg__BodyCase want;
  Msg *r = send_one (c, verb, o, id, &want, &err);
  /* stop: the reply is the exit, or a plain ok for an already stopped one */
  bool stopped = r != NULL && verb == CTL_STOP && r->body_case == MSG__BODY_OK;
  if (r == NULL || (!stopped && conn_reply_error (r, want, &err) < 0))
    return cli_err ("%s: %s", id, err.msg), -1;
  if (quiet)
    return 0;
  if (verb == CTL_WAIT)
    printf ("%d\n", r->exit->exit_code);
  else
    printf ("%s\n", id);
  return fflush (stdout) == 0 ? 0 : -1;
}

/* One request per container operand, as docker's verbs do: each id's answer is
 * printed (the id, or for wait the exit code) or its error said, and the verb
 * fails if any did. */
static int each_id (const struct cli *cli, enum ctl_verb verb, int argc, char **argv)
{
  struct ctl_opts o;
  int first = ctl_parse (verb, argc, argv, &o);
  if (first <= 0)
    return first == 0 ? 0 : CLI_FAIL;
  struct conn *c = cli_connect (cli);
  if (c == NULL)
    return CLI_FAIL;
  int code = 0;
  for (int i = first; i < argc; i++)
    if (ctl_one (c, verb, &o, argv[i], false) < 0)
      code = CLI_FAIL;
  conn_close (c);
  return code;
}

int cli_wait (const struct cli *cli, int argc, char **argv) { return each_id (cli, CTL_WAIT, argc, argv); }
int cli_kill (const struct cli *cli, int argc, char **argv) { return each_id (cli, CTL_KILL, argc, argv); }
int cli_stop (const struct cli *cli, int argc, char **argv) { return each_id (cli, CTL_STOP, argc, argv); }
int cli_rm (const struct cli *cli, int argc, char **argv) { return each_id (cli, CTL_RM, argc, argv); }

static int64_t mono_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int cli_ping (const struct cli *cli, int argc, char **argv)
{
  if (argc == 2 && strcmp (argv[1], "--help") == 0)
    return cli_usage (ping_usage), 0;
  if (argc > 1)
    return cli_err ("ping: unexpected argument %s (see tetherctl ping --help)", argv[1]), CLI_FAIL;
  struct conn *c = cli_connect (cli);
  return c ? ping_over (c) : CLI_FAIL;
}

void print_health (const Health *h)
{
  if (h == NULL || h->status == NULL)
    {
      printf ("health: none configured\n");
      return;
    }
  printf ("health: %s (failing streak %u)\n", h->status, h->failing_streak);
  if (h->n_log > 0)
    {
      const HealthResult *r = h->log[h->n_log - 1];
      char t[RFC3339_LEN];
      printf ("last probe: exit %d at %s\n", r->exit_code, fmt_rfc3339 (r->end_ns, t));
    }
}

static const char health_usage[]
    = "Usage: tetherctl -H unix:PATH health ID\n"
      "\n"
      "The container's status and health (its HEALTHCHECK), then the tether's round trip\n"
      "and statistics as ping prints them.\n"
      "\n"
      "Options:\n"
      "      --help                 print this help\n";

int cli_health (const struct cli *cli, int argc, char **argv)
{
  if (argc == 2 && strcmp (argv[1], "--help") == 0)
    return cli_usage (health_usage), 0;
  if (argc != 2)
    return cli_err ("health: give one container (see tetherctl health --help)"), CLI_FAIL;
  struct conn *c = cli_connect (cli);
  if (c == NULL)
    return CLI_FAIL;
  Inspect in = INSPECT__INIT;
  in.id = argv[1];
  Msg m = MSG__INIT;
  m.body_case = MSG__BODY_INSPECT;
  m.inspect = &in;
  Msg *r = cli_request (c, &m, MSG__BODY_CONTAINER_LIST, argv[1]);
  if (r == NULL)
    return conn_close (c), CLI_FAIL;
  if (r->container_list->n_containers != 1)
    return cli_err ("%s: protocol mismatch: inspect returned %zu containers", argv[1],
                    r->container_list->n_containers),
           conn_close (c), CLI_FAIL;
  const ContainerInfo *ci = r->container_list->containers[0];
  printf ("status: %s\n", ci->status ? ci->status : "");
  print_health (ci->health);
  fflush (stdout);
  return ping_over (c);
}

int ping_over (struct conn *c)
{
  Ping p = PING__INIT;
  p.sent_ns = now_real_ns ();
  Msg m = MSG__INIT;
  m.body_case = MSG__BODY_PING;
  m.ping = &p;
  int64_t t0 = mono_ns ();
  Msg *r = cli_request (c, &m, MSG__BODY_PONG, "ping");
  int64_t rtt = mono_ns () - t0;
  if (r == NULL)
    return conn_close (c), CLI_FAIL;
  const Pong *g = r->pong;
  printf ("tether %s: rtt=%.3f ms\n", conn_tether_version (c), (double) rtt / 1e6);
  printf ("uptime: %.3f s\n", (double) g->uptime_ms / 1e3);
  printf ("rss: %llu KiB (max %llu KiB)\n", (unsigned long long) g->rss_bytes / 1024,
          (unsigned long long) g->max_rss_bytes / 1024);
  printf ("containers: %u\n", g->containers);
  printf ("sessions: %u\n", g->sessions);
  printf ("connections: %u\n", g->connections);
  printf ("frames in/out: %llu/%llu\n", (unsigned long long) g->frames_in,
          (unsigned long long) g->frames_out);
  printf ("resyncs: %llu\n", (unsigned long long) g->resyncs);
  printf ("dropped bytes: %llu\n", (unsigned long long) g->dropped_bytes);
  printf ("ring bytes: %llu\n", (unsigned long long) g->ring_bytes);
  conn_close (c);
  return fflush (stdout) == 0 ? 0 : CLI_FAIL;
}
