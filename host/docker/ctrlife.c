/* A container's life through the Engine API: start, stop, kill, wait, remove,
 * restart. What must wait (a boot, a stop, an exit) runs as a job (jobs.h) on
 * the same code paths as tetherctl's VM verbs; what can be refused at once (an
 * unknown container, a conflict the state shows) is answered here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"
#include "conn.h"
#include "ctrlife.h"
#include "epspawn.h"
#include "adopt.h"
#include "autoremove.h"
#include "jobs.h"
#include "logstore.h"
#include "portspec.h"
#include "supervise.h"
#include "routes.h"
#include "sig.h"
#include "vmrun.h"
#include "vmstate.h"

#define START_REPLY_MS 300000 /* a boot under TCG, the guest's disk wait, then the start */
#define RERUN_WAIT_MS 30000   /* the last VM's endpoint ending, before a new boot */

static const char *arg (struct api_req *req, const char *key)
{
  return req->arg ? req->arg (req->arg_ctx, key) : NULL;
}

/* The container the path names, as docker resolves it (404, 400 for an
 * ambiguous prefix); its record in *ci (freed by the caller). */
static bool resolve (struct api_req *req, struct api_reply *rep, struct life_arg *a, ContainerInfo **ci)
{
  snprintf (a->ref, sizeof a->ref, "%s", req->param[0] == '/' ? req->param + 1 : req->param);
  return ctr_lookup (req, rep, a->id, ci);
}

static bool is_running (const ContainerInfo *ci)
{
  return ci->status && (strcmp (ci->status, "running") == 0 || strcmp (ci->status, "restarting") == 0);
}

static struct life_arg *new_arg (struct api_reply *rep)
{
  struct life_arg *a = calloc (1, sizeof *a);
  if (a == NULL)
    api_reply_error (rep, 500, "out of memory");
  return a;
}

/* The first line of a child's stderr, without tetherctl's prefix. */
static const char *reason (const char *err, char *buf, size_t cap)
{
  const char *p = strncmp (err, "tetherctl: ", 11) == 0 ? err + 11 : err;
  snprintf (buf, cap, "%.*s", (int) strcspn (p, "\n"), p);
  return buf;
}

/* ---- start ---- */

/* In the child: boot the VM, then a start through its endpoint, which the
 * guest answers once the command has begun (or failed: its code on stdout). */
/* A container that ran before boots a new VM from its disks (the top disk keeps
 * its changes), its streams going on where its log stands, as the endpoint's
 * restart policy does (docs/endpoint.md): the record is made fresh for it. */
static int prepare_rerun (struct vm_ctr *v, struct terr *err)
{
  /* the last VM's endpoint may still be powering it off: it writes the record last */
  for (int t = 0; ep_lock_held (v->dir); t += 100)
    {
      if (t >= RERUN_WAIT_MS)
        return terr_set (err, 0, "the container's last VM did not end");
      struct timespec ts = { 0, 100 * 1000 * 1000 };
      nanosleep (&ts, NULL);
    }
  char id[65];
  memcpy (id, v->id, sizeof id); /* the load starts v afresh */
  if (vm_ctr_load (v, id, err) < 0)
    return -1;
  struct logstore ls;
  if (logstore_open (&ls, v->dir, v->cfg->log_max_size, v->cfg->log_max_file, err) < 0)
    return -1;
  v->cfg->resume_stdout = ls.next[STREAM_STDOUT];
  v->cfg->resume_stderr = ls.next[STREAM_STDERR];
  logstore_close (&ls);
  v->cfg->resume_run = v->info.run;
  v->cfg->resume_restart_count = v->info.restart_count;
  if (vm_config_write (v, err) < 0)
    return -1;
  v->info.status = (char *) "created";
  v->info.exit_code = 0;
  v->info.finished_ns = 0;
  v->error[0] = '\0';
  v->qemu_pid = 0;
  v->hello_ns = v->beat_ns = 0;
  v->unresponsive = false;
  return vm_state_save (v, err);
}

