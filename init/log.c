#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void
log_msg (const char *fmt, ...)
{
  char line[512];
  va_list ap;
  int n;

  memcpy (line, "init: ", 6);
  va_start (ap, fmt);
  n = vsnprintf (line + 6, sizeof line - 7, fmt, ap);
  va_end (ap);
  if (n < 0)
    return;
  n += 6;
  if ((size_t) n > sizeof line - 2)
    n = sizeof line - 2;
  line[n++] = '\n';
  /* Nothing useful to do if the console is gone. */
  (void) !write (2, line, n);
}

void
log_err (const struct terr *e)
{
  log_msg ("%s", e->msg); /* terr_set has appended strerror (errnum) */
}

long
log_now_ms (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_BOOTTIME, &ts) < 0)
    return -1;
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}
