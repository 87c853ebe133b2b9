/* tether/user.c: docker's -u forms against passwd/group files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "user.h"

static char passwd_path[64], group_path[64];

static int write_fixtures (void **state)
{
  (void) state;
  snprintf (passwd_path, sizeof passwd_path, "/tmp/tether-test-passwd.%d", (int) getpid ());
  snprintf (group_path, sizeof group_path, "/tmp/tether-test-group.%d", (int) getpid ());
  FILE *f = fopen (passwd_path, "w");
  fputs ("root:x:0:0:root:/root:/bin/sh\n"
         "garbage line without fields\n"
         "app:x:1000:1001:App:/home/app:/bin/sh\n"
         "nohome:x:1002:1002:::/bin/sh\n",
         f);
  fclose (f);
  f = fopen (group_path, "w");
  fputs ("root:x:0:\nappgrp:x:1001:\nwheel:x:10:app,other\nvideo:x:44:app\nstaff:x:50:\n", f);
  fclose (f);
  return 0;
}

static int remove_fixtures (void **state)
{
  (void) state;
  unlink (passwd_path);
  unlink (group_path);
  return 0;
}

/* user_resolve on a spec that must succeed: the ids and home it gives. */
static void expect_ids (const char *spec, unsigned uid, unsigned gid, const char *home)
{
  struct user_ids u;
  struct terr e = { 0 };
  assert_int_equal (user_resolve (spec, passwd_path, group_path, &u, &e), 0);
  assert_int_equal (u.uid, uid);
  assert_int_equal (u.gid, gid);
  if (home != NULL)
    assert_string_equal (u.home, home);
}

static void empty_is_root (void **state)
{
  (void) state;
  expect_ids ("", 0, 0, "/root");
}

static void name_gives_ids_home_and_groups (void **state)
{
  (void) state;
  expect_ids ("app", 1000, 1001, "/home/app");
  struct user_ids u;
  struct terr e = { 0 };
  assert_int_equal (user_resolve ("app", passwd_path, group_path, &u, &e), 0);
  /* the primary group first, as docker lists it, then the memberships */
  assert_int_equal (u.n_groups, 3);
  assert_int_equal (u.groups[0], 1001);
  assert_int_equal (u.groups[1], 10);
  assert_int_equal (u.groups[2], 44);
}

static void numeric_uid_need_not_exist (void **state)
{
  (void) state;
  expect_ids ("4242:4343", 4242, 4343, "/");
}

static void group_by_name (void **state)
{
  (void) state;
  expect_ids ("1000:staff", 1000, 50, NULL);
}

static void unknown_names_are_126 (void **state)
{
  (void) state;
  struct user_ids u;
  struct terr e = { 0 };
  assert_int_equal (user_resolve ("nosuch", passwd_path, group_path, &u, &e), -1);
  assert_int_equal (e.exit_code, 126);
  assert_non_null (strstr (e.msg, "unable to find user nosuch"));
  struct terr e2 = { 0 };
  assert_int_equal (user_resolve ("app:nogroup", passwd_path, group_path, &u, &e2), -1);
  assert_int_equal (e2.exit_code, 126);
  assert_non_null (strstr (e2.msg, "unable to find group nogroup"));
}

static void missing_files_still_allow_numeric_ids (void **state)
{
  (void) state;
  struct user_ids u;
  struct terr e = { 0 };
  assert_int_equal (user_resolve ("7:8", "/nonexistent/passwd", "/nonexistent/group", &u, &e), 0);
  assert_int_equal (u.uid, 7);
  assert_int_equal (u.gid, 8);
  assert_int_equal (user_resolve ("name", "/nonexistent/passwd", "/nonexistent/group", &u, &e), -1);
}

/* A group line naming the user more often than USER_MAX_GROUPS (found by
 * tests/fuzz/user.c): the list stops at its cap instead of running past it. */
static void a_user_listed_too_often_stays_within_the_cap (void **state)
{
  (void) state;
  char path[80];
  snprintf (path, sizeof path, "/tmp/tether-test-group-many.%d", (int) getpid ());
  FILE *f = fopen (path, "w");
  assert_non_null (f);
  fputs ("many:x:77:", f);
  for (int i = 0; i < USER_MAX_GROUPS + 20; i++)
    fputs (i ? ",app" : "app", f);
  fputs ("\nmore:x:78:app\n", f);
  fclose (f);
  struct user_ids u;
  struct terr e = { 0 };
  int rc = user_resolve ("app", passwd_path, path, &u, &e);
  unlink (path);
  assert_int_equal (rc, 0);
  assert_true (u.n_groups <= USER_MAX_GROUPS);
  assert_int_equal (u.gid, 1001);
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (empty_is_root),
    cmocka_unit_test (name_gives_ids_home_and_groups),
    cmocka_unit_test (numeric_uid_need_not_exist),
    cmocka_unit_test (group_by_name),
    cmocka_unit_test (unknown_names_are_126),
    cmocka_unit_test (missing_files_still_allow_numeric_ids),
    cmocka_unit_test (a_user_listed_too_often_stays_within_the_cap),
  };
  return cmocka_run_group_tests (tests, write_fixtures, remove_fixtures);
}
