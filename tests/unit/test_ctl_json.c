/* host/common/json.c: what reaches jansson (invalid UTF-8 replaced) and the layout it
 * dumps; every document must load back as the same value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"

#define FFFD "\xef\xbf\xbd" /* U+FFFD in UTF-8 */

static const char *compact_str (struct json *j, const char *s, size_t n)
{
  json_free (j);
  json_init (j, 0);
  json_strn (j, s, n);
  return j->buf;
}

static void escapes (void **state)
{
  (void) state;
  struct json j;
  json_init (&j, 0);
  assert_string_equal (compact_str (&j, "plain", 5), "\"plain\"");
  assert_string_equal (compact_str (&j, "a\"b\\c", 5), "\"a\\\"b\\\\c\"");
  assert_string_equal (compact_str (&j, "\n\r\t\b\f", 5), "\"\\n\\r\\t\\b\\f\"");
  assert_string_equal (compact_str (&j, "\x01\x1f\x7f", 3), "\"\\u0001\\u001F\x7f\"");
  assert_string_equal (compact_str (&j, "a\0b", 3), "\"a\\u0000b\"");
  assert_string_equal (compact_str (&j, "/", 1), "\"/\"");
  json_free (&j);
}

static void utf8 (void **state)
{
  (void) state;
  struct json j;
  json_init (&j, 0);
  assert_string_equal (compact_str (&j, "caf\xc3\xa9 \xe2\x80\xa6 \xf0\x9f\x98\x80", 14),
                       "\"caf\xc3\xa9 \xe2\x80\xa6 \xf0\x9f\x98\x80\"");
  /* invalid: lone continuation, truncated sequence, overlong, surrogate */
  assert_string_equal (compact_str (&j, "\x80", 1), "\"" FFFD "\"");
  assert_string_equal (compact_str (&j, "\xe2\x80", 2), "\"" FFFD FFFD "\"");
  assert_string_equal (compact_str (&j, "\xc0\xaf", 2), "\"" FFFD FFFD "\"");
  assert_string_equal (compact_str (&j, "\xed\xa0\x80", 3), "\"" FFFD FFFD FFFD "\"");
  json_free (&j);
}

static void layout_compact (void **state)
{
  (void) state;
  struct json j;
  json_init (&j, 0);
  json_obj_begin (&j);
  json_kstr (&j, "a", "x");
  json_kint (&j, "n", -42);
  json_kbool (&j, "t", 1);
  json_key (&j, "z");
  json_write_null (&j);
  json_kstrv (&j, "e", NULL, 0, 1);
  json_kstrv (&j, "l", NULL, 0, 0);
  json_key (&j, "o");
  json_obj_begin (&j);
  json_obj_end (&j);
  json_obj_end (&j);
  assert_string_equal (j.buf, "{\"a\":\"x\",\"n\":-42,\"t\":true,\"z\":null,\"e\":null,\"l\":[],\"o\":{}}");
  json_free (&j);
}

/* [{"Id": "abc", "Args": ["a", "b"]}] */
static void sample (struct json *j)
{
  json_init (j, 4);
  json_arr_begin (j);
  json_obj_begin (j);
  json_kstr (j, "Id", "abc");
  char *args[] = { "a", "b" };
  json_kstrv (j, "Args", args, 2, 0);
  json_obj_end (j);
  json_arr_end (j);
}

static void layout_indented (void **state)
{
  (void) state;
  struct json j;
  sample (&j);
  assert_string_equal (j.buf, "[\n"
                              "    {\n"
                              "        \"Id\": \"abc\",\n"
                              "        \"Args\": [\n"
                              "            \"a\",\n"
                              "            \"b\"\n"
                              "        ]\n"
                              "    }\n"
                              "]");
  json_free (&j);
  /* an empty array stays on one line */
  json_init (&j, 4);
  json_arr_begin (&j);
  json_arr_end (&j);
  assert_string_equal (j.buf, "[]");
  json_free (&j);
}

/* What is dumped loads back with the same values, the invalid byte as U+FFFD. */
static void round_trip (void **state)
{
  (void) state;
  char *env[] = { "A=1", "B=\"2\"" };
  struct json j;
  json_init (&j, 4);
  json_obj_begin (&j);
  json_kstrv (&j, "Env", env, 2, 1);
  json_key (&j, "Big");
  json_int (&j, INT64_MIN);
  json_key (&j, "Out");
  json_strn (&j, "a\xff" "b\n", 4);
  json_obj_end (&j);
  json_error_t e;
  json_t *v = json_loads (j.buf, JSON_REJECT_DUPLICATES, &e);
  assert_non_null (v);
  assert_string_equal (json_string_value (json_object_get (v, "Out")), "a" FFFD "b\n");
  assert_true (json_integer_value (json_object_get (v, "Big")) == INT64_MIN);
  assert_string_equal (json_string_value (json_array_get (json_object_get (v, "Env"), 1)), "B=\"2\"");
  json_decref (v);
  json_free (&j);
}

/* An allocation failing anywhere drops the document and sets oom; nothing leaks
 * (LeakSanitizer) and nothing aborts: the endpoint keeps running. */
static int allocs_left;
static void *failing_malloc (size_t n)
{
  return allocs_left-- > 0 ? malloc (n) : NULL;
}

static void out_of_memory (void **state)
{
  (void) state;
  json_set_alloc_funcs (failing_malloc, free);
  int failed = 0, built = 0;
  for (int budget = 0; budget < 40; budget++)
    {
      allocs_left = budget;
      struct json j;
      sample (&j);
      if (j.oom)
        assert_null (j.buf), failed++;
      else
        assert_non_null (strstr (j.buf, "\"Args\"")), built++;
      json_free (&j);
    }
  json_set_alloc_funcs (malloc, free);
  assert_true (failed > 0 && built > 0); /* both paths were taken */
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (escapes),         cmocka_unit_test (utf8),
    cmocka_unit_test (layout_compact),  cmocka_unit_test (layout_indented),
    cmocka_unit_test (round_trip),      cmocka_unit_test (out_of_memory),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