static int start_run (void *p)
{
  struct life_arg *a = p;
  static struct vm_ctr v;
  struct terr err;
  terr_clear (&err);
  if (strcmp (a->verb, "restart") == 0)
    {
      char *argv[] = { (char *) "stop", (char *) "-t", a->signal, a->id, NULL };
      snprintf (a->signal, sizeof a->signal, "%d", a->timeout >= 0 ? a->timeout : 10);
      if (a->running && vm_cli_stop (4, argv) != 0)
        return 2;
    }
  if (vm_ctr_load (&v, a->id, &err) < 0)
    return fprintf (stderr, "%s\n", err.msg), 2;
  if (vm_info_final (&v.info) && prepare_rerun (&v, &err) < 0)
    return fprintf (stderr, "%s\n", err.msg), 2;
  /* docker's start fails on a published port taken, before anything runs; the
   * ports -p left open are picked here and recorded by the endpoint */
  if (port_reserve (v.cfg, &err) < 0)
    {
      fprintf (stderr, "driver failed programming external connectivity on endpoint %s (%s): %s\n",
               v.cfg->name && v.cfg->name[0] ? v.cfg->name : a->id, a->id, err.msg);
      if (v.cfg->auto_remove)
        vm_auto_remove (&v, 125); /* docker run --rm waits for the removal */
      return 2;
    }
  if (endpoint_spawn (&v, EP_BOOT, &err) < 0)
    return fprintf (stderr, "%s\n", err.msg), 2;
  char addr[200];
  if (endpoint_ensure (a->id, addr, sizeof addr) == NULL)
    return fprintf (stderr, "the container's endpoint is gone\n"), 2;
  struct conn *c = conn_open (addr, &err);
  if (c == NULL)
    return fprintf (stderr, "%s\n", err.msg), 2;
  Start st = START__INIT;
  st.id = a->id;
  Msg m = MSG__INIT;
  m.body_case = MSG__BODY_START;
  m.start = &st;
  Msg *r = conn_request (c, &m, NULL, NULL, START_REPLY_MS, &err);
  int code = 0;
  if (r == NULL || conn_reply_error (r, MSG__BODY_STARTED, &err) < 0)
    {
      printf ("%d\n", err.exit_code ? err.exit_code : 125);
      fprintf (stderr, "%s\n", err.msg);
      code = 1;
    }
  conn_close (c);
  return code;
}

/* docker's CLI picks run's exit code from the words of the start error (127:
 * "no such file or directory", "executable file not found"; 126: "permission
 * denied", "is a directory"; else 125), in runc's lower case: our errno texts
 * are capitalised, so the code's words are added when missing. */
static void start_done (void *p, int code, const char *out, size_t out_len, const char *err, struct api_reply *rep)
{
  (void) out_len;
  char why[1024];
  reason (err, why, sizeof why);
  /* the supervisor may have seen the old record final while the job ran */
  supervise_forget (((struct life_arg *) p)->id);
  if (code == 0)
    {
      api_reply_text (rep, 204, "");
      return;
    }
  if (code != 1)
    {
      api_reply_error (rep, 500, "%s", why[0] ? why : "the container did not start");
      return;
    }
  /* the code is the last line (a restart's stop printed the id before it) */
  const char *last = out;
  for (const char *q = out; *q; q++)
    if (*q == '\n' && q[1] != '\0')
      last = q + 1;
  int ec = atoi (last);
  const char *words = "";
  if (ec == 127 && !strstr (why, "executable file not found") && !strstr (why, "no such file or directory"))
    words = ": no such file or directory";
  else if (ec == 126 && !strstr (why, "permission denied") && !strstr (why, "is a directory"))
    words = ": permission denied";
  api_reply_error (rep, 400, "failed to create task for container: %s%s: unknown", why, words);
}

