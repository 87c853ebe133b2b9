/* The container's /etc/hostname, /etc/hosts and /etc/resolv.conf (vm.h):
 * written in the tether's own directory, outside the container's root, and
 * bind-mounted over the image's files as docker does. The container sees the
 * files, never the directory they live in. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdio.h"
#include "mkdirp.h"
#include "vm.h"

#define VM_ETC_DIR "/run/tether/etc"

/* Writes VM_ETC_DIR/name and binds it on rel inside the root: the target is
 * opened (or made) without following the image's symlinks out of the root
 * (openat2 RESOLVE_IN_ROOT), and the mount goes on that very file through
 * /proc/self/fd (runc's way: no path is looked up twice). */
static int bind_file (const char *rel, const char *name, const char *text, struct terr *err)
{
  char src[64], fdpath[32];
  snprintf (src, sizeof src, VM_ETC_DIR "/%s", name);
  int out = open (src, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0)
    return terr_set (err, errno, "write %s", src);
  int w = fd_write_all (out, text, strlen (text));
  close (out);
  if (w < 0)
    return terr_set (err, errno, "write %s", src);
  int root = open (VM_ROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return terr_set (err, errno, "open %s", VM_ROOT);
  mkdirat (root, "etc", 0755);
  struct open_how how = { .flags = O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, .mode = 0644,
                          .resolve = RESOLVE_IN_ROOT };
  int fd = (int) syscall (SYS_openat2, root, rel, &how, sizeof how);
  close (root);
  if (fd < 0)
    return terr_set (err, errno, "/%s in the container", rel);
  snprintf (fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
  int r = mount (src, fdpath, NULL, MS_BIND, NULL);
  int e = errno;
  close (fd);
  if (r < 0)
    return terr_set (err, e, "bind %s on /%s in the container", src, rel);
  char target[128];
  snprintf (target, sizeof target, VM_ROOT "/%s", rel);
  vmdisk_track_mount (target);
  return 0;
}

/* The container's address on its first NIC ("10.0.2.15"), or "" without one. */
static void nic_address (const ContainerConfig *cfg, char *ip, size_t cap)
{
  ip[0] = '\0';
  if (cfg->n_nics && !cfg->nics[0]->dhcp && cfg->nics[0]->address)
    {
      const char *a = cfg->nics[0]->address, *slash = strchr (a, '/');
      snprintf (ip, cap, "%.*s", (int) (slash ? (size_t) (slash - a) : strlen (a)), a);
    }
}

int vmetc_write (const ContainerConfig *cfg, const char *id, struct terr *err)
{
  char host[80], ip[24], text[8192];
  if (mkdir_p (VM_ETC_DIR, 0700) < 0)
    return terr_set (err, errno, "mkdir " VM_ETC_DIR);
  snprintf (host, sizeof host, "%.63s", cfg->hostname && cfg->hostname[0] ? cfg->hostname : id);
  if (!(cfg->hostname && cfg->hostname[0]))
    host[12] = '\0';
  snprintf (text, sizeof text, "%s\n", host);
  if (bind_file ("etc/hostname", "hostname", text, err) < 0)
    return -1;
  int n = snprintf (text, sizeof text, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                                       "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
                                       "ff02::2\tip6-allrouters\n");
  for (size_t i = 0; i < cfg->n_extra_hosts && n > 0 && (size_t) n < sizeof text; i++)
    {
      /* docker's --add-host name:ip */
      const char *h = cfg->extra_hosts[i], *colon = strchr (h, ':');
      if (colon)
        n += snprintf (text + n, sizeof text - (size_t) n, "%s\t%.*s\n", colon + 1, (int) (colon - h), h);
    }
  /* docker: the container's address and name last; without a network, none */
  nic_address (cfg, ip, sizeof ip);
  if (ip[0] && n > 0 && (size_t) n < sizeof text)
    snprintf (text + n, sizeof text - (size_t) n, "%s\t%s\n", ip, host);
  if (bind_file ("etc/hosts", "hosts", text, err) < 0)
    return -1;
  if (cfg->n_dns == 0)
    return 0; /* the image's own */
  n = 0;
  for (size_t i = 0; i < cfg->n_dns && n >= 0 && (size_t) n < sizeof text; i++)
    n += snprintf (text + n, sizeof text - (size_t) n, "nameserver %s\n", cfg->dns[i]);
  return bind_file ("etc/resolv.conf", "resolv.conf", text, err);
}
