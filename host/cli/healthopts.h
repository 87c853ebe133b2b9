/* docker's --health-* and --restart for `run` in every mode: runopts.c's table
 * lists them (with the help below) and hands their values to health_opts_take. */
#ifndef TETHER_CTL_HEALTHOPTS_H
#define TETHER_CTL_HEALTHOPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "tether.pb-c.h"

enum {
  HEALTHOPT_HEALTH_CMD = 400,
  HEALTHOPT_HEALTH_INTERVAL,
  HEALTHOPT_HEALTH_TIMEOUT,
  HEALTHOPT_HEALTH_START_PERIOD,
  HEALTHOPT_HEALTH_START_INTERVAL,
  HEALTHOPT_HEALTH_RETRIES,
  HEALTHOPT_NO_HEALTHCHECK,
  HEALTHOPT_RESTART,
  HEALTHOPT_END,
};

/* What the options gave; the config's Healthcheck and RestartPolicy point here. */
struct health_opts {
  bool have_health, no_healthcheck;
  const char *health_cmd;
  char *test[2];
  Healthcheck hc;
  RestartPolicy rp;
  bool have_restart;
};

void health_opts_init (struct health_opts *o);
/* Takes one HEALTHOPT_ option: 0, or -1 after printing docker's message. */
int health_opts_take (struct health_opts *o, int opt, const char *arg);
/* The options together (conflicts), into cfg: 0, or -1 after printing why. */
int health_opts_apply (struct health_opts *o, ContainerConfig *cfg);

#endif
