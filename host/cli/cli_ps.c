/* ps and inspect: container state as a table or docker-shaped JSON. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"
#include "json.h"
#include "timefmt.h"
#include "vmrun.h"

#define PS_COMMAND_CHARS 20   /* docker truncates COMMAND to 20 characters */
#define PS_ID_CHARS 12
#define PS_COLS 6
#define PS_PAD 3              /* docker's tabwriter padding */

static const char ps_usage[]
    = "Usage: tetherctl [-H unix:PATH] ps [OPTIONS]\n"
      "\n"
      "List containers (running ones unless -a).\n"
      "\n"
      "Options:\n"
      "  -a, --all                  show all containers\n"
      "      --json                 print a JSON array instead of the table\n"
      "      --help                 print this help\n";

static const char inspect_usage[]
    = "Usage: tetherctl [-H unix:PATH] inspect CONTAINER [CONTAINER...]\n"
      "\n"
      "Print a JSON array of docker-shaped objects (Id, Created, Path, Args, State,\n"
      "Name, Config). Exit status 1 if one of the containers is not found.\n"
      "\n"
      "Options:\n"
      "      --help                 print this help\n";

/* Characters in a UTF-8 string, for column widths. */
static size_t text_width (const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char) *s & 0xc0) != 0x80)
      n++;
  return n;
}

struct ps_row {
  char col[PS_COLS][600];
};

static void ps_row_fill (struct ps_row *row, const ContainerInfo *ci, int64_t now)
{
  static const ContainerConfig empty = CONTAINER_CONFIG__INIT;
  const ContainerConfig *c = ci->config ? ci->config : &empty;
  char age[48];
  snprintf (row->col[0], sizeof row->col[0], "%.*s", PS_ID_CHARS, c->id);
  ps_command (c->argv, c->n_argv, PS_COMMAND_CHARS, row->col[1], sizeof row->col[1]);
  snprintf (row->col[2], sizeof row->col[2], "%s ago",
            fmt_human_duration (now - ci->created_ns, age, sizeof age));
  fmt_ps_status (ci->status, ci->health ? ci->health->status : NULL, ci->exit_code, ci->started_ns, ci->finished_ns, now, row->col[3],
                 sizeof row->col[3]);
  /* attach sessions that hold the container (blank: none) */
  if (ci->attached_total > 0)
    snprintf (row->col[4], sizeof row->col[4], "%u", ci->attached_total);
  else
    row->col[4][0] = '\0';
  snprintf (row->col[5], sizeof row->col[5], "%s", c->name);
}

struct ps_rows {
  struct ps_row *rows;
  size_t n, cap;
};

/* Adds one part of the list (a long list comes in several container_list replies). */
static void ps_rows_add (struct ps_rows *t, const ContainerList *cl, int64_t now)
{
  if (t->n + cl->n_containers + 1 > t->cap)
    {
      size_t cap = (t->n + cl->n_containers + 1) * 2;
      struct ps_row *nr = realloc (t->rows, cap * sizeof *nr);
      if (nr == NULL)
        {
          cli_err ("out of memory");
          exit (CLI_FAIL);
        }
      t->rows = nr;
      t->cap = cap;
    }
  if (t->n == 0)
    {
      static const char *const head[PS_COLS] = { "CONTAINER ID", "COMMAND", "CREATED", "STATUS", "ATTACHED", "NAMES" };
      for (int k = 0; k < PS_COLS; k++)
        snprintf (t->rows[0].col[k], sizeof t->rows[0].col[k], "%s", head[k]);
      t->n = 1;
    }
  for (size_t i = 0; i < cl->n_containers; i++)
    ps_row_fill (&t->rows[t->n++], cl->containers[i], now);
}

static void ps_table (struct ps_rows *t)
{
  size_t w[PS_COLS] = { 0 };
  for (size_t i = 0; i < t->n; i++)
    for (int k = 0; k < PS_COLS; k++)
      if (text_width (t->rows[i].col[k]) > w[k])
        w[k] = text_width (t->rows[i].col[k]);
  for (size_t i = 0; i < t->n; i++)
    {
      for (int k = 0; k < PS_COLS - 1; k++)
        printf ("%s%*s", t->rows[i].col[k], (int) (w[k] - text_width (t->rows[i].col[k]) + PS_PAD), "");
      printf ("%s\n", t->rows[i].col[PS_COLS - 1]);
    }
  free (t->rows);
}

/* A JSON document on stdout, or the error if it could not be built. */
static int print_json (const struct json *j)
{
  if (j->oom)
    return cli_err ("out of memory writing JSON"), -1;
  printf ("%s\n", j->buf);
  return 0;
}

