/* run, exec, attach: the verbs that relay a session's stdio. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runopts.h"
#include "session.h"
#include "sig.h"
#include "vmrun.h"

#define SESSION_HANDLE 1

static const char attach_usage[]
    = "Usage: tetherctl [-H unix:PATH] attach [OPTIONS] CONTAINER\n"
      "\n"
      "Attach local stdin, stdout and stderr to a running container; the tether resends\n"
      "the output it still holds. Signals are forwarded to the container.\n"
      "\n"
      "Options:\n"
      "      --detach-keys KEYS     keys that detach, leaving the container running\n"
      "                             (default for -it containers: ctrl-p,ctrl-q)\n"
      "      --no-stdin             do not relay local stdin\n"
      "      --stdout-offset N      resume stdout at byte N (bytes already received)\n"
      "      --stderr-offset N      resume stderr at byte N\n"
      "      --help                 print this help\n";

enum { OPT_HELP = 256 };

static int run_fail (const struct terr *err)
{
  cli_err ("%s", err->msg);
  return err->exit_code == 126 || err->exit_code == 127 ? err->exit_code : CLI_FAIL_RUN;
}

/* docker exec into an unknown or stopped container is the daemon's refusal:
 * the CLI exits 1; a session that could not launch keeps its 126. */
static int exec_fail (const struct terr *err)
{
  if (err->code == ERR_NOT_FOUND || err->code == ERR_CONFLICT)
    return cli_err ("%s", err->msg), CLI_FAIL;
  return run_fail (err);
}

/* Relays an attached session to its end; returns the session's exit code. */
static int relay_to_end (struct session *s, int fail_code)
{
  struct terr err;
  struct session_result res;
  terr_clear (&err);
  if (session_run (s, &res, &err) < 0)
    {
      session_free (s);
      cli_err ("%s", err.msg);
      return fail_code;
    }
  session_free (s);
  if (res.error[0] != '\0')
    cli_err ("%s", res.error);
  return res.exit_code;
}

/* The reply to a queued request while a session is bound: output and exits
 * that arrive first go to it. */
static Msg *session_await (struct conn *c, struct session *s, const Msg *req, Msg__BodyCase want,
                           struct terr *err)
{
  Msg *r = conn_await (c, req, session_dispatch, s, CONN_REPLY_TIMEOUT_MS, err);
  if (r == NULL || conn_reply_error (r, want, err) < 0)
    return NULL;
  return r;
}

static Msg *session_request (struct conn *c, struct session *s, Msg *req, Msg__BodyCase want,
                             struct terr *err)
{
  req->request_id = conn_new_request_id (c);
  if (conn_queue_msg (c, req, err) < 0)
    return NULL;
  return session_await (c, s, req, want, err);
}

