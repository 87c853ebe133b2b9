/* docker logs: tetherctl's reader of the endpoint's log (host/cli/cli_logs.c)
 * in a job, streamed as it writes: docker's multiplexed frames without a tty,
 * raw bytes with one (the CLI frames by the container's Config.Tty). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "routes.h"
#include "vmrun.h"
#include "vmstate.h"

#define CT_MUX "application/vnd.docker.multiplexed-stream"
#define CT_RAW "application/vnd.docker.raw-stream"

struct logs_arg {
  char id[65];
  bool follow, timestamps, tty;
  char tail[24], since[48], until[48];
};

static const char *arg (struct api_req *req, const char *key)
{
  return req->arg ? req->arg (req->arg_ctx, key) : NULL;
}

static int logs_run (void *p)
{
  struct logs_arg *a = p;
  char *argv[16];
  int n = 0;
  argv[n++] = (char *) "logs";
  if (!a->tty)
    argv[n++] = (char *) "--docker-frames";
  if (a->follow)
    argv[n++] = (char *) "-f";
  if (a->timestamps)
    argv[n++] = (char *) "-t";
  if (a->tail[0])
    argv[n++] = (char *) "--tail", argv[n++] = a->tail;
  if (a->since[0])
    argv[n++] = (char *) "--since", argv[n++] = a->since;
  if (a->until[0])
    argv[n++] = (char *) "--until", argv[n++] = a->until;
  argv[n++] = a->id;
  argv[n] = NULL;
  return vm_cli_logs (n, argv);
}

/* docker's since/until: Unix seconds with nanoseconds ("1700000000.000000001"),
 * which tetherctl's --since takes as Unix seconds too. */
static void copy_time (char *dst, size_t cap, const char *v)
{
  snprintf (dst, cap, "%s", v && strcmp (v, "0") != 0 ? v : "");
}

void route_ctr_logs (struct api_req *req, struct api_reply *rep)
{
  struct logs_arg *a = calloc (1, sizeof *a);
  if (a == NULL)
    {
      api_reply_error (rep, 500, "out of memory");
      return;
    }
  ContainerInfo *ci = NULL;
  if (!ctr_lookup (req, rep, a->id, &ci))
    {
      free (a);
      return;
    }
  a->tty = ci->config && ci->config->tty;
  container_info__free_unpacked (ci, NULL);
  if (!api_arg_bool (req, "stdout") && !api_arg_bool (req, "stderr"))
    {
      api_reply_error (rep, 400, "Bad parameters: you must choose at least one stream");
      free (a);
      return;
    }
  a->follow = api_arg_bool (req, "follow");
  a->timestamps = api_arg_bool (req, "timestamps");
  const char *tail = arg (req, "tail");
  snprintf (a->tail, sizeof a->tail, "%s", tail && strcmp (tail, "all") != 0 ? tail : "");
  copy_time (a->since, sizeof a->since, arg (req, "since"));
  copy_time (a->until, sizeof a->until, arg (req, "until"));
  const char *ct = a->tty ? CT_RAW : CT_MUX;
  job_defer (rep, &(struct job_spec) { .run = logs_run, .arg = a, .stream_type = ct });
  if (rep->job)
    rep->status = 200, rep->content_type = ct;
}
