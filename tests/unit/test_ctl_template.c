/* Template keys and markers (host/endpoint/template.c): the key changes with
 * every input a clone must match and with a replaced kernel, initramfs or QEMU,
 * and with nothing else; wanted-shape markers come back as they went in. The
 * assets and the "QEMU" are stand-in files in a scratch dir (only their
 * identity is read). Booting templates and clones is tests/vm/clone.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "template.h"

static char scratch[] = "/tmp/tether-unit-tpl.XXXXXX";

static void put (const char *rel, const char *text, mode_t mode)
{
  char p[512];
  snprintf (p, sizeof p, "%s/%s", scratch, rel);
  FILE *f = fopen (p, "w");
  assert_non_null (f);
  fputs (text, f);
  fclose (f);
  chmod (p, mode);
}

static int setup (void **state)
{
  (void) state;
  if (!mkdtemp (scratch))
    return -1;
  char p[600];
  snprintf (p, sizeof p, "%s/kernel", scratch);
  mkdir (p, 0700);
  snprintf (p, sizeof p, "%s/bin", scratch);
  mkdir (p, 0700);
  snprintf (p, sizeof p, "%s/state", scratch);
  mkdir (p, 0700);
  put ("kernel/vmlinux", "kernel", 0600);
  put ("initramfs.cpio.gz", "initramfs", 0600);
  put ("bin/qemu-system-x86_64", "#!/bin/sh\n", 0700);
  snprintf (p, sizeof p, "%s/bin", scratch);
  setenv ("PATH", p, 1);
  setenv ("TETHER_ASSETS", scratch, 1);
  snprintf (p, sizeof p, "%s/state", scratch);
  setenv ("TETHER_STATE_DIR", p, 1);
  unsetenv ("TETHER_KERNEL_APPEND");
  unsetenv ("TETHER_VMGENID");
  return 0;
}

static int teardown (void **state)
{
  (void) state;
  char cmd[600];
  snprintf (cmd, sizeof cmd, "/bin/rm -rf '%s'", scratch);
  return system (cmd) == 0 ? 0 : -1;
}

static void key_of (const struct tpl_shape *s, char key[TPL_KEY_LEN])
{
  struct terr err;
  assert_int_equal (tpl_key (s, key, NULL, 0, &err), 0);
  assert_int_equal (strlen (key), 64);
}

static void key_follows_every_input (void **state)
{
  (void) state;
  struct tpl_shape base, s;
  tpl_shape_default (&base, 128, 1, "tcg");
  assert_true (base.vmgenid);
  char k0[TPL_KEY_LEN], k[TPL_KEY_LEN];
  key_of (&base, k0);
  key_of (&base, k);
  assert_string_equal (k0, k); /* the same inputs, the same key */
  s = base, s.mem_mib = 256;
  key_of (&s, k), assert_string_not_equal (k0, k);
  s = base, s.cpus = 2;
  key_of (&s, k), assert_string_not_equal (k0, k);
  s = base, s.serial_channel = true;
  key_of (&s, k), assert_string_not_equal (k0, k);
  s = base, s.vmgenid = false;
  key_of (&s, k), assert_string_not_equal (k0, k);
  s = base, snprintf (s.accel, sizeof s.accel, "kvm");
  key_of (&s, k), assert_string_not_equal (k0, k);
  setenv ("TETHER_KERNEL_APPEND", "mitigations=off", 1);
  key_of (&base, k), assert_string_not_equal (k0, k);
  unsetenv ("TETHER_KERNEL_APPEND");
  setenv ("TETHER_VMGENID", "off", 1);
  tpl_shape_default (&s, 128, 1, "tcg");
  assert_false (s.vmgenid);
  unsetenv ("TETHER_VMGENID");
}

