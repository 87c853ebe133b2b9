/* proto/capnames.c: docker's capability names and sets, as dockerd 20.10
 * answers the same flags here (tests/host/t_confine.sh shows the sets a
 * container gets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "capnames.h"

#define DEFAULTS 0xa80425fbull /* CapBnd of a docker container */

static void names_any_case_with_or_without_cap (void **state)
{
  (void) state;
  char why[100];
  assert_int_equal (capname_parse ("NET_ADMIN", why, sizeof why), 12);
  assert_int_equal (capname_parse ("net_admin", why, sizeof why), 12);
  assert_int_equal (capname_parse ("Cap_Sys_Admin", why, sizeof why), 21);
  assert_int_equal (capname_parse ("CAP_CHOWN", why, sizeof why), 0);
  assert_int_equal (capname_parse ("all", why, sizeof why), CAPNAME_ALL);
  assert_int_equal (capname_parse ("ALL", why, sizeof why), CAPNAME_ALL);
  /* names newer than docker 20.10's list (it refuses them; docker 23+ takes them) */
  assert_int_equal (capname_parse ("perfmon", why, sizeof why), 38);
}

static void unknown_names_get_dockers_text (void **state)
{
  (void) state;
  char why[100];
  static const char *const bad[][2] = {
    { "foo", "unknown capability: \"CAP_FOO\"" },
    { "CAP_ALL", "unknown capability: \"CAP_ALL\"" },
    { "", "unknown capability: \"CAP_\"" },
    { " chown", "unknown capability: \"CAP_ CHOWN\"" },
    /* libcap reads a prefix and takes numbers: neither is a name */
    { "chown,kill", "unknown capability: \"CAP_CHOWN,KILL\"" },
    { "chown1", "unknown capability: \"CAP_CHOWN1\"" },
    { "12", "unknown capability: \"CAP_12\"" },
    { "cap_12", "unknown capability: \"CAP_12\"" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      assert_int_equal (capname_parse (bad[i][0], why, sizeof why), -1);
      assert_string_equal (why, bad[i][1]);
    }
  /* a long name is cut, not overrun */
  char longname[300];
  memset (longname, 'a', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  assert_int_equal (capname_parse (longname, why, sizeof why), -1);
  assert_true (strlen (why) < sizeof why);
}

static uint64_t set_of (bool priv, char **add, size_t na, char **drop, size_t nd)
{
  uint64_t out = 0;
  char why[200];
  assert_int_equal (capset_of (priv, add, na, drop, nd, 0x1ffffffffffull, &out, why, sizeof why), 0);
  return out;
}

static void docker_tweaks (void **state)
{
  (void) state;
  assert_true (capset_default () == DEFAULTS);
  assert_true (set_of (false, NULL, 0, NULL, 0) == DEFAULTS);
  char *net_admin[] = { "NET_ADMIN" }, *chown[] = { "chown" }, *all[] = { "ALL" }, *net_raw[] = { "net_raw" };
  assert_true (set_of (false, net_admin, 1, NULL, 0) == 0xa80435fbull);
  assert_true (set_of (false, NULL, 0, chown, 1) == 0xa80425faull);
  assert_true (set_of (false, NULL, 0, all, 1) == 0);
  assert_true (set_of (false, chown, 1, all, 1) == 1);
  assert_true (set_of (false, all, 1, chown, 1) == 0x1fffffffffeull);
  assert_true (set_of (false, all, 1, all, 1) == 0x1ffffffffffull); /* 20.10: ALL in the adds wins */
  /* the same name in both: dropped from the defaults, added back */
  assert_true (set_of (false, chown, 1, chown, 1) == DEFAULTS);
  assert_true (set_of (false, net_raw, 1, net_raw, 1) == DEFAULTS);
  assert_true (set_of (true, NULL, 0, chown, 1) == 0x1ffffffffffull);
}

static void bad_lists_name_the_field (void **state)
{
  (void) state;
  char why[200];
  uint64_t out;
  char *foo[] = { "foo" }, *bar[] = { "bar" };
  assert_int_equal (capset_of (false, foo, 1, bar, 1, ~0ull, &out, why, sizeof why), -1);
  assert_string_equal (why, "invalid CapAdd: unknown capability: \"CAP_FOO\"");
  assert_int_equal (capset_of (false, NULL, 0, bar, 1, ~0ull, &out, why, sizeof why), -1);
  assert_string_equal (why, "invalid CapDrop: unknown capability: \"CAP_BAR\"");
  /* checked even when privileged makes them moot, as dockerd */
  assert_int_equal (capset_of (true, foo, 1, NULL, 0, ~0ull, &out, why, sizeof why), -1);
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (names_any_case_with_or_without_cap),
    cmocka_unit_test (unknown_names_get_dockers_text),
    cmocka_unit_test (docker_tweaks),
    cmocka_unit_test (bad_lists_name_the_field),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
