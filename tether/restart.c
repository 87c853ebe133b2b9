/* The restart policy, after moby's restartmanager: when a run ends, no, always,
 * on-failure[:N] or unless-stopped decide whether another run starts, after a
 * back-off that doubles from 100 ms to 1 min and falls back to 100 ms after a
 * run that lasted 10 s. In between the container is RESTARTING. A client's stop
 * or signal is never undone by it (user_stopped), and inside one VM (or one
 * host-mode tether) unless-stopped is always but for that. */
#include <stdio.h>
#include <string.h>

#include "base.h"
#include "log.h"
#include "tether.h"

enum restart_mode restart_mode_of (const ContainerConfig *cfg)
{
  const char *n = cfg->restart_policy && cfg->restart_policy->name ? cfg->restart_policy->name : "";
  if (strcmp (n, "always") == 0)
    return RESTART_ALWAYS;
  if (strcmp (n, "on-failure") == 0)
    return RESTART_ON_FAILURE;
  if (strcmp (n, "unless-stopped") == 0)
    return RESTART_UNLESS_STOPPED;
  return RESTART_NO; /* "", "no"; the client refuses anything else */
}

int64_t restart_decide (enum restart_mode mode, int32_t max, uint32_t *count, int64_t *backoff_ms, int exit_code,
                        bool user_stopped, int64_t ran_ms)
{
  if (mode == RESTART_NO || user_stopped)
    return -1;
  if (ran_ms >= RESTART_RESET_AFTER_MS)
    *backoff_ms = 0;
  if (*backoff_ms == 0)
    *backoff_ms = RESTART_DELAY_FIRST_MS;
  else if (*backoff_ms < RESTART_DELAY_MAX_MS)
    *backoff_ms *= 2;
  if (*backoff_ms > RESTART_DELAY_MAX_MS)
    *backoff_ms = RESTART_DELAY_MAX_MS;
  bool restart = mode == RESTART_ALWAYS || mode == RESTART_UNLESS_STOPPED;
  if (mode == RESTART_ON_FAILURE)
    restart = exit_code != 0 && (max <= 0 || *count < (uint32_t) max); /* max 0: no limit */
  if (!restart)
    return -1;
  (*count)++;
  return *backoff_ms;
}

static void restart_fire (struct timer *t)
{
  struct container *c = container_of (t, struct container, restart_timer);
  if (c->state != C_RESTARTING)
    return;
  struct terr err = { 0 };
  if (container_begin_run (c, &err) == 0)
    return;
  /* The next run could not begin (the tether's own failure): it stays exited, saying why. */
  struct session *s = &c->primary;
  log_warn ("container %.12s: restart failed: %s", c->id, err.msg);
  s->exit_code = 125;
  snprintf (s->error, sizeof s->error, "restart: %.200s", err.msg);
  s->finished_ns = now_real_ns ();
  session_answer_waiters (s);
  container_settle (c);
}

bool restart_schedule (struct container *c)
{
  struct session *s = &c->primary;
  int64_t delay = restart_decide (restart_mode_of (c->cfg),
                                  c->cfg->restart_policy ? c->cfg->restart_policy->maximum_retry_count : 0,
                                  &c->restart_count, &c->restart_backoff_ms, s->exit_code, c->user_stopped,
                                  now_mono_ms () - c->run_mono_ms);
  if (delay < 0)
    return false;
  log_note ("container %.12s: run %u exited %d, restart %u in %lld ms", c->id, s->run, s->exit_code,
            c->restart_count, (long long) delay);
  timer_arm (&c->restart_timer, delay, restart_fire);
  return true;
}

void restart_cancel (struct container *c)
{
  timer_cancel (&c->restart_timer);
  if (c->state != C_RESTARTING)
    return;
  session_answer_waiters (&c->primary); /* waits for the next run get the last one's exit */
  container_settle (c);
}
