/* tether/ring.c: growth, wrap-around, the per-ring max and the global cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "unit.h"

#include "caps.h"
#include "ring.h"

static void grows_from_nothing_to_its_max (void **state)
{
  (void) state;
  struct ring r;
  ring_init (&r, 16 * 1024);
  assert_int_equal (r.cap, 0);
  static uint8_t buf[20 * 1024];
  memset (buf, 'x', sizeof buf);
  assert_int_equal (ring_put (&r, buf, 100), 100);
  assert_int_equal (r.cap, RING_START);
  /* Fills to max, never past it. */
  assert_int_equal (ring_put (&r, buf, sizeof buf), 16 * 1024 - 100);
  assert_int_equal (r.cap, 16 * 1024);
  assert_int_equal (ring_space (&r), 0);
  size_t avail;
  assert_null (ring_write_ptr (&r, &avail));
  assert_int_equal (avail, 0);
  ring_release (&r);
  assert_int_equal (ring_global_bytes (), 0);
}

static void keeps_order_across_wrap_and_growth (void **state)
{
  (void) state;
  struct ring r;
  ring_init (&r, 64 * 1024);
  uint8_t in[3000], out[64 * 1024];
  uint32_t next_in = 0, next_out = 0;
  for (int round = 0; round < 200; round++)
    {
      size_t n = (size_t) (round * 37 % 3000) + 1;
      for (size_t i = 0; i < n; i++)
        in[i] = (uint8_t) (next_in + i);
      size_t put = ring_put (&r, in, n);
      next_in += (uint32_t) put;
      /* consume a varying share, checking every byte */
      size_t take = r.len / (size_t) (round % 3 + 1);
      size_t got = 0;
      while (got < take)
        {
          size_t a;
          const uint8_t *p = ring_peek (&r, got, &a);
          assert_non_null (p);
          if (a > take - got)
            a = take - got;
          memcpy (out + got, p, a);
          got += a;
        }
      for (size_t i = 0; i < take; i++)
        assert_int_equal (out[i], (uint8_t) (next_out + i));
      ring_consume (&r, take);
      next_out += (uint32_t) take;
    }
  ring_release (&r);
}

static void global_cap_stops_growth (void **state)
{
  (void) state;
  ring_set_global_cap (RING_START * 2);
  struct ring a, b;
  ring_init (&a, RING_MAX);
  ring_init (&b, RING_MAX);
  static uint8_t buf[RING_START * 4];
  assert_int_equal (ring_put (&a, buf, RING_START * 2), RING_START * 2); /* 4K then 8K: 8K allocated */
  /* b cannot get its first buffer: the cap is spent; nothing is dropped, the put says 0. */
  assert_int_equal (ring_put (&b, buf, 10), 0);
  ring_release (&a);
  assert_int_equal (ring_put (&b, buf, 10), 10);
  ring_release (&b);
  ring_set_global_cap (64u << 20);
}

UNIT_MAIN (cmocka_unit_test (grows_from_nothing_to_its_max),
    cmocka_unit_test (keeps_order_across_wrap_and_growth),
    cmocka_unit_test (global_cap_stops_growth))
