#include "duration.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const struct {
  const char *name;
  uint64_t ns;
} units[] = {
  { "ns", 1 },           { "us", 1000 },           { "\xc2\xb5s", 1000 } /* µ, U+00B5 */,
  { "\xce\xbcs", 1000 } /* μ, U+03BC */, { "ms", 1000000 }, { "s", 1000000000ull },
  { "m", 60000000000ull }, { "h", 3600000000000ull },
};

#define LIMIT (1ull << 63)

static int fail (char *why, size_t cap, const char *orig, const char *unit)
{
  if (unit)
    snprintf (why, cap, "time: unknown unit \"%s\" in duration \"%s\"", unit, orig);
  else
    snprintf (why, cap, "time: invalid duration \"%s\"", orig);
  return -1;
}

static bool is_digit (char c)
{
  return c >= '0' && c <= '9';
}

/* Go's algorithm, so that what docker accepts is accepted and the same texts
 * come back for what it refuses; overflow past 2^63-1 ns is an invalid duration. */
int duration_parse (const char *orig, int64_t *ns, char *why, size_t why_cap)
{
  const char *s = orig;
  bool neg = false;
  if (*s == '-' || *s == '+')
    neg = *s++ == '-';
  if (strcmp (s, "0") == 0)
    return (*ns = 0), 0;
  if (*s == '\0')
    return fail (why, why_cap, orig, NULL);
  uint64_t total = 0;
  while (*s)
    {
      if (!(*s == '.' || is_digit (*s)))
        return fail (why, why_cap, orig, NULL);
      uint64_t v = 0, frac = 0, scale = 1;
      const char *p = s;
      for (; is_digit (*s); s++)
        {
          if (v > (LIMIT - 1) / 10)
            return fail (why, why_cap, orig, NULL);
          v = v * 10 + (uint64_t) (*s - '0');
          if (v > LIMIT)
            return fail (why, why_cap, orig, NULL);
        }
      bool pre = s != p, post = false;
      if (*s == '.')
        {
          p = ++s;
          for (bool overflow = false; is_digit (*s); s++)
            {
              if (overflow || frac > (UINT64_MAX - 9) / 10 || scale > UINT64_MAX / 10)
                {
                  overflow = true; /* further digits cannot matter */
                  continue;
                }
              frac = frac * 10 + (uint64_t) (*s - '0');
              scale *= 10;
            }
          post = s != p;
        }
      if (!pre && !post)
        return fail (why, why_cap, orig, NULL);
      size_t ul = 0;
      while (s[ul] && s[ul] != '.' && !is_digit (s[ul]))
        ul++;
      if (ul == 0)
        {
          snprintf (why, why_cap, "time: missing unit in duration \"%s\"", orig);
          return -1;
        }
      uint64_t unit = 0;
      for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen (units[i].name) == ul && memcmp (units[i].name, s, ul) == 0)
          unit = units[i].ns;
      if (!unit)
        {
          char u[64];
          snprintf (u, sizeof u, "%.*s", (int) (ul < 60 ? ul : 60), s);
          return fail (why, why_cap, orig, u);
        }
      s += ul;
      if (v > LIMIT / unit)
        return fail (why, why_cap, orig, NULL);
      v *= unit;
      if (frac > 0)
        {
          v += (uint64_t) ((double) frac * ((double) unit / (double) scale));
          if (v > LIMIT)
            return fail (why, why_cap, orig, NULL);
        }
      total += v;
      if (total > LIMIT)
        return fail (why, why_cap, orig, NULL);
    }
  if (!neg && total > LIMIT - 1)
    return fail (why, why_cap, orig, NULL);
  *ns = neg ? (int64_t) (0 - total) : (int64_t) total;
  return 0;
}

/* Writes right to left, as Go does: digits of v below prec, trailing zeros and
 * then the point left out. Returns the new write position; *v keeps the rest. */
static size_t put_frac (char *buf, size_t w, uint64_t *v, int prec)
{
  bool print = false;
  for (int i = 0; i < prec; i++)
    {
      unsigned digit = (unsigned) (*v % 10);
      print = print || digit != 0;
      if (print)
        buf[--w] = (char) ('0' + digit);
      *v /= 10;
    }
  if (print)
    buf[--w] = '.';
  return w;
}

static size_t put_int (char *buf, size_t w, uint64_t v)
{
  do
    {
      buf[--w] = (char) ('0' + v % 10);
      v /= 10;
    }
  while (v > 0);
  return w;
}

const char *duration_format (int64_t ns, char buf[DURATION_STR_MAX])
{
  char tmp[DURATION_STR_MAX];
  size_t w = sizeof tmp - 1;
  tmp[w] = '\0';
  uint64_t u = ns < 0 ? 0 - (uint64_t) ns : (uint64_t) ns;
  tmp[--w] = 's';
  if (u < 1000000000ull)
    {
      int prec = 0;
      if (u == 0)
        tmp[--w] = '0';
      else
        {
          if (u < 1000)
            tmp[--w] = 'n';
          else if (u < 1000000)
            {
              prec = 3;
              tmp[--w] = '\xb5'; /* µ as two bytes, written backwards */
              tmp[--w] = '\xc2';
            }
          else
            {
              prec = 6;
              tmp[--w] = 'm';
            }
          w = put_frac (tmp, w, &u, prec);
          w = put_int (tmp, w, u);
        }
    }
  else
    {
      w = put_frac (tmp, w, &u, 9);
      w = put_int (tmp, w, u % 60);
      u /= 60;
      if (u > 0)
        {
          tmp[--w] = 'm';
          w = put_int (tmp, w, u % 60);
          u /= 60;
          if (u > 0)
            {
              tmp[--w] = 'h';
              w = put_int (tmp, w, u);
            }
        }
    }
  if (ns < 0)
    tmp[--w] = '-';
  memcpy (buf, tmp + w, sizeof tmp - w);
  return buf;
}
