/* host/common/json.c: escaping and layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "json.h"

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
  assert_string_equal (compact_str (&j, "\x01\x1f\x7f", 3), "\"\\u0001\\u001f\\u007f\"");
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
  assert_string_equal (compact_str (&j, "\x80", 1), "\"\\ufffd\"");
  assert_string_equal (compact_str (&j, "\xe2\x80", 2), "\"\\ufffd\\ufffd\"");
  assert_string_equal (compact_str (&j, "\xc0\xaf", 2), "\"\\ufffd\\ufffd\"");
  assert_string_equal (compact_str (&j, "\xed\xa0\x80", 3), "\"\\ufffd\\ufffd\\ufffd\"");
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

static void layout_indented (void **state)
{
  (void) state;
  struct json j;
  json_init (&j, 4);
  json_arr_begin (&j);
  json_obj_begin (&j);
  json_kstr (&j, "Id", "abc");
  char *args[] = { "a", "b" };
  json_kstrv (&j, "Args", args, 2, 0);
  json_obj_end (&j);
  json_arr_end (&j);
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
}

static void empty_array (void **state)
{
  (void) state;
  struct json j;
  json_init (&j, 4);
  json_arr_begin (&j);
  json_arr_end (&j);
  assert_string_equal (j.buf, "[]");
  json_free (&j);
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (escapes),         cmocka_unit_test (utf8),
    cmocka_unit_test (layout_compact),  cmocka_unit_test (layout_indented),
    cmocka_unit_test (empty_array),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
