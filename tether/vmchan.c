/* Finding the guest channel. Ports appear asynchronously after the modules
 * load, so this runs again until the first valid hello (vm.c's scan timer). */
#include <errno.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "channel.h"
#include "log.h"
#include "sysfs.h"
#include "vm.h"

#define CHANNEL_PORT_NAME VM_CHANNEL_PORT_NAME
#define VSOCK_PORT "vsock:1024"

static bool have_vport, have_vsock, have_serial;

/* Opens a channel; true once it is open. `quiet`: a failure is expected. */
static bool try_channel (const char *addr, bool quiet)
{
  struct terr err = { 0 };
  if (channel_open (addr, &err) == 0)
    return true;
  if (!quiet)
    log_warn ("%s", err.msg);
  return false;
}

static void open_virtio_port (void)
{
  char dev[300];
  if (!have_vport && vport_find (CHANNEL_PORT_NAME, dev, sizeof dev) == 0)
    have_vport = try_channel (dev, false);
}

static const char *transport_name (unsigned t)
{
  if (t == (SYSFS_VSOCK_VIRTIO | SYSFS_VSOCK_VMCI))
    return "virtio-vsock and VMCI";
  return t == SYSFS_VSOCK_VMCI ? "VMCI" : "virtio-vsock";
}

/* AF_VSOCK only where a transport has its device, and only with a real CID:
 * a VMCI transport without a device answers the ioctl with VMADDR_CID_ANY
 * and would listen forever. The guest has one guest-to-host transport, the
 * first to register: vmw_vsock_virtio_transport registers as it loads, the
 * VMCI one once its device is up, so the initramfs loads VMCI's first
 * (mk/kernel.sh's softdep) and a VMCI device left without a CID is said. */
static void open_vsock (void)
{
  static bool said_no_cid;
  unsigned t = sysfs_vsock_transports ("/sys");
  if (!t)
    return;
  int fd = open ("/dev/vsock", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  unsigned cid = VMADDR_CID_ANY;
  int r = ioctl (fd, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &cid);
  close (fd);
  if (r < 0 || cid == VMADDR_CID_ANY || cid <= VMADDR_CID_HOST)
    {
      if (!said_no_cid)
        log_note ("vsock: a %s device but no guest CID yet: no vsock channel while it has none", transport_name (t));
      said_no_cid = true;
      return;
    }
  have_vsock = try_channel (VSOCK_PORT, false);
  if (have_vsock)
    log_note ("channel: %s over %s, CID %u", VSOCK_PORT, transport_name (t), cid);
}

static void open_serial (void)
{
  /* A 16550 that is not there fails to open (EIO): not worth a warning. */
  if (access (VM_CHANNEL_SERIAL, F_OK) == 0)
    have_serial = try_channel (VM_CHANNEL_SERIAL, true);
}

bool vmchan_scan (void)
{
  if (!have_vport)
    open_virtio_port ();
  if (!have_vsock)
    open_vsock ();
  if (!have_serial)
    open_serial ();
  return have_vport || have_vsock || have_serial;
}
