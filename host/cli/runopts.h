/* The run options that host mode (cli_run.c) and VM mode (cli_vmrun.c) share and
 * parse alike: docker's --health-* and --restart. Each parser lists RUNOPTS_LONGS
 * in its option table and hands those options to runopts_take. */
#ifndef TETHER_CTL_RUNOPTS_H
#define TETHER_CTL_RUNOPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "tether.pb-c.h"

enum {
  RUNOPT_HEALTH_CMD = 400,
  RUNOPT_HEALTH_INTERVAL,
  RUNOPT_HEALTH_TIMEOUT,
  RUNOPT_HEALTH_START_PERIOD,
  RUNOPT_HEALTH_START_INTERVAL,
  RUNOPT_HEALTH_RETRIES,
  RUNOPT_NO_HEALTHCHECK,
  RUNOPT_RESTART,
  RUNOPT_END,
};

#define RUNOPTS_LONGS                                                                                    \
  { "health-cmd", required_argument, NULL, RUNOPT_HEALTH_CMD },                                        \
      { "health-interval", required_argument, NULL, RUNOPT_HEALTH_INTERVAL },                          \
      { "health-timeout", required_argument, NULL, RUNOPT_HEALTH_TIMEOUT },                            \
      { "health-start-period", required_argument, NULL, RUNOPT_HEALTH_START_PERIOD },                  \
      { "health-start-interval", required_argument, NULL, RUNOPT_HEALTH_START_INTERVAL },              \
      { "health-retries", required_argument, NULL, RUNOPT_HEALTH_RETRIES },                            \
      { "no-healthcheck", no_argument, NULL, RUNOPT_NO_HEALTHCHECK },                                  \
      { "restart", required_argument, NULL, RUNOPT_RESTART }

#define RUNOPTS_USAGE                                                                                    \
  "      --health-cmd CMD       run CMD (/bin/sh -c) in the container to check its health\n"           \
  "      --health-interval D    time between checks (default 30s; Go durations: 500ms, 1m30s)\n"      \
  "      --health-timeout D     a check running longer fails (default 30s)\n"                          \
  "      --health-start-period D  failures in this time after start do not count (default 0s)\n"      \
  "      --health-start-interval D  time between checks during the start period (default 5s)\n"       \
  "      --health-retries N     failures in a row that make it unhealthy (default 3)\n"                \
  "      --no-healthcheck       disable any health check\n"                                            \
  "      --restart POLICY       no, on-failure[:N], always or unless-stopped (default no)\n"

/* What the options gave; the config's Healthcheck and RestartPolicy point here. */
struct runopts {
  bool have_health, no_healthcheck;
  const char *health_cmd;
  char *test[2];
  Healthcheck hc;
  RestartPolicy rp;
  bool have_restart;
};

void runopts_init (struct runopts *o);
/* Takes one option of RUNOPTS_LONGS: 0, or -1 after printing docker's message. */
int runopts_take (struct runopts *o, int opt, const char *arg);
/* The options together (conflicts), into cfg: 0, or -1 after printing why. */
int runopts_apply (struct runopts *o, ContainerConfig *cfg);

#endif
