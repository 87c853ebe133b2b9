#include "mkdirp.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

/* No allocation: the tether's launch child calls this between clone and execve. */
int mkdir_p (const char *path, mode_t mode)
{
  char buf[PATH_MAX];
  if (snprintf (buf, sizeof buf, "%s", path) >= (int) sizeof buf)
    return (errno = ENAMETOOLONG, -1);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/')
      {
        *p = '\0';
        if (mkdir (buf, mode) < 0 && errno != EEXIST)
          return -1;
        *p = '/';
      }
  return mkdir (buf, mode) < 0 && errno != EEXIST ? -1 : 0;
}
