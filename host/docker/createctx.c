/* The create parser's shared context (createctx.h): the error it reports and
 * Go's encoding/json rules, which both halves of the body (ctrcreate.c for
 * Config, hostconfig.c for HostConfig and NetworkingConfig) are held to. */
#include "createctx.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int create_fail (struct ctx *c, int status, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (c->why, c->cap, fmt, ap);
  va_end (ap);
  *c->status = status;
  return -1;
}

int create_unsupported (struct ctx *c, const char *path, const char *what)
{
  if (what)
    return create_fail (c, 501, "%s (%s) is not supported by tetherd yet", path, what);
  return create_fail (c, 501, "%s is not supported by tetherd yet", path);
}

const char *create_go_kind (const json_t *v)
{
  switch (json_typeof (v))
    {
    case JSON_STRING: return "string";
    case JSON_INTEGER:
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "bool";
    case JSON_ARRAY: return "array";
    case JSON_OBJECT: return "object";
    default: return "null";
    }
}

/* Go's text for a value of the wrong type (encoding/json UnmarshalTypeError). */
int create_type_error (struct ctx *c, const char *path, const json_t *v, const char *go_type)
{
  return create_fail (c, 400, "json: cannot unmarshal %s into Go struct field %s of type %s", create_go_kind (v), path,
                      go_type);
}

/* Go's zero value: null, false, 0, "", [] and {}. */
bool create_is_zero (const json_t *v)
{
  switch (json_typeof (v))
    {
    case JSON_NULL:
    case JSON_FALSE: return true;
    case JSON_INTEGER: return json_integer_value (v) == 0;
    case JSON_REAL: return json_real_value (v) == 0;
    case JSON_STRING: return json_string_length (v) == 0;
    case JSON_ARRAY: return json_array_size (v) == 0;
    case JSON_OBJECT: return json_object_size (v) == 0;
    default: return false;
    }
}

/* The typed getters: an absent key or null is the zero value. */
int create_get_string (struct ctx *c, const json_t *o, const char *key, const char *path, const char **out)
{
  const json_t *v = json_object_get (o, key);
  *out = "";
  if (v == NULL || json_is_null (v))
    return 0;
  if (!json_is_string (v))
    return create_type_error (c, path, v, "string");
  *out = json_string_value (v);
  return 0;
}

int create_get_bool (struct ctx *c, const json_t *o, const char *key, const char *path, bool *out)
{
  const json_t *v = json_object_get (o, key);
  *out = false;
  if (v == NULL || json_is_null (v))
    return 0;
  if (!json_is_boolean (v))
    return create_type_error (c, path, v, "bool");
  *out = json_is_true (v);
  return 0;
}

/* *present says whether a number was given (StopTimeout: null is "unset"). */
int create_get_int (struct ctx *c, const json_t *o, const char *key, const char *path, int64_t *out,
                    bool *present)
{
  const json_t *v = json_object_get (o, key);
  *out = 0;
  if (present)
    *present = false;
  if (v == NULL || json_is_null (v))
    return 0;
  if (!json_is_integer (v))
    return create_type_error (c, path, v, "int64");
  *out = json_integer_value (v);
  if (present)
    *present = true;
  return 0;
}

int create_get_object (struct ctx *c, const json_t *o, const char *key, const char *path, const json_t **out)
{
  const json_t *v = json_object_get (o, key);
  *out = NULL;
  if (v == NULL || json_is_null (v))
    return 0;
  if (!json_is_object (v))
    return create_type_error (c, path, v, "object");
  *out = v;
  return 0;
}

/* []string into strs[*n..]; is_slice: docker's StrSlice, which also takes a
 * single string (Cmd, Entrypoint). *given: the key held a non-null value. */
int create_get_strings (struct ctx *c, const json_t *o, const char *key, const char *path, bool is_slice,
                        char **strs, size_t *n, bool *given)
{
  const json_t *v = json_object_get (o, key);
  if (given)
    *given = false;
  if (v == NULL || json_is_null (v))
    return 0;
  if (given)
    *given = true;
  if (is_slice && json_is_string (v))
    {
      if (*n >= CREATE_MAX_LIST)
        return create_fail (c, 400, "%s: more than %d entries (tetherd's bound)", path, CREATE_MAX_LIST);
      strs[(*n)++] = (char *) json_string_value (v);
      return 0;
    }
  if (!json_is_array (v))
    return create_type_error (c, path, v, is_slice ? "strslice.StrSlice" : "[]string");
  size_t i;
  const json_t *e;
  json_array_foreach (v, i, e)
    {
      if (!json_is_string (e))
        return create_type_error (c, path, e, "string");
      if (*n >= CREATE_MAX_LIST)
        return create_fail (c, 400, "%s: more than %d entries (tetherd's bound)", path, CREATE_MAX_LIST);
      strs[(*n)++] = (char *) json_string_value (e);
    }
  return 0;
}

/* Every key of o not taken by the code: R_ANY passes, the others only at zero. */
int create_check_rest (struct ctx *c, const json_t *o, const char *prefix, const struct field *fs, size_t n)
{
  const char *k;
  json_t *v;
  json_object_foreach ((json_t *) o, k, v)
    {
      const struct field *f = NULL;
      for (size_t i = 0; i < n && f == NULL; i++)
        if (strcmp (fs[i].key, k) == 0)
          f = &fs[i];
      if (f && (f->rule == R_TAKE || f->rule == R_ANY))
        continue;
      if (f && f->rule == R_NULL ? json_is_null (v) : create_is_zero (v))
        continue;
      char path[160];
      snprintf (path, sizeof path, "%s.%.100s", prefix, k);
      return create_unsupported (c, path, f ? f->what : NULL);
    }
  return 0;
}
