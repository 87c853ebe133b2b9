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

/* No next run after all: the exit goes out again, now final (restarting false),
 * so a client that took the last one as "more to come" (the VM's endpoint) knows. */
static void settle_and_tell (struct container *c)
{
  struct session *s = &c->primary;
  container_settle (c);
  for (struct attach *a = s->attaches; a; a = a->next_in_session)
    a->exit_sent = false;
  session_pump (s);
  session_answer_waiters (s); /* waits for the next run get the last one's exit */
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
  settle_and_tell (c);
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
  settle_and_tell (c);
}
