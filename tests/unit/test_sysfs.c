/* lib/sysfs.c: a disk's serial, as virtio-blk and SCSI (VPD page 0x80) show it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

#include "mkdirp.h"
#include "sysfs.h"

/* What QEMU 7.2's scsi-hd gives Linux 6.1 for serial=l1 */
static const unsigned char qemu_l1[] = { 0x00, 0x80, 0x00, 0x02, 'l', '1' };

static void reads_page_0x80 (void **state)
{
  (void) state;
  char out[24];
  assert_int_equal (sysfs_vpd80 (qemu_l1, sizeof qemu_l1, out, sizeof out), 2);
  assert_string_equal (out, "l1");
  /* SPC pads the field with spaces; some devices end it with a NUL */
  static const unsigned char padded[] = { 0x00, 0x80, 0x00, 0x08, ' ', ' ', 't', 'o', 'p', ' ', '\0', ' ' };
  assert_int_equal (sysfs_vpd80 (padded, sizeof padded, out, sizeof out), 3);
  assert_string_equal (out, "top");
}

static void refuses_what_is_not_a_serial (void **state)
{
  (void) state;
  char out[4];
  static const unsigned char other_page[] = { 0x00, 0x83, 0x00, 0x02, 'l', '1' };
  static const unsigned char short_page[] = { 0x00, 0x80, 0x00, 0x09, 'l', '1' };
  static const unsigned char binary[] = { 0x00, 0x80, 0x00, 0x02, 'l', 0x01 };
  static const unsigned char long_serial[] = { 0x00, 0x80, 0x00, 0x04, 'a', 'b', 'c', 'd' };
  assert_int_equal (sysfs_vpd80 (other_page, sizeof other_page, out, sizeof out), -1);
  assert_int_equal (sysfs_vpd80 (short_page, sizeof short_page, out, sizeof out), -1);
  assert_int_equal (sysfs_vpd80 (binary, sizeof binary, out, sizeof out), -1);
  assert_int_equal (sysfs_vpd80 (long_serial, sizeof long_serial, out, sizeof out), -1); /* 4 + NUL > 4 */
  assert_int_equal (sysfs_vpd80 (qemu_l1, 3, out, sizeof out), -1);
}

static void put (const char *path, const void *data, size_t n)
{
  FILE *f = fopen (path, "wb");
  assert_non_null (f);
  assert_int_equal (fwrite (data, 1, n, f), n);
  fclose (f);
}

/* A fake /sys/block: vda (virtio-blk), sda (scsi-hd), sdb (no page yet). */
static void finds_either_kind (void **state)
{
  (void) state;
  char dir[] = "/tmp/test_sysfs.XXXXXX", p[300], out[24];
  assert_non_null (mkdtemp (dir));
  snprintf (p, sizeof p, "%s/vda", dir), mkdir (p, 0755);
  snprintf (p, sizeof p, "%s/vda/serial", dir), put (p, "top\n", 4);
  snprintf (p, sizeof p, "%s/sda", dir), mkdir (p, 0755);
  snprintf (p, sizeof p, "%s/sda/device", dir), mkdir (p, 0755);
  snprintf (p, sizeof p, "%s/sda/device/vpd_pg80", dir), put (p, qemu_l1, sizeof qemu_l1);
  snprintf (p, sizeof p, "%s/sdb", dir), mkdir (p, 0755);
  assert_int_equal (sysfs_disk_serial (dir, "vda", out, sizeof out), 3);
  assert_string_equal (out, "top");
  assert_int_equal (sysfs_disk_serial (dir, "sda", out, sizeof out), 2);
  assert_string_equal (out, "l1");
  assert_int_equal (sysfs_disk_serial (dir, "sdb", out, sizeof out), -1);
  char cmd[400];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal (system (cmd), 0);
}

/* The vsock transport choice (tether/vmchan.c) on sysfs trees shaped as Linux
 * 6.1 shows them. No VMCI host exists here, so this is where the choice is
 * tested; the listen that follows is the vsock:PORT path of tests/host
 * (t_channel.sh vsock_listen). */
static char root[64];

/* A driver directory as the kernel makes it once the driver registered. */
static void driver (const char *bus, const char *name)
{
  char d[256], f[300];
  snprintf (d, sizeof d, "%s/bus/%s/drivers/%s", root, bus, name);
  assert_int_equal (mkdir_p (d, 0755), 0);
  static const char *files[] = { "bind", "unbind", "uevent", "new_id", "remove_id" };
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
    {
      snprintf (f, sizeof f, "%s/%s", d, files[i]);
      FILE *fp = fopen (f, "w");
      assert_non_null (fp);
      fclose (fp);
    }
  snprintf (f, sizeof f, "%s/module", d);
  assert_int_equal (symlink ("../../../../module/x", f), 0);
}

static void bind_device (const char *bus, const char *name, const char *dev)
{
  char f[300];
  snprintf (f, sizeof f, "%s/bus/%s/drivers/%s/%s", root, bus, name, dev);
  assert_int_equal (symlink ("../../../../devices/x", f), 0);
}

static int tree_setup (void **state)
{
  (void) state;
  snprintf (root, sizeof root, "/tmp/test_sysfs.XXXXXX");
  assert_non_null (mkdtemp (root));
  return 0;
}

static int tree_teardown (void **state)
{
  (void) state;
  char cmd[128];
  snprintf (cmd, sizeof cmd, "rm -rf %s", root);
  return system (cmd);
}

static void qemu_without_vsock (void **state)
{
  (void) state;
  assert_int_equal (sysfs_vsock_transports (root), 0); /* no driver directories at all */
  /* the initramfs loads both transports: drivers registered, no device */
  driver ("virtio", "vmw_vsock_virtio_transport");
  driver ("pci", "vmw_vmci");
  assert_int_equal (sysfs_vsock_transports (root), 0);
}

static void qemu_with_vhost_vsock (void **state)
{
  (void) state;
  driver ("virtio", "vmw_vsock_virtio_transport");
  driver ("pci", "vmw_vmci");
  bind_device ("virtio", "vmw_vsock_virtio_transport", "virtio3");
  assert_int_equal (sysfs_vsock_transports (root), SYSFS_VSOCK_VIRTIO);
}

static void vmware_vmci (void **state)
{
  (void) state;
  driver ("pci", "vmw_vmci");
  bind_device ("pci", "vmw_vmci", "0000:00:07.7");
  assert_int_equal (sysfs_vsock_transports (root), SYSFS_VSOCK_VMCI);
  /* another driver's device does not count */
  driver ("pci", "vmxnet3");
  bind_device ("pci", "vmxnet3", "0000:0b:00.0");
  assert_int_equal (sysfs_vsock_transports (root), SYSFS_VSOCK_VMCI);
}

static void both (void **state)
{
  (void) state;
  driver ("virtio", "vmw_vsock_virtio_transport");
  driver ("pci", "vmw_vmci");
  bind_device ("virtio", "vmw_vsock_virtio_transport", "virtio0");
  bind_device ("pci", "vmw_vmci", "0000:00:07.7");
  assert_int_equal (sysfs_vsock_transports (root), SYSFS_VSOCK_VIRTIO | SYSFS_VSOCK_VMCI);
}

#define TREE(f) cmocka_unit_test_setup_teardown (f, tree_setup, tree_teardown)
UNIT_MAIN (cmocka_unit_test (reads_page_0x80),
    cmocka_unit_test (refuses_what_is_not_a_serial),
    cmocka_unit_test (finds_either_kind), TREE (qemu_without_vsock), TREE (qemu_with_vhost_vsock),
    TREE (vmware_vmci), TREE (both))
