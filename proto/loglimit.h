/* What a peer sends that we cannot use is counted, and logged at most once per
 * interval with the count of what went unlogged: a hostile or broken peer must
 * not turn our log into its megaphone (one line per bad frame filled 88 MB in 3 s). */
#ifndef TETHER_PROTO_LOGLIMIT_H
#define TETHER_PROTO_LOGLIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define LOG_LIMIT_INTERVAL_MS 10000

struct log_limit {
  int64_t last_ms;     /* when the last line was let through; 0 = never */
  uint64_t total;      /* every event counted */
  uint64_t unlogged;   /* since the last line let through */
};

/* Counts one event at now_ms (monotonic). True when the caller should log now;
 * *suppressed then says how many events since the last logged one were not. */
bool log_limit_hit (struct log_limit *l, int64_t now_ms, uint64_t *suppressed);

#endif
