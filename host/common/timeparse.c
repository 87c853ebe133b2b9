#include "timefmt.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

#define NS_PER_S 1000000000LL

/* n digits at *p into *v, advancing *p; false if they are not all digits. */
static bool digits (const char **p, int n, int *v)
{
  *v = 0;
  for (int i = 0; i < n; i++, (*p)++)
    {
      if (**p < '0' || **p > '9')
        return false;
      *v = *v * 10 + (**p - '0');
    }
  return true;
}

/* Up to 9 fraction digits after '.', as nanoseconds. */
static bool fraction (const char **p, int64_t *ns)
{
  int n = 0;
  *ns = 0;
  for (; **p >= '0' && **p <= '9'; (*p)++, n++)
    {
      if (n == 9)
        return false;
      *ns = *ns * 10 + (**p - '0');
    }
  for (int i = n; i < 9; i++)
    *ns *= 10;
  return n > 0;
}

/* Go's time.ParseDuration: [+-] then one or more number+unit ("1h30m", ".5s"). */
static bool go_duration (const char *s, int64_t *ns)
{
  static const struct { const char *u; int64_t ns; } units[] = {
    { "ns", 1 }, { "us", 1000 }, { "\u00b5s", 1000 }, { "\u03bcs", 1000 }, { "ms", 1000000 },
    { "s", NS_PER_S }, { "m", 60 * NS_PER_S }, { "h", 3600 * NS_PER_S },
  };
  bool neg = *s == '-';
  if (*s == '-' || *s == '+')
    s++;
  if (*s == '\0')
    return false;
  double total = 0;
  while (*s)
    {
      const char *start = s;
      double v = 0, scale = 1;
      for (; *s >= '0' && *s <= '9'; s++)
        v = v * 10 + (*s - '0');
      bool whole = s > start;
      if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
          v += (*s - '0') * (scale /= 10);
      if (!whole && scale == 1)
        return false; /* no digits at all */
      size_t best = 0;
      int64_t mul = 0;
      for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        {
          size_t l = strlen (units[i].u);
          if (l > best && strncmp (s, units[i].u, l) == 0)
            best = l, mul = units[i].ns;
        }
      if (best == 0)
        return false; /* a number needs a unit */
      s += best;
      total += v * (double) mul;
    }
  if (total > 9.2e18)
    return false;
  *ns = neg ? -(int64_t) total : (int64_t) total;
  return true;
}

/* 2006-01-02[T15[:04[:05[.999999999]]]][Z|+07:00]; no zone: local time. */
static bool rfc3339ish (const char *p, int64_t *ns)
{
  struct tm tm;
  memset (&tm, 0, sizeof tm);
  int y, mo, d;
  int64_t frac = 0;
  if (!digits (&p, 4, &y) || *p++ != '-' || !digits (&p, 2, &mo) || *p++ != '-' || !digits (&p, 2, &d))
    return false;
  tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
  if (*p == 'T')
    {
      p++;
      if (!digits (&p, 2, &tm.tm_hour))
        return false;
      if (*p == ':' && (p++, !digits (&p, 2, &tm.tm_min)))
        return false;
      if (*p == ':' && (p++, !digits (&p, 2, &tm.tm_sec)))
        return false;
      if (*p == '.' && (p++, !fraction (&p, &frac)))
        return false;
    }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59)
    return false;
  time_t t;
  if (*p == '\0')
    {
      tm.tm_isdst = -1;
      t = mktime (&tm);
    }
  else if (*p == 'Z' && p[1] == '\0')
    t = timegm (&tm);
  else if (*p == '+' || *p == '-')
    {
      int sign = *p++ == '-' ? -1 : 1, hh, mm;
      if (!digits (&p, 2, &hh) || *p++ != ':' || !digits (&p, 2, &mm) || *p != '\0')
        return false;
      t = timegm (&tm) - sign * (hh * 3600 + mm * 60);
    }
  else
    return false;
  *ns = (int64_t) t * NS_PER_S + frac;
  return true;
}

int parse_docker_time (const char *s, int64_t now_ns, int64_t *out_ns)
{
  int64_t d;
  if (s == NULL || *s == '\0')
    return -1;
  /* docker: reference.Add(-d).Unix(), so whole seconds ("0" is Unix time 0) */
  if (strcmp (s, "0") != 0 && go_duration (s, &d))
    {
      int64_t t = now_ns - d;
      int64_t sec = t / NS_PER_S - (t % NS_PER_S < 0);
      *out_ns = sec * NS_PER_S;
      return 0;
    }
  if (rfc3339ish (s, out_ns))
    return 0;
  if (strchr (s, '-'))
    return -1; /* docker: meant as a date, and not one */
  /* Unix seconds[.fraction] */
  const char *p = s;
  int64_t sec = 0, frac = 0;
  for (; *p >= '0' && *p <= '9'; p++)
    {
      if (sec > (INT64_MAX / NS_PER_S) / 10)
        return -1;
      sec = sec * 10 + (*p - '0');
    }
  if (p == s || (*p == '.' && (p++, !fraction (&p, &frac))) || *p != '\0')
    return -1;
  *out_ns = sec * NS_PER_S + frac;
  return 0;
}
