#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

int log_verbose;

static void log_line (const char *level, const char *fmt, va_list ap)
{
  char line[512];
  int saved = errno;
  int n = snprintf (line, sizeof line, "tether: %s", level);
  errno = saved; /* what the caller saw, for its own strerror (errno) */
  if (n > 0 && (size_t) n < sizeof line)
    n += vsnprintf (line + n, sizeof line - (size_t) n, fmt, ap);
  if (n < 0)
    return;
  if ((size_t) n >= sizeof line - 1)
    n = sizeof line - 2;
  line[n++] = '\n';
  /* One write: lines from the tether and its children do not interleave. */
  if (write (STDERR_FILENO, line, (size_t) n) < 0)
    (void) 0;
  errno = saved;
}

void log_info (const char *fmt, ...)
{
  if (!log_verbose)
    return;
  va_list ap;
  va_start (ap, fmt);
  log_line ("", fmt, ap);
  va_end (ap);
}

void log_warn (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  log_line ("warning: ", fmt, ap);
  va_end (ap);
}

void log_note (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  log_line ("", fmt, ap);
  va_end (ap);
}
