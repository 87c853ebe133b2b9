/* tether/bdoor.c and guestinfo_get: the RPCI client against a fake hypervisor
 * (fakevmx.h): a good value on both ports, a missing key, garbage and
 * oversize replies, a reply that lies about its length, checkpoints, and the
 * machines that are not VMware. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit.h"

#include "fakevmx.h"
#include "guestinfo.h"

static int get (struct fakevmx *f, const char *key, char *out, size_t cap, size_t *len, struct terr *err)
{
  struct bdoor_ops ops = fake_ops (f);
  struct rpci ch;
  if (rpci_open (&ch, &ops, err) < 0)
    return -9;
  int r = guestinfo_get (&ch, key, out, cap, len, err);
  rpci_close (&ch);
  assert_false (f->is_open);
  assert_int_equal (f->bad_cookies, 0);
  return r;
}

static void good_value_both_ports (void **state)
{
  (void) state;
  for (int hb = 0; hb < 2; hb++)
    {
      struct fakevmx f = FAKEVMX_INIT;
      f.hb = hb;
      fake_set (&f, "tether.config", "aGVsbG8gd29ybGQ="); /* 16 bytes: whole words */
      fake_set (&f, "odd", "abcde");                      /* "1 abcde": 7, a partial last word */
      char out[64];
      size_t len = 0;
      struct terr err = { 0 };
      assert_int_equal (get (&f, "tether.config", out, sizeof out, &len, &err), 1);
      assert_string_equal (out, "aGVsbG8gd29ybGQ=");
      assert_int_equal (len, 16);
      assert_int_equal (get (&f, "odd", out, sizeof out, &len, &err), 1);
      assert_string_equal (out, "abcde");
      assert_int_equal (len, 5);
      assert_int_equal (f.hb_ins > 0, hb); /* the HB port used only when offered */
      fake_free (&f);
    }
}

static void missing_key_is_not_an_error (void **state)
{
  (void) state;
  struct fakevmx f = FAKEVMX_INIT;
  fake_set (&f, "other", "x");
  char out[64];
  size_t len = 99;
  struct terr err = { 0 };
  assert_int_equal (get (&f, "tether.config", out, sizeof out, &len, &err), 0);
  assert_int_equal (len, 99);
  fake_free (&f);
}

static void garbage_replies_refused (void **state)
{
  (void) state;
  static const struct
  {
    const char *data;
    size_t len;
  } bad[] = { { "hello", 5 }, { "1", 1 }, { "", 0 }, { "2 x", 3 }, { "1 a\0b", 5 }, { "0", 1 } };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      struct fakevmx f = FAKEVMX_INIT;
      f.raw_reply = bad[i].data, f.raw_len = bad[i].len;
      char out[64];
      size_t len;
      struct terr err = { 0 };
      assert_int_equal (get (&f, "tether.config", out, sizeof out, &len, &err), -1);
      assert_non_null (strstr (err.msg, "guestinfo.tether.config"));
      fake_free (&f);
    }
}

/* A reply larger than the buffer is refused on its announced size, before a
 * byte is stored: the guard past the buffer stays as it was. */
static void oversize_reply_refused (void **state)
{
  (void) state;
  for (int hb = 0; hb < 2; hb++)
    {
      struct fakevmx f = FAKEVMX_INIT;
      f.hb = hb;
      char big[200], fits[100];
      memset (big, 'A', sizeof big - 1);
      big[sizeof big - 1] = '\0';
      memset (fits, 'A', 97); /* "1 " + 97 + NUL: exactly 100 */
      fits[97] = '\0';
      fake_set (&f, "tether.config", big);
      fake_set (&f, "fits", fits);
      big[98] = '\0';
      fake_set (&f, "one.over", big); /* "1 " + 98: no room for the NUL */
      char out[100 + 16];
      memset (out, 'G', sizeof out);
      size_t len;
      struct terr err = { 0 };
      assert_int_equal (get (&f, "tether.config", out, 100, &len, &err), -1);
      assert_non_null (strstr (err.msg, "larger than"));
      assert_int_equal (get (&f, "one.over", out, 100, &len, &err), -1);
      assert_non_null (strstr (err.msg, "larger than"));
      for (size_t i = 100; i < sizeof out; i++)
        assert_int_equal (out[i], 'G');
      assert_int_equal (f.hb_ins, 0);
      assert_int_equal (get (&f, "fits", out, 100, &len, &err), 1);
      assert_int_equal (len, 97);
      for (size_t i = 100; i < sizeof out; i++)
        assert_int_equal (out[i], 'G');
      fake_free (&f);
    }
}

