#include "json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Out of memory marks the document failed (and empties it) instead of exiting:
 * the long-lived endpoint writes state.json with this and must keep its VM. */
static void put (struct json *j, const char *s, size_t n)
{
  if (j->oom)
    return;
  if (n > SIZE_MAX - j->len - 1)
    abort ();
  if (j->len + n + 1 > j->cap)
    {
      size_t cap = j->cap ? j->cap : 256;
      while (cap < j->len + n + 1)
        {
          if (cap > SIZE_MAX / 2)
            abort ();
          cap *= 2;
        }
      char *b = realloc (j->buf, cap);
      if (b == NULL)
        {
          j->oom = true;
          if (j->buf)
            j->buf[0] = '\0';
          j->len = 0;
          return;
        }
      j->buf = b;
      j->cap = cap;
    }
  memcpy (j->buf + j->len, s, n);
  j->len += n;
  j->buf[j->len] = '\0';
}

static void puts_ (struct json *j, const char *s)
{
  put (j, s, strlen (s));
}

static void newline (struct json *j)
{
  if (j->indent == 0)
    return;
  put (j, "\n", 1);
  for (int i = 0; i < j->depth * j->indent; i++)
    put (j, " ", 1);
}

/* Separator and indentation before a value (or a key) in the open container. */
static void before_value (struct json *j)
{
  if (j->after_key)
    {
      j->after_key = false;
      return;
    }
  if (j->depth > 0)
    {
      if (j->has_items[j->depth - 1])
        put (j, ",", 1);
      j->has_items[j->depth - 1] = true;
      newline (j);
    }
}

void json_init (struct json *j, int indent)
{
  memset (j, 0, sizeof *j);
  j->indent = indent;
}

void json_free (struct json *j)
{
  free (j->buf);
  j->buf = NULL;
  j->len = j->cap = 0;
}

static void open_ (struct json *j, const char *c)
{
  before_value (j);
  if (j->depth >= JSON_MAX_DEPTH)
    abort (); /* a programming error: our documents are shallow */
  puts_ (j, c);
  j->has_items[j->depth++] = false;
}

static void close_ (struct json *j, const char *c)
{
  if (j->depth <= 0)
    abort ();
  bool had = j->has_items[--j->depth];
  if (had)
    newline (j);
  puts_ (j, c);
}

void json_obj_begin (struct json *j) { open_ (j, "{"); }
void json_obj_end (struct json *j) { close_ (j, "}"); }
void json_arr_begin (struct json *j) { open_ (j, "["); }
void json_arr_end (struct json *j) { close_ (j, "]"); }

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid (RFC 3629:
 * no overlongs, no surrogates, nothing above U+10FFFF). */
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

void json_strn (struct json *j, const char *s, size_t len)
{
  before_value (j);
  put (j, "\"", 1);
  const unsigned char *p = (const unsigned char *) s;
  size_t i = 0;
  while (i < len)
    {
      unsigned char c = p[i];
      char esc[8];
      const char *rep = NULL;
      switch (c)
        {
        case '"': rep = "\\\""; break;
        case '\\': rep = "\\\\"; break;
        case '\b': rep = "\\b"; break;
        case '\f': rep = "\\f"; break;
        case '\n': rep = "\\n"; break;
        case '\r': rep = "\\r"; break;
        case '\t': rep = "\\t"; break;
        default:
          if (c < 0x20 || c == 0x7f)
            {
              snprintf (esc, sizeof esc, "\\u%04x", c);
              rep = esc;
            }
        }
      if (rep != NULL)
        {
          puts_ (j, rep);
          i++;
          continue;
        }
      size_t n = utf8_len (p + i, len - i);
      if (n == 0)
        {
          puts_ (j, "\\ufffd");
          i++;
          continue;
        }
      put (j, s + i, n);
      i += n;
    }
  put (j, "\"", 1);
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
  json_str (j, key);
  put (j, j->indent ? ": " : ":", j->indent ? 2 : 1);
  j->after_key = true;
}

void json_int (struct json *j, int64_t v)
{
  char b[24];
  before_value (j);
  snprintf (b, sizeof b, "%" PRId64, v);
  puts_ (j, b);
}

void json_bool (struct json *j, bool v)
{
  before_value (j);
  puts_ (j, v ? "true" : "false");
}

void json_write_null (struct json *j)
{
  before_value (j);
  puts_ (j, "null");
}

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
