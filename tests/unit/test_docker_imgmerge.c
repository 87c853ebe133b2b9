/* host/docker/imgmerge.c (dockerd's merge of an image's Config into a create
 * request) and host/store/ref.c (image references as docker reads them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "imgmerge.h"
#include "ref.h"
#include "unit.h"

static const char image_cfg[]
    = "{\"User\":\"nobody\",\"WorkingDir\":\"/w\",\"StopSignal\":\"SIGUSR1\","
      "\"Env\":[\"PATH=/bin\",\"A=image\",\"B=image\"],\"Cmd\":[\"sh\",\"-c\",\"img\"],"
      "\"Entrypoint\":[\"/ep\"],\"Labels\":{\"l1\":\"image\",\"l2\":\"image\"},"
      "\"ExposedPorts\":{\"80/tcp\":{}},\"Volumes\":{\"/data\":{}},"
      "\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":5,\"Retries\":2}}";

/* The merged body's key as compact JSON (sorted keys). */
static char *merged (const char *body, const char *key)
{
  json_t *b = json_loads (body, 0, NULL), *img = json_loads (image_cfg, 0, NULL);
  assert_non_null (b);
  assert_int_equal (image_merge (b, img), 0);
  json_t *v = json_object_get (b, key);
  char *s = json_dumps (v ? v : json_null (), JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY); /* absent: null */
  json_decref (b);
  json_decref (img);
  return s;
}

static void expect (const char *body, const char *key, const char *want)
{
  char *got = merged (body, key);
  assert_non_null (got);
  assert_string_equal (got, want);
  free (got);
}

static void strings_from_the_image_when_unset (void **state)
{
  (void) state;
  expect ("{}", "User", "\"nobody\"");
  expect ("{\"User\":\"\"}", "User", "\"nobody\"");
  expect ("{\"User\":\"root\"}", "User", "\"root\"");
  expect ("{\"WorkingDir\":\"/mine\"}", "WorkingDir", "\"/mine\"");
  expect ("{}", "StopSignal", "\"SIGUSR1\"");
}

static void env_image_entries_not_set_follow (void **state)
{
  (void) state;
  expect ("{}", "Env", "[\"PATH=/bin\",\"A=image\",\"B=image\"]");
  expect ("{\"Env\":null}", "Env", "[\"PATH=/bin\",\"A=image\",\"B=image\"]");
  expect ("{\"Env\":[\"A=mine\",\"C\"]}", "Env", "[\"A=mine\",\"C\",\"PATH=/bin\",\"B=image\"]");
  /* a name alone (no "=") still counts as set */
  expect ("{\"Env\":[\"B\"]}", "Env", "[\"B\",\"PATH=/bin\",\"A=image\"]");
}

static void maps_are_unions_the_request_winning (void **state)
{
  (void) state;
  expect ("{\"Labels\":{\"l1\":\"mine\",\"l3\":\"mine\"}}", "Labels", "{\"l1\":\"mine\",\"l2\":\"image\",\"l3\":\"mine\"}");
  expect ("{\"Labels\":null}", "Labels", "{\"l1\":\"image\",\"l2\":\"image\"}");
  expect ("{\"Volumes\":{\"/mine\":{}}}", "Volumes", "{\"/data\":{},\"/mine\":{}}");
  expect ("{}", "ExposedPorts", "{\"80/tcp\":{}}");
}

static void command_rules (void **state)
{
  (void) state;
  /* nothing given: both from the image */
  expect ("{}", "Cmd", "[\"sh\",\"-c\",\"img\"]");
  expect ("{}", "Entrypoint", "[\"/ep\"]");
  /* a Cmd given: the image's Entrypoint still runs it */
  expect ("{\"Cmd\":[\"x\"]}", "Cmd", "[\"x\"]");
  expect ("{\"Cmd\":[\"x\"]}", "Entrypoint", "[\"/ep\"]");
  /* an Entrypoint given: the image's Cmd is dropped */
  expect ("{\"Entrypoint\":[\"/mine\"]}", "Cmd", "null");
  expect ("{\"Entrypoint\":[\"/mine\"]}", "Entrypoint", "[\"/mine\"]");
  /* --entrypoint "" sends [""]: no image Entrypoint, no image Cmd */
  expect ("{\"Entrypoint\":[\"\"]}", "Entrypoint", "[\"\"]");
  expect ("{\"Entrypoint\":[\"\"]}", "Cmd", "null");
  /* [] is empty but not null: the image's Cmd, not its Entrypoint */
  expect ("{\"Entrypoint\":[]}", "Cmd", "[\"sh\",\"-c\",\"img\"]");
  expect ("{\"Entrypoint\":[]}", "Entrypoint", "[]");
}

