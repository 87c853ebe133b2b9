/* The ACPI power button (QMP system_powerdown, vSphere "Shut Down Guest") and
 * the final power-off. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "fdio.h"
#include "log.h"
#include "vm.h"


/* Request numbers with the top bit set: glibc's ioctl takes an unsigned long, musl's
 * an int. Passing through a variable converts at run time, as the kernel (which
 * reads 32 bits) expects, without a constant overflow under -Wpedantic. */
static int ioctl_ul (int fd, unsigned long request, void *arg)
{
  return ioctl (fd, request, arg);
}

static struct watch button_w;

static void button_event (struct watch *w, uint32_t events)
{
  (void) events;
  struct input_event ev[16];
  ssize_t n = fd_read (w->fd, ev, sizeof ev);
  if (n <= 0)
    return;
  for (size_t i = 0; i < (size_t) n / sizeof ev[0]; i++)
    if (ev[i].type == EV_KEY && ev[i].code == KEY_POWER && ev[i].value == 1)
      {
        log_warn ("power button: stopping the container");
        for (struct container *c = containers; c; c = c->next)
          container_stop (c, 0, 0);
        if (!containers)
          vmpower_off ("power button with no container");
      }
}

/* Finds the input device by name ("Power Button"), not by number: the
 * numbering depends on probe order. */
bool vmpower_watch_button (void)
{
  if (button_w.fn)
    return true;
  DIR *d = opendir ("/dev/input");
  if (!d)
    return false;
  struct dirent *de;
  while ((de = readdir (d)))
    {
      if (strncmp (de->d_name, "event", 5) != 0)
        continue;
      char path[300], name[128] = "";
      snprintf (path, sizeof path, "/dev/input/%s", de->d_name);
      int fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0)
        continue;
      if (ioctl_ul (fd, EVIOCGNAME (sizeof name - 1), name) < 0 || strcmp (name, "Power Button") != 0)
        {
          close (fd);
          continue;
        }
      struct terr err = { 0 };
      if (loop_add (&button_w, fd, EPOLLIN, button_event, &err) < 0)
        {
          log_warn ("%s", err.msg);
          close (fd);
        }
      break;
    }
  closedir (d);
  return button_w.fn != NULL;
}

_Noreturn void vmpower_off (const char *why)
{
  log_warn ("powering off: %s", why);
  sync ();
  vmdisk_unmount_all ();
  sync ();
  reboot (RB_POWER_OFF);
  /* reboot() as PID 1 does not return; if it did, PID 1 must still not exit. */
  for (;;)
    pause ();
}
