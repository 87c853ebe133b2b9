/* What a route answers, independent of the HTTP library: a status, a content
 * type and a body. Errors are always docker's shape, {"message":"..."} with
 * Content-Type application/json: the docker CLI prints the message after
 * "Error response from daemon: " and acts on the status (404 NotFound, 409
 * Conflict, 501 NotImplemented...). */
#ifndef TETHER_DOCKER_REPLY_H
#define TETHER_DOCKER_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"

#define CT_JSON "application/json"
#define CT_TEXT "text/plain; charset=utf-8"

struct api_reply {
  int status;
  const char *content_type;   /* a static string */
  char *body;                 /* malloc'd, or the static text below */
  size_t len;
  bool body_static;
  bool is_ping;               /* /_ping: dockerd's Cache-Control, Pragma and Swarm headers */
  struct job *job;            /* deferred: the reply comes from this job (jobs.h) */
};

/* The finished document j becomes the body (taken from j). Out of memory
 * (j->oom) becomes a 500. */
void api_reply_json (struct api_reply *r, int status, struct json *j);
struct json_t;
/* A jansson document as the body (doc is taken: decref'd here). */
void api_reply_jansson (struct api_reply *r, int status, struct json_t *doc);
/* {"message": printf(fmt, ...)}; the message is cut at 1 KiB. */
void api_reply_error (struct api_reply *r, int status, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));
/* A static text body. */
void api_reply_text (struct api_reply *r, int status, const char *text);
void api_reply_free (struct api_reply *r);

#endif
