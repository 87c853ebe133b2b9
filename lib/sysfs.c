#include "sysfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sysfs_read (const char *path, char *buf, size_t cap)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read (fd, buf, cap - 1);
  close (fd);
  if (n < 0)
    return -1;
  buf[n] = '\0';
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
    buf[--n] = '\0';
  return (int) n;
}

static int not_dot (const struct dirent *e)
{
  return e->d_name[0] != '.';
}

int sysfs_find (const char *class_dir, const char *attr, const char *value, char *dev, size_t cap)
{
  struct dirent **entries;
  int n = scandir (class_dir, &entries, not_dot, alphasort);
  int found = -1;
  for (int i = 0; i < n; i++)
    {
      char path[300], got[64];
      snprintf (path, sizeof path, "%s/%s/%s", class_dir, entries[i]->d_name, attr);
      if (found < 0 && sysfs_read (path, got, sizeof got) >= 0 && strcmp (got, value) == 0)
        {
          snprintf (dev, cap, "/dev/%s", entries[i]->d_name);
          found = 0;
        }
      free (entries[i]);
    }
  if (n >= 0)
    free (entries);
  return found;
}
