/* docker's HEALTHCHECK in the tether, after moby's daemon/health.go: every
 * interval (from the end of one probe to the start of the next) an exec runs the
 * test in the container; its exit code moves the state. The probes are the
 * tether's own execs: detached (nobody attaches, nothing waits for their exit),
 * output captured here up to HEALTH_OUTPUT_MAX, freed by session_gc as soon as
 * the result is recorded, and outside the exec caps. The loop's timers drive it,
 * so it runs with no client connected. */
#include "health.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "duration.h"
#include "log.h"
#include "tether.h"

int health_attach (struct container *c)
{
  if (!health_configured (c->cfg))
    return 0;
  struct health *h = calloc (1, sizeof *h);
  if (!h)
    return -1;
  h->c = c;
  h->cfg = c->cfg->healthcheck;
  c->health = h;
  return 0;
}

static void probe_start (struct timer *t);

static void arm_next (struct health *h)
{
  /* on the monotonic clock: the wall clock steps when the tether sets it from
   * the host's (a clone resumed late), which must not end a start period */
  int64_t elapsed = (now_mono_ms () - h->c->run_mono_ms) * 1000000;
  int64_t ns = health_next_ns (h->cfg, h->status, elapsed);
  timer_arm (&h->tick, (ns + 999999) / 1000000, probe_start); /* timers are in ms: never early */
}

/* The result is in: record it and schedule the next probe. */
static void record (struct health *h, int exit_code, const char *text, size_t len)
{
  timer_cancel (&h->deadline);
  h->probe = NULL;
  struct health_result r = { .start_ns = h->probe_start_ns, .end_ns = now_real_ns (), .exit_code = exit_code };
  r.output = malloc (len + 1);
  if (r.output)
    {
      memcpy (r.output, text, len);
      r.output[len] = '\0';
    }
  enum health_status before = h->status;
  h->seq++;
  health_apply (h, &r, h->c->primary.started_ns);
  free (r.output); /* NULL unless apply refused it */
  if (h->status != before)
    log_note ("container %.12s: health %s", h->c->id, health_status_name (h->status));
  if (h->active)
    arm_next (h);
}

/* The capture as docker's limitedBuffer shows it: "..." when bytes were lost. */
static void record_capture (struct health *h, int exit_code, const char *prefix)
{
  char text[HEALTH_OUTPUT_MAX + 160];
  size_t n = 0;
  if (prefix)
    n = (size_t) snprintf (text, sizeof text, "%s%s", prefix, h->out_len || h->out_cut ? ": " : "");
  memcpy (text + n, h->out, h->out_len);
  n += h->out_len;
  if (h->out_cut)
    {
      memcpy (text + n, "...", 3);
      n += 3;
    }
  record (h, exit_code, text, n);
}

/* The whole probe, not only its first process: `sh -c CMD` forks CMD, and killing
 * sh alone would leave a hung CMD behind per probe. The probe called setsid, so
 * its pid is its process group's id, and while it is unreaped (its pidfd still
 * held) that number cannot name another group: the one case where a pid is safe. */
static void probe_kill (struct session *s)
{
  if (session_process_gone (s))
    return; /* exited; whatever holds its pipe is read and dropped after the grace */
  if (kill (-s->pid, SIGKILL) < 0 && session_kill (s, SIGKILL) < 0 && errno != ESRCH)
    log_warn ("container %.12s: kill a health probe: %s", s->c->id, strerror (errno));
}

static void probe_timeout (struct timer *t)
{
  struct health *h = container_of (t, struct health, deadline);
  if (h->probe)
    probe_kill (h->probe);
  char prefix[96], d[DURATION_STR_MAX];
  snprintf (prefix, sizeof prefix, "Health check exceeded timeout (%s)",
            duration_format (health_or_default (h->cfg->timeout_ns, HEALTH_TIMEOUT_DEFAULT_NS), d));
  /* The killed probe finishes on its own and is freed like any detached exec. */
  record_capture (h, -1, prefix);
}