static void lying_length_refused (void **state)
{
  (void) state;
  char out[64];
  size_t len;
  /* announces 4 GiB */
  struct fakevmx f = FAKEVMX_INIT;
  fake_set (&f, "k", "v");
  f.lie_size = 0xffffffffu;
  struct terr err = { 0 };
  assert_int_equal (get (&f, "k", out, sizeof out, &len, &err), -1);
  assert_non_null (strstr (err.msg, "larger than"));
  fake_free (&f);
  /* announces more than it then sends: the payload stops */
  struct fakevmx g = FAKEVMX_INIT;
  fake_set (&g, "k", "value");
  g.lie_size = 40;
  assert_int_equal (get (&g, "k", out, sizeof out, &len, &err), -1);
  assert_non_null (strstr (err.msg, "ended at byte"));
  assert_true (g.calls < 40); /* bounded by the announced size, not looping */
  fake_free (&g);
  /* a payload step of the wrong type */
  struct fakevmx t = FAKEVMX_INIT;
  fake_set (&t, "k", "value");
  t.payload_type = BDOOR_MSG_RECVSTATUS;
  assert_int_equal (get (&t, "k", out, sizeof out, &len, &err), -1);
  assert_non_null (strstr (err.msg, "protocol error"));
  fake_free (&t);
  /* over HB, the transfer is what was announced: the bytes past the real reply
   * are garbage, never a NUL-free overrun of out */
  struct fakevmx h = FAKEVMX_INIT;
  h.hb = true;
  fake_set (&h, "k", "value");
  h.lie_size = 20;
  assert_int_equal (get (&h, "k", out, sizeof out, &len, &err), 1);
  assert_int_equal (len, 18);
  assert_string_equal (out, "valueXXXXXXXXXXXXX");
  fake_free (&h);
}

static void checkpoints_retried_bounded (void **state)
{
  (void) state;
  char out[64];
  size_t len;
  struct terr err = { 0 };
  struct fakevmx f = FAKEVMX_INIT;
  fake_set (&f, "k", "v");
  f.cpt_sends = 2, f.cpt_recvs = 1;
  assert_int_equal (get (&f, "k", out, sizeof out, &len, &err), 1);
  assert_string_equal (out, "v");
  fake_free (&f);
  struct fakevmx g = FAKEVMX_INIT;
  fake_set (&g, "k", "v");
  g.cpt_sends = 1000;
  assert_int_equal (get (&g, "k", out, sizeof out, &len, &err), -1);
  assert_non_null (strstr (err.msg, "checkpoints"));
  assert_true (g.calls < 20);
  fake_free (&g);
}

static void not_vmware (void **state)
{
  (void) state;
  struct terr err = { 0 };
  struct rpci ch;
  /* QEMU's vmport answers GETVERSION but not the message commands */
  struct fakevmx q = FAKEVMX_INIT;
  q.mode = FAKE_QEMU_VMPORT;
  struct bdoor_ops ops = fake_ops (&q);
  assert_true (bdoor_present (&ops));
  assert_int_equal (rpci_open (&ch, &ops, &err), -1);
  assert_non_null (strstr (err.msg, "refused to open"));
  err.msg[0] = '\0';
  assert_int_equal (guestinfo_config (&ops, (uint8_t[16]) { 0 }, 16, &(size_t) { 0 }, &err), 0); /* no config there */
  assert_non_null (strstr (err.msg, "refused to open"));
  /* an empty port */
  struct fakevmx n = FAKEVMX_INIT;
  n.mode = FAKE_NOTHING;
  ops = fake_ops (&n);
  assert_false (bdoor_present (&ops));
  assert_int_equal (rpci_open (&ch, &ops, &err), -1);
  /* a VMX that refuses the channel */
  struct fakevmx r = FAKEVMX_INIT;
  r.refuse_open = true;
  ops = fake_ops (&r);
  assert_true (bdoor_present (&ops));
  assert_int_equal (rpci_open (&ch, &ops, &err), -1);
  assert_int_equal (rpci_call (&ch, "x", 1, (char[8]) { 0 }, 8, &err), -1); /* never opened */
}

UNIT_MAIN (cmocka_unit_test (good_value_both_ports), cmocka_unit_test (missing_key_is_not_an_error),
           cmocka_unit_test (garbage_replies_refused), cmocka_unit_test (oversize_reply_refused),
           cmocka_unit_test (lying_length_refused), cmocka_unit_test (checkpoints_retried_bounded),
           cmocka_unit_test (not_vmware))
