#include "timefmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define NS_PER_S 1000000000LL

const char *fmt_rfc3339 (int64_t ns, char buf[RFC3339_LEN])
{
  if (ns == 0)
    {
      snprintf (buf, RFC3339_LEN, "0001-01-01T00:00:00Z");
      return buf;
    }
  /* floor division: times before 1970 keep a positive fraction */
  int64_t sec = ns / NS_PER_S;
  int64_t frac = ns % NS_PER_S;
  if (frac < 0)
    {
      frac += NS_PER_S;
      sec -= 1;
    }
  time_t t = (time_t) sec;
  struct tm tm;
  if (gmtime_r (&t, &tm) == NULL)
    {
      snprintf (buf, RFC3339_LEN, "0001-01-01T00:00:00Z");
      return buf;
    }
  /* years past 9999 do not fit RFC 3339 anyway: they come out cut */
  if (snprintf (buf, RFC3339_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long) frac)
      >= RFC3339_LEN)
    buf[RFC3339_LEN - 1] = '\0';
  return buf;
}

int parse_rfc3339 (const char *s, int64_t *ns)
{
  if (strcmp (s, "0001-01-01T00:00:00Z") == 0)
    return *ns = 0, 0;
  struct tm tm = { 0 };
  const char *p = strptime (s, "%Y-%m-%dT%H:%M:%S", &tm);
  if (p == NULL)
    return -1;
  int64_t frac = 0;
  int digits = 0;
  if (*p == '.')
    for (p++; *p >= '0' && *p <= '9'; p++, digits++)
      if (digits < 9)
        frac = frac * 10 + (*p - '0');
  for (; digits < 9; digits++)
    frac *= 10;
  if (strcmp (p, "Z") != 0)
    return -1;
  *ns = (int64_t) timegm (&tm) * NS_PER_S + frac;
  return 0;
}

const char *fmt_human_duration (int64_t ns, char *buf, size_t cap)
{
  if (ns < 0)
    ns = 0;
  int64_t seconds = ns / NS_PER_S;
  int64_t minutes = seconds / 60;
  /* docker rounds to the nearest hour from here on (d.Round(time.Hour)) */
  int64_t hours = (ns + 1800 * NS_PER_S) / (3600 * NS_PER_S);
  if (seconds < 1)
    snprintf (buf, cap, "Less than a second");
  else if (seconds == 1)
    snprintf (buf, cap, "1 second");
  else if (seconds < 60)
    snprintf (buf, cap, "%lld seconds", (long long) seconds);
  else if (minutes == 1)
    snprintf (buf, cap, "About a minute");
  else if (minutes < 60)
    snprintf (buf, cap, "%lld minutes", (long long) minutes);
  else if (hours == 1)
    snprintf (buf, cap, "About an hour");
  else if (hours < 48)
    snprintf (buf, cap, "%lld hours", (long long) hours);
  else if (hours < 24 * 7 * 2)
    snprintf (buf, cap, "%lld days", (long long) (hours / 24));
  else if (hours < 24 * 30 * 2)
    snprintf (buf, cap, "%lld weeks", (long long) (hours / 24 / 7));
  else if (hours < 24 * 365 * 2)
    snprintf (buf, cap, "%lld months", (long long) (hours / 24 / 30));
  else
    snprintf (buf, cap, "%lld years", (long long) (ns / (3600 * NS_PER_S) / 24 / 365));
  return buf;
}

const char *fmt_ps_status (const char *status, const char *health, int exit_code, int64_t started_ns,
                           int64_t finished_ns, int64_t now_ns, char *buf, size_t cap)
{
  char age[48];
  /* docker's Health.String: "health: starting"; healthy and unhealthy say themselves */
  if (strcmp (status, "running") == 0 && health != NULL && *health)
    snprintf (buf, cap, "Up %s (%s%s)", fmt_human_duration (now_ns - started_ns, age, sizeof age),
              strcmp (health, "starting") == 0 ? "health: " : "", health);
  else if (strcmp (status, "running") == 0)
    snprintf (buf, cap, "Up %s", fmt_human_duration (now_ns - started_ns, age, sizeof age));
  else if (strcmp (status, "exited") == 0)
    snprintf (buf, cap, "Exited (%d) %s ago", exit_code,
              fmt_human_duration (now_ns - finished_ns, age, sizeof age));
  else if (strcmp (status, "restarting") == 0)
    snprintf (buf, cap, "Restarting (%d) %s ago", exit_code,
              fmt_human_duration (now_ns - finished_ns, age, sizeof age));
  else if (strcmp (status, "created") == 0)
    snprintf (buf, cap, "Created");
  else
    snprintf (buf, cap, "%s", status);
  return buf;
}
