/* Documents built value by value into jansson objects, then dumped by jansson
 * indented like `docker inspect` (4 spaces) or compact. The builder exists for two
 * reasons jansson alone does not cover: strings from a container (argv, env, output)
 * may be any bytes, and jansson refuses invalid UTF-8, so each becomes U+FFFD here;
 * and out of memory must not exit the long-lived endpoint, so a failed allocation
 * sets `oom`, the document is dropped and every writer checks the flag. */
#ifndef TETHER_CTL_JSON_H
#define TETHER_CTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define JSON_MAX_DEPTH 32

struct json {
  json_t *root;
  json_t *open[JSON_MAX_DEPTH];         /* the containers being filled, innermost last */
  int depth;
  char *key;                            /* an object's key waiting for its value */
  int indent;                           /* spaces per level; 0 = compact */
  bool oom;                             /* an allocation failed: the document is lost */
  char *buf;                            /* the text, once the outermost value is complete */
  size_t len;
};

void json_init (struct json *j, int indent);
void json_free (struct json *j);

void json_obj_begin (struct json *j);
void json_obj_end (struct json *j);
void json_arr_begin (struct json *j);
void json_arr_end (struct json *j);
void json_key (struct json *j, const char *key);
void json_str (struct json *j, const char *s);
void json_strn (struct json *j, const char *s, size_t len);
void json_int (struct json *j, int64_t v);
void json_bool (struct json *j, bool v);
void json_write_null (struct json *j);

/* key + value in one call */
void json_kstr (struct json *j, const char *key, const char *s);
void json_kint (struct json *j, const char *key, int64_t v);
void json_kbool (struct json *j, const char *key, bool v);
/* An array of strings; NULL with n == 0 prints null when null_if_empty. */
void json_kstrv (struct json *j, const char *key, char *const *v, size_t n, bool null_if_empty);

/* A copy of s[0..len) with each byte that does not start a valid UTF-8 sequence
 * (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF) replaced by
 * U+FFFD; NUL-terminated, *out_len its length. NULL when out of memory. */
char *json_utf8_clean (const char *s, size_t len, size_t *out_len);

#endif
