/* host/docker/psfilter.c: docker's ps filters parsed and matched against
 * container records built here (before/since need a state dir: tests/docker). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ctrsummary.h"
#include "psfilter.h"
#include "unit.h"

struct ctr {
  ContainerConfig cfg;
  ContainerInfo ci;
  Health health;
};

static void ctr_init (struct ctr *c, const char *id, const char *name, const char *status, int exit_code)
{
  container_config__init (&c->cfg);
  container_info__init (&c->ci);
  c->cfg.id = (char *) id;
  c->cfg.name = (char *) name;
  c->ci.config = &c->cfg;
  c->ci.status = (char *) status;
  c->ci.exit_code = exit_code;
  c->ci.started_ns = 1;
}

static int parse (struct ps_filter *f, const char *text, struct terr *err)
{
  terr_clear (err);
  return ps_filter_parse (f, text, err);
}

static void none_matches_all (void **state)
{
  (void) state;
  struct ps_filter f;
  struct terr err;
  struct ctr c;
  ctr_init (&c, "abc", "web", "running", 0);
  assert_int_equal (parse (&f, NULL, &err), 0);
  assert_true (ps_filter_match (&f, &c.ci));
  assert_int_equal (parse (&f, "", &err), 0);
  assert_int_equal (parse (&f, "{}", &err), 0);
  assert_true (ps_filter_match (&f, &c.ci));
  ps_filter_free (&f);
}

static void name_exact_or_regex_with_or_without_slash (void **state)
{
  (void) state;
  struct ps_filter f;
  struct terr err;
  struct ctr web, db;
  ctr_init (&web, "aaa111", "web", "running", 0);
  ctr_init (&db, "bbb222", "db", "exited", 1);
  assert_int_equal (parse (&f, "{\"name\":{\"web\":true}}", &err), 0);
  assert_true (ps_filter_match (&f, &web.ci));
  assert_false (ps_filter_match (&f, &db.ci));
  ps_filter_free (&f);
  assert_int_equal (parse (&f, "{\"name\":{\"^/d\":true}}", &err), 0);
  assert_false (ps_filter_match (&f, &web.ci));
  assert_true (ps_filter_match (&f, &db.ci));
  ps_filter_free (&f);
  /* two values: either; the older array form */
  assert_int_equal (parse (&f, "{\"name\":[\"web\",\"db\"]}", &err), 0);
  assert_true (ps_filter_match (&f, &web.ci));
  assert_true (ps_filter_match (&f, &db.ci));
  ps_filter_free (&f);
  /* an invalid regex matches only itself */
  assert_int_equal (parse (&f, "{\"name\":{\"(\":true}}", &err), 0);
  assert_false (ps_filter_match (&f, &web.ci));
  ps_filter_free (&f);
}

static void keys_combine_with_and (void **state)
{
  (void) state;
  struct ps_filter f;
  struct terr err;
  struct ctr web, db;
  ctr_init (&web, "aaa111", "web", "running", 0);
  ctr_init (&db, "bbb222", "db", "exited", 1);
  assert_int_equal (parse (&f, "{\"id\":{\"bbb\":true},\"status\":{\"exited\":true}}", &err), 0);
  assert_true (f.has[PS_STATUS]);
  assert_false (ps_filter_match (&f, &web.ci));
  assert_true (ps_filter_match (&f, &db.ci));
  ps_filter_free (&f);
  assert_int_equal (parse (&f, "{\"id\":{\"aaa\":true},\"status\":{\"exited\":true}}", &err), 0);
  assert_false (ps_filter_match (&f, &web.ci));
  assert_false (ps_filter_match (&f, &db.ci));
  ps_filter_free (&f);
}

