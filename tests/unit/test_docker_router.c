/* host/docker/router.c: the version prefix, route matching, docker's error
 * shape and status codes, query booleans. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "router.h"
#include "unit.h"

struct kv {
  const char *k, *v;
};

static const char *lookup (void *ctx, const char *key)
{
  for (const struct kv *p = ctx; p && p->k; p++)
    if (strcmp (p->k, key) == 0)
      return p->v;
  return NULL;
}

/* Routes url and returns the reply's status; body in rep (freed by the caller). */
static int route (const char *method, const char *url, struct api_reply *rep, struct api_req *out)
{
  struct api_req req = { .method = method, .url = url, .arg = lookup };
  memset (rep, 0, sizeof *rep);
  api_route (&req, rep);
  if (out)
    *out = req;
  return rep->status;
}

static void body_is (struct api_reply *rep, const char *want)
{
  assert_int_equal (rep->len, strlen (want));
  assert_memory_equal (rep->body, want, rep->len);
  api_reply_free (rep);
}

static void ping_with_and_without_a_version (void **state)
{
  (void) state;
  struct api_reply rep;
  assert_int_equal (route ("GET", "/_ping", &rep, NULL), 200);
  assert_true (rep.is_ping);
  assert_string_equal (rep.content_type, CT_TEXT);
  body_is (&rep, "OK");
  assert_int_equal (route ("HEAD", "/v1.41/_ping", &rep, NULL), 200);
  body_is (&rep, "");
}

static void versions_out_of_range (void **state)
{
  (void) state;
  struct api_reply rep;
  assert_int_equal (route ("GET", "/v1.12/version", &rep, NULL), 400);
  assert_string_equal (rep.content_type, CT_JSON);
  body_is (&rep, "{\"message\":\"client version 1.12 is too old. Minimum supported API version is 1.41, please "
                 "upgrade your client to a newer version\"}");
  assert_int_equal (route ("GET", "/v1.40.9/version", &rep, NULL), 400);
  api_reply_free (&rep);
  assert_int_equal (route ("GET", "/v1/version", &rep, NULL), 400);
  api_reply_free (&rep);
  assert_int_equal (route ("GET", "/v2.0/version", &rep, NULL), 400);
  body_is (&rep, "{\"message\":\"client version 2.0 is too new. Maximum supported API version is 1.50\"}");
  assert_int_equal (route ("GET", "/v1.51/_ping", &rep, NULL), 400);
  api_reply_free (&rep);
}

static void versions_in_range_set_minor (void **state)
{
  (void) state;
  struct api_reply rep;
  struct api_req req;
  assert_int_equal (route ("GET", "/v1.41/_ping", &rep, &req), 200);
  assert_int_equal (req.minor, 41);
  assert_string_equal (req.path, "/_ping");
  api_reply_free (&rep);
  assert_int_equal (route ("GET", "/v1.50.0/_ping", &rep, &req), 200);
  assert_int_equal (req.minor, 50);
  api_reply_free (&rep);
  assert_int_equal (route ("GET", "/_ping", &rep, &req), 200);
  assert_int_equal (req.minor, API_MINOR_MAX);
  api_reply_free (&rep);
}

static void unknown_paths_are_page_not_found (void **state)
{
  (void) state;
  static const char *const urls[] = { "/", "", "/nope", "/v1.50", "/v1.50/", "/vx/_ping", "/_ping/", "/containers/json/",
                                      "/v/containers/json", "//_ping", "/containers//json" };
  struct api_reply rep;
  for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++)
    {
      assert_int_equal (route ("GET", urls[i], &rep, NULL), 404);
      body_is (&rep, "{\"message\":\"page not found\"}");
    }
  assert_int_equal (route ("POST", "/_ping", &rep, NULL), 404);
  api_reply_free (&rep);
  assert_int_equal (route ("BREW", "/info", &rep, NULL), 404);
  api_reply_free (&rep);
}

