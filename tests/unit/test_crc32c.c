/* proto/crc32c.c: known vectors, chaining, and the SSE4.2 path against the tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crc32c_impl.h"
#include "frame.h"
#include "xorshift.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next_rand (void)
{
  return xorshift64 (&rng);
}

struct vector {
  uint8_t buf[48];
  size_t len;
  uint32_t crc;
};

/* "123456789" and the RFC 3720 (iSCSI) appendix B.4 vectors. */
static void fill_vectors (struct vector v[5])
{
  memcpy (v[0].buf, "123456789", 9);
  v[0].len = 9;
  v[0].crc = 0xE3069283u;
  memset (v[1].buf, 0, 32);
  v[1].len = 32;
  v[1].crc = 0x8A9136AAu;
  memset (v[2].buf, 0xff, 32);
  v[2].len = 32;
  v[2].crc = 0x62A8AB43u;
  for (int i = 0; i < 32; i++)
    v[3].buf[i] = (uint8_t) i;
  v[3].len = 32;
  v[3].crc = 0x46DD794Eu;
  for (int i = 0; i < 32; i++)
    v[4].buf[i] = (uint8_t) (31 - i);
  v[4].len = 32;
  v[4].crc = 0x113FDB5Cu;
}

static void known_vectors (void **state)
{
  (void) state;
  struct vector v[5];
  fill_vectors (v);
  for (int i = 0; i < 5; i++) {
    assert_int_equal (crc32c (0, v[i].buf, v[i].len), v[i].crc);
    assert_int_equal (crc32c_sw (0, v[i].buf, v[i].len), v[i].crc);
  }
  assert_int_equal (crc32c (0, "", 0), 0);
  assert_int_equal (crc32c (0x12345678u, "", 0), 0x12345678u);
}

static void known_vectors_hw (void **state)
{
  (void) state;
  if (!crc32c_has_hw ())
    {
      /* DESIGN §6: with CI=true a skipped test is a failure. */
      const char *ci = getenv ("CI");
      if (ci && strcmp (ci, "true") == 0)
        fail_msg ("no SSE4.2 on this CPU: the hardware path cannot be tested (CI=true)");
      print_message ("no SSE4.2 on this CPU: hardware path not exercised\n");
      skip ();
    }
  struct vector v[5];
  fill_vectors (v);
  for (int i = 0; i < 5; i++)
    assert_int_equal (crc32c_hw (0, v[i].buf, v[i].len), v[i].crc);
}

/* crc32c(crc32c(0, a), b) == crc32c(0, ab) at every split: the data-frame CRC
 * is computed over the sub-header and the data separately. */
static void chaining_any_split (void **state)
{
  (void) state;
  uint8_t buf[100];
  for (size_t i = 0; i < sizeof buf; i++)
    buf[i] = (uint8_t) next_rand ();
  uint32_t whole = crc32c_sw (0, buf, sizeof buf);
  for (size_t k = 0; k <= sizeof buf; k++) {
    assert_int_equal (crc32c_sw (crc32c_sw (0, buf, k), buf + k, sizeof buf - k), whole);
    assert_int_equal (crc32c (crc32c (0, buf, k), buf + k, sizeof buf - k), whole);
  }
}

/* Random lengths, alignments and seeds: the slicing loop and the crc32
 * instruction loop both have head/body/tail parts that must agree. */
static void software_equals_hardware (void **state)
{
  (void) state;
  static uint8_t buf[4096 + 16];
  for (size_t i = 0; i < sizeof buf; i++)
    buf[i] = (uint8_t) next_rand ();
  int has_hw = crc32c_has_hw ();
  for (int round = 0; round < 2000; round++) {
    size_t off = next_rand () % 16;
    size_t len = round < 64 ? (size_t) round : next_rand () % 4097;
    uint32_t seed = round & 1 ? (uint32_t) next_rand () : 0;
    uint32_t sw = crc32c_sw (seed, buf + off, len);
    assert_int_equal (crc32c (seed, buf + off, len), sw);
    if (has_hw)
      assert_int_equal (crc32c_hw (seed, buf + off, len), sw);
  }
  if (!has_hw)
    print_message ("no SSE4.2 on this CPU: compared crc32c() with the tables only\n");
}

/* One bit flipped anywhere changes the CRC (what the header check relies on). */
static void single_bit_flip_detected (void **state)
{
  (void) state;
  uint8_t buf[20];
  for (size_t i = 0; i < sizeof buf; i++)
    buf[i] = (uint8_t) next_rand ();
  uint32_t good = crc32c (0, buf, 16);
  for (int bit = 0; bit < 16 * 8; bit++) {
    buf[bit / 8] ^= (uint8_t) (1u << (bit % 8));
    assert_int_not_equal (crc32c (0, buf, 16), good);
    buf[bit / 8] ^= (uint8_t) (1u << (bit % 8));
  }
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (known_vectors),
    cmocka_unit_test (known_vectors_hw),
    cmocka_unit_test (chaining_any_split),
    cmocka_unit_test (software_equals_hardware),
    cmocka_unit_test (single_bit_flip_detected),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
