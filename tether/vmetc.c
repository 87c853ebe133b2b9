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
#include "log.h"
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

/* The container's address on its first NIC ("10.0.2.15"), or "" without one:
 * a DHCP NIC's is its lease's, once it has one. */
static void nic_address (const ContainerConfig *cfg, char *ip, size_t cap)
{
  ip[0] = '\0';
  if (!cfg->n_nics)
    return;
  const char *a = cfg->nics[0]->dhcp ? vmnet_address (cfg->nics[0]->mac) : cfg->nics[0]->address;
  if (a && a[0])
    {
      const char *slash = strchr (a, '/');
      snprintf (ip, cap, "%.*s", (int) (slash ? (size_t) (slash - a) : strlen (a)), a);
    }
}

static char etc_host[80];
static bool hosts_bound;

static void hosts_text (const ContainerConfig *cfg, char *text, size_t cap)
{
  char ip[24];
  int n = snprintf (text, cap, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                               "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
                               "ff02::2\tip6-allrouters\n");
  for (size_t i = 0; i < cfg->n_extra_hosts && n > 0 && (size_t) n < cap; i++)
    {
      /* docker's --add-host name:ip */
      const char *h = cfg->extra_hosts[i], *colon = strchr (h, ':');
      if (colon)
        n += snprintf (text + n, cap - (size_t) n, "%s\t%.*s\n", colon + 1, (int) (colon - h), h);
    }
  /* docker: the container's address and name last; without a network, none */
  nic_address (cfg, ip, sizeof ip);
  if (ip[0] && n > 0 && (size_t) n < cap)
    snprintf (text + n, cap - (size_t) n, "%s\t%s\n", ip, etc_host);
}

void vmetc_hosts_update (const ContainerConfig *cfg)
{
  static char text[8192];
  if (!hosts_bound)
    return; /* not written yet: vmetc_write will have the address */
  hosts_text (cfg, text, sizeof text);
  /* in place (O_TRUNC, the same inode): the bind mount shows the new text */
  int out = open (VM_ETC_DIR "/hosts", O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (out < 0 || fd_write_all (out, text, strlen (text)) < 0)
    log_warn ("rewriting " VM_ETC_DIR "/hosts: %s", strerror (errno));
  if (out >= 0)
    close (out);
}

int vmetc_write (const ContainerConfig *cfg, const char *id, struct terr *err)
{
  char text[8192];
  if (mkdir_p (VM_ETC_DIR, 0700) < 0)
    return terr_set (err, errno, "mkdir " VM_ETC_DIR);
  snprintf (etc_host, sizeof etc_host, "%.63s", cfg->hostname && cfg->hostname[0] ? cfg->hostname : id);
  if (!(cfg->hostname && cfg->hostname[0]))
    etc_host[12] = '\0';
  snprintf (text, sizeof text, "%s\n", etc_host);
  if (bind_file ("etc/hostname", "hostname", text, err) < 0)
    return -1;
  hosts_text (cfg, text, sizeof text);
  if (bind_file ("etc/hosts", "hosts", text, err) < 0)
    return -1;
  hosts_bound = true;
  /* --dns, else a DHCP NIC's lease's servers (at the start), else the image's own */
  const char *lease_dns[8];
  size_t nd = cfg->n_dns;
  const char *const *dns = (const char *const *) cfg->dns;
  if (nd == 0 && cfg->n_nics && cfg->nics[0]->dhcp)
    nd = vmnet_dns (cfg->nics[0]->mac, lease_dns, 8), dns = lease_dns;
  if (nd == 0)
    return 0;
  int n = 0;
  for (size_t i = 0; i < nd && n >= 0 && (size_t) n < sizeof text; i++)
    n += snprintf (text + n, sizeof text - (size_t) n, "nameserver %s\n", dns[i]);
  return bind_file ("etc/resolv.conf", "resolv.conf", text, err);
}
