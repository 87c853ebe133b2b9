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

static int driver_bound (const char *driver_dir)
{
  DIR *d = opendir (driver_dir);
  if (!d)
    return 0;
  int bound = 0;
  struct dirent *e;
  while (!bound && (e = readdir (d)))
    bound = e->d_type == DT_LNK && strcmp (e->d_name, "module") != 0;
  closedir (d);
  return bound;
}

unsigned sysfs_vsock_transports (const char *sys)
{
  char path[256];
  unsigned t = 0;
  snprintf (path, sizeof path, "%s/bus/virtio/drivers/vmw_vsock_virtio_transport", sys);
  if (driver_bound (path))
    t |= SYSFS_VSOCK_VIRTIO;
  snprintf (path, sizeof path, "%s/bus/pci/drivers/vmw_vmci", sys);
  if (driver_bound (path))
    t |= SYSFS_VSOCK_VMCI;
  return t;
}

int sysfs_vpd80 (const unsigned char *page, size_t n, char *out, size_t cap)
{
  if (n < 4 || page[1] != 0x80)
    return -1;
  size_t len = (size_t) page[2] << 8 | page[3], start = 4, end;
  if (len > n - 4)
    return -1;
  end = 4 + len;
  while (start < end && (page[start] == ' ' || page[start] == '\0'))
    start++;
  while (end > start && (page[end - 1] == ' ' || page[end - 1] == '\0'))
    end--;
  if (end - start >= cap)
    return -1;
  for (size_t i = start; i < end; i++)
    if (page[i] < 0x20 || page[i] > 0x7e)
      return -1; /* ASCII only: the serial is compared as a string */
  memcpy (out, page + start, end - start);
  out[end - start] = '\0';
  return (int) (end - start);
}

int sysfs_disk_serial (const char *block_dir, const char *name, char *out, size_t cap)
{
  char path[300];
  snprintf (path, sizeof path, "%s/%s/serial", block_dir, name);
  if (sysfs_read (path, out, cap) > 0)
    return (int) strlen (out);
  unsigned char page[4 + 255 + 1];
  snprintf (path, sizeof path, "%s/%s/device/vpd_pg80", block_dir, name);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read (fd, page, sizeof page);
  close (fd);
  return n < 0 ? -1 : sysfs_vpd80 (page, (size_t) n, out, cap);
}
