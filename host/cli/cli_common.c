#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

void (*cli_err_sink) (const char *line);

void cli_err (const char *fmt, ...)
{
  char line[512];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (line, sizeof line, fmt, ap);
  va_end (ap);
  /* one line: the tether's texts must not break the "tetherctl: ..." shape */
  for (char *p = line; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  if (cli_err_sink)
    cli_err_sink (line);
  else
    fprintf (stderr, "tetherctl: %s\n", line);
}

struct conn *cli_connect (const struct cli *cli)
{
  if (cli->host == NULL || *cli->host == '\0')
    {
      /* VM mode verbs go through vm_cli_* (main.c), which pass the endpoint's
       * socket as the host; the others need one. */
      cli_err ("this verb needs -H unix:PATH (VM containers: run, exec, ps, inspect, wait, kill, stop, rm)");
      return NULL;
    }
  struct terr err;
  terr_clear (&err);
  struct conn *c = conn_open (cli->host, &err);
  if (c == NULL)
    cli_err ("%s", err.msg);
  return c;
}

void cli_usage (const char *text)
{
  fputs (text, stdout);
}

Msg *cli_request (struct conn *c, Msg *req, Msg__BodyCase want, const char *ctx)
{
  struct terr err;
  terr_clear (&err);
  Msg *r = conn_request (c, req, NULL, NULL, want == MSG__BODY_EXIT ? -1 : CONN_REPLY_TIMEOUT_MS, &err);
  if (r == NULL || conn_reply_error (r, want, &err) < 0)
    {
      if (ctx != NULL && *ctx)
        cli_err ("%s: %s", ctx, err.msg);
      else
        cli_err ("%s", err.msg);
      return NULL;
    }
  return r;
}

int cli_random_id (char out[65])
{
  unsigned char b[32];
  size_t got = 0;
  while (got < sizeof b)
    {
      ssize_t n = getrandom (b + got, sizeof b - got, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      got += (size_t) n;
    }
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < sizeof b; i++)
    {
      out[2 * i] = hex[b[i] >> 4];
      out[2 * i + 1] = hex[b[i] & 15];
    }
  out[64] = '\0';
  return 0;
}

int cli_parse_uint (const char *s, int max)
{
  if (s == NULL || *s == '\0')
    return -1;
  long v = 0;
  for (const char *p = s; *p; p++)
    {
      if (*p < '0' || *p > '9')
        return -1;
      v = v * 10 + (*p - '0');
      if (v > max)
        return -1;
    }
  return (int) v;
}