static void exited_health_label_is_task (void **state)
{
  (void) state;
  struct ps_filter f;
  struct terr err;
  struct ctr up, down, never;
  ctr_init (&up, "a1", "up", "running", 0);
  ctr_init (&down, "b2", "down", "exited", 3);
  ctr_init (&never, "c3", "never", "created", 0);
  never.ci.started_ns = 0;
  health__init (&up.health);
  up.health.status = "healthy";
  up.ci.health = &up.health;
  assert_int_equal (parse (&f, "{\"exited\":{\"3\":true,\"0\":true}}", &err), 0);
  assert_false (ps_filter_match (&f, &up.ci));   /* running */
  assert_true (ps_filter_match (&f, &down.ci));
  assert_false (ps_filter_match (&f, &never.ci)); /* never started */
  ps_filter_free (&f);
  assert_int_equal (parse (&f, "{\"health\":{\"healthy\":true}}", &err), 0);
  assert_true (ps_filter_match (&f, &up.ci));
  assert_false (ps_filter_match (&f, &down.ci));
  ps_filter_free (&f);
  assert_int_equal (parse (&f, "{\"health\":{\"none\":true}}", &err), 0);
  assert_false (ps_filter_match (&f, &up.ci));
  assert_true (ps_filter_match (&f, &down.ci));
  ps_filter_free (&f);
  assert_int_equal (parse (&f, "{\"label\":{\"a=b\":true}}", &err), 0);
  assert_false (ps_filter_match (&f, &up.ci));
  ps_filter_free (&f);
  assert_int_equal (parse (&f, "{\"is-task\":{\"false\":true}}", &err), 0);
  assert_true (ps_filter_match (&f, &up.ci));
  ps_filter_free (&f);
}

static void errors_have_dockers_status_and_text (void **state)
{
  (void) state;
  static const struct {
    const char *json;
    int status;
    const char *msg;
  } cases[] = {
    { "{bad", 400, NULL },
    { "[1]", 400, "invalid filter: not a JSON object" },
    { "{\"colour\":{\"red\":true}}", 400, "invalid filter 'colour'" },
    { "{\"status\":{\"bogus\":true}}", 400, "invalid filter 'status=bogus'" },
    { "{\"health\":{\"ill\":true}}", 400, "Unrecognised filter value for health: ill" },
    { "{\"exited\":{\"x\":true}}", 400, "invalid filter 'exited=x'" },
    { "{\"is-task\":{\"maybe\":true}}", 400, "invalid filter 'is-task=maybe'" },
    { "{\"name\":{\"x\":1}}", 400, "invalid filter: the values of 'name' must be true or false" },
    { "{\"name\":[1]}", 400, "invalid filter: the values of 'name' must be strings" },
    { "{\"name\":\"x\"}", 400, "invalid filter: 'name' wants an object or an array of values" },
    { "{\"ancestor\":{\"busybox\":true}}", 501, "the ps filter 'ancestor' is not supported by tetherd yet" },
    { "{\"name\":{\"a\":true},\"name\":{\"b\":true}}", 400, NULL }, /* duplicate key */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      struct ps_filter f;
      struct terr err;
      assert_int_equal (parse (&f, cases[i].json, &err), -1);
      assert_int_equal (err.code, cases[i].status);
      if (cases[i].msg)
        assert_string_equal (err.msg, cases[i].msg);
      assert_int_equal (f.n, 0); /* freed on failure */
    }
}

static void too_many_values_are_refused (void **state)
{
  (void) state;
  char json[4096] = "{\"name\":[";
  for (int i = 0; i <= API_MAX_FILTER_TERMS; i++)
    snprintf (json + strlen (json), sizeof json - strlen (json), "%s\"n%d\"", i ? "," : "", i);
  strcat (json, "]}");
  struct ps_filter f;
  struct terr err;
  assert_int_equal (parse (&f, json, &err), -1);
  assert_int_equal (err.code, 400);
  assert_int_equal (f.n, 0);
}

static void command_quotes_arguments_with_spaces (void **state)
{
  (void) state;
  ContainerConfig c = CONTAINER_CONFIG__INIT;
  char *argv[] = { "sh", "-c", "exit 3" };
  c.argv = argv;
  c.n_argv = 3;
  char b[64];
  assert_string_equal (ctr_command (&c, b, sizeof b), "sh -c 'exit 3'");
  char small[8];
  assert_string_equal (ctr_command (&c, small, sizeof small), "sh -c '"); /* cut, terminated */
  c.n_argv = 0;
  assert_string_equal (ctr_command (&c, b, sizeof b), "");
}

UNIT_MAIN (cmocka_unit_test (none_matches_all), cmocka_unit_test (name_exact_or_regex_with_or_without_slash),
           cmocka_unit_test (keys_combine_with_and), cmocka_unit_test (exited_health_label_is_task),
           cmocka_unit_test (errors_have_dockers_status_and_text), cmocka_unit_test (too_many_values_are_refused),
           cmocka_unit_test (command_quotes_arguments_with_spaces))
