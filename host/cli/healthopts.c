/* docker's --health-* and --restart, checked as docker's CLI and daemon check
 * them (their texts), for both run parsers. Failures are usage errors: 125. */
#include "healthopts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "duration.h"

#define MIN_DURATION_NS 1000000 /* docker: "cannot be less than 1ms" (0 = default) */

void health_opts_init (struct health_opts *o)
{
  memset (o, 0, sizeof *o);
  healthcheck__init (&o->hc);
  restart_policy__init (&o->rp);
}

static const char *flag_name (int opt)
{
  static const char *const names[] = { "health-cmd",          "health-interval", "health-timeout",
                                       "health-start-period", "health-start-interval", "health-retries",
                                       "no-healthcheck",      "restart" };
  return names[opt - HEALTHOPT_HEALTH_CMD];
}

/* The daemon's name of each duration in its "... cannot be less than 1ms". */
static const char *daemon_name (int opt)
{
  static const char *const names[] = { "Interval", "Timeout", "StartPeriod", "StartInterval" };
  return names[opt - HEALTHOPT_HEALTH_INTERVAL];
}

static int take_duration (int opt, const char *arg, int64_t *out)
{
  char why[160];
  if (duration_parse (arg, out, why, sizeof why) < 0)
    return cli_err ("run: invalid argument \"%s\" for \"--%s\" flag: %s", arg, flag_name (opt), why), -1;
  if (*out < 0)
    return cli_err ("run: --%s cannot be negative", flag_name (opt)), -1;
  if (*out != 0 && *out < MIN_DURATION_NS)
    return cli_err ("run: %s in Healthcheck cannot be less than 1ms", daemon_name (opt)), -1;
  return 0;
}

/* on-failure[:N], always, unless-stopped, no; docker's texts for the rest. */
static int take_restart (struct health_opts *o, const char *arg)
{
  static char name[32];
  const char *colon = strchr (arg, ':');
  size_t nl = colon ? (size_t) (colon - arg) : strlen (arg);
  if (colon && nl == 0)
    return cli_err ("run: invalid restart policy format: no policy provided before colon"), -1;
  long max = 0;
  if (colon && colon[1])
    {
      char *end;
      errno = 0;
      max = strtol (colon + 1, &end, 10);
      if (errno || *end || end == colon + 1 || max > INT32_MAX || max < INT32_MIN)
        return cli_err ("run: invalid restart policy format: maximum retry count must be an integer"), -1;
    }
  snprintf (name, sizeof name, "%.*s", (int) (nl < sizeof name - 1 ? nl : sizeof name - 1), arg);
  static const char *const known[] = { "no", "always", "on-failure", "unless-stopped" };
  bool ok = false;
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    ok = ok || (strlen (known[i]) == nl && strncmp (known[i], arg, nl) == 0);
  if (!ok)
    return cli_err ("run: invalid restart policy '%.*s': use no, always, on-failure[:N] or unless-stopped",
                    (int) nl, arg), -1;
  if (max != 0 && strcmp (name, "on-failure") != 0)
    return cli_err ("run: maximum retry count cannot be used with restart policy '%s'", name), -1;
  if (max < 0)
    return cli_err ("run: maximum retry count cannot be negative"), -1;
  o->rp.name = name;
  o->rp.maximum_retry_count = (int32_t) max;
  o->have_restart = true;
  return 0;
}

int health_opts_take (struct health_opts *o, int opt, const char *arg)
{
  int64_t *dur[] = { &o->hc.interval_ns, &o->hc.timeout_ns, &o->hc.start_period_ns, &o->hc.start_interval_ns };
  switch (opt)
    {
    case HEALTHOPT_HEALTH_CMD:
      o->health_cmd = *arg ? arg : NULL; /* docker: an empty command is no command */
      o->have_health = true;
      return 0;
    case HEALTHOPT_HEALTH_INTERVAL:
    case HEALTHOPT_HEALTH_TIMEOUT:
    case HEALTHOPT_HEALTH_START_PERIOD:
    case HEALTHOPT_HEALTH_START_INTERVAL:
      o->have_health = true;
      return take_duration (opt, arg, dur[opt - HEALTHOPT_HEALTH_INTERVAL]);
    case HEALTHOPT_HEALTH_RETRIES:
      {
        char *end;
        errno = 0;
        long v = strtol (arg, &end, 10);
        if (errno || *end || end == arg || v > INT32_MAX || v < INT32_MIN)
          return cli_err ("run: invalid argument \"%s\" for \"--health-retries\" flag: strconv.ParseInt: "
                          "parsing \"%s\": invalid syntax", arg, arg), -1;
        if (v < 0)
          return cli_err ("run: --health-retries cannot be negative"), -1;
        o->hc.retries = (int32_t) v;
        o->have_health = true;
        return 0;
      }
    case HEALTHOPT_NO_HEALTHCHECK:
      o->no_healthcheck = true;
      return 0;
    case HEALTHOPT_RESTART:
      return take_restart (o, arg);
    default:
      return cli_err ("run: internal: option %d is not a run option", opt), -1;
    }
}

int health_opts_apply (struct health_opts *o, ContainerConfig *cfg)
{
  if (o->no_healthcheck && o->have_health)
    return cli_err ("run: --no-healthcheck conflicts with --health-* options"), -1;
  if (o->no_healthcheck)
    {
      o->test[0] = (char *) "NONE";
      o->hc.test = o->test;
      o->hc.n_test = 1;
      cfg->healthcheck = &o->hc;
    }
  else if (o->have_health)
    {
      /* docker: the settings alone (no command) are kept, with no test to run */
      if (o->health_cmd)
        {
          o->test[0] = (char *) "CMD-SHELL";
          o->test[1] = (char *) o->health_cmd;
          o->hc.test = o->test;
          o->hc.n_test = 2;
        }
      cfg->healthcheck = &o->hc;
    }
  if (o->have_restart)
    cfg->restart_policy = &o->rp;
  return 0;
}
