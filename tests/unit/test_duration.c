/* lib/duration.c: Go's ParseDuration and Duration.String, as docker's flags and texts use them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit.h"

#include "duration.h"

#define MS 1000000LL
#define S 1000000000LL

static int64_t parsed (const char *s)
{
  int64_t ns = -12345;
  char why[128];
  assert_int_equal (duration_parse (s, &ns, why, sizeof why), 0);
  return ns;
}

static const char *refused (const char *s)
{
  static char why[128];
  int64_t ns = 0;
  assert_int_equal (duration_parse (s, &ns, why, sizeof why), -1);
  return why;
}

static void parses_go_syntax (void **state)
{
  (void) state;
  assert_int_equal (parsed ("0"), 0);
  assert_int_equal (parsed ("1s"), S);
  assert_int_equal (parsed ("500ms"), 500 * MS);
  assert_int_equal (parsed ("1m30s"), 90 * S);
  assert_int_equal (parsed ("1.5h"), 5400 * S);
  assert_int_equal (parsed (".5s"), 500 * MS);
  assert_int_equal (parsed ("1.s"), S);
  assert_int_equal (parsed ("2us"), 2000);
  assert_int_equal (parsed ("2\xc2\xb5s"), 2000);
  assert_int_equal (parsed ("7ns"), 7);
  assert_int_equal (parsed ("-2s"), -2 * S);
  assert_int_equal (parsed ("+2s"), 2 * S);
  assert_int_equal (parsed ("1h2m3s4ms"), 3723 * S + 4 * MS);
  assert_int_equal (parsed ("2562047h47m16.854775807s"), INT64_MAX);
}

static void refuses_with_gos_texts (void **state)
{
  (void) state;
  assert_string_equal (refused ("bogus"), "time: invalid duration \"bogus\"");
  assert_string_equal (refused (""), "time: invalid duration \"\"");
  assert_string_equal (refused ("-"), "time: invalid duration \"-\"");
  assert_string_equal (refused ("."), "time: invalid duration \".\"");
  assert_string_equal (refused ("5"), "time: missing unit in duration \"5\"");
  assert_string_equal (refused ("0.5x"), "time: unknown unit \"x\" in duration \"0.5x\"");
  assert_string_equal (refused ("1s2"), "time: missing unit in duration \"1s2\"");
  assert_string_equal (refused ("2562047h47m16.854775808s"), "time: invalid duration \"2562047h47m16.854775808s\"");
  assert_string_equal (refused ("99999999999999999999s"), "time: invalid duration \"99999999999999999999s\"");
}

static void formats_as_go (void **state)
{
  (void) state;
  char b[DURATION_STR_MAX];
  assert_string_equal (duration_format (0, b), "0s");
  assert_string_equal (duration_format (200 * MS, b), "200ms");
  assert_string_equal (duration_format (1500, b), "1.5\xc2\xb5s");
  assert_string_equal (duration_format (3, b), "3ns");
  assert_string_equal (duration_format (30 * S, b), "30s");
  assert_string_equal (duration_format (90 * S, b), "1m30s");
  assert_string_equal (duration_format (3600 * S, b), "1h0m0s");
  assert_string_equal (duration_format (1500 * MS, b), "1.5s");
  assert_string_equal (duration_format (-2 * S, b), "-2s");
  assert_string_equal (duration_format (INT64_MAX, b), "2562047h47m16.854775807s");
  assert_string_equal (duration_format (INT64_MIN, b), "-2562047h47m16.854775808s");
}

UNIT_MAIN (cmocka_unit_test (parses_go_syntax),
    cmocka_unit_test (refuses_with_gos_texts),
    cmocka_unit_test (formats_as_go))
