/* tether/guestinfo.c: the ContainerConfig from guestinfo through the backdoor
 * seam (fakevmx.h plays the VMX): one key, the same split over parts, the
 * largest config a frame takes, and what must be refused (a missing part, a
 * bad part count, bad or oversize base64). DMI's vendor decides the probe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium/utils.h>
#include <unistd.h>

#include "unit.h"

#include "fakevmx.h"
#include "frame.h"
#include "guestinfo.h"
#include "msg.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static uint8_t packed[FRAME_MAX_PAYLOAD];
static char b64[GUESTINFO_TEXT_MAX];
static uint8_t got[FRAME_MAX_PAYLOAD];

/* A config of about `size` packed bytes (one env entry pads it). */
static size_t make_config (size_t size)
{
  static char pad[FRAME_MAX_PAYLOAD];
  ContainerConfig cfg = CONTAINER_CONFIG__INIT;
  char *argv[] = { "sh", "-c", "echo hi" };
  cfg.id = ID;
  cfg.argv = argv, cfg.n_argv = 3;
  size_t n = size > 200 ? size - 200 : 1;
  memset (pad, 'p', n);
  memcpy (pad, "PAD=", 4);
  pad[n] = '\0';
  char *env[] = { pad };
  cfg.env = env, cfg.n_env = 1;
  size_t len = container_config__get_packed_size (&cfg);
  assert_true (len <= sizeof packed);
  container_config__pack (&cfg, packed);
  sodium_bin2base64 (b64, sizeof b64, packed, len, sodium_base64_VARIANT_ORIGINAL);
  return len;
}

static void check_decoded (size_t want, size_t len)
{
  assert_int_equal (len, want);
  assert_memory_equal (got, packed, want);
  ContainerConfig *cfg = container_config__unpack (NULL, len, got);
  assert_non_null (cfg);
  assert_string_equal (cfg->id, ID);
  container_config__free_unpacked (cfg, NULL);
}

static void one_key (void **state)
{
  (void) state;
  size_t want = make_config (300);
  struct fakevmx f = FAKEVMX_INIT;
  fake_set (&f, "tether.config", b64);
  struct bdoor_ops ops = fake_ops (&f);
  size_t len = 0;
  struct terr err = { 0 };
  assert_int_equal (guestinfo_config (&ops, got, sizeof got, &len, &err), 1);
  check_decoded (want, len);
  assert_false (f.is_open); /* closed again */
  fake_free (&f);
}

/* The largest config, split as a deployment must (a value is at most 64 KiB),
 * with line breaks in the text as base64 -w76 writes it; over both ports. */
static void split_over_parts (void **state)
{
  (void) state;
  size_t want = make_config (FRAME_MAX_PAYLOAD - 8);
  assert_true (want > 60000);
  size_t tlen = strlen (b64);
  static char part[3][GUESTINFO_TEXT_MAX];
  size_t third = tlen / 3 + 1;
  for (int p = 0; p < 3; p++)
    {
      size_t at = (size_t) p * third, n = at >= tlen ? 0 : tlen - at < third ? tlen - at : third, o = 0;
      for (size_t i = 0; i < n; i++)
        {
          part[p][o++] = b64[at + i];
          if ((at + i) % 76 == 75)
            part[p][o++] = '\n';
        }
      part[p][o] = '\0';
      assert_true (o < 64 * 1024);
    }
  for (int hb = 0; hb < 2; hb++)
    {
      struct fakevmx f = FAKEVMX_INIT;
      f.hb = hb;
      fake_set (&f, "tether.config.parts", "3");
      fake_set (&f, "tether.config.0", part[0]);
      fake_set (&f, "tether.config.1", part[1]);
      fake_set (&f, "tether.config.2", part[2]);
      struct bdoor_ops ops = fake_ops (&f);
      size_t len = 0;
      struct terr err = { 0 };
      assert_int_equal (guestinfo_config (&ops, got, sizeof got, &len, &err), 1);
      check_decoded (want, len);
      fake_free (&f);
    }
}

static void no_config (void **state)
{
  (void) state;
  struct fakevmx f = FAKEVMX_INIT;
  fake_set (&f, "tether.other", "x");
  struct bdoor_ops ops = fake_ops (&f);
  size_t len = 0;
  struct terr err = { 0 };
  assert_int_equal (guestinfo_config (&ops, got, sizeof got, &len, &err), 0);
  fake_free (&f);
}