/* docker: already started */
static bool start_prepare (struct api_req *req, struct api_reply *rep, struct life_arg *a)
{
  (void) req;
  if (a->running)
    return api_reply_text (rep, 304, ""), false;
  supervise_forget (a->id); /* live again: supervised again */
  return true;
}

/* restart: stop (if running) with ?t=, then start, in one job */
static bool restart_prepare (struct api_req *req, struct api_reply *rep, struct life_arg *a)
{
  (void) rep;
  const char *t = arg (req, "t");
  a->timeout = t && *t ? atoi (t) : -1;
  snprintf (a->verb, sizeof a->verb, "restart");
  supervise_forget (a->id);
  return true;
}

/* ---- stop, kill, restart, remove: tetherctl's verbs in the child ---- */

static int verb_run (void *p)
{
  struct life_arg *a = p;
  char *argv[10];
  int n = 0;
  char t[16], sig[40];
  argv[n++] = (char *) a->verb;
  if (a->timeout >= 0 && strcmp (a->verb, "stop") == 0)
    snprintf (t, sizeof t, "%d", a->timeout), argv[n++] = (char *) "-t", argv[n++] = t;
  if (a->signal[0])
    snprintf (sig, sizeof sig, "%s", a->signal), argv[n++] = (char *) "-s", argv[n++] = sig;
  if (a->force)
    argv[n++] = (char *) "-f";
  if (a->volumes)
    argv[n++] = (char *) "-v";
  argv[n++] = a->id;
  argv[n] = NULL;
  if (strcmp (a->verb, "stop") == 0)
    return vm_cli_stop (n, argv);
  if (strcmp (a->verb, "kill") == 0)
    return vm_cli_kill (n, argv);
  return vm_cli_rm (n, argv);
}

static void verb_done (void *p, int code, const char *out, size_t out_len, const char *err, struct api_reply *rep)
{
  (void) p, (void) out, (void) out_len;
  char why[1024];
  if (code == 0)
    {
      api_reply_text (rep, 204, "");
      return;
    }
  api_reply_error (rep, 500, "%s", reason (err, why, sizeof why)[0] ? why : "the operation failed");
}

/* docker's signal values, as typed: "SIGKILL", "kill", "9" (sig.h). */
static bool take_signal (struct api_req *req, struct api_reply *rep, struct life_arg *a)
{
  const char *s = arg (req, "signal");
  if (s == NULL || *s == '\0')
    return true;
  if (sig_parse (s) <= 0)
    return api_reply_error (rep, 400, "Invalid signal: %s", s), false;
  snprintf (a->signal, sizeof a->signal, "%s", s);
  return true;
}

static bool stop_prepare (struct api_req *req, struct api_reply *rep, struct life_arg *a)
{
  const char *t = arg (req, "t");
  a->timeout = t && *t ? atoi (t) : -1;
  if (!take_signal (req, rep, a))
    return false;
  if (!a->running)
    return api_reply_text (rep, 304, ""), false; /* docker: already stopped */
  snprintf (a->verb, sizeof a->verb, "stop");
  return true;
}

static bool kill_prepare (struct api_req *req, struct api_reply *rep, struct life_arg *a)
{
  if (!take_signal (req, rep, a))
    return false;
  if (!a->running)
    return api_reply_error (rep, 409, "Cannot kill container: %s: Container %s is not running", a->ref, a->id),
           false;
  snprintf (a->verb, sizeof a->verb, "kill");
  a->timeout = -1;
  return true;
}

static bool remove_prepare (struct api_req *req, struct api_reply *rep, struct life_arg *a)
{
  a->force = api_arg_bool (req, "force");
  a->volumes = api_arg_bool (req, "v");
  if (a->running && !a->force)
    return api_reply_error (rep, 409,
                            "You cannot remove a running container %s. Stop the container before attempting "
                            "removal or force remove",
                            a->id),
           false;
  snprintf (a->verb, sizeof a->verb, "rm");
  a->timeout = -1;
  return true;
}

/* ---- wait: headers at once (the CLI sends start only after them), the body at the end ---- */

