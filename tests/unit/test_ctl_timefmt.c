/* host/common/timefmt.c: RFC 3339 times, docker's human durations and ps STATUS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "timefmt.h"

#define S 1000000000LL

static void rfc3339_nine_digits_utc (void **state)
{
  (void) state;
  char b[RFC3339_LEN];
  assert_string_equal (fmt_rfc3339 (1700000000LL * S + 123456789, b), "2023-11-14T22:13:20.123456789Z");
  assert_string_equal (fmt_rfc3339 (1700000000LL * S, b), "2023-11-14T22:13:20.000000000Z");
  assert_string_equal (fmt_rfc3339 (1, b), "1970-01-01T00:00:00.000000001Z");
}

static void rfc3339_zero_time (void **state)
{
  (void) state;
  char b[RFC3339_LEN];
  assert_string_equal (fmt_rfc3339 (0, b), "0001-01-01T00:00:00Z");
}

static void rfc3339_before_epoch (void **state)
{
  (void) state;
  char b[RFC3339_LEN];
  assert_string_equal (fmt_rfc3339 (-1, b), "1969-12-31T23:59:59.999999999Z");
}

static void human_durations (void **state)
{
  (void) state;
  char b[48];
  assert_string_equal (fmt_human_duration (0, b, sizeof b), "Less than a second");
  assert_string_equal (fmt_human_duration (-5 * S, b, sizeof b), "Less than a second");
  assert_string_equal (fmt_human_duration (S, b, sizeof b), "1 second");
  assert_string_equal (fmt_human_duration (5 * S + 900000000, b, sizeof b), "5 seconds");
  assert_string_equal (fmt_human_duration (59 * S, b, sizeof b), "59 seconds");
  assert_string_equal (fmt_human_duration (60 * S, b, sizeof b), "About a minute");
  assert_string_equal (fmt_human_duration (119 * S, b, sizeof b), "About a minute");
  assert_string_equal (fmt_human_duration (120 * S, b, sizeof b), "2 minutes");
  assert_string_equal (fmt_human_duration (59 * 60 * S, b, sizeof b), "59 minutes");
  assert_string_equal (fmt_human_duration (60 * 60 * S, b, sizeof b), "About an hour");
  assert_string_equal (fmt_human_duration (5 * 3600 * S, b, sizeof b), "5 hours");
  assert_string_equal (fmt_human_duration (3 * 86400 * S, b, sizeof b), "3 days");
  assert_string_equal (fmt_human_duration (21 * 86400 * S, b, sizeof b), "3 weeks");
  assert_string_equal (fmt_human_duration (90 * 86400 * S, b, sizeof b), "3 months");
  assert_string_equal (fmt_human_duration (3 * 365 * 86400 * S, b, sizeof b), "3 years");
}

static void ps_status_strings (void **state)
{
  (void) state;
  char b[96];
  int64_t now = 1700000000LL * S;
  assert_string_equal (fmt_ps_status ("exited", NULL, 0, now - 10 * S, now - 2 * S, now, b, sizeof b),
                       "Exited (0) 2 seconds ago");
  assert_string_equal (fmt_ps_status ("exited", NULL, 137, now - 10 * S, now - 300 * S, now, b, sizeof b),
                       "Exited (137) 5 minutes ago");
  assert_string_equal (fmt_ps_status ("running", NULL, 0, now - 3 * S, 0, now, b, sizeof b), "Up 3 seconds");
  assert_string_equal (fmt_ps_status ("running", NULL, 0, now, 0, now, b, sizeof b), "Up Less than a second");
  assert_string_equal (fmt_ps_status ("created", NULL, 0, 0, 0, now, b, sizeof b), "Created");
  assert_string_equal (fmt_ps_status ("running", "healthy", 0, now - 3 * S, 0, now, b, sizeof b),
                       "Up 3 seconds (healthy)");
  assert_string_equal (fmt_ps_status ("running", "starting", 0, now, 0, now, b, sizeof b),
                       "Up Less than a second (health: starting)");
  assert_string_equal (fmt_ps_status ("running", "unhealthy", 0, now - 1 * S, 0, now, b, sizeof b),
                       "Up 1 second (unhealthy)");
  assert_string_equal (fmt_ps_status ("exited", "unhealthy", 3, now - 9 * S, now - 1 * S, now, b, sizeof b),
                       "Exited (3) 1 second ago");
  assert_string_equal (fmt_ps_status ("restarting", NULL, 1, now - 9 * S, now - 1 * S, now, b, sizeof b),
                       "Restarting (1) 1 second ago");
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (rfc3339_nine_digits_utc),
    cmocka_unit_test (rfc3339_zero_time),
    cmocka_unit_test (rfc3339_before_epoch),
    cmocka_unit_test (human_durations),
    cmocka_unit_test (ps_status_strings),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