static void refuses_bad_parts (void **state)
{
  (void) state;
  make_config (300);
  static const char *counts[] = { "0", "17", "x", "2x", "-1", "", "+2" };
  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
    {
      struct fakevmx f = FAKEVMX_INIT;
      fake_set (&f, "tether.config.parts", counts[i]);
      fake_set (&f, "tether.config.0", b64);
      struct bdoor_ops ops = fake_ops (&f);
      size_t len = 0;
      struct terr err = { 0 };
      assert_int_equal (guestinfo_config (&ops, got, sizeof got, &len, &err), -1);
      assert_non_null (strstr (err.msg, "not a number from 1 to 16"));
      fake_free (&f);
    }
  struct fakevmx g = FAKEVMX_INIT;
  fake_set (&g, "tether.config.parts", "2");
  fake_set (&g, "tether.config.0", b64);
  struct bdoor_ops ops = fake_ops (&g);
  size_t len = 0;
  struct terr err = { 0 };
  assert_int_equal (guestinfo_config (&ops, got, sizeof got, &len, &err), -1);
  assert_non_null (strstr (err.msg, "guestinfo.tether.config.1 is not set"));
  fake_free (&g);
}

static void refuses_bad_base64 (void **state)
{
  (void) state;
  size_t want = make_config (300);
  char trunc[16];
  memcpy (trunc, b64, 5);
  trunc[5] = '\0';
  static const char *bad[] = { "not base64!", "QUJD=", "", "QUJDRA" /* no padding */ };
  const char *vals[] = { bad[0], bad[1], bad[2], bad[3], trunc };
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
    {
      struct fakevmx f = FAKEVMX_INIT;
      fake_set (&f, "tether.config", vals[i]);
      struct bdoor_ops ops = fake_ops (&f);
      size_t len = 0;
      struct terr err = { 0 };
      assert_int_equal (guestinfo_config (&ops, got, sizeof got, &len, &err), -1);
      assert_non_null (strstr (err.msg, "guestinfo.tether.config"));
      fake_free (&f);
    }
  /* good base64 of more than the caller's buffer */
  struct fakevmx g = FAKEVMX_INIT;
  fake_set (&g, "tether.config", b64);
  struct bdoor_ops ops = fake_ops (&g);
  size_t len = 0;
  struct terr err = { 0 };
  assert_int_equal (guestinfo_config (&ops, got, want - 1, &len, &err), -1);
  assert_non_null (strstr (err.msg, "not base64 of at most"));
  fake_free (&g);
}

static void text_over_the_cap_refused (void **state)
{
  (void) state;
  static char part[60000];
  memset (part, 'A', sizeof part - 1);
  part[sizeof part - 1] = '\0';
  struct fakevmx f = FAKEVMX_INIT;
  fake_set (&f, "tether.config.parts", "2");
  fake_set (&f, "tether.config.0", part);
  fake_set (&f, "tether.config.1", part); /* 120 KB of text: over GUESTINFO_TEXT_MAX */
  struct bdoor_ops ops = fake_ops (&f);
  size_t len = 0;
  struct terr err = { 0 };
  assert_int_equal (guestinfo_config (&ops, got, sizeof got, &len, &err), -1);
  assert_non_null (strstr (err.msg, "larger than"));
  fake_free (&f);
  /* parts that leave less than a reply's room: refused before the next read */
  static char fill[GUESTINFO_TEXT_MAX - 10];
  memset (fill, 'A', sizeof fill - 1);
  fill[sizeof fill - 1] = '\0';
  struct fakevmx g = FAKEVMX_INIT;
  fake_set (&g, "tether.config.parts", "2");
  fake_set (&g, "tether.config.0", fill);
  fake_set (&g, "tether.config.1", "AAAA");
  ops = fake_ops (&g);
  assert_int_equal (guestinfo_config (&ops, got, sizeof got, &len, &err), -1);
  assert_non_null (strstr (err.msg, "the parts before .1 fill"));
  fake_free (&g);
}

static void dmi_vendor (void **state)
{
  (void) state;
  char path[] = "/tmp/test_guestinfo.XXXXXX";
  int fd = mkstemp (path);
  assert_true (fd >= 0);
  assert_int_equal (write (fd, "VMware, Inc.\n", 13), 13);
  close (fd);
  assert_true (guestinfo_on_vmware (path));
  FILE *f = fopen (path, "w");
  fputs ("QEMU\n", f);
  fclose (f);
  assert_false (guestinfo_on_vmware (path));
  unlink (path);
  assert_false (guestinfo_on_vmware (path));
}

UNIT_MAIN (cmocka_unit_test (one_key), cmocka_unit_test (split_over_parts), cmocka_unit_test (no_config),
           cmocka_unit_test (refuses_bad_parts), cmocka_unit_test (refuses_bad_base64),
           cmocka_unit_test (text_over_the_cap_refused), cmocka_unit_test (dmi_vendor))
