#include "router.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "routes.h"

typedef void (*route_fn) (struct api_req *req, struct api_reply *rep);

/* Pattern segments match literally; "{}" matches one non-empty segment (kept in
 * req->param); a last "*" matches whatever is left, nothing included. */
struct route {
  const char *method;         /* NULL: any method */
  const char *pattern;
  route_fn fn;
  const char *later;          /* fn == NULL: the part of the API tetherd does not serve yet */
};

/* First match wins: what is served comes before the wildcards of what is not.
 * The "later" texts contain "not supported": `docker inspect` skips an object
 * type whose lookup fails so (docker/cli isErrSkippable) and goes on to the next,
 * as it does on a 404, so `inspect missing` still ends in "No such object". */
static const struct route routes[] = {
  { "GET", "/_ping", route_ping, NULL },
  { "HEAD", "/_ping", route_ping, NULL },
  { "GET", "/version", route_version, NULL },
  { "GET", "/info", route_info, NULL },
  { "GET", "/containers/json", route_ctr_list, NULL },
  { "GET", "/containers/{}/json", route_ctr_inspect, NULL },
  { "POST", "/containers/create", route_ctr_create, NULL },
  { "POST", "/containers/prune", NULL, "container prune" },
  { "DELETE", "/containers/{}", route_ctr_remove, NULL },
  { "POST", "/containers/{}/start", route_ctr_start, NULL },
  { "POST", "/containers/{}/stop", route_ctr_stop, NULL },
  { "POST", "/containers/{}/restart", route_ctr_restart, NULL },
  { "POST", "/containers/{}/kill", route_ctr_kill, NULL },
  { "POST", "/containers/{}/wait", route_ctr_wait, NULL },
  { "POST", "/containers/{}/attach", route_ctr_attach, NULL },
  { "GET", "/containers/{}/attach/ws", NULL, "container attach" },
  { "POST", "/containers/{}/resize", route_ctr_resize, NULL },
  { "POST", "/exec/{}/resize", route_exec_resize, NULL },
  { "POST", "/containers/{}/exec", route_exec_create, NULL },
  { "POST", "/exec/{}/start", route_exec_start, NULL },
  { "GET", "/exec/{}/json", route_exec_inspect, NULL },
  { "GET", "/containers/{}/logs", route_ctr_logs, NULL },
  { "GET", "/containers/{}/top", route_ctr_top, NULL },
  { "POST", "/containers/{}/rename", route_ctr_rename, NULL },
  { NULL, "/containers/{}/*", NULL, "this container operation" },
  { NULL, "/exec/*", NULL, "exec" },
  { "GET", "/images/json", route_img_list, NULL },
  { "POST", "/images/load", route_img_load, NULL },
  { "POST", "/images/create", route_img_create, NULL },
  { "GET", "/images/{+}/json", route_img_inspect, NULL },
  { "POST", "/images/{+}/tag", route_img_tag, NULL },
  { "DELETE", "/images/{+}", route_img_remove, NULL },
  { NULL, "/images/get", NULL, "docker save" },
  { NULL, "/images/prune", NULL, "image prune" },
  { NULL, "/images/search", NULL, "image search (tetherd reaches no registry)" },
  { NULL, "/images/{+}/get", NULL, "docker save" },
  { NULL, "/images/{+}/history", NULL, "image history" },
  { NULL, "/images/{+}/push", NULL, "push (tetherd reaches no registry)" },
  { NULL, "/images/*", NULL, "images" },
  { NULL, "/build/*", NULL, "image build" },
  { NULL, "/commit", NULL, "commit" },
  { NULL, "/events", NULL, "events" },
  { NULL, "/system/*", NULL, "system df" },
  { NULL, "/auth", NULL, "registry login" },
  { NULL, "/distribution/*", NULL, "distribution" },
  { "GET", "/networks", route_net_list, NULL },
  { "POST", "/networks/create", route_net_create, NULL },
  { "GET", "/networks/{}", route_net_inspect, NULL },
  { "DELETE", "/networks/{}", route_net_remove, NULL },
  { NULL, "/networks/*", NULL, "networks" },
  { "GET", "/volumes", route_vol_list, NULL },
  { "POST", "/volumes/create", route_vol_create, NULL },
  { "GET", "/volumes/{}", route_vol_inspect, NULL },
  { "DELETE", "/volumes/{}", route_vol_remove, NULL },
  { NULL, "/volumes/*", NULL, "volumes" },
  { NULL, "/plugins/*", NULL, "plugins" },
  { NULL, "/swarm/*", NULL, "swarm" },
  { NULL, "/nodes/*", NULL, "swarm nodes" },
  { NULL, "/services/*", NULL, "swarm services" },
  { NULL, "/tasks/*", NULL, "swarm tasks" },
  { NULL, "/secrets/*", NULL, "swarm secrets" },
  { NULL, "/configs/*", NULL, "swarm configs" },
  { NULL, "/session", NULL, "build sessions" },
  { NULL, "/grpc", NULL, "grpc" },
};

