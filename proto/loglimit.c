#include "loglimit.h"

bool log_limit_hit (struct log_limit *l, int64_t now_ms, uint64_t *suppressed)
{
  l->total++;
  if (l->last_ms != 0 && now_ms - l->last_ms < LOG_LIMIT_INTERVAL_MS)
    {
      l->unlogged++;
      return false;
    }
  *suppressed = l->unlogged;
  l->unlogged = 0;
  l->last_ms = now_ms ? now_ms : 1;
  return true;
}