static int do_run (const struct cli *cli, int argc, char **argv, struct run_opts *po)
{
  int first = run_opts_parse (OPTS_RUN_HOST, argc, argv, po);
  const struct run_opts o = *po;
  if (first <= 0)
    return first == 0 ? 0 : CLI_FAIL_RUN;

  char id[65];
  if (cli_random_id (id) < 0)
    return cli_err ("getrandom: %s", strerror (errno)), CLI_FAIL_RUN;
  ContainerConfig cfg = CONTAINER_CONFIG__INIT;
  if (run_opts_config (po, id, argv + first, (size_t) (argc - first), &cfg) < 0)
    return CLI_FAIL_RUN;

  struct conn *c = cli_connect (cli);
  if (c == NULL)
    return CLI_FAIL_RUN;
  struct terr err;
  terr_clear (&err);
  Create cr = CREATE__INIT;
  cr.config = &cfg;
  Msg m = MSG__INIT;
  m.body_case = MSG__BODY_CREATE;
  m.create = &cr;
  Start st = START__INIT;
  st.id = id;
  Msg sm = MSG__INIT;
  sm.body_case = MSG__BODY_START;
  sm.start = &st;
  Attach at = ATTACH__INIT;
  at.id = id;
  at.handle = SESSION_HANDLE;
  at.want_stdin = o.interactive;
  Msg am = MSG__INIT;
  am.body_case = MSG__BODY_ATTACH;
  am.attach = &at;
  /* Create, attach and start go out at once: the tether takes a connection's
   * requests in order, so each one finds what the one before made (or, after
   * a refused create, refuses too: only the create's reason is told), and a
   * short run waits for one round trip instead of three. */
  Msg *queued[3] = { &m, o.detach ? &sm : &am, o.detach ? NULL : &sm };
  for (int i = 0; i < 3 && queued[i]; i++)
    {
      queued[i]->request_id = conn_new_request_id (c);
      if (conn_queue_msg (c, queued[i], &err) < 0)
        return conn_close (c), run_fail (&err);
    }
  Msg *r = conn_await (c, &m, NULL, NULL, CONN_REPLY_TIMEOUT_MS, &err);
  if (r == NULL || conn_reply_error (r, MSG__BODY_OK, &err) < 0)
    return conn_close (c), run_fail (&err);

  if (o.detach)
    {
      r = conn_await (c, &sm, NULL, NULL, CONN_REPLY_TIMEOUT_MS, &err);
      if (r == NULL || conn_reply_error (r, MSG__BODY_STARTED, &err) < 0)
        {
          /* docker's run -d of a command that cannot start: the id, then the error */
          if (r != NULL)
            printf ("%s\n", id), fflush (stdout);
          return conn_close (c), run_fail (&err);
        }
      conn_close (c);
      printf ("%s\n", id);
      return fflush (stdout) == 0 ? 0 : CLI_FAIL_RUN;
    }

  struct session_opts so = { .handle = SESSION_HANDLE, .signal_id = id,
                             .relay_stdin = o.interactive, .tty = o.tty };
  struct session *s = session_new (c, &so, &err);
  if (s == NULL)
    return conn_close (c), run_fail (&err);
  if ((r = session_await (c, s, &am, MSG__BODY_ATTACHED, &err)) == NULL)
    return session_free (s), conn_close (c), run_fail (&err);
  session_set_offsets (s, r->attached->stdout_offset, r->attached->stderr_offset,
                       r->attached->stdin_offset);
  if (session_await (c, s, &sm, MSG__BODY_STARTED, &err) == NULL)
    return session_free (s), conn_close (c), run_fail (&err);
  int code = relay_to_end (s, CLI_FAIL_RUN);
  conn_close (c);
  return code;
}

int exec_parse (int argc, char **argv, struct run_opts *o, int *cmd_at)
{
  int first = run_opts_parse (OPTS_EXEC, argc, argv, o);
  if (first <= 0)
    return first;
  if (first >= argc)
    return cli_err ("exec: a container and a command are required"), -1;
  int cid = first++;
  if (first < argc && strcmp (argv[first], "--") == 0)
    first++;
  if (first >= argc)
    return cli_err ("exec: a command is required (see tetherctl exec --help)"), -1;
  *cmd_at = first;
  return cid;
}

int exec_over (struct conn *c, const struct run_opts *po, char *cid, char **cmd, size_t n)
{
  const struct run_opts o = *po;
  char exec_id[65];
  if (o.exec_id)
    snprintf (exec_id, sizeof exec_id, "%s", o.exec_id);
  else if (cli_random_id (exec_id) < 0)
    return cli_err ("getrandom: %s", strerror (errno)), conn_close (c), CLI_FAIL_RUN;
  Exec ex = EXEC__INIT;
  run_opts_exec (&o, cid, exec_id, cmd, n, &ex);
  ex.handle = SESSION_HANDLE;
  Msg m = MSG__INIT;
  m.body_case = MSG__BODY_EXEC;
  m.exec = &ex;
  struct terr err;
  terr_clear (&err);
  if (o.detach)
    {
      /* the reply lives in the connection's arena: judge it before closing */
      Msg *r = conn_request (c, &m, NULL, NULL, CONN_REPLY_TIMEOUT_MS, &err);
      int failed = r == NULL || conn_reply_error (r, MSG__BODY_EXEC_STARTED, &err) < 0;
      conn_close (c);
      return failed ? exec_fail (&err) : 0;
    }
  struct session_opts so = { .handle = SESSION_HANDLE, .signal_id = exec_id,
                             .relay_stdin = o.interactive, .tty = o.tty, .docker_frames = o.docker_frames };
  struct session *s = session_new (c, &so, &err);
  if (s == NULL)
    return conn_close (c), exec_fail (&err);
  if (session_request (c, s, &m, MSG__BODY_EXEC_STARTED, &err) == NULL)
    return session_free (s), conn_close (c), exec_fail (&err);
  int code = relay_to_end (s, CLI_FAIL_RUN);
  conn_close (c);
  return code;
}

