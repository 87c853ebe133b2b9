/* tetherctl verbs. Each takes (cli, argc, argv) with argv[0] the verb name and
 * returns the process exit code. stdout carries only what DESIGN §5 says; stderr
 * only tetherctl's own errors, one line each, "tetherctl: ...". */
#ifndef TETHER_CTL_CLI_H
#define TETHER_CTL_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "conn.h"

/* Our own failures: cannot connect, protocol mismatch, connection lost, usage. */
#define CLI_FAIL_RUN 125   /* run, exec: docker's convention */
#define CLI_FAIL 1         /* every other verb */

struct cli {
  const char *host;        /* "-H unix:PATH" or $TETHER_HOST; NULL: VM mode */
};

/* Where cli_err's line goes instead of stderr (tetherd's exec writes it into
 * the client's stream, as docker does); NULL: stderr. */
extern void (*cli_err_sink) (const char *line);
void cli_err (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* Connects where the verb should talk: -H, or (later) the per-VM endpoint. Prints
 * the error and returns NULL on failure. */
struct conn *cli_connect (const struct cli *cli);
/* Prints the verb's --help text to stdout. */
void cli_usage (const char *text);
/* Sends req and returns its reply, or NULL after printing "tetherctl: ctx: why". */
Msg *cli_request (struct conn *c, Msg *req, Msg__BodyCase want, const char *ctx);

/* 64 lowercase hex from getrandom(), NUL-terminated. */
int cli_random_id (char out[65]);
/* Parses a non-negative decimal int; -1 if not one. */
int cli_parse_uint (const char *s, int max);

/* wait, kill, stop, rm in either mode: the options, then one request per id
 * (printing the id, or wait's exit code, unless quiet; -1 after saying why). */
enum ctl_verb { CTL_WAIT, CTL_KILL, CTL_STOP, CTL_RM };
struct ctl_opts {
  int signo;                 /* kill -s (default SIGKILL) */
  int timeout_s;             /* stop -t (-1: the container's own) */
  bool force;                /* rm -f */
  bool volumes;              /* rm -v: the container's anonymous volumes too (VM mode) */
};
/* Returns the first id's index; 0 after printing --help; -1 after an error message. */
int ctl_parse (enum ctl_verb verb, int argc, char **argv, struct ctl_opts *o);
int ctl_one (struct conn *c, enum ctl_verb verb, const struct ctl_opts *o, const char *id, bool quiet);

int cli_run (const struct cli *cli, int argc, char **argv);
int cli_exec (const struct cli *cli, int argc, char **argv);
int cli_attach (const struct cli *cli, int argc, char **argv);
int cli_ps (const struct cli *cli, int argc, char **argv);
int cli_inspect (const struct cli *cli, int argc, char **argv);
int cli_wait (const struct cli *cli, int argc, char **argv);
int cli_kill (const struct cli *cli, int argc, char **argv);
int cli_stop (const struct cli *cli, int argc, char **argv);
int cli_rm (const struct cli *cli, int argc, char **argv);
int cli_ping (const struct cli *cli, int argc, char **argv);
/* ping over an open connection (closed after): prints the RTT and the tether's stats. */
int ping_over (struct conn *c);
int cli_health (const struct cli *cli, int argc, char **argv);
/* "health: STATUS (failing streak N)" and the last probe, or "none configured". */
void print_health (const Health *h);

#endif
