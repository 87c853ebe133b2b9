#include "terr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  vsnprintf (prefix, sizeof prefix, fmt, ap);
  va_end (ap);
  memcpy (old, e->msg, sizeof old);
  /* a long chain is cut at the end; the innermost detail is the first to go */
  if (snprintf (e->msg, sizeof e->msg, "%s: %s", prefix, old) >= (int) sizeof e->msg)
    e->msg[sizeof e->msg - 1] = '\0';
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

ssize_t fd_read (int fd, void *buf, size_t len)
{
  ssize_t n;
  do
    n = read (fd, buf, len);
  while (n < 0 && errno == EINTR);
  return n;
}

ssize_t fd_write (int fd, const void *buf, size_t len)
{
  ssize_t n;
  do
    n = write (fd, buf, len);
  while (n < 0 && errno == EINTR);
  return n;
}

int fd_write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t n = fd_write (fd, p, len);
      if (n < 0)
        return -1;
      p += n;
      len -= (size_t) n;
    }
  return 0;
}
