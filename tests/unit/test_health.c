/* tether/health.c and tether/restart.c: moby's rules as pure functions (the
 * health state after each result, the wait before the next probe, the restart
 * decision and its back-off). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "health.h"
#include "tether.h"

#define MS 1000000LL
#define S 1000000000LL

static void result (struct health *h, int code, int64_t start_ns)
{
  struct health_result r = { .start_ns = start_ns, .end_ns = start_ns + 1, .exit_code = code };
  r.output = strdup (code ? "bad" : "ok");
  health_apply (h, &r, 0);
  free (r.output);
}

static void health_free_log (struct health *h)
{
  for (unsigned i = 0; i < h->n_log; i++)
    free (h->log[i].output);
}

static void retries_in_a_row_make_unhealthy (void **state)
{
  (void) state;
  Healthcheck hc = HEALTHCHECK__INIT;
  hc.retries = 3;
  struct health h = { .cfg = &hc, .status = HEALTH_STARTING };
  result (&h, 1, 10 * S);
  result (&h, 1, 11 * S);
  assert_int_equal (h.status, HEALTH_STARTING);
  assert_int_equal (h.failing_streak, 2);
  result (&h, 1, 12 * S);
  assert_int_equal (h.status, HEALTH_UNHEALTHY);
  assert_int_equal (h.failing_streak, 3);
  result (&h, 0, 13 * S); /* one success: healthy, streak gone */
  assert_int_equal (h.status, HEALTH_HEALTHY);
  assert_int_equal (h.failing_streak, 0);
  result (&h, 2, 14 * S);
  result (&h, -1, 15 * S);
  assert_int_equal (h.status, HEALTH_HEALTHY); /* two of three */
  health_free_log (&h);
}

static void default_retries_three (void **state)
{
  (void) state;
  Healthcheck hc = HEALTHCHECK__INIT;
  struct health h = { .cfg = &hc, .status = HEALTH_HEALTHY };
  result (&h, 1, S);
  result (&h, 1, S);
  assert_int_equal (h.status, HEALTH_HEALTHY);
  result (&h, 1, S);
  assert_int_equal (h.status, HEALTH_UNHEALTHY);
  health_free_log (&h);
}

static void start_period_failures_do_not_count (void **state)
{
  (void) state;
  Healthcheck hc = HEALTHCHECK__INIT;
  hc.retries = 1;
  hc.start_period_ns = 5 * S;
  struct health h = { .cfg = &hc, .status = HEALTH_STARTING };
  result (&h, 1, 4 * S); /* within the start period (run started at 0) */
  assert_int_equal (h.status, HEALTH_STARTING);
  assert_int_equal (h.failing_streak, 0);
  result (&h, 1, 5 * S); /* past it */
  assert_int_equal (h.status, HEALTH_UNHEALTHY);
  /* once healthy, the start period no longer shields failures */
  struct health h2 = { .cfg = &hc, .status = HEALTH_STARTING };
  result (&h2, 0, 1 * S);
  result (&h2, 1, 2 * S);
  assert_int_equal (h2.status, HEALTH_UNHEALTHY);
  health_free_log (&h);
  health_free_log (&h2);
}

static void log_keeps_last_five (void **state)
{
  (void) state;
  Healthcheck hc = HEALTHCHECK__INIT;
  struct health h = { .cfg = &hc, .status = HEALTH_STARTING };
  for (int i = 1; i <= 7; i++)
    result (&h, 0, i * S);
  assert_int_equal (h.n_log, HEALTH_LOG_MAX);
  assert_int_equal (h.log[0].start_ns, 3 * S);
  assert_int_equal (h.log[4].start_ns, 7 * S);
  assert_string_equal (h.log[4].output, "ok");
  health_free_log (&h);
}

