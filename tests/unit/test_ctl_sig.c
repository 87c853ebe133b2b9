/* host/common/sig.c: signal names as docker takes them. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sig.h"

static void names_with_and_without_prefix (void **state)
{
  (void) state;
  assert_int_equal (sig_parse ("KILL"), SIGKILL);
  assert_int_equal (sig_parse ("SIGKILL"), SIGKILL);
  assert_int_equal (sig_parse ("sigterm"), SIGTERM);
  assert_int_equal (sig_parse ("term"), SIGTERM);
  assert_int_equal (sig_parse ("HUP"), SIGHUP);
  assert_int_equal (sig_parse ("SIGUSR1"), SIGUSR1);
  assert_int_equal (sig_parse ("WINCH"), SIGWINCH);
  assert_int_equal (sig_parse ("CLD"), SIGCHLD);
}

static void numbers (void **state)
{
  (void) state;
  assert_int_equal (sig_parse ("9"), 9);
  assert_int_equal (sig_parse ("15"), 15);
  assert_int_equal (sig_parse ("64"), SIGRTMAX);
  assert_int_equal (sig_parse ("0"), -1);
  assert_int_equal (sig_parse ("65"), -1);
  assert_int_equal (sig_parse ("9x"), -1);
  assert_int_equal (sig_parse ("-9"), -1);
  assert_int_equal (sig_parse ("99999999999"), -1);
}

static void realtime (void **state)
{
  (void) state;
  assert_int_equal (sig_parse ("RTMIN"), SIGRTMIN);
  assert_int_equal (sig_parse ("SIGRTMIN+3"), SIGRTMIN + 3);
  assert_int_equal (sig_parse ("RTMAX-1"), SIGRTMAX - 1);
  assert_int_equal (sig_parse ("RTMIN+"), -1);
  assert_int_equal (sig_parse ("RTMIN+999"), -1);
}

static void rejects_garbage (void **state)
{
  (void) state;
  assert_int_equal (sig_parse (""), -1);
  assert_int_equal (sig_parse (NULL), -1);
  assert_int_equal (sig_parse ("SIG"), -1);
  assert_int_equal (sig_parse ("NOPE"), -1);
  assert_int_equal (sig_parse ("SIGSIGKILL"), -1);
}

static void names_back (void **state)
{
  (void) state;
  char b[32];
  assert_string_equal (sig_name (SIGTERM, b, sizeof b), "SIGTERM");
  assert_string_equal (sig_name (SIGKILL, b, sizeof b), "SIGKILL");
  assert_string_equal (sig_name (SIGABRT, b, sizeof b), "SIGABRT");
  assert_string_equal (sig_name (SIGCHLD, b, sizeof b), "SIGCHLD");
  assert_string_equal (sig_name (SIGRTMIN + 2, b, sizeof b), "SIGRTMIN+2");
  assert_null (sig_name (0, b, sizeof b));
  for (int s = 1; s <= SIGRTMAX; s++)
    if (sig_name (s, b, sizeof b) != NULL)
      assert_int_equal (sig_parse (b), s);
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (names_with_and_without_prefix),
    cmocka_unit_test (numbers),
    cmocka_unit_test (realtime),
    cmocka_unit_test (rejects_garbage),
    cmocka_unit_test (names_back),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