static void healthcheck_fields (void **state)
{
  (void) state;
  expect ("{}", "Healthcheck", "{\"Interval\":5,\"Retries\":2,\"Test\":[\"CMD\",\"true\"]}");
  expect ("{\"Healthcheck\":{\"Test\":[\"CMD\",\"mine\"],\"Interval\":0,\"Timeout\":7}}", "Healthcheck",
          "{\"Interval\":5,\"Retries\":2,\"Test\":[\"CMD\",\"mine\"],\"Timeout\":7}");
}

static void no_image_config (void **state)
{
  (void) state;
  json_t *b = json_loads ("{\"Cmd\":[\"x\"]}", 0, NULL);
  assert_int_equal (image_merge (b, NULL), 0);
  assert_int_equal (json_object_size (b), 1);
  json_t *arr = json_array ();
  assert_int_equal (image_merge (arr, b), -1);
  json_decref (arr);
  json_decref (b);
}

static void expect_ref (const char *in, const char *full, const char *familiar)
{
  struct image_ref r;
  char why[256], out[REF_MAX + 220];
  assert_int_equal (ref_parse (in, &r, why, sizeof why), 0);
  ref_full (&r, out, sizeof out);
  assert_string_equal (out, full);
  ref_familiar (&r, out, sizeof out);
  assert_string_equal (out, familiar);
}

static void references_normalise (void **state)
{
  (void) state;
  expect_ref ("busybox", "docker.io/library/busybox:latest", "busybox:latest");
  expect_ref ("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36");
  expect_ref ("library/busybox", "docker.io/library/busybox:latest", "busybox:latest");
  expect_ref ("docker.io/library/busybox:1", "docker.io/library/busybox:1", "busybox:1");
  expect_ref ("me/app", "docker.io/me/app:latest", "me/app:latest");
  expect_ref ("localhost:5000/a/b:v1", "localhost:5000/a/b:v1", "localhost:5000/a/b:v1");
  expect_ref ("quay.io/x_y/z-1.2", "quay.io/x_y/z-1.2:latest", "quay.io/x_y/z-1.2:latest");
  char d[80] = "a@sha256:";
  memset (d + 9, 'a', 64);
  d[73] = '\0';
  expect_ref (d, "docker.io/library/a@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
              "a@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
}

static void references_refused (void **state)
{
  (void) state;
  static const char *const bad[] = { "", "Busybox", "a:", ":tag", "a//b", "a/", "-a", "a:-tag", "a@sha256:12",
                                     "a b", "a:t:t", "a..b" };
  struct image_ref r;
  char why[256];
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      if (ref_parse (bad[i], &r, why, sizeof why) == 0)
        fail_msg ("accepted %s", bad[i]);
      assert_non_null (strstr (why, "invalid reference format"));
    }
  assert_int_equal (ref_parse ("Upper", &r, why, sizeof why), -1);
  assert_string_equal (why, "invalid reference format: repository name (Upper) must be lowercase");
  char longname[300];
  memset (longname, 'a', 260);
  longname[260] = '\0';
  assert_int_equal (ref_parse (longname, &r, why, sizeof why), -1);
  assert_true (ref_is_id_prefix ("sha256:abc"));
  assert_true (ref_is_id_prefix ("0f"));
  assert_false (ref_is_id_prefix ("busybox"));
  assert_false (ref_is_id_prefix (""));
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (strings_from_the_image_when_unset),
    cmocka_unit_test (env_image_entries_not_set_follow),
    cmocka_unit_test (maps_are_unions_the_request_winning),
    cmocka_unit_test (command_rules),
    cmocka_unit_test (healthcheck_fields),
    cmocka_unit_test (no_image_config),
    cmocka_unit_test (references_normalise),
    cmocka_unit_test (references_refused),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
