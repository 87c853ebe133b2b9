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

UNIT_MAIN (cmocka_unit_test (reads_page_0x80),
    cmocka_unit_test (refuses_what_is_not_a_serial),
    cmocka_unit_test (finds_either_kind))