int cli_run (const struct cli *cli, int argc, char **argv)
{
  struct run_opts o;
  int code = do_run (cli, argc, argv, &o);
  run_opts_free (&o);
  return code;
}

int cli_exec (const struct cli *cli, int argc, char **argv)
{
  struct run_opts o;
  int cmd_at, code, cid = exec_parse (argc, argv, &o, &cmd_at);
  struct conn *c = cid > 0 ? cli_connect (cli) : NULL;
  if (cid <= 0)
    code = cid == 0 ? 0 : CLI_FAIL_RUN;
  else if (c == NULL)
    code = CLI_FAIL_RUN;
  else
    code = exec_over (c, &o, argv[cid], argv + cmd_at, (size_t) (argc - cmd_at));
  run_opts_free (&o);
  return code;
}

/* A stream offset: a non-negative decimal up to 2^63. Returns 0, or -1. */
static int parse_offset (const char *s, uint64_t *out)
{
  char *end;
  if (s[0] < '0' || s[0] > '9')
    return -1;
  errno = 0;
  unsigned long long v = strtoull (s, &end, 10);
  if (errno != 0 || *end != '\0' || v > (1ull << 63))
    return -1;
  *out = v;
  return 0;
}

/* docker: ctrl-p,ctrl-q detaches an -it attach; --detach-keys sets another
 * sequence for any attach that relays stdin ("" turns it off). */
int attach_keys (struct session_opts *so, const char *spec)
{
  so->n_detach_keys = 0;
  if (!so->relay_stdin || (spec == NULL && !so->tty))
    return 0;
  int n = session_parse_keys (spec ? spec : SESSION_DEFAULT_KEYS, so->detach_keys);
  if (n < 0)
    return -1;
  so->n_detach_keys = (size_t) n;
  return 0;
}

int attach_parse (int argc, char **argv, struct attach_opts *o)
{
  enum { OPT_STDOUT_OFF = 300, OPT_STDERR_OFF, OPT_KEYS, OPT_NO_STDIN };
  static const struct option longs[] = {
    { "help", no_argument, NULL, OPT_HELP },
    { "detach-keys", required_argument, NULL, OPT_KEYS },
    { "no-stdin", no_argument, NULL, OPT_NO_STDIN },
    { "stdout-offset", required_argument, NULL, OPT_STDOUT_OFF },
    { "stderr-offset", required_argument, NULL, OPT_STDERR_OFF },
    { NULL, 0, NULL, 0 },
  };
  memset (o, 0, sizeof *o);
  optind = 0; /* glibc: full re-initialisation */
  opterr = 0;
  int ch;
  while ((ch = getopt_long (argc, argv, "+:", longs, NULL)) != -1)
    switch (ch)
      {
      case OPT_HELP: return cli_usage (attach_usage), 0;
      case OPT_KEYS: o->keys = optarg; break;
      case OPT_NO_STDIN: o->no_stdin = true; break;
      case OPT_STDOUT_OFF:
      case OPT_STDERR_OFF:
        if (parse_offset (optarg, ch == OPT_STDOUT_OFF ? &o->off_out : &o->off_err) < 0)
          return cli_err ("attach: invalid offset: %s", optarg), -1;
        o->have_offsets = true;
        break;
      case ':':
        return cli_err ("attach: option %s needs a value", argv[optind - 1]), -1;
      default:
        return cli_err ("attach: unknown option %s (see tetherctl attach --help)", argv[optind - 1]), -1;
      }
  int first = optind;
  if (first < argc && strcmp (argv[first], "--") == 0)
    first++;
  if (argc - first != 1 || argv[first][0] == '-')
    return cli_err ("attach: exactly one container is required (see tetherctl attach --help)"), -1;
  return first;
}