static void next_probe_as_get_interval (void **state)
{
  (void) state;
  Healthcheck hc = HEALTHCHECK__INIT;
  assert_int_equal (health_next_ns (&hc, HEALTH_STARTING, 0), 30 * S);
  hc.interval_ns = 200 * MS;
  assert_int_equal (health_next_ns (&hc, HEALTH_HEALTHY, 7 * S), 200 * MS);
  hc.start_period_ns = 1 * S;
  /* the start period ends before the interval would: a probe right then */
  assert_int_equal (health_next_ns (&hc, HEALTH_STARTING, 900 * MS), 100 * MS);
  hc.interval_ns = 2 * S;
  hc.start_period_ns = 10 * S;
  assert_int_equal (health_next_ns (&hc, HEALTH_STARTING, 1 * S), 5 * S); /* docker's start interval */
  hc.start_interval_ns = 300 * MS;
  assert_int_equal (health_next_ns (&hc, HEALTH_STARTING, 1 * S), 300 * MS);
  assert_int_equal (health_next_ns (&hc, HEALTH_HEALTHY, 1 * S), 2 * S);
}

static void restart_backoff_doubles_and_resets (void **state)
{
  (void) state;
  uint32_t count = 0;
  int64_t backoff = 0;
  int64_t want[] = { 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000 };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    assert_int_equal (restart_decide (RESTART_ALWAYS, 0, &count, &backoff, 1, false, 50), want[i]);
  assert_int_equal (count, 12);
  /* a run that lasted 10 s starts the back-off over */
  assert_int_equal (restart_decide (RESTART_ALWAYS, 0, &count, &backoff, 0, false, 10000), 100);
  assert_int_equal (restart_decide (RESTART_UNLESS_STOPPED, 0, &count, &backoff, 0, false, 9999), 200);
}

static void restart_policies_decide (void **state)
{
  (void) state;
  uint32_t count = 0;
  int64_t backoff = 0;
  assert_int_equal (restart_decide (RESTART_NO, 0, &count, &backoff, 1, false, 0), -1);
  assert_int_equal (restart_decide (RESTART_ON_FAILURE, 3, &count, &backoff, 0, false, 0), -1); /* success */
  count = 0;
  backoff = 0;
  for (int i = 0; i < 3; i++)
    assert_true (restart_decide (RESTART_ON_FAILURE, 3, &count, &backoff, 3, false, 0) > 0);
  assert_int_equal (count, 3);
  assert_int_equal (restart_decide (RESTART_ON_FAILURE, 3, &count, &backoff, 3, false, 0), -1); /* max reached */
  count = 99;
  assert_true (restart_decide (RESTART_ON_FAILURE, 0, &count, &backoff, 1, false, 0) > 0); /* 0: no limit */
  /* a client's stop or kill is never undone */
  assert_int_equal (restart_decide (RESTART_ALWAYS, 0, &count, &backoff, 137, true, 0), -1);
  assert_int_equal (restart_decide (RESTART_UNLESS_STOPPED, 0, &count, &backoff, 0, true, 0), -1);
}

static void restart_mode_names (void **state)
{
  (void) state;
  ContainerConfig cfg = CONTAINER_CONFIG__INIT;
  assert_int_equal (restart_mode_of (&cfg), RESTART_NO);
  RestartPolicy rp = RESTART_POLICY__INIT;
  cfg.restart_policy = &rp;
  const char *names[] = { "no", "always", "on-failure", "unless-stopped", "sometimes" };
  enum restart_mode modes[] = { RESTART_NO, RESTART_ALWAYS, RESTART_ON_FAILURE, RESTART_UNLESS_STOPPED, RESTART_NO };
  for (size_t i = 0; i < 5; i++)
    {
      rp.name = (char *) names[i];
      assert_int_equal (restart_mode_of (&cfg), modes[i]);
    }
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (retries_in_a_row_make_unhealthy),
    cmocka_unit_test (default_retries_three),
    cmocka_unit_test (start_period_failures_do_not_count),
    cmocka_unit_test (log_keeps_last_five),
    cmocka_unit_test (next_probe_as_get_interval),
    cmocka_unit_test (restart_backoff_doubles_and_resets),
    cmocka_unit_test (restart_policies_decide),
    cmocka_unit_test (restart_mode_names),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
