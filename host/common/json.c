#include "json.h"

#include <stdlib.h>
#include <string.h>

void json_init (struct json *j, int indent)
{
  memset (j, 0, sizeof *j);
  j->indent = indent;
}

void json_free (struct json *j)
{
  json_decref (j->root);
  free (j->key);
  free (j->buf);
  json_init (j, j->indent);
}

static void fail (struct json *j)
{
  int indent = j->indent;
  json_free (j);
  j->indent = indent;
  j->oom = true;
}

/* Dumps the finished document into buf (jansson keeps insertion order). */
static void finish (struct json *j)
{
  size_t flags = JSON_ENCODE_ANY | (j->indent ? JSON_INDENT (j->indent) : JSON_COMPACT);
  j->buf = json_dumps (j->root, flags);
  if (j->buf == NULL)
    {
      fail (j);
      return;
    }
  j->len = strlen (j->buf);
}

/* Puts v (a new reference, NULL when its allocation failed) where the document
 * stands: under the pending key, at the end of the open array, or as the root. */
static void place (struct json *j, json_t *v)
{
  if (j->oom || v == NULL)
    {
      json_decref (v);
      fail (j);
      return;
    }
  if (j->depth == 0)
    {
      if (j->root != NULL)
        abort (); /* a programming error: one value per document */
      j->root = v;
      if (!json_is_object (v) && !json_is_array (v))
        finish (j);
      return;
    }
  json_t *parent = j->open[j->depth - 1];
  int r;
  if (json_is_object (parent))
    {
      if (j->key == NULL)
        abort (); /* a value in an object without its key */
      r = json_object_set_new (parent, j->key, v);
      free (j->key);
      j->key = NULL;
    }
  else
    r = json_array_append_new (parent, v);
  if (r < 0)
    fail (j);
}

static void open_ (struct json *j, json_t *c)
{
  if (j->depth >= JSON_MAX_DEPTH)
    abort (); /* a programming error: our documents are shallow */
  json_t *borrowed = c;
  place (j, c);
  if (j->oom)
    return;
  j->open[j->depth++] = borrowed;
}

static void close_ (struct json *j)
{
  if (j->oom)
    return;
  if (j->depth <= 0)
    abort ();
  if (--j->depth == 0)
    finish (j);
}

void json_obj_begin (struct json *j) { open_ (j, json_object ()); }
void json_obj_end (struct json *j) { close_ (j); }
void json_arr_begin (struct json *j) { open_ (j, json_array ()); }
void json_arr_end (struct json *j) { close_ (j); }

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len (const unsigned char *s, size_t avail)
{
  unsigned char c = s[0];
  size_t n;
  uint32_t cp;
  if (c < 0x80)
    return 1;
  else if (c >= 0xc2 && c <= 0xdf)
    n = 2, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef)
    n = 3, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4)
    n = 4, cp = c & 0x07;
  else
    return 0;
  if (avail < n)
    return 0;
  for (size_t i = 1; i < n; i++)
    {
      if ((s[i] & 0xc0) != 0x80)
        return 0;
      cp = (cp << 6) | (s[i] & 0x3f);
    }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff))
      || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

char *json_utf8_clean (const char *s, size_t len, size_t *out_len)
{
  static const char replacement[] = "\xef\xbf\xbd";
  if (len > (SIZE_MAX - 1) / 3)
    return NULL;
  char *out = malloc (len * 3 + 1); /* each byte at worst becomes 3 */
  if (out == NULL)
    return NULL;
  const unsigned char *p = (const unsigned char *) s;
  size_t i = 0, o = 0;
  while (i < len)
    {
      size_t n = utf8_len (p + i, len - i);
      if (n == 0)
        {
          memcpy (out + o, replacement, 3);
          o += 3;
          i++;
          continue;
        }
      memcpy (out + o, s + i, n);
      o += n;
      i += n;
    }
  out[o] = '\0';
  *out_len = o;
  return out;
}

void json_strn (struct json *j, const char *s, size_t len)
{
  if (j->oom)
    return;
  size_t n;
  char *clean = json_utf8_clean (s, len, &n);
  if (clean == NULL)
    {
      fail (j);
      return;
    }
  place (j, json_stringn_nocheck (clean, n)); /* checked just above */
  free (clean);
}

void json_str (struct json *j, const char *s)
{
  if (s == NULL)
    json_write_null (j);
  else
    json_strn (j, s, strlen (s));
}

void json_key (struct json *j, const char *key)
{
  if (j->oom)
    return;
  if (j->depth == 0 || !json_is_object (j->open[j->depth - 1]) || j->key != NULL)
    abort (); /* a key outside an object, or two keys in a row */
  size_t n;
  j->key = json_utf8_clean (key, strlen (key), &n);
  if (j->key == NULL)
    fail (j);
}

void json_int (struct json *j, int64_t v) { place (j, json_integer (v)); }
void json_bool (struct json *j, bool v) { place (j, json_boolean (v)); }
void json_write_null (struct json *j) { place (j, json_null ()); }

void json_kstr (struct json *j, const char *key, const char *s)
{
  json_key (j, key);
  json_str (j, s);
}

void json_kint (struct json *j, const char *key, int64_t v)
{
  json_key (j, key);
  json_int (j, v);
}

void json_kbool (struct json *j, const char *key, bool v)
{
  json_key (j, key);
  json_bool (j, v);
}

void json_kstrv (struct json *j, const char *key, char *const *v, size_t n, bool null_if_empty)
{
  json_key (j, key);
  if (n == 0 && null_if_empty)
    {
      json_write_null (j);
      return;
    }
  json_arr_begin (j);
  for (size_t i = 0; i < n; i++)
    json_str (j, v[i]);
  json_arr_end (j);
}