static bool match (const char *p, const char *s, char *param, size_t cap)
{
  for (;;)
    {
      if (strcmp (p, "/*") == 0) /* the rest: nothing, or segments (no trailing '/') */
        return *s == '\0' || (s[0] == '/' && s[1] != '\0' && s[strlen (s) - 1] != '/');
      if (*p == '\0')
        return *s == '\0';
      if (*p != '/' || *s != '/')
        return false;
      p++, s++;
      const char *pe = strchrnul (p, '/'), *se = strchrnul (s, '/');
      size_t pl = (size_t) (pe - p), sl = (size_t) (se - s);
      if (pl == 3 && memcmp (p, "{+}", 3) == 0)
        {
          /* an image name: one or more segments ("foo/bar:1"), then the
           * pattern's fixed rest ("/json", or nothing) */
          const char *rest = pe;
          size_t rl = strlen (rest), total = strlen (s);
          if (total <= rl || strcmp (s + total - rl, rest) != 0 || strstr (rest, "{") != NULL)
            return false;
          size_t n = total - rl;
          if (s[n - 1] == '/')
            return false;
          snprintf (param, cap, "%.*s", (int) (n < cap ? n : cap - 1), s);
          return true;
        }
      if (pl == 2 && memcmp (p, "{}", 2) == 0)
        {
          if (sl == 0)
            return false;
          snprintf (param, cap, "%.*s", (int) (sl < cap ? sl : cap - 1), s);
        }
      else if (pl != sl || memcmp (p, s, pl) != 0)
        return false;
      p = pe, s = se;
    }
}

/* Go's versions.compare, which dockerd uses: dot-separated numbers, a missing or
 * unparsable part counts as 0. */
static int version_cmp (const char *a, const char *b)
{
  while (*a || *b)
    {
      long x = strtol (a, NULL, 10), y = strtol (b, NULL, 10);
      if (x != y)
        return x < y ? -1 : 1;
      a = strchrnul (a, '.');
      b = strchrnul (b, '.');
      a += *a == '.';
      b += *b == '.';
    }
  return 0;
}

/* "/v1.50/x": *path = "/x"; the version is copied to ver. 0 when the url has
 * no version prefix (then it is a path as it is). */
static int split_version (const char *url, char *ver, size_t cap, const char **path)
{
  if (url[0] != '/' || url[1] != 'v')
    return 0;
  size_t n = strspn (url + 2, "0123456789.");
  if (n == 0 || url[2 + n] != '/')
    return 0;
  snprintf (ver, cap, "%.*s", (int) (n < cap ? n : cap - 1), url + 2);
  *path = url + 2 + n;
  return 1;
}

bool api_is_upload (const char *method, const char *url, const char *(*arg) (void *, const char *), void *ctx)
{
  char ver[16];
  const char *path = url;
  split_version (url, ver, sizeof ver, &path);
  if (strcmp (method, "POST") != 0)
    return false;
  if (strcmp (path, "/images/load") == 0)
    return true;
  const char *src = arg (ctx, "fromSrc");
  return strcmp (path, "/images/create") == 0 && src && strcmp (src, "-") == 0;
}

int api_arg_bool (const struct api_req *req, const char *key)
{
  const char *v = req->arg ? req->arg (req->arg_ctx, key) : NULL;
  if (v == NULL)
    return 0;
  static const char *const no[] = { "", "0", "no", "false", "none" };
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
    if (strcasecmp (v, no[i]) == 0)
      return 0;
  return 1;
}

/* 0 when ver is served; else the 400 answered with dockerd's text
 * (api/server/middleware/version.go). */
static int check_version (const char *ver, struct api_reply *rep)
{
  if (version_cmp (ver, API_MIN_VERSION) < 0)
    api_reply_error (rep, 400,
                     "client version %s is too old. Minimum supported API version is %s, "
                     "please upgrade your client to a newer version",
                     ver, API_MIN_VERSION);
  else if (version_cmp (ver, API_VERSION) > 0)
    api_reply_error (rep, 400, "client version %s is too new. Maximum supported API version is %s", ver,
                     API_VERSION);
  else
    return 0;
  return -1;
}

void api_route (struct api_req *req, struct api_reply *rep)
{
  char ver[40];
  req->path = req->url;
  req->minor = API_MINOR_MAX;
  if (split_version (req->url, ver, sizeof ver, &req->path))
    {
      if (check_version (ver, rep) < 0)
        return;
      const char *dot = strchr (ver, '.');
      req->minor = dot ? (int) strtol (dot + 1, NULL, 10) : 0;
    }
  for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
    {
      const struct route *r = &routes[i];
      if ((r->method && strcmp (r->method, req->method) != 0)
          || !match (r->pattern, req->path, req->param, sizeof req->param))
        continue;
      if (r->fn)
        r->fn (req, rep);
      else
        api_reply_error (rep, 501, "%s is not supported by tetherd yet (%s %s)", r->later, req->method, req->path);
      return;
    }
  api_reply_error (rep, 404, "page not found");
}