void ps_print (const ContainerList *cl, bool as_json)
{
  int64_t now = now_real_ns ();
  if (as_json)
    {
      struct json j;
      json_init (&j, 4);
      json_arr_begin (&j);
      for (size_t i = 0; i < cl->n_containers; i++)
        ps_json_write (&j, cl->containers[i], now);
      json_arr_end (&j);
      print_json (&j);
      json_free (&j);
    }
  else
    {
      struct ps_rows t = { 0 };
      ps_rows_add (&t, cl, now);
      ps_table (&t);
    }
}

int cli_ps (const struct cli *cli, int argc, char **argv)
{
  enum { OPT_HELP = 256, OPT_JSON };
  static const struct option longs[] = {
    { "all", no_argument, NULL, 'a' },
    { "json", no_argument, NULL, OPT_JSON },
    { "help", no_argument, NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
  };
  bool all = false, as_json = false;
  optind = 0;
  opterr = 0;
  int ch;
  while ((ch = getopt_long (argc, argv, "+a", longs, NULL)) != -1)
    switch (ch)
      {
      case 'a': all = true; break;
      case OPT_JSON: as_json = true; break;
      case OPT_HELP: return cli_usage (ps_usage), 0;
      default:
        return cli_err ("ps: unknown option %s (see tetherctl ps --help)", argv[optind - 1]), CLI_FAIL;
      }
  if (optind < argc)
    return cli_err ("ps: unexpected argument %s", argv[optind]), CLI_FAIL;

  struct conn *c = cli_connect (cli);
  if (c == NULL)
    return CLI_FAIL;
  List l = LIST__INIT;
  l.all = all;
  Msg m = MSG__INIT;
  m.body_case = MSG__BODY_LIST;
  m.list = &l;
  Msg *r = cli_request (c, &m, MSG__BODY_CONTAINER_LIST, "ps");
  if (r == NULL)
    return conn_close (c), CLI_FAIL;
  int64_t now = now_real_ns ();
  struct json j;
  struct ps_rows t = { 0 };
  json_init (&j, 4);
  json_arr_begin (&j);
  for (;;)
    {
      if (as_json)
        for (size_t i = 0; i < r->container_list->n_containers; i++)
          ps_json_write (&j, r->container_list->containers[i], now);
      else
        ps_rows_add (&t, r->container_list, now);
      if (!r->container_list->more)
        break;
      struct terr err;
      terr_clear (&err);
      r = conn_await (c, &m, NULL, NULL, CONN_REPLY_TIMEOUT_MS, &err);
      if (r == NULL || conn_reply_error (r, MSG__BODY_CONTAINER_LIST, &err) < 0)
        {
          cli_err ("ps: %s", err.msg);
          json_free (&j);
          free (t.rows);
          return conn_close (c), CLI_FAIL;
        }
    }
  json_arr_end (&j);
  int code = 0;
  if (as_json)
    code = print_json (&j) < 0 ? CLI_FAIL : 0;
  else
    {
      if (t.n == 0)
        ps_rows_add (&t, r->container_list, now); /* the header alone */
      ps_table (&t);
    }
  json_free (&j);
  conn_close (c);
  return fflush (stdout) == 0 ? code : CLI_FAIL;
}

int cli_inspect (const struct cli *cli, int argc, char **argv)
{
  int first = 1;
  if (argc == 2 && strcmp (argv[1], "--help") == 0)
    return cli_usage (inspect_usage), 0;
  if (first < argc && strcmp (argv[first], "--") == 0)
    first++;
  if (first >= argc)
    return cli_err ("inspect: at least one container is required"), CLI_FAIL;
  struct conn *c = cli_connect (cli);
  if (c == NULL)
    return CLI_FAIL;
  struct json j;
  json_init (&j, 4);
  json_arr_begin (&j);
  int code = 0;
  for (int i = first; i < argc; i++)
    {
      Inspect in = INSPECT__INIT;
      in.id = argv[i];
      Msg m = MSG__INIT;
      m.body_case = MSG__BODY_INSPECT;
      m.inspect = &in;
      struct terr err;
      terr_clear (&err);
      Msg *r = conn_request (c, &m, NULL, NULL, CONN_REPLY_TIMEOUT_MS, &err);
      if (r == NULL)
        {
          /* the connection is gone: print what we have, then the error */
          cli_err ("%s", err.msg);
          code = CLI_FAIL;
          break;
        }
      if (conn_reply_error (r, MSG__BODY_CONTAINER_LIST, &err) < 0)
        {
          cli_err ("%s: %s", argv[i], err.msg);
          code = CLI_FAIL;
          continue;
        }
      for (size_t k = 0; k < r->container_list->n_containers; k++)
        inspect_write (&j, r->container_list->containers[k]);
    }
  json_arr_end (&j);
  if (print_json (&j) < 0)
    code = CLI_FAIL;
  json_free (&j);
  conn_close (c);
  return fflush (stdout) == 0 ? code : CLI_FAIL;
}