int cli_attach (const struct cli *cli, int argc, char **argv)
{
  struct attach_opts ao;
  int first = attach_parse (argc, argv, &ao);
  if (first <= 0)
    return first == 0 ? 0 : CLI_FAIL;
  uint64_t off_out = ao.off_out, off_err = ao.off_err;
  const char *keys = ao.keys;
  bool no_stdin = ao.no_stdin;
  const char *cid = argv[first];
  struct conn *c = cli_connect (cli);
  if (c == NULL)
    return CLI_FAIL;

  /* the container's config says whether stdin is open and a tty is in use */
  Inspect in = INSPECT__INIT;
  in.id = (char *) cid;
  Msg m = MSG__INIT;
  m.body_case = MSG__BODY_INSPECT;
  m.inspect = &in;
  Msg *r = cli_request (c, &m, MSG__BODY_CONTAINER_LIST, cid);
  if (r == NULL)
    return conn_close (c), CLI_FAIL;
  if (r->container_list->n_containers != 1 || r->container_list->containers[0]->config == NULL)
    return cli_err ("%s: protocol mismatch: inspect returned %zu containers", cid,
                    r->container_list->n_containers),
           conn_close (c), CLI_FAIL;
  const ContainerInfo *ci = r->container_list->containers[0];
  if (strcmp (ci->status, "restarting") == 0)
    return cli_err ("%s: You cannot attach to a restarting container, wait until it is running", cid),
           conn_close (c), CLI_FAIL;
  if (strcmp (ci->status, "running") != 0)
    return cli_err ("%s: You cannot attach to a stopped container, start it first", cid),
           conn_close (c), CLI_FAIL;
  char id[65];
  snprintf (id, sizeof id, "%s", ci->config->id);
  bool tty = ci->config->tty;
  bool open_stdin = ci->config->open_stdin && !no_stdin;

  struct terr err;
  terr_clear (&err);
  struct session_opts so = { .handle = SESSION_HANDLE, .signal_id = id,
                             .relay_stdin = open_stdin, .tty = tty };
  if (attach_keys (&so, keys) < 0)
    return cli_err ("attach: invalid --detach-keys %s: want items like a or ctrl-p, comma-separated", keys),
           conn_close (c), CLI_FAIL;
  struct session *s = session_new (c, &so, &err);
  if (s == NULL)
    return cli_err ("%s", err.msg), conn_close (c), CLI_FAIL;
  Attach at = ATTACH__INIT;
  at.id = id;
  at.handle = SESSION_HANDLE;
  at.want_stdin = open_stdin;
  at.stdout_offset = off_out;
  at.stderr_offset = off_err;
  Msg am = MSG__INIT;
  am.body_case = MSG__BODY_ATTACH;
  am.attach = &at;
  if ((r = session_request (c, s, &am, MSG__BODY_ATTACHED, &err)) == NULL)
    return cli_err ("%s: %s", cid, err.msg), session_free (s), conn_close (c), CLI_FAIL;
  session_set_offsets (s, r->attached->stdout_offset, r->attached->stderr_offset,
                       r->attached->stdin_offset);
  if (tty)
    {
      /* the window may have changed since the container started */
      Resize rs = RESIZE__INIT;
      if (session_winsize (&rs.rows, &rs.cols) == 0)
        {
          rs.handle = SESSION_HANDLE;
          Msg rm = MSG__INIT;
          rm.body_case = MSG__BODY_RESIZE;
          rm.resize = &rs;
          rm.request_id = conn_new_request_id (c);
          if (conn_queue_msg (c, &rm, &err) < 0)
            return cli_err ("%s", err.msg), session_free (s), conn_close (c), CLI_FAIL;
        }
    }
  int code = relay_to_end (s, CLI_FAIL);
  conn_close (c);
  return code;
}