static void later_routes_are_501_and_say_not_supported (void **state)
{
  (void) state;
  struct api_reply rep;
  struct api_req req;
  assert_int_equal (route ("POST", "/v1.50/containers/abc/pause", &rep, &req), 501);
  assert_string_equal (req.param, "abc");
  body_is (&rep, "{\"message\":\"this container operation is not supported by tetherd yet (POST /containers/abc/pause)\"}");
  static const char *const urls[] = { "/images/create", "/images", "/containers/json/x", "/images/busybox/history", "/networks/x/y", "/volumes/x/y",
                                      "/plugins/x/json", "/exec/1/top", "/containers/x/changes", "/events" };
  for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++)
    {
      assert_int_equal (route ("GET", urls[i], &rep, NULL), 501);
      assert_non_null (strstr (rep.body, "not supported")); /* docker inspect skips these */
      api_reply_free (&rep);
    }
}

/* An image name may have several segments ("a/b:1"): {+} takes them all. */
static void image_names_of_several_segments (void **state)
{
  (void) state;
  struct api_reply rep;
  struct api_req req;
  assert_int_equal (route ("GET", "/v1.41/images/reg.io:5000/a/b:1/history", &rep, &req), 501);
  assert_string_equal (req.param, "reg.io:5000/a/b:1");
  body_is (&rep, "{\"message\":\"image history is not supported by tetherd yet (GET /images/reg.io:5000/a/b:1/history)\"}");
  assert_int_equal (route ("GET", "/images/a/b/get", &rep, &req), 501);
  assert_string_equal (req.param, "a/b");
  api_reply_free (&rep);
  /* an empty last segment is no name: the catch-all answers */
  assert_int_equal (route ("GET", "/images/a//history", &rep, &req), 501);
  assert_non_null (strstr (rep.body, "images is not supported"));
  api_reply_free (&rep);
}

static void long_id_segment_is_cut_not_overrun (void **state)
{
  (void) state;
  char url[3000] = "/containers/";
  memset (url + strlen (url), 'a', 2000);
  strcat (url, "/json");
  setenv ("TETHER_STATE_DIR", "/nonexistent/tether-unit", 1);
  struct api_reply rep;
  struct api_req req;
  assert_int_equal (route ("GET", url, &rep, &req), 404);
  assert_int_equal (strlen (req.param), API_MAX_PARAM - 1);
  assert_non_null (strstr (rep.body, "No such container: aaaa"));
  api_reply_free (&rep);
}

static void query_booleans_as_docker (void **state)
{
  (void) state;
  static const struct kv args[] = { { "a", "1" }, { "b", "True" }, { "c", "0" }, { "d", "FALSE" }, { "e", "" },
                                    { "f", "none" }, { "g", "no" }, { "h", "yes" }, { NULL, NULL } };
  struct api_req req = { .arg = lookup, .arg_ctx = (void *) args };
  assert_true (api_arg_bool (&req, "a"));
  assert_true (api_arg_bool (&req, "b"));
  assert_false (api_arg_bool (&req, "c"));
  assert_false (api_arg_bool (&req, "d"));
  assert_false (api_arg_bool (&req, "e"));
  assert_false (api_arg_bool (&req, "f"));
  assert_false (api_arg_bool (&req, "g"));
  assert_true (api_arg_bool (&req, "h"));
  assert_false (api_arg_bool (&req, "absent"));
}

static void error_messages_are_valid_json (void **state)
{
  (void) state;
  struct api_reply rep = { 0 };
  api_reply_error (&rep, 404, "No such container: %s", "a\"b\\c\xff");
  assert_int_equal (rep.status, 404);
  body_is (&rep, "{\"message\":\"No such container: a\\\"b\\\\c\xef\xbf\xbd\"}");
}

UNIT_MAIN (cmocka_unit_test (ping_with_and_without_a_version), cmocka_unit_test (versions_out_of_range),
           cmocka_unit_test (versions_in_range_set_minor), cmocka_unit_test (unknown_paths_are_page_not_found),
           cmocka_unit_test (later_routes_are_501_and_say_not_supported),
           cmocka_unit_test (image_names_of_several_segments),
           cmocka_unit_test (long_id_segment_is_cut_not_overrun), cmocka_unit_test (query_booleans_as_docker),
           cmocka_unit_test (error_messages_are_valid_json))
