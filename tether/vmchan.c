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

/* AF_VSOCK only with a real CID: a VMCI transport without a device answers
 * the ioctl with VMADDR_CID_ANY and would listen forever. */
static void open_vsock (void)
{
  int fd = open ("/dev/vsock", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  unsigned cid = VMADDR_CID_ANY;
  int r = ioctl (fd, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &cid);
  close (fd);
  if (r < 0 || cid == VMADDR_CID_ANY || cid <= VMADDR_CID_HOST)
    return;
  have_vsock = try_channel (VSOCK_PORT, false);
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
