/* host/common/netrec.c: bridge networks' records and their address allocation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "netrec.h"

static char dir[64];
static struct netrec rec;

static int make_dir (void **state)
{
  (void) state;
  snprintf (dir, sizeof dir, "/tmp/netrec.XXXXXX");
  assert_non_null (mkdtemp (dir));
  setenv ("TETHER_STATE_DIR", dir, 1);
  return 0;
}

static int drop_dir (void **state)
{
  (void) state;
  char cmd[96];
  snprintf (cmd, sizeof cmd, "rm -rf %s", dir);
  return system (cmd) == 0 ? 0 : -1;
}

static const char *attach (const char *net, const char *id)
{
  static char a[24];
  static struct terr err;
  if (netrec_attach (net, id, &rec, a, sizeof a, &err) < 0)
    return err.msg;
  return a;
}

static void names_as_docker (void **state)
{
  (void) state;
  assert_true (netrec_name_valid ("a"));
  assert_true (netrec_name_valid ("Net_1.x-y"));
  assert_false (netrec_name_valid (""));
  assert_false (netrec_name_valid ("-a"));
  assert_false (netrec_name_valid ("a/b"));
  assert_false (netrec_name_valid ("a b"));
  char long_name[NETREC_NAME_MAX + 2];
  memset (long_name, 'a', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = '\0';
  assert_false (netrec_name_valid (long_name));
}

static void create_refuses_duplicates_and_bad_plans (void **state)
{
  (void) state;
  struct terr err;
  assert_int_equal (netrec_create (&rec, "n1", "10.9.0.0/29", NULL, false, "", &err), 0);
  assert_string_equal (rec.gateway, "10.9.0.1");
  assert_int_equal (strncmp (rec.bridge, "tb-", 3), 0);
  assert_int_equal (netrec_create (&rec, "n1", NULL, NULL, false, "", &err), -1);
  assert_string_equal (err.msg, "network with name n1 already exists");
  assert_int_equal (netrec_create (&rec, "bridge", NULL, NULL, false, "", &err), -1);
  assert_int_equal (netrec_create (&rec, "x", "10.0.0.0/31", NULL, false, "", &err), -1);
  assert_int_equal (netrec_create (&rec, "x", "10.0.0.0/24", "10.0.1.1", false, "", &err), -1);
  assert_int_equal (netrec_create (&rec, "x", "10.0.0.0/24", "10.0.0.255", false, "", &err), -1);
  assert_int_equal (netrec_create (&rec, "a/b", NULL, NULL, false, "", &err), -1);
  assert_int_equal (netrec_load ("nope", &rec, &err), -1);
  assert_string_equal (err.msg, "network nope not found");
  assert_int_equal (err.errnum, ENOENT);
}

/* A /29 has six hosts: the gateway and five containers. */
static void allocates_the_next_free_address (void **state)
{
  (void) state;
  struct terr err;
  assert_int_equal (netrec_create (&rec, "n2", "10.8.0.0/29", "10.8.0.3", false, "ns", &err), 0);
  assert_string_equal (attach ("n2", "aa"), "10.8.0.1/29");
  assert_string_equal (attach ("n2", "bb"), "10.8.0.2/29");
  assert_string_equal (attach ("n2", "cc"), "10.8.0.4/29"); /* skips the gateway */
  assert_string_equal (attach ("n2", "bb"), "10.8.0.2/29"); /* attached again: the same */
  assert_string_equal (attach ("n2", "dd"), "10.8.0.5/29");
  assert_string_equal (attach ("n2", "ee"), "10.8.0.6/29");
  assert_string_equal (attach ("n2", "ff"), "no available IPv4 addresses on network n2 (10.8.0.0/29)");
  assert_int_equal (netrec_detach ("n2", "bb", &err), 0);
  assert_string_equal (attach ("n2", "ff"), "10.8.0.2/29"); /* the freed one */
  assert_int_equal (netrec_remove ("n2", &err), -1);
  assert_int_equal (err.errnum, EBUSY);
  assert_non_null (strstr (err.msg, "has active endpoints"));
  netrec_detach_all ("aa");
  netrec_detach_all ("cc");
  netrec_detach_all ("dd");
  netrec_detach_all ("ee");
  netrec_detach_all ("ff");
  assert_int_equal (netrec_load ("n2", &rec, &err), 0);
  assert_int_equal (rec.n_ctrs, 0);
  assert_string_equal (rec.netns, "ns");
  assert_int_equal (netrec_remove ("n2", &err), 0);
  assert_int_equal (netrec_load ("n2", &rec, &err), -1);
}

static void dhcp_networks_hand_out_nothing (void **state)
{
  (void) state;
  struct terr err;
  assert_int_equal (netrec_create (&rec, "n3", NULL, NULL, true, "", &err), 0);
  assert_string_equal (attach ("n3", "aa"), "");
  assert_int_equal (netrec_load ("n3", &rec, &err), 0);
  assert_true (rec.dhcp);
  assert_int_equal (rec.n_ctrs, 1);
  /* found by a prefix of its id as well */
  char prefix[8];
  snprintf (prefix, sizeof prefix, "%.6s", rec.id);
  assert_int_equal (netrec_load (prefix, &rec, &err), 0);
  assert_string_equal (rec.name, "n3");
  char names[8][NETREC_NAME_MAX + 1];
  assert_int_equal (netrec_list (names, 8, &err), 2);
  assert_string_equal (names[0], "n1");
  assert_string_equal (names[1], "n3");
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (names_as_docker),
    cmocka_unit_test (create_refuses_duplicates_and_bad_plans),
    cmocka_unit_test (allocates_the_next_free_address),
    cmocka_unit_test (dhcp_networks_hand_out_nothing),
  };
  return cmocka_run_group_tests (tests, make_dir, drop_dir);
}
