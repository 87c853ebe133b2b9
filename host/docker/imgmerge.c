#include "imgmerge.h"

#include <stdbool.h>
#include <jansson.h>
#include <string.h>

static bool empty_str (const json_t *v)
{
  return v == NULL || json_is_null (v) || (json_is_string (v) && json_string_length (v) == 0);
}

static bool empty_list (const json_t *v)
{
  return v == NULL || json_is_null (v) || (json_is_array (v) && json_array_size (v) == 0);
}

static void take_str (json_t *body, const json_t *image, const char *key)
{
  const json_t *iv = json_object_get (image, key);
  if (empty_str (json_object_get (body, key)) && json_is_string (iv))
    json_object_set (body, key, (json_t *) iv);
}

/* The name part of "K=V" equals that of another. */
static bool same_env_key (const char *a, const char *b)
{
  size_t la = strcspn (a, "="), lb = strcspn (b, "=");
  return la == lb && memcmp (a, b, la) == 0;
}

static void merge_env (json_t *body, const json_t *image)
{
  const json_t *ie = json_object_get (image, "Env");
  if (!json_is_array (ie) || json_array_size (ie) == 0)
    return;
  json_t *be = json_object_get (body, "Env");
  if (!json_is_array (be))
    {
      json_object_set_new (body, "Env", json_deep_copy (ie));
      return;
    }
  size_t n = json_array_size (be), i, k;
  json_t *v;
  json_array_foreach (ie, i, v)
    {
      const char *s = json_string_value (v);
      bool found = false;
      for (k = 0; s && k < n && !found; k++)
        {
          const char *u = json_string_value (json_array_get (be, k));
          found = u && same_env_key (s, u);
        }
      if (s && !found)
        json_array_append (be, v);
    }
}

/* The image's keys the request lacks (Labels, ExposedPorts, Volumes). */
static void merge_union (json_t *body, const json_t *image, const char *key)
{
  const json_t *io = json_object_get (image, key);
  if (!json_is_object (io) || json_object_size (io) == 0)
    return;
  json_t *bo = json_object_get (body, key);
  if (!json_is_object (bo))
    {
      bo = json_object ();
      json_object_set_new (body, key, bo);
    }
  const char *k;
  json_t *v;
  json_object_foreach ((json_t *) io, k, v)
    if (json_object_get (bo, k) == NULL)
      json_object_set (bo, k, v);
}

static void merge_command (json_t *body, const json_t *image)
{
  const json_t *ep = json_object_get (body, "Entrypoint");
  if (!empty_list (ep))
    return;
  const json_t *icmd = json_object_get (image, "Cmd"), *iep = json_object_get (image, "Entrypoint");
  if (empty_list (json_object_get (body, "Cmd")) && json_is_array (icmd))
    json_object_set (body, "Cmd", (json_t *) icmd);
  if ((ep == NULL || json_is_null (ep)) && json_is_array (iep))
    json_object_set (body, "Entrypoint", (json_t *) iep);
}

static bool zero (const json_t *v)
{
  return v == NULL || json_is_null (v) || (json_is_integer (v) && json_integer_value (v) == 0)
         || (json_is_array (v) && json_array_size (v) == 0);
}

static void merge_health (json_t *body, const json_t *image)
{
  const json_t *ih = json_object_get (image, "Healthcheck");
  if (!json_is_object (ih))
    return;
  json_t *bh = json_object_get (body, "Healthcheck");
  if (!json_is_object (bh))
    {
      json_object_set_new (body, "Healthcheck", json_deep_copy (ih));
      return;
    }
  static const char *const keys[] = { "Test", "Interval", "Timeout", "StartPeriod", "Retries" };
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (zero (json_object_get (bh, keys[i])) && json_object_get (ih, keys[i]))
      json_object_set (bh, keys[i], json_object_get (ih, keys[i]));
}

int image_merge (json_t *body, const json_t *image)
{
  if (!json_is_object (body))
    return -1;
  if (!json_is_object (image))
    return 0;
  take_str (body, image, "User");
  take_str (body, image, "WorkingDir");
  take_str (body, image, "StopSignal");
  merge_env (body, image);
  merge_union (body, image, "Labels");
  merge_union (body, image, "ExposedPorts");
  merge_union (body, image, "Volumes");
  merge_command (body, image);
  merge_health (body, image);
  return 0;
}
