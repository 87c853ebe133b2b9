/* The NICs of a container VM, hot-plugged through QMP after the start like the
 * disks (qemu.h): a clone of a template gets a NIC and a MAC of its own. The
 * default network is QEMU's user-mode network; published ports are its host
 * forwards. A named network's NIC is a tap on its bridge (bridge.h), whose fd
 * QEMU takes over QMP (getfd). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bridge.h"
#include "netspec.h"
#include "qemu.h"
#include "qmp.h"

#define QMP_TIMEOUT_MS 5000

/* hostfwd=[tcp|udp]:HOSTIP:HOSTPORT-GUESTIP:GUESTPORT, as QAPI's String list. */
static json_t *host_forwards (const ContainerConfig *c)
{
  json_t *list = json_array ();
  for (size_t i = 0; list && i < c->n_ports; i++)
    {
      const PortMap *p = c->ports[i];
      char rule[96];
      snprintf (rule, sizeof rule, "%s:%s:%u-:%u", p->proto, p->host_ip ? p->host_ip : "", p->host_port, p->ctr_port);
      json_array_append_new (list, json_pack ("{s:s}", "str", rule));
    }
  return list;
}

/* The tap made in the bridge's namespace, handed to QEMU by fd: QEMU needs no
 * privilege and never enters the namespace. */
static int tap_netdev (int fd, const ContainerConfig *c, const Nic *n, const char *id, struct terr *err)
{
  char tap[16];
  bridge_tap_name (c->id, tap);
  int tfd = bridge_tap_open (n->netns, n->bridge, tap, err);
  if (tfd < 0)
    return terr_wrap (err, "NIC %s on bridge %s", n->mac, n->bridge);
  int r = qmp_exec_fd (fd, "getfd", json_pack ("{s:s}", "fdname", id), tfd, QMP_TIMEOUT_MS, err);
  close (tfd); /* QEMU holds its own now: the tap goes with QEMU */
  if (r < 0)
    return terr_wrap (err, "getfd for tap %s", tap);
  json_t *nd = json_pack ("{s:s, s:s, s:s}", "type", "tap", "id", id, "fd", id);
  if (!nd || qmp_exec (fd, "netdev_add", nd, QMP_TIMEOUT_MS, err) < 0)
    return nd ? terr_wrap (err, "netdev_add tap %s", tap) : terr_set (err, ENOMEM, "netdev_add");
  return 0;
}

static int plug_nic (int fd, const ContainerConfig *c, size_t i, struct terr *err)
{
  const Nic *n = c->nics[i];
  char id[16], dev_id[16], bus[16];
  snprintf (id, sizeof id, "net%zu", i);
  snprintf (dev_id, sizeof dev_id, "nic%zu", i);
  snprintf (bus, sizeof bus, "rp%zu", i + 1);
  if (n->bridge && n->bridge[0])
    {
      if (tap_netdev (fd, c, n, id, err) < 0)
        return -1;
    }
  else
    {
  /* restrict=off: outbound connections go out through the host's sockets; the
   * gateway's mapping to the host's loopback is closed in the guest (the
   * NIC's blocked list, docs/security.md) */
      json_t *nd = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:b, s:o}", "type", "user", "id", id, "net", NET_USER_NET,
                              "host", NET_USER_GATEWAY, "dns", NET_USER_DNS, "ipv6", 0, "hostfwd", host_forwards (c));
      if (!nd || qmp_exec (fd, "netdev_add", nd, QMP_TIMEOUT_MS, err) < 0)
        {
          if (!nd)
            return terr_set (err, ENOMEM, "netdev_add");
          /* QEMU: "Could not set up host forwarding rule 'tcp:...'" */
          return terr_wrap (err, "publishing the ports");
        }
    }
  const char *skip = getenv ("TETHER_TEST_SKIP_NIC");
  if (skip && (strcmp (skip, "all") == 0 || strcmp (skip, n->mac) == 0))
    return 0;
  json_t *dev = json_pack ("{s:s, s:s, s:s, s:s, s:s}", "driver", "virtio-net-pci", "netdev", id, "id", dev_id, "mac",
                           n->mac, "bus", bus);
  if (!dev || qmp_exec (fd, "device_add", dev, QMP_TIMEOUT_MS, err) < 0)
    return dev ? terr_wrap (err, "device_add NIC %s", n->mac) : terr_set (err, ENOMEM, "device_add");
  return 0;
}

int qemu_plug_nics (const struct vm_ctr *v, struct terr *err)
{
  const ContainerConfig *c = v->cfg;
  if (c->n_nics == 0)
    return 0;
  if (c->n_nics > 1)
    return terr_set (err, 0, "%zu NICs: only the default network (one NIC) is supported yet", c->n_nics);
  int fd = qmp_open (v->qmp_sock, QMP_TIMEOUT_MS, err);
  if (fd < 0)
    return -1;
  int r = plug_nic (fd, c, 0, err);
  close (fd);
  return r;
}
