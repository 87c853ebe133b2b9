/* tether/user.c: docker's -u and --group-add forms against passwd/group files,
 * each expectation as docker 20.10 + runc give it for the same files (see
 * tests/host/t_confine.sh), except where a comment says why not. */
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
         "\n"
         "app:x:1000:1001:App:/home/app:/bin/sh\n"
         "nohome:x:1002:1002:::/bin/sh\n"
         "badid:x:12x:1:bad:/bad:/bin/sh\n"
         "toolong:x:99999999999:1:big:/big:/bin/sh\n"
         "  spaced:x:1003:1003::/home/spaced:/bin/sh  \r\n"
         "short:x:1004\n"
         "app:x:1005:1005:second app:/second:/bin/sh\n",
         f);
  fclose (f);
  f = fopen (group_path, "w");
  fputs ("root:x:0:\nappgrp:x:1001:\nwheel:x:10:app,other\nvideo:x:44:other,app\nstaff:x:50:\n"
         "apps:x:60:application,ap,app2\nbadgid:x:6x:app\ndup:x:10:app\n",
         f);
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
  static struct user_ids u; /* 20 KB: off the stack */
  struct terr e = { 0 };
  assert_int_equal (user_resolve (spec, NULL, 0, passwd_path, group_path, &u, &e), 0);
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

/* The groups setgroups gets, in order. */
static void expect_groups (const char *spec, char *const *add, size_t n_add, const gid_t *want, int n_want)
{
  static struct user_ids u;
  struct terr e = { 0 };
  assert_int_equal (user_resolve (spec, add, n_add, passwd_path, group_path, &u, &e), 0);
  assert_int_equal (u.n_groups, n_want);
  for (int i = 0; i < n_want; i++)
    assert_int_equal (u.groups[i], want[i]);
}

/* user_resolve that must fail, with this text. */
static void expect_error (const char *spec, char *const *add, size_t n_add, const char *text)
{
  static struct user_ids u;
  struct terr e = { 0 };
  assert_int_equal (user_resolve (spec, add, n_add, passwd_path, group_path, &u, &e), -1);
  assert_string_equal (e.msg, text);
}

static void name_gives_ids_home_and_groups (void **state)
{
  (void) state;
  expect_ids ("app", 1000, 1001, "/home/app");
  /* the primary group first, then the memberships; "dup" lists app with a
   * gid already there: once (docker: Groups 10 44 1001) */
  expect_groups ("app", NULL, 0, (const gid_t[]) { 1001, 10, 44 }, 3);
}

static void numeric_uid_in_passwd_is_that_user (void **state)
{
  (void) state;
  expect_ids ("1000", 1000, 1001, "/home/app");
  expect_groups ("1000", NULL, 0, (const gid_t[]) { 1001, 10, 44 }, 3);
  expect_ids ("+1000", 1000, 1001, "/home/app"); /* Go's Atoi takes a sign */
}

static void numeric_uid_need_not_exist (void **state)
{
  (void) state;
  expect_ids ("4242:4343", 4242, 4343, "/");
  /* no entry: gid 0 and no memberships, home "/" */
  expect_ids ("4242", 4242, 0, "/");
  expect_groups ("4242", NULL, 0, (const gid_t[]) { 0 }, 1);
}

static void group_by_name (void **state)
{
  (void) state;
  expect_ids ("1000:staff", 1000, 50, NULL);
  /* an explicit group: no memberships (runc's "implicit form" only) */
  expect_groups ("app:staff", NULL, 0, (const gid_t[]) { 50 }, 1);
  expect_ids ("app:044", 1000, 44, NULL);
  expect_ids (":50", 0, 50, "/root");
  expect_ids ("app:", 1000, 1001, "/home/app");
}

static void empty_home_stays_empty (void **state)
{
  (void) state;
  /* docker + runc: HOME= for an entry whose home field is empty */
  expect_ids ("nohome", 1002, 1002, "");
}

static void first_entry_wins (void **state)
{
  (void) state;
  expect_ids ("app", 1000, 1001, "/home/app"); /* not the second app (1005) */
}

