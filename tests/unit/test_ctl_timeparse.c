/* host/common/timeparse.c: --since/--until values in docker's forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "timefmt.h"

#define S 1000000000LL
#define NOW (1700000000LL * S + 700000000)

static int64_t at (const char *s)
{
  int64_t ns = -42;
  assert_int_equal (parse_docker_time (s, NOW, &ns), 0);
  return ns;
}

static void bad (const char *s)
{
  int64_t ns;
  if (parse_docker_time (s, NOW, &ns) == 0)
    fail_msg ("accepted %s", s);
}

static void rfc3339_forms (void **state)
{
  (void) state;
  assert_true (at ("2023-11-14T22:13:20Z") == 1700000000LL * S);
  assert_true (at ("2023-11-14T22:13:20.5Z") == 1700000000LL * S + 500000000);
  assert_true (at ("2023-11-14T22:13:20.123456789Z") == 1700000000LL * S + 123456789);
  assert_true (at ("2023-11-14T23:13:20+01:00") == 1700000000LL * S);
  assert_true (at ("2023-11-14T21:13:20.25-01:00") == 1700000000LL * S + 250000000);
  assert_true (at ("2023-11-14T22:13Z") == 1700000000LL * S - 20 * S);
  assert_true (at ("2023-11-14T22Z") == 1700000000LL * S - 13 * 60 * S - 20 * S);
  assert_true (at ("2023-11-14Z") == 1699920000LL * S);
}

static void local_time_without_a_zone (void **state)
{
  (void) state;
  setenv ("TZ", "UTC", 1);
  tzset ();
  assert_true (at ("2023-11-14T22:13:20") == 1700000000LL * S);
  assert_true (at ("2023-11-14") == 1699920000LL * S);
  setenv ("TZ", "EST5", 1);
  tzset ();
  assert_true (at ("2023-11-14T17:13:20.000000001") == 1700000000LL * S + 1);
  unsetenv ("TZ");
  tzset ();
}

static void unix_seconds (void **state)
{
  (void) state;
  assert_true (at ("1700000000") == 1700000000LL * S);
  assert_true (at ("1700000000.5") == 1700000000LL * S + 500000000);
  assert_true (at ("1700000000.000000001") == 1700000000LL * S + 1);
  assert_true (at ("0") == 0);
}

static void go_durations_before_now (void **state)
{
  (void) state;
  /* docker sends whole seconds: now minus d, truncated */
  assert_true (at ("10m") == 1700000000LL * S - 600 * S);
  assert_true (at ("1h30m") == 1700000000LL * S - 5400 * S);
  assert_true (at ("1.5s") == 1699999999LL * S);
  assert_true (at ("300ms") == 1700000000LL * S);
  assert_true (at ("-10s") == 1700000010LL * S);
}

static void rejected (void **state)
{
  (void) state;
  bad ("");
  bad ("yesterday");
  bad ("-5");            /* docker: a '-' means a date */
  bad ("10x");
  bad ("2023-13-01");
  bad ("2023-11-14T25:00:00Z");
  bad ("2023-11-14T22:13:20.Z");
  bad ("2023-11-14T22:13:20.1234567891Z");
  bad ("2023-11-14 22:13:20");
  bad ("1700000000.");
  bad ("1.2.3");
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (rfc3339_forms),
    cmocka_unit_test (local_time_without_a_zone),
    cmocka_unit_test (unix_seconds),
    cmocka_unit_test (go_durations_before_now),
    cmocka_unit_test (rejected),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
