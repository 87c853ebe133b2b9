/* The Engine API's paths: an optional version prefix (/v1.NN/), then a route
 * from one table. Knows nothing of HTTP libraries: server.c fills an api_req
 * and sends the api_reply. */
#ifndef TETHER_DOCKER_ROUTER_H
#define TETHER_DOCKER_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "apicaps.h"
#include "reply.h"

struct api_req {
  const char *method;         /* "GET", "HEAD", ... */
  const char *url;            /* the decoded path as sent, query string removed */
  const char *path;           /* url after the version prefix (set by api_route) */
  int minor;                  /* the API version asked for, 1.minor (API_MINOR_MAX when unprefixed) */
  char param[API_MAX_PARAM];  /* the {id} segment of the route, cut to fit */
  /* A query argument, URL-decoded, or NULL when absent. */
  const char *(*arg) (void *ctx, const char *key);
  void *arg_ctx;
  const char *body;           /* the request body (at most API_MAX_BODY bytes) */
  size_t body_len;
  const char *upload_path;    /* an upload's body, spooled to this file (api_is_upload), else NULL */
  unsigned long long upload_len;
};

/* Routes whose body is an archive of any size (docker load, docker import):
 * server.c spools it to a file instead of memory. */
bool api_is_upload (const char *method, const char *url, const char *(*arg) (void *, const char *), void *ctx);

/* Answers req in rep (zero-initialised by the caller). Never fails: an unknown
 * path is 404 {"message":"page not found"}, a route tetherd does not serve yet
 * is 501 naming it, an API version out of range is 400 with dockerd's text. */
void api_route (struct api_req *req, struct api_reply *rep);

/* docker's boolean query values (httputils.BoolValue): anything but "", "0",
 * "no", "false" and "none", in any case, is true; absent is false. */
int api_arg_bool (const struct api_req *req, const char *key);

#endif
