#include "terr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int terr_set (struct terr *e, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  int n = vsnprintf (e->msg, sizeof e->msg, fmt, ap);
  va_end (ap);
  if (n < 0)
    n = 0;
  if (errnum != 0 && (size_t) n < sizeof e->msg)
    snprintf (e->msg + n, sizeof e->msg - (size_t) n, ": %s", strerror (errnum));
  e->errnum = errnum;
  return -1;
}

int terr_wrap (struct terr *e, const char *fmt, ...)
{
  char prefix[sizeof e->msg];
  char old[sizeof e->msg];
  va_list ap;
  va_start (ap, fmt);
  int n = vsnprintf (prefix, sizeof prefix, fmt, ap);
  va_end (ap);
  memcpy (old, e->msg, sizeof old);
  size_t pl = n < 0 ? 0 : (size_t) n < sizeof prefix ? (size_t) n : sizeof prefix - 1;
  /* "prefix: old", cut to fit */
  size_t at = 0;
  memcpy (e->msg, prefix, pl);
  at = pl;
  if (at + 2 < sizeof e->msg)
    {
      memcpy (e->msg + at, ": ", 2);
      at += 2;
    }
  size_t ol = strnlen (old, sizeof old - 1);
  if (ol > sizeof e->msg - 1 - at)
    ol = sizeof e->msg - 1 - at;
  memcpy (e->msg + at, old, ol);
  e->msg[at + ol] = '\0';
  return -1;
}

void terr_clear (struct terr *e)
{
  e->errnum = 0;
  e->code = 0;
  e->exit_code = 0;
  e->msg[0] = '\0';
}

void cleanup_close_fn (int *fd)
{
  if (*fd >= 0)
    close (*fd); /* once: on Linux the fd is gone even on EINTR */
  *fd = -1;
}

void cleanup_free_fn (void *p)
{
  free (*(void **) p);
}
