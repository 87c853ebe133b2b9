/* The restart policy's rules (restartpolicy.h). */
#include "restartpolicy.h"

#include <string.h>

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
