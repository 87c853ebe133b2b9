/* docker's rules for health checks and restarts as pure functions (no loop, no
 * process), so they are unit-tested alone: moby's daemon/health.go
 * (handleProbeResult, getInterval) and restartmanager (ShouldRestart). The loop
 * glue is health.c and restart.c. */
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "tether.h"

const char *health_status_name (enum health_status st)
{
  switch (st)
    {
    case HEALTH_STARTING:
      return "starting";
    case HEALTH_HEALTHY:
      return "healthy";
    case HEALTH_UNHEALTHY:
      return "unhealthy";
    }
  return "unknown";
}

bool health_configured (const ContainerConfig *cfg)
{
  const Healthcheck *hc = cfg->healthcheck;
  if (!hc || hc->n_test < 2)
    return false; /* none, or ["NONE"] */
  return strcmp (hc->test[0], "CMD-SHELL") == 0 || strcmp (hc->test[0], "CMD") == 0;
}

void health_apply (struct health *h, struct health_result *r, int64_t run_started_ns)
{
  if (h->n_log == HEALTH_LOG_MAX)
    {
      free (h->log[0].output);
      memmove (h->log, h->log + 1, (HEALTH_LOG_MAX - 1) * sizeof h->log[0]);
      h->n_log--;
    }
  h->log[h->n_log++] = *r;
  r->output = NULL;
  if (r->exit_code == 0)
    {
      h->failing_streak = 0;
      h->status = HEALTH_HEALTHY;
      return;
    }
  /* Failures while starting (never healthy yet) inside the start period do not count. */
  int64_t start_period = h->cfg ? h->cfg->start_period_ns : 0;
  if (h->status == HEALTH_STARTING && r->start_ns - run_started_ns < start_period)
    return;
  int32_t retries = h->cfg && h->cfg->retries > 0 ? h->cfg->retries : HEALTH_RETRIES_DEFAULT;
  h->failing_streak++;
  if (h->failing_streak >= (uint32_t) retries)
    h->status = HEALTH_UNHEALTHY;
}

int64_t health_next_ns (const Healthcheck *cfg, enum health_status st, int64_t elapsed_ns)
{
  int64_t interval = health_or_default (cfg->interval_ns, HEALTH_INTERVAL_DEFAULT_NS);
  int64_t start_period = cfg->start_period_ns > 0 ? cfg->start_period_ns : 0;
  if (elapsed_ns >= start_period)
    return interval;
  /* A probe right when the start period ends, if that comes before the interval. */
  int64_t remaining = start_period - elapsed_ns;
  if (remaining < interval)
    return remaining;
  if (st == HEALTH_STARTING)
    return health_or_default (cfg->start_interval_ns, HEALTH_START_INTERVAL_DEFAULT_NS);
  return interval;
}
