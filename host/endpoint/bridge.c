/* Taps on a network's bridge (bridge.h). */
#include "bridge.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

void bridge_tap_name (const char *ctr_id, char out[16]) { snprintf (out, 16, "tt%.12s", ctr_id); }

static int link_up (int sock, const char *name, struct terr *err)
{
  struct ifreq r;
  memset (&r, 0, sizeof r);
  snprintf (r.ifr_name, sizeof r.ifr_name, "%s", name);
  if (ioctl (sock, SIOCGIFFLAGS, &r) < 0)
    return terr_set (err, errno, "SIOCGIFFLAGS %s", name);
  if (r.ifr_flags & IFF_UP)
    return 0;
  r.ifr_flags |= IFF_UP;
  return ioctl (sock, SIOCSIFFLAGS, &r) < 0 ? terr_set (err, errno, "bringing %s up", name) : 0;
}

/* In the namespace already entered: the bridge (made if missing), the tap on it. */
static int tap_here (const char *bridge, const char *tap, struct terr *err)
{
  int sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return terr_set (err, errno, "socket");
  int fd = -1;
  if (ioctl (sock, SIOCBRADDBR, bridge) < 0 && errno != EEXIST)
    {
      terr_set (err, errno, "creating bridge %s", bridge);
      goto out;
    }
  if (link_up (sock, bridge, err) < 0)
    goto out;
  fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    {
      terr_set (err, errno, "open /dev/net/tun");
      goto out;
    }
  struct ifreq r;
  memset (&r, 0, sizeof r);
  r.ifr_flags = IFF_TAP | IFF_NO_PI;
  snprintf (r.ifr_name, sizeof r.ifr_name, "%s", tap);
  if (ioctl (fd, TUNSETIFF, &r) < 0)
    {
      terr_set (err, errno, "TUNSETIFF %s", tap);
      goto fail;
    }
  if (link_up (sock, tap, err) < 0)
    goto fail;
  struct ifreq b;
  memset (&b, 0, sizeof b);
  snprintf (b.ifr_name, sizeof b.ifr_name, "%s", bridge);
  if (ioctl (sock, SIOCGIFINDEX, &r) < 0)
    {
      terr_set (err, errno, "SIOCGIFINDEX %s", tap);
      goto fail;
    }
  b.ifr_ifindex = r.ifr_ifindex;
  if (ioctl (sock, SIOCBRADDIF, &b) < 0)
    {
      terr_set (err, errno, "attaching %s to bridge %s", tap, bridge);
      goto fail;
    }
  goto out;
fail:
  close (fd);
  fd = -1;
out:
  close (sock);
  return fd;
}

int bridge_tap_open (const char *netns, const char *bridge, const char *tap, struct terr *err)
{
  if (!netns || !netns[0])
    return tap_here (bridge, tap, err);
  char path[96];
  if (strchr (netns, '/') || snprintf (path, sizeof path, "/run/netns/%s", netns) >= (int) sizeof path)
    return terr_set (err, 0, "network namespace %.40s: not a name under /run/netns", netns);
  int self = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    return terr_set (err, errno, "open /proc/self/ns/net");
  int ns = open (path, O_RDONLY | O_CLOEXEC);
  if (ns < 0)
    {
      close (self);
      return terr_set (err, errno, "network namespace %s", path);
    }
  int fd = -1;
  if (setns (ns, CLONE_NEWNET) < 0)
    terr_set (err, errno, "setns %s", path);
  else
    {
      fd = tap_here (bridge, tap, err);
      /* back home: the endpoint's QMP, guest and client sockets are unix
       * sockets (any namespace), but what it opens later must be the host's */
      if (setns (self, CLONE_NEWNET) < 0)
        {
          terr_set (err, errno, "setns back to the endpoint's network namespace");
          if (fd >= 0)
            close (fd);
          fd = -1;
        }
    }
  close (ns);
  close (self);
  if (fd < 0)
    terr_wrap (err, "in network namespace %s", netns);
  return fd;
}