static int wait_run (void *p)
{
  struct life_arg *a = p;
  int code = 0;
  if (strcmp (a->cond, "removed") == 0)
    {
      /* until its directory is gone: the endpoint removes an AutoRemove one */
      struct vm_ctr v;
      struct terr err;
      vm_ctr_paths (&v, a->id, &err);
      ContainerInfo *ci;
      while ((ci = vm_state_load (a->id, &err)) != NULL)
        {
          code = ci->exit_code;
          container_info__free_unpacked (ci, NULL);
          struct timespec ts = { 0, 100 * 1000 * 1000 };
          nanosleep (&ts, NULL);
        }
      /* gone: the endpoint noted the code before it removed the directory (our
       * last look may have been before the exit) */
      vm_removed_code (a->id, &code);
    }
  else
    {
      /* until the record is final (a container not started yet waits for its
       * run: the CLI's run sends next-exit before start) */
      int r;
      while ((r = vm_load_exit (a->id, &code)) == 1)
        {
          struct timespec ts = { 0, 100 * 1000 * 1000 };
          nanosleep (&ts, NULL);
        }
      if (r < 0)
        vm_removed_code (a->id, &code); /* removed meanwhile (--rm, rm -f) */
    }
  printf ("{\"StatusCode\":%d,\"Error\":null}\n", code);
  return 0;
}

static bool wait_prepare (struct api_req *req, struct api_reply *rep, struct life_arg *a)
{
  const char *cond = arg (req, "condition");
  if (cond == NULL || *cond == '\0')
    cond = "not-running";
  if (strcmp (cond, "not-running") != 0 && strcmp (cond, "next-exit") != 0 && strcmp (cond, "removed") != 0)
    return api_reply_error (rep, 400, "invalid condition: \"%s\"", cond), false;
  snprintf (a->cond, sizeof a->cond, "%s", cond);
  return true;
}

/* ---- the routes: the container resolved (404, 400), its state read, then
 * the verb's own checks, then its job ---- */

typedef bool (*prepare_fn) (struct api_req *req, struct api_reply *rep, struct life_arg *a);

static void life_route (struct api_req *req, struct api_reply *rep, prepare_fn prepare, const struct job_spec *spec)
{
  struct life_arg *a = new_arg (rep);
  ContainerInfo *ci = NULL;
  if (a == NULL || !resolve (req, rep, a, &ci))
    {
      free (a);
      return;
    }
  a->running = is_running (ci);
  container_info__free_unpacked (ci, NULL);
  if (!prepare (req, rep, a))
    {
      free (a);
      return;
    }
  struct job_spec js = *spec;
  js.arg = a;
  job_defer (rep, &js);
  if (rep->job && js.stream_type)
    rep->status = 200, rep->content_type = js.stream_type;
}

void route_ctr_start (struct api_req *req, struct api_reply *rep)
{
  life_route (req, rep, start_prepare, &(struct job_spec) { .run = start_run, .done = start_done });
}

void route_ctr_restart (struct api_req *req, struct api_reply *rep)
{
  life_route (req, rep, restart_prepare, &(struct job_spec) { .run = start_run, .done = start_done });
}

void route_ctr_stop (struct api_req *req, struct api_reply *rep)
{
  life_route (req, rep, stop_prepare, &(struct job_spec) { .run = verb_run, .done = verb_done });
}

void route_ctr_kill (struct api_req *req, struct api_reply *rep)
{
  life_route (req, rep, kill_prepare, &(struct job_spec) { .run = verb_run, .done = verb_done });
}

void route_ctr_remove (struct api_req *req, struct api_reply *rep)
{
  life_route (req, rep, remove_prepare, &(struct job_spec) { .run = verb_run, .done = verb_done });
}

void route_ctr_wait (struct api_req *req, struct api_reply *rep)
{
  life_route (req, rep, wait_prepare, &(struct job_spec) { .run = wait_run, .stream_type = CT_JSON });
}
