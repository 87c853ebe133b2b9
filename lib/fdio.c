#include "fdio.h"

#include <errno.h>
#include <unistd.h>

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

int fd_pwrite_all (int fd, const void *buf, size_t len, off_t off)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t n = pwrite (fd, p, len, off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      p += n;
      off += n;
      len -= (size_t) n;
    }
  return 0;
}
