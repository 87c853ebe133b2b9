/* A small JSON writer into a growing buffer, indented like `docker inspect`
 * (4 spaces). Strings are escaped per RFC 8259; invalid UTF-8 becomes U+FFFD so the
 * output is always valid JSON. Out of memory sets `oom` and empties the document:
 * every writer checks it (the endpoint must not exit over a failed allocation). */
#ifndef TETHER_CTL_JSON_H
#define TETHER_CTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 32

struct json {
  char *buf;
  size_t len;
  size_t cap;
  int depth;
  int indent;                           /* spaces per level; 0 = compact */
  bool has_items[JSON_MAX_DEPTH];       /* the open container has an element */
  bool after_key;                       /* a key was written, its value is next */
  bool oom;                             /* an allocation failed: the document is lost */
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

#endif
