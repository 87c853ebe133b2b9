#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

struct early_mount
{
  const char *source, *target, *type;
  unsigned long flags;
  const char *data;
};

static const struct early_mount early[] = {
  { "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755" },
  { "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
  { "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
  { "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755" },
};

static int
mount_one (const struct early_mount *m, struct terr *err)
{
  if (mkdir (m->target, 0755) < 0 && errno != EEXIST)
    return terr_set (err, errno, "mkdir %s", m->target);
  if (mount (m->source, m->target, m->type, m->flags, m->data) < 0)
    return terr_set (err, errno, "mount %s on %s", m->type, m->target);
  return 0;
}

int
mounts_console (struct terr *err)
{
  int fd = open ("/dev/console", O_RDWR | O_NOCTTY);
  int i;

  if (fd < 0)
    return terr_set (err, errno, "open /dev/console");
  for (i = 0; i < 3; i++)
    if (fd != i && dup2 (fd, i) < 0)
      return terr_set (err, errno, "dup2 /dev/console to %d", i);
  if (fd > 2)
    close (fd);
  return 0;
}

int
mounts_early (void)
{
  struct terr err, console_err;
  int failed = 0, console_failed = 0;
  size_t i;

  for (i = 0; i < sizeof early / sizeof early[0]; i++)
    {
      if (mount_one (&early[i], &err) < 0)
        {
          log_err (&err);
          failed++;
        }
      if (i == 0 && mounts_console (&console_err) < 0)
        console_failed = 1;
    }
  /* Said after the fact: with no console there was nowhere to say it before. */
  if (console_failed)
    log_err (&console_err);
  return failed + console_failed;
}
