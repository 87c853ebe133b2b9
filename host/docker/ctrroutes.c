/* GET /containers/json and GET /containers/{id}/json: the VM containers of the
 * state dir, read at each request. */
#include "routes.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ctrlist.h"
#include "ctrsummary.h"
#include "frame.h"
#include "psfilter.h"
#include "vmstate.h"

static const char *arg (struct api_req *req, const char *key)
{
  return req->arg ? req->arg (req->arg_ctx, key) : NULL;
}

/* limit=N: the N newest, stopped ones included (dockerd: n <= 0 means none). */
static int parse_limit (const char *s, long *out)
{
  char *end;
  if (s == NULL)
    return *out = 0, 0;
  long v = strtol (s, &end, 10);
  if (*s == '\0' || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

void route_ctr_list (struct api_req *req, struct api_reply *rep)
{
  long limit;
  struct terr err;
  terr_clear (&err);
  if (parse_limit (arg (req, "limit"), &limit) < 0)
    {
      api_reply_error (rep, 400, "invalid limit: %s", arg (req, "limit"));
      return;
    }
  if (api_arg_bool (req, "size"))
    {
      api_reply_error (rep, 501, "container sizes (ps --size) are not supported by tetherd yet");
      return;
    }
  static struct ps_filter f; /* ~5 KiB of terms; one request at a time */
  if (ps_filter_parse (&f, arg (req, "filters"), &err) < 0)
    {
      api_reply_error (rep, err.code ? err.code : 400, "%s", err.msg);
      return;
    }
  /* dockerd: a status filter lists stopped containers too */
  bool all = api_arg_bool (req, "all") || limit > 0 || f.has[PS_STATUS];
  struct ctr_list l;
  if (ctr_list_load (&l, &err) < 0)
    {
      ps_filter_free (&f);
      api_reply_error (rep, 500, "%s", err.msg);
      return;
    }
  int64_t now = now_real_ns ();
  long shown = 0;
  struct json j;
  json_init (&j, 0);
  json_arr_begin (&j);
  for (size_t i = 0; i < l.n && (limit <= 0 || shown < limit); i++)
    {
      const ContainerInfo *ci = l.items[i];
      if ((!all && !ctr_is_running (ci)) || !ps_filter_match (&f, ci))
        continue;
      ctr_summary_write (&j, ci, now);
      shown++;
    }
  json_arr_end (&j);
  ctr_list_free (&l);
  ps_filter_free (&f);
  api_reply_json (rep, 200, &j);
  json_free (&j);
}

bool ctr_lookup (struct api_req *req, struct api_reply *rep, char id[65], ContainerInfo **ci)
{
  struct terr err;
  terr_clear (&err);
  const char *ref = req->param[0] == '/' ? req->param + 1 : req->param;
  if (vm_find (ref, id, &err) < 0)
    {
      /* dockerd's texts: 400 for an ambiguous prefix, 404 otherwise */
      if (err.code == ERR_BAD_REQUEST)
        api_reply_error (rep, 400, "Multiple IDs found with provided prefix: %s", ref);
      else
        api_reply_error (rep, 404, "No such container: %s", ref);
      return false;
    }
  if (ci == NULL)
    return true;
  *ci = vm_state_load (id, &err);
  if (*ci == NULL)
    {
      api_reply_error (rep, 404, "No such container: %s", ref); /* removed meanwhile */
      return false;
    }
  return true;
}

void route_ctr_inspect (struct api_req *req, struct api_reply *rep)
{
  char id[65];
  if (api_arg_bool (req, "size"))
    {
      api_reply_error (rep, 501, "container sizes (inspect --size) are not supported by tetherd yet");
      return;
    }
  ContainerInfo *ci = NULL;
  if (!ctr_lookup (req, rep, id, &ci))
    return;
  struct json j;
  json_init (&j, 0);
  ctr_inspect_write (&j, ci);
  container_info__free_unpacked (ci, NULL);
  api_reply_json (rep, 200, &j);
  json_free (&j);
}