static void probe_start (struct timer *t)
{
  struct health *h = container_of (t, struct health, tick);
  struct container *c = h->c;
  if (!h->active || h->probe)
    return;
  if (session_process_gone (&c->primary) || c->primary.status_known)
    return; /* the run is ending: health_run_ended comes next */
  const Healthcheck *hc = h->cfg;
  char *argv[3];
  Exec req = EXEC__INIT;
  if (strcmp (hc->test[0], "CMD-SHELL") == 0)
    {
      argv[0] = (char *) "/bin/sh";
      argv[1] = (char *) "-c";
      argv[2] = hc->test[1];
      req.argv = argv;
      req.n_argv = 3;
    }
  else
    {
      req.argv = hc->test + 1;
      req.n_argv = hc->n_test - 1;
    }
  h->probe_start_ns = now_real_ns ();
  h->out_len = 0;
  h->out_cut = false;
  struct terr err = { 0 };
  struct session *s;
  if (exec_spawn (c, &req, &s, &err) < 0)
    {
      record (h, -1, err.msg, strlen (err.msg));
      return;
    }
  s->probe = true;
  s->detached = true;
  s->out[0].discard = s->out[1].discard = true; /* read and dropped, after health_capture took its part */
  h->probe = s;
  int64_t timeout_ns = health_or_default (hc->timeout_ns, HEALTH_TIMEOUT_DEFAULT_NS);
  timer_arm (&h->deadline, (timeout_ns + 999999) / 1000000, probe_timeout);
}

void health_capture (struct session *s, const uint8_t *p, size_t n)
{
  struct health *h = s->c->health;
  if (!h || h->probe != s)
    return; /* a probe given up on after its timeout */
  size_t room = sizeof h->out - h->out_len;
  size_t keep = n < room ? n : room;
  memcpy (h->out + h->out_len, p, keep);
  h->out_len += keep;
  if (keep < n)
    h->out_cut = true;
}

void health_probe_done (struct session *s)
{
  struct health *h = s->c->health;
  if (!h || h->probe != s)
    return;
  /* A probe that could not even start (126/127 from the launch) says why, as
   * docker's exec error does, with -1. */
  if (s->error[0] && h->out_len == 0)
    record (h, -1, s->error, strlen (s->error));
  else
    record_capture (h, s->exit_code, NULL);
}

void health_run_started (struct container *c)
{
  struct health *h = c->health;
  if (!h)
    return;
  health_run_ended (c);
  h->status = HEALTH_STARTING;
  h->failing_streak = 0;
  h->active = true;
  arm_next (h);
}

static void stop_monitor (struct health *h)
{
  timer_cancel (&h->tick);
  timer_cancel (&h->deadline);
  if (h->probe)
    probe_kill (h->probe);
  h->probe = NULL;
}

void health_run_ended (struct container *c)
{
  struct health *h = c->health;
  if (!h || !h->active)
    return;
  h->active = false;
  stop_monitor (h);
  h->status = HEALTH_UNHEALTHY; /* docker's CloseMonitorChannel: a stopped monitor reads unhealthy */
}

void health_cancel (struct container *c)
{
  if (c->health)
    {
      c->health->active = false;
      stop_monitor (c->health);
    }
}

void health_free (struct container *c)
{
  struct health *h = c->health;
  if (!h)
    return;
  for (unsigned i = 0; i < h->n_log; i++)
    free (h->log[i].output);
  free (h);
  c->health = NULL;
}

void health_fill (struct container *c, ContainerInfo *info, bool with_log)
{
  struct health *h = c->health;
  info->health = NULL;
  if (!h)
    return;
  health__init (&h->pb);
  h->pb.status = (char *) health_status_name (h->status);
  h->pb.failing_streak = h->failing_streak;
  for (unsigned i = 0; with_log && i < h->n_log; i++)
    {
      HealthResult *r = &h->pb_log[i];
      health_result__init (r);
      r->start_ns = h->log[i].start_ns;
      r->end_ns = h->log[i].end_ns;
      r->exit_code = h->log[i].exit_code;
      r->output = h->log[i].output ? h->log[i].output : (char *) "";
      h->pb_ptrs[i] = r;
    }
  h->pb.log = h->pb_ptrs;
  h->pb.n_log = with_log ? h->n_log : 0;
  info->health = &h->pb;
}
