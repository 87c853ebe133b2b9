/* lib/loop.c's timers: armed is a state of its own, not a deadline of 0, so a
 * timer due at any instant (0 included) can be cancelled and re-armed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "loop.h"

static int fired;
static void count (struct timer *t)
{
  (void) t;
  fired++;
}

static int setup (void **state)
{
  (void) state;
  struct terr err = { 0 };
  fired = 0;
  return loop_init (&err);
}

static void nothing (struct timer *t)
{
  (void) t;
}

static void due_at_zero_is_cancelled (void **state)
{
  (void) state;
  struct timer t = { 0 }, bound = { 0 };
  assert_false (timer_armed (&t));
  timer_arm (&t, -now_mono_ms (), count); /* due at monotonic 0 */
  assert_true (timer_armed (&t));
  timer_cancel (&t);
  assert_false (timer_armed (&t));
  timer_arm (&bound, 10, nothing); /* the loop's wait ends there */
  loop_run_once ();
  assert_int_equal (fired, 0);
  assert_false (timer_armed (&bound));
}

static void fires_once_then_disarmed (void **state)
{
  (void) state;
  struct timer t = { 0 }, later = { 0 };
  timer_arm (&t, 0, count);
  timer_arm (&later, 60000, count);
  loop_run_once ();
  assert_int_equal (fired, 1);
  assert_false (timer_armed (&t));
  assert_true (timer_armed (&later));
  timer_cancel (&later);
  timer_cancel (&later); /* twice: harmless */
  assert_false (timer_armed (&later));
}

static void rearm_replaces (void **state)
{
  (void) state;
  struct timer t = { 0 };
  timer_arm (&t, 60000, count);
  timer_arm (&t, 0, count); /* the same timer once in the list, not twice */
  loop_run_once ();
  assert_int_equal (fired, 1);
  assert_false (timer_armed (&t));
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup (due_at_zero_is_cancelled, setup),
    cmocka_unit_test_setup (fires_once_then_disarmed, setup),
    cmocka_unit_test_setup (rearm_replaces, setup),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
