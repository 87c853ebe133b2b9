/* POST /containers/{id}/resize and /exec/{eid}/resize: a job attaches to the
 * session (the container's primary, or the exec, whose tether id is docker's
 * exec id) on its own handle, with no stdin, sends resize on it (the tether
 * sets the size of the session's tty, whoever is attached) and leaves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "conn.h"
#include "epspawn.h"
#include "jobs.h"
#include "routes.h"
#include "vmstate.h"

#define RESIZE_HANDLE 9
#define RESIZE_REPLY_MS 10000

struct resize_arg {
  char cid[65];
  char session[65];           /* the container id, or the exec id */
  unsigned rows, cols;
};

static const char *arg (struct api_req *req, const char *key)
{
  return req->arg ? req->arg (req->arg_ctx, key) : NULL;
}

static int resize_run (void *p)
{
  struct resize_arg *a = p;
  char addr[200];
  struct terr err;
  terr_clear (&err);
  if (endpoint_ensure (a->cid, addr, sizeof addr) == NULL)
    return fprintf (stderr, "the container is not running\n"), 1;
  struct conn *c = conn_open (addr, &err);
  if (c == NULL)
    return fprintf (stderr, "%s\n", err.msg), 1;
  Attach at = ATTACH__INIT;
  at.id = a->session;
  at.handle = RESIZE_HANDLE;
  at.stdout_offset = at.stderr_offset = UINT64_MAX; /* no output wanted: from the end */
  Msg m = MSG__INIT;
  m.body_case = MSG__BODY_ATTACH;
  m.attach = &at;
  Msg *r = conn_request (c, &m, NULL, NULL, RESIZE_REPLY_MS, &err);
  int code = 0;
  if (r == NULL || conn_reply_error (r, MSG__BODY_ATTACHED, &err) < 0)
    code = (fprintf (stderr, "%s\n", err.msg), 1);
  else
    {
      Resize rs = RESIZE__INIT;
      rs.handle = RESIZE_HANDLE;
      rs.rows = a->rows;
      rs.cols = a->cols;
      Msg rm = MSG__INIT;
      rm.body_case = MSG__BODY_RESIZE;
      rm.resize = &rs;
      r = conn_request (c, &rm, NULL, NULL, RESIZE_REPLY_MS, &err);
      if (r == NULL || conn_reply_error (r, MSG__BODY_OK, &err) < 0)
        code = (fprintf (stderr, "%s\n", err.msg), 1);
    }
  conn_close (c);
  return code;
}

static void resize_done (void *p, int code, const char *out, size_t out_len, const char *err, struct api_reply *rep)
{
  (void) p, (void) out, (void) out_len;
  if (code == 0)
    api_reply_text (rep, 200, "");
  else
    api_reply_error (rep, 500, "cannot resize: %.*s", (int) strcspn (err, "\n"), err);
}

static void resize (struct api_req *req, struct api_reply *rep, struct resize_arg *a)
{
  const char *h = arg (req, "h"), *w = arg (req, "w");
  long rows = h ? strtol (h, NULL, 10) : 0, cols = w ? strtol (w, NULL, 10) : 0;
  if (rows <= 0 || cols <= 0 || rows > 65535 || cols > 65535)
    {
      api_reply_error (rep, 400, "invalid tty size: h=%s w=%s", h ? h : "", w ? w : "");
      free (a);
      return;
    }
  a->rows = (unsigned) rows;
  a->cols = (unsigned) cols;
  job_defer (rep, &(struct job_spec) { .run = resize_run, .done = resize_done, .arg = a });
}

void route_ctr_resize (struct api_req *req, struct api_reply *rep)
{
  struct resize_arg *a = calloc (1, sizeof *a);
  ContainerInfo *ci = NULL;
  if (a == NULL)
    {
      api_reply_error (rep, 500, "out of memory");
      return;
    }
  if (!ctr_lookup (req, rep, a->cid, &ci))
    {
      free (a);
      return;
    }
  bool running = ci->status && strcmp (ci->status, "running") == 0;
  container_info__free_unpacked (ci, NULL);
  if (!running)
    {
      api_reply_error (rep, 409, "Container %s is not running", a->cid);
      free (a);
      return;
    }
  memcpy (a->session, a->cid, sizeof a->session);
  resize (req, rep, a);
}

void route_exec_resize (struct api_req *req, struct api_reply *rep)
{
  struct resize_arg *a = calloc (1, sizeof *a);
  char path[VM_PATH_MAX + 160];
  if (a == NULL || !exec_find (req->param, a->cid, path, sizeof path))
    {
      api_reply_error (rep, a ? 404 : 500, a ? "No such exec instance: %s" : "out of memory%s", a ? req->param : "");
      free (a);
      return;
    }
  memcpy (a->session, req->param, 64); /* exec_find took only 64 hex */
  a->session[64] = '\0';
  resize (req, rep, a);
}
