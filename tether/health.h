/* docker's HEALTHCHECK inside the tether (moby daemon/health.go): a probe is an
 * exec in the container every interval, run by the loop's timers with nobody
 * connected; its result moves the state starting -> healthy / unhealthy. */
#ifndef TETHER_HEALTH_H
#define TETHER_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "loop.h"
#include "tether.pb-c.h"

struct container;
struct session;

enum health_status { HEALTH_STARTING, HEALTH_HEALTHY, HEALTH_UNHEALTHY };

struct health_result {
  int64_t start_ns, end_ns;
  int exit_code;        /* -1: timed out or could not start */
  char *output;         /* owned; at most HEALTH_OUTPUT_MAX bytes + "..." */
};

/* Allocated only for containers whose config has a probe (CMD or CMD-SHELL). */
struct health {
  struct container *c;
  const Healthcheck *cfg;  /* the container's config owns it */
  enum health_status status;
  uint32_t failing_streak;
  struct health_result log[HEALTH_LOG_MAX]; /* oldest first */
  unsigned n_log;
  bool active;             /* the monitor runs: the primary is running */
  struct timer tick;       /* next probe */
  struct timer deadline;   /* the running probe's timeout */
  struct session *probe;   /* running probe, NULL between probes; freed by session_gc */
  int64_t probe_start_ns;
  char out[HEALTH_OUTPUT_MAX]; /* the probe's stdout and stderr, as they come */
  size_t out_len;
  bool out_cut;
  uint64_t seq;            /* results recorded in all (the heartbeat carries it) */
  /* Inspect's view, filled on demand (points at log[]). */
  Health pb;
  HealthResult pb_log[HEALTH_LOG_MAX];
  HealthResult *pb_ptrs[HEALTH_LOG_MAX];
};

/* A config's duration, or docker's default for its zero value. */
static inline int64_t health_or_default (int64_t ns, int64_t dflt)
{
  return ns > 0 ? ns : dflt;
}

/* Pure rules (policy.c, unit-tested). */
/* Appends r (taking its output) to the log, dropping the oldest past
 * HEALTH_LOG_MAX, and applies docker's transitions: exit 0 -> healthy, streak 0;
 * a failure counts unless still starting within the start period; retries
 * failures in a row -> unhealthy. */
void health_apply (struct health *h, struct health_result *r, int64_t run_started_ns);
/* docker's getInterval: the wait before the next probe, elapsed_ns after the run's start. */
int64_t health_next_ns (const Healthcheck *cfg, enum health_status st, int64_t elapsed_ns);
/* Does this config ask for a probe (CMD-SHELL or CMD with a command)? */
bool health_configured (const ContainerConfig *cfg);
const char *health_status_name (enum health_status st);

/* Loop glue (health.c; container.c and session.c call these). */
int health_attach (struct container *c); /* at create; -1 out of memory */
void health_run_started (struct container *c);
void health_run_ended (struct container *c);
void health_cancel (struct container *c); /* the container is buried */
void health_free (struct container *c);   /* between loop rounds */
/* What a probe session wrote; the probe session finished. */
void health_capture (struct session *s, const uint8_t *p, size_t n);
void health_probe_done (struct session *s);
/* Fills info->health (NULL without a health check); with_log false leaves the log out. */
void health_fill (struct container *c, ContainerInfo *info, bool with_log);

#endif
