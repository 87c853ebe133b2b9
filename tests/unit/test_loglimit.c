/* proto/loglimit.c: the first event of each interval is logged with the count of
 * those that were not; everything is counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "loglimit.h"

static void first_logged_rest_counted (void **state)
{
  (void) state;
  struct log_limit l = { 0 };
  uint64_t more = 99;
  assert_true (log_limit_hit (&l, 5, &more));
  assert_int_equal (more, 0);
  for (int i = 0; i < 1000; i++)
    assert_false (log_limit_hit (&l, 5 + i, &more));
  assert_int_equal (l.total, 1001);
  assert_true (log_limit_hit (&l, 5 + LOG_LIMIT_INTERVAL_MS, &more));
  assert_int_equal (more, 1000);
  assert_false (log_limit_hit (&l, 6 + LOG_LIMIT_INTERVAL_MS, &more));
  assert_int_equal (l.total, 1003);
}

static void time_zero_still_limits (void **state)
{
  (void) state;
  struct log_limit l = { 0 };
  uint64_t more;
  assert_true (log_limit_hit (&l, 0, &more));
  assert_false (log_limit_hit (&l, 0, &more));
  assert_false (log_limit_hit (&l, 1, &more));
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (first_logged_rest_counted),
    cmocka_unit_test (time_zero_still_limits),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
