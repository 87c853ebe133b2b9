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
      "      --help                 print this help\n";

static const char ping_usage[]
    = "Usage: tetherctl [-H unix:PATH] ping\n"
      "\n"
      "Measure the round trip to the tether and print its statistics.\n"
      "\n"
      "Options:\n"
      "      --help                 print this help\n";

enum { OPT_HELP = 256 };

/* getopt over a verb with one optional valued option; returns optind, 0 for --help,
 * -1 after an error message. */
static int parse (int argc, char **argv, const char *shorts, const struct option *longs,
                  int (*on_opt) (int ch, const char *arg, void *ctx), void *ctx)
{
  optind = 0;
  opterr = 0;
  int ch;
  while ((ch = getopt_long (argc, argv, shorts, longs, NULL)) != -1)
    {
      if (ch == OPT_HELP)
        return 0;
      if (ch == ':')
        return cli_err ("%s: option %s needs a value", argv[0], argv[optind - 1]), -1;
      if (ch == '?')
        return cli_err ("%s: unknown option %s (see tetherctl %s --help)", argv[0], argv[optind - 1],
                        argv[0]),
               -1;
      if (on_opt (ch, optarg, ctx) < 0)
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

static int no_opt (int ch, const char *arg, void *ctx)
{
  (void) ch, (void) arg, (void) ctx;
  return -1;
}

static const struct option help_only[] = { { "help", no_argument, NULL, OPT_HELP }, { NULL, 0, NULL, 0 } };

/* One request per container operand, as docker's verbs do: each id's reply is
 * printed (the id, or for wait the exit code) or its error said, and the verb
 * fails if any did. `fill` builds the request for one id in q's storage. */
struct id_req {
  union {
    Signal sg;
    Remove rm;
    Wait w;
  } u;
  int signo;
  bool force;
};
typedef void (*fill_fn) (Msg *m, struct id_req *q, char *id);

static int each_id (const struct cli *cli, char **ids, int n, fill_fn fill, struct id_req *q, Msg__BodyCase want)
{
  struct conn *c = cli_connect (cli);
  if (c == NULL)
    return CLI_FAIL;
  int code = 0;
  for (int i = 0; i < n; i++)
    {
      Msg m = MSG__INIT;
      fill (&m, q, ids[i]);
      Msg *r = cli_request (c, &m, want, ids[i]);
      if (r == NULL)
        {
          code = CLI_FAIL;
          continue;
        }
      if (want == MSG__BODY_EXIT)
        printf ("%d\n", r->exit->exit_code);
      else
        printf ("%s\n", ids[i]);
      fflush (stdout);
    }
  conn_close (c);
  return code;
}

static void fill_wait (Msg *m, struct id_req *q, char *id)
{
  q->u.w = (Wait) WAIT__INIT;
  q->u.w.id = id;
  m->body_case = MSG__BODY_WAIT;
  m->wait = &q->u.w;
}

int cli_wait (const struct cli *cli, int argc, char **argv)
{
  int first = parse (argc, argv, "+:", help_only, no_opt, NULL);
  if (first == 0)
    return cli_usage (wait_usage), 0;
  if (first < 0)
    return CLI_FAIL;
  struct id_req q;
  return each_id (cli, argv + first, argc - first, fill_wait, &q, MSG__BODY_EXIT);
}

static int kill_opt (int ch, const char *arg, void *ctx)
{
  int *signo = ctx;
  if (ch != 's' || (*signo = sig_parse (arg)) < 0)
    return cli_err ("kill: invalid signal: %s", arg), -1;
  return 0;
}

static void fill_kill (Msg *m, struct id_req *q, char *id)
{
  q->u.sg = (Signal) SIGNAL__INIT;
  q->u.sg.id = id;
  q->u.sg.signo = (uint32_t) q->signo;
  m->body_case = MSG__BODY_SIGNAL;
  m->signal = &q->u.sg;
}

int cli_kill (const struct cli *cli, int argc, char **argv)
{
  static const struct option longs[] = {
    { "signal", required_argument, NULL, 's' },
    { "help", no_argument, NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
  };
  struct id_req q = { .signo = 9 }; /* docker's default: KILL */
  int first = parse (argc, argv, "+:s:", longs, kill_opt, &q.signo);
  if (first == 0)
    return cli_usage (kill_usage), 0;
  if (first < 0)
    return CLI_FAIL;
  return each_id (cli, argv + first, argc - first, fill_kill, &q, MSG__BODY_OK);
}

static int stop_opt (int ch, const char *arg, void *ctx)
{
  int *t = ctx;
  if (ch != 't' || (*t = cli_parse_uint (arg, 1000000)) < 0)
    return cli_err ("stop: invalid time: %s", arg), -1;
  return 0;
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

/* `stop -t 0`: docker kills at once, but Stop.timeout_s 0 means "the default"
 * on the wire, so send SIGKILL ourselves and wait for the exit. */
static Msg *stop_now (struct conn *c, const char *id, struct terr *err)
{
  Signal sg = SIGNAL__INIT;
  sg.id = (char *) id;
  sg.signo = SIGKILL;
  Msg m = MSG__INIT;
  m.body_case = MSG__BODY_SIGNAL;
  m.signal = &sg;
  Msg *r = conn_request (c, &m, NULL, NULL, CONN_REPLY_TIMEOUT_MS, err);
  if (r == NULL)
    return NULL;
  /* not running (ERR_CONFLICT) is fine: stop of a stopped container succeeds */
  if (conn_reply_error (r, MSG__BODY_OK, err) < 0 && err->code != ERR_CONFLICT)
    return NULL;
  Wait w = WAIT__INIT;
  w.id = (char *) id;
  Msg wm = MSG__INIT;
  wm.body_case = MSG__BODY_WAIT;
  wm.wait = &w;
  return conn_request (c, &wm, NULL, NULL, -1, err);
}

int cli_stop (const struct cli *cli, int argc, char **argv)
{
  static const struct option longs[] = {
    { "time", required_argument, NULL, 't' },
    { "timeout", required_argument, NULL, 't' },
    { "help", no_argument, NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
  };
  int timeout = -1; /* the container's own stop timeout */
  int first = parse (argc, argv, "+:t:", longs, stop_opt, &timeout);
  if (first == 0)
    return cli_usage (stop_usage), 0;
  if (first < 0)
    return CLI_FAIL;
  struct conn *c = cli_connect (cli);
  if (c == NULL)
    return CLI_FAIL;
  int code = 0;
  for (int i = first; i < argc; i++)
    {
      struct terr err;
      terr_clear (&err);
      Msg *r = timeout == 0 ? stop_now (c, argv[i], &err) : stop_request (c, argv[i], timeout, &err);
      /* the reply is the exit; accept a plain ok for an already stopped one */
      if (r == NULL
          || (r->body_case != MSG__BODY_OK && conn_reply_error (r, MSG__BODY_EXIT, &err) < 0))
        {
          cli_err ("%s: %s", argv[i], err.msg);
          code = CLI_FAIL;
          continue;
        }
      printf ("%s\n", argv[i]);
      fflush (stdout);
    }
  conn_close (c);
  return code;
}

static int rm_opt (int ch, const char *arg, void *ctx)
{
  (void) arg;
  if (ch != 'f')
    return -1;
  *(bool *) ctx = true;
  return 0;
}

static void fill_rm (Msg *m, struct id_req *q, char *id)
{
  q->u.rm = (Remove) REMOVE__INIT;
  q->u.rm.id = id;
  q->u.rm.force = q->force;
  m->body_case = MSG__BODY_REMOVE;
  m->remove = &q->u.rm;
}

int cli_rm (const struct cli *cli, int argc, char **argv)
{
  static const struct option longs[] = {
    { "force", no_argument, NULL, 'f' },
    { "help", no_argument, NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
  };
  struct id_req q = { .force = false };
  int first = parse (argc, argv, "+:f", longs, rm_opt, &q.force);
  if (first == 0)
    return cli_usage (rm_usage), 0;
  if (first < 0)
    return CLI_FAIL;
  return each_id (cli, argv + first, argc - first, fill_rm, &q, MSG__BODY_OK);
}

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
  if (c == NULL)
    return CLI_FAIL;
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
