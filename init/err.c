#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
terr_set (struct terr *e, int errnum, const char *fmt, ...)
{
  va_list ap;

  e->errnum = errnum;
  va_start (ap, fmt);
  vsnprintf (e->msg, sizeof e->msg, fmt, ap);
  va_end (ap);
  return -1;
}

int
terr_wrap (struct terr *e, const char *fmt, ...)
{
  char old[sizeof e->msg];
  va_list ap;
  size_t used, k;
  int n;

  memcpy (old, e->msg, sizeof old);
  va_start (ap, fmt);
  n = vsnprintf (e->msg, sizeof e->msg, fmt, ap);
  va_end (ap);
  if (n < 0)
    n = 0;
  used = (size_t) n;
  /* Truncating the old message is fine: the context came first. */
  if (used + 3 > sizeof e->msg)
    return -1;
  memcpy (e->msg + used, ": ", 2);
  used += 2;
  k = strnlen (old, sizeof old);
  if (k > sizeof e->msg - 1 - used)
    k = sizeof e->msg - 1 - used;
  memcpy (e->msg + used, old, k);
  e->msg[used + k] = '\0';
  return -1;
}