/* A rebuilt asset is another file (rename over it, as make does): stale. */
static void key_follows_replaced_files (void **state)
{
  (void) state;
  static const char *const files[] = { "initramfs.cpio.gz", "kernel/vmlinux", "bin/qemu-system-x86_64" };
  struct tpl_shape s;
  tpl_shape_default (&s, 128, 1, "tcg");
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
    {
      char before[TPL_KEY_LEN], after[TPL_KEY_LEN], p[600], tmp[620], rel[64];
      key_of (&s, before);
      snprintf (p, sizeof p, "%s/%s", scratch, files[i]);
      snprintf (rel, sizeof rel, "%s.new", files[i]);
      snprintf (tmp, sizeof tmp, "%s.new", p);
      put (rel, "a rebuilt file", 0700);
      assert_int_equal (rename (tmp, p), 0);
      key_of (&s, after);
      assert_string_not_equal (before, after);
    }
  struct terr err;
  char k[TPL_KEY_LEN];
  setenv ("PATH", "/nonexistent", 1);
  assert_int_equal (tpl_key (&s, k, NULL, 0, &err), -1); /* no QEMU: no key, said */
  assert_non_null (strstr (err.msg, "qemu-system-x86_64"));
  char p[600];
  snprintf (p, sizeof p, "%s/bin", scratch);
  setenv ("PATH", p, 1);
}

/* meta.json's shape gives back the key: current until an input changes. */
static void current_and_stale (void **state)
{
  (void) state;
  struct tpl_shape s;
  tpl_shape_default (&s, 512, 2, "tcg");
  char k[TPL_KEY_LEN];
  key_of (&s, k);
  json_t *meta = json_pack ("{s:i, s:i, s:s, s:b, s:s}", "MemoryMiB", 512, "Cpus", 2, "Channel", "virtio-serial",
                            "VMGenID", 1, "Accel", "tcg");
  assert_true (tpl_current (k, meta));
  json_object_set_new (meta, "Cpus", json_integer (1));
  assert_false (tpl_current (k, meta));
  assert_false (tpl_current (k, NULL));
  json_decref (meta);
}

static int collect (const struct tpl_shape *s, void *ctx)
{
  struct tpl_shape *out = ctx;
  for (int i = 0; i < 4; i++)
    if (out[i].mem_mib == 0)
      {
        out[i] = *s;
        return i == 0 ? 1 : 0; /* the first one's marker goes */
      }
  return 0;
}

static void wanted_round_trip (void **state)
{
  (void) state;
  struct tpl_shape a, b;
  tpl_shape_default (&a, 256, 2, "tcg");
  tpl_shape_default (&b, 128, 1, "kvm");
  b.serial_channel = true, b.vmgenid = false;
  tpl_want (&a);
  tpl_want (&a); /* once per shape */
  tpl_want (&b);
  char p[600];
  snprintf (p, sizeof p, "%s/state/templates/wanted/junk", scratch);
  fclose (fopen (p, "w")); /* not a marker: skipped */
  struct tpl_shape got[4];
  memset (got, 0, sizeof got);
  tpl_each_wanted (collect, got);
  assert_int_not_equal (got[0].mem_mib, 0);
  assert_int_not_equal (got[1].mem_mib, 0);
  assert_int_equal (got[2].mem_mib, 0);
  const struct tpl_shape *ga = got[0].mem_mib == 256 ? &got[0] : &got[1];
  const struct tpl_shape *gb = got[0].mem_mib == 256 ? &got[1] : &got[0];
  assert_int_equal (ga->cpus, 2), assert_false (ga->serial_channel), assert_true (ga->vmgenid);
  assert_string_equal (ga->accel, "tcg");
  assert_int_equal (gb->mem_mib, 128), assert_true (gb->serial_channel), assert_false (gb->vmgenid);
  assert_string_equal (gb->accel, "kvm");
  memset (got, 0, sizeof got);
  tpl_each_wanted (collect, got); /* the first one's marker went */
  assert_int_not_equal (got[0].mem_mib, 0);
  assert_int_equal (got[1].mem_mib, 0);
}

static void plain_paths (void **state)
{
  (void) state;
  assert_true (tpl_path_plain ("/var/lib/tether/templates/ab12"));
  assert_true (tpl_path_plain ("/tmp/tether-vmtest.Xy9_Z+1/templates"));
  assert_false (tpl_path_plain ("/tmp/a b"));
  assert_false (tpl_path_plain ("/tmp/a;rm -rf"));
  assert_false (tpl_path_plain ("/tmp/$(x)"));
  assert_false (tpl_path_plain ("/tmp/'q'"));
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (key_follows_every_input), cmocka_unit_test (key_follows_replaced_files),
    cmocka_unit_test (current_and_stale),       cmocka_unit_test (wanted_round_trip),
    cmocka_unit_test (plain_paths),
  };
  return cmocka_run_group_tests (tests, setup, teardown);
}