static void lines_are_trimmed_and_short_lines_read (void **state)
{
  (void) state;
  expect_ids ("spaced", 1003, 1003, "/home/spaced");
  /* "short:x:1004" has no gid: Go reads 0; a missing number is skipped here */
  expect_error ("short", NULL, 0, "unable to find user short: no matching entries in passwd file");
}

static void malformed_ids_are_skipped (void **state)
{
  (void) state;
  /* docker reads "12x" as uid 0 (root) and 99999999999 wrapped to 1215752191:
   * the tether makes neither root nor a wrapped uid out of a broken line */
  expect_error ("badid", NULL, 0, "unable to find user badid: no matching entries in passwd file");
  expect_error ("toolong", NULL, 0, "unable to find user toolong: no matching entries in passwd file");
  expect_error ("99999999999", NULL, 0, "uids and gids must be in range 0-2147483647");
  expect_error ("app:99999999999", NULL, 0, "uids and gids must be in range 0-2147483647");
  expect_error ("-1", NULL, 0, "uids and gids must be in range 0-2147483647");
  /* badgid's line is skipped: app is not in group 6x */
  expect_groups ("app", NULL, 0, (const gid_t[]) { 1001, 10, 44 }, 3);
}

static void members_match_whole_names (void **state)
{
  (void) state;
  /* "apps" lists application, ap, app2: none of them is app */
  expect_groups ("app", NULL, 0, (const gid_t[]) { 1001, 10, 44 }, 3);
}

static void unknown_names_are_docker_errors (void **state)
{
  (void) state;
  expect_error ("nosuch", NULL, 0, "unable to find user nosuch: no matching entries in passwd file");
  expect_error ("APP", NULL, 0, "unable to find user APP: no matching entries in passwd file");
  expect_error ("app:nogroup", NULL, 0, "unable to find group nogroup: no matching entries in group file");
  expect_error ("1000:nogroup", NULL, 0, "unable to find group nogroup: no matching entries in group file");
}

static void group_add_by_name_and_number (void **state)
{
  (void) state;
  char *add[] = { "staff", "7" };
  expect_groups ("app", add, 2, (const gid_t[]) { 1001, 10, 44, 50, 7 }, 5);
  char *add2[] = { "video" };
  expect_groups ("app:staff", add2, 1, (const gid_t[]) { 50, 44 }, 2);
  char *add3[] = { "wheel", "10", "root", "+7", "007" };
  expect_groups ("", add3, 5, (const gid_t[]) { 0, 10, 7 }, 3);
  expect_groups ("4242", add, 2, (const gid_t[]) { 0, 50, 7 }, 3);
}

static void group_add_errors (void **state)
{
  (void) state;
  char *bad[] = { "nosuch" };
  expect_error ("", bad, 1, "Unable to find group nosuch: no matching entries in group file");
  char *spaced[] = { " 7" };
  expect_error ("", spaced, 1, "Unable to find group  7: no matching entries in group file");
  char *big[] = { "99999999999" }, *neg[] = { "-1" };
  expect_error ("", big, 1, "uids and gids must be in range 0-2147483647");
  expect_error ("", neg, 1, "uids and gids must be in range 0-2147483647");
}

static void missing_files_still_allow_numeric_ids (void **state)
{
  (void) state;
  struct user_ids *u = malloc (sizeof *u);
  struct terr e = { 0 };
  assert_int_equal (user_resolve ("7:8", NULL, 0, "/nonexistent/passwd", "/nonexistent/group", u, &e), 0);
  assert_int_equal (u->uid, 7);
  assert_int_equal (u->gid, 8);
  assert_string_equal (u->home, "/");
  char *add[] = { "9" };
  assert_int_equal (user_resolve ("", add, 1, "/nonexistent/passwd", "/nonexistent/group", u, &e), 0);
  assert_int_equal (u->n_groups, 2);
  assert_int_equal (user_resolve ("name", NULL, 0, "/nonexistent/passwd", "/nonexistent/group", u, &e), -1);
  free (u);
}

