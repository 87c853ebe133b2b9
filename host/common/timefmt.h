/* Times and ages as docker prints them. All times are CLOCK_REALTIME ns. */
#ifndef TETHER_CTL_TIMEFMT_H
#define TETHER_CTL_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"

#define RFC3339_LEN 40

/* "2024-05-06T07:08:09.123456789Z": RFC 3339 UTC, exactly 9 fractional digits.
 * 0 is the zero time, "0001-01-01T00:00:00Z", as docker prints unset times. */
const char *fmt_rfc3339 (int64_t ns, char buf[RFC3339_LEN]);

/* The inverse for what fmt_rfc3339 writes (any number of fractional digits,
 * "Z" only): 0 and *ns set, or -1. The zero time parses as 0. */
int parse_rfc3339 (const char *s, int64_t *ns);
/* docker's units.HumanDuration: "Less than a second", "5 seconds",
 * "About a minute", "3 hours", "2 weeks"... Negative durations count as 0. */
const char *fmt_human_duration (int64_t ns, char *buf, size_t cap);

/* The STATUS column of `ps`: "Created", "Up 3 seconds", "Up 3 seconds (healthy)",
 * "Up 1 second (health: starting)", "Exited (0) 2 seconds ago", "Restarting (1)
 * 5 seconds ago". health: the health status, NULL without a health check. */
const char *fmt_ps_status (const char *status, const char *health, int exit_code, int64_t started_ns,
                           int64_t finished_ns, int64_t now_ns, char *buf, size_t cap);

/* timeparse.c: a --since/--until value as docker's CLI reads it
 * (api/types/time.GetTimestamp): a Go duration before now_ns ("10m", "1h30m",
 * "1.5s"; whole seconds, as docker sends them), RFC 3339 with or without a
 * fraction, down to "2006-01-02T15" or "2006-01-02" (with "Z" or "+07:00"; with
 * no zone, local time), or Unix seconds with an optional fraction. Returns 0 and
 * *out_ns, or -1. */
int parse_docker_time (const char *s, int64_t now_ns, int64_t *out_ns);

#endif
