/* docker top: busybox's ps run inside the container's VM as an exec (the
 * processes live there, not on the host), its table turned into docker's
 * Titles and Processes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "epspawn.h"
#include "jobs.h"
#include "routes.h"
#include "runopts.h"
#include "vmrun.h"
#include "vmstate.h"

#define TOP_MAX_FIELDS 16

struct top_arg {
  char id[65];
};

static int top_run (void *p)
{
  struct top_arg *a = p;
  char addr[200];
  if (endpoint_ensure (a->id, addr, sizeof addr) == NULL)
    return fprintf (stderr, "the container is not running\n"), 2;
  struct conn *c = cli_connect (&(struct cli) { .host = addr });
  if (c == NULL)
    return 2;
  struct run_opts o;
  memset (&o, 0, sizeof o);
  char *argv[] = { (char *) "ps", (char *) "-o", (char *) "pid,user,stat,args", NULL };
  return exec_over (c, &o, a->id, argv, 3);
}

/* One line of ps: its first n-1 fields by blanks, the last (the command) whole. */
static void row_write (struct json *j, char *line, size_t n)
{
  json_arr_begin (j);
  char *s = line;
  for (size_t k = 0; k < n; k++)
    {
      s += strspn (s, " ");
      size_t len = k + 1 < n ? strcspn (s, " ") : strlen (s);
      json_strn (j, s, len);
      s += len;
    }
  json_arr_end (j);
}

static void top_done (void *p, int code, const char *out, size_t out_len, const char *err, struct api_reply *rep)
{
  (void) p, (void) out_len;
  if (code != 0)
    {
      api_reply_error (rep, 500, "ps in the container failed (%d): %.*s", code, (int) strcspn (err, "\n"), err);
      return;
    }
  char *text = strdup (out);
  if (text == NULL)
    {
      api_reply_error (rep, 500, "out of memory");
      return;
    }
  struct json j;
  json_init (&j, 0);
  json_obj_begin (&j);
  char *save = NULL, *line = strtok_r (text, "\n", &save);
  size_t n = 0;
  json_key (&j, "Titles");
  json_arr_begin (&j);
  for (char *t = line ? line : (char *) ""; *t && n < TOP_MAX_FIELDS; n++)
    {
      t += strspn (t, " ");
      size_t len = strcspn (t, " ");
      if (len == 0)
        break;
      json_strn (&j, t, len);
      t += len;
    }
  json_arr_end (&j);
  json_key (&j, "Processes");
  json_arr_begin (&j);
  while ((line = strtok_r (NULL, "\n", &save)) != NULL)
    row_write (&j, line, n);
  json_arr_end (&j);
  json_obj_end (&j);
  free (text);
  api_reply_json (rep, 200, &j);
  json_free (&j);
}

void route_ctr_top (struct api_req *req, struct api_reply *rep)
{
  const char *args = req->arg ? req->arg (req->arg_ctx, "ps_args") : NULL;
  struct top_arg *a = calloc (1, sizeof *a);
  ContainerInfo *ci = NULL;
  if (a == NULL)
    {
      api_reply_error (rep, 500, "out of memory");
      return;
    }
  if (!ctr_lookup (req, rep, a->id, &ci))
    {
      free (a);
      return;
    }
  bool running = ci->status && strcmp (ci->status, "running") == 0;
  container_info__free_unpacked (ci, NULL);
  if (!running)
    api_reply_error (rep, 409, "Container %s is not running", a->id);
  else if (args && *args)
    api_reply_error (rep, 501, "top with ps options (%.100s) is not supported by tetherd yet", args);
  else
    {
      job_defer (rep, &(struct job_spec) { .run = top_run, .done = top_done, .arg = a });
      return;
    }
  free (a);
}