/* A user in more groups than USER_MAX_GROUPS: a clear error, not a cut list. */
static void huge_group_lists_are_bounded (void **state)
{
  (void) state;
  char gpath[80];
  snprintf (gpath, sizeof gpath, "%s.huge", group_path);
  FILE *f = fopen (gpath, "w");
  for (int g = 0; g < USER_MAX_GROUPS + 10; g++)
    fprintf (f, "g%d:x:%d:other,app\n", g, 20000 + g);
  fclose (f);
  struct user_ids *u = malloc (sizeof *u);
  struct terr e = { 0 };
  assert_int_equal (user_resolve ("app", NULL, 0, passwd_path, gpath, u, &e), -1);
  assert_non_null (strstr (e.msg, "more than 4096 groups"));
  /* one less than the bound, with the primary: fits */
  f = fopen (gpath, "w");
  for (int g = 0; g < USER_MAX_GROUPS - 1; g++)
    fprintf (f, "g%d:x:%d:app\n", g, 20000 + g);
  fclose (f);
  assert_int_equal (user_resolve ("app", NULL, 0, passwd_path, gpath, u, &e), 0);
  assert_int_equal (u->n_groups, USER_MAX_GROUPS);
  free (u);
  unlink (gpath);
}

/* A line past USER_LINE_MAX (where docker's scanner stops too) is an error; a
 * long line under it is read whole. */
static void long_lines (void **state)
{
  (void) state;
  char gpath[80];
  snprintf (gpath, sizeof gpath, "%s.long", group_path);
  FILE *f = fopen (gpath, "w");
  fputs ("big:x:77:", f);
  for (int i = 0; i < 6000; i++)
    fprintf (f, "u%d,", i); /* ~40 KB of members, app last */
  fputs ("app\n", f);
  fclose (f);
  struct user_ids *u = malloc (sizeof *u);
  struct terr e = { 0 };
  assert_int_equal (user_resolve ("app", NULL, 0, passwd_path, gpath, u, &e), 0);
  assert_int_equal (u->n_groups, 2);
  assert_int_equal (u->groups[1], 77);
  f = fopen (gpath, "w");
  fputs ("big:x:77:", f);
  for (int i = 0; i < USER_LINE_MAX; i++)
    fputc ('a', f);
  fputs (",app\nlate:x:78:app\n", f);
  fclose (f);
  assert_int_equal (user_resolve ("app", NULL, 0, passwd_path, gpath, u, &e), -1);
  assert_non_null (strstr (e.msg, "a line longer than 65536 bytes"));
  free (u);
  unlink (gpath);
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
  struct user_ids *u = calloc (1, sizeof *u);
  struct terr e = { 0 };
  int rc = user_resolve ("app", NULL, 0, passwd_path, path, u, &e);
  unlink (path);
  assert_int_equal (rc, 0);
  assert_true (u->n_groups <= USER_MAX_GROUPS);
  assert_int_equal (u->gid, 1001);
  free (u);
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (empty_is_root),
    cmocka_unit_test (name_gives_ids_home_and_groups),
    cmocka_unit_test (numeric_uid_in_passwd_is_that_user),
    cmocka_unit_test (numeric_uid_need_not_exist),
    cmocka_unit_test (group_by_name),
    cmocka_unit_test (empty_home_stays_empty),
    cmocka_unit_test (first_entry_wins),
    cmocka_unit_test (lines_are_trimmed_and_short_lines_read),
    cmocka_unit_test (malformed_ids_are_skipped),
    cmocka_unit_test (members_match_whole_names),
    cmocka_unit_test (unknown_names_are_docker_errors),
    cmocka_unit_test (group_add_by_name_and_number),
    cmocka_unit_test (group_add_errors),
    cmocka_unit_test (missing_files_still_allow_numeric_ids),
    cmocka_unit_test (a_user_listed_too_often_stays_within_the_cap),
    cmocka_unit_test (huge_group_lists_are_bounded),
    cmocka_unit_test (long_lines),
  };
  return cmocka_run_group_tests (tests, write_fixtures, remove_fixtures);
}
