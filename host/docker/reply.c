#include "reply.h"

#include <jansson.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What is left to say when even the error could not be built. */
static const char oom_body[] = "{\"message\":\"out of memory\"}";

static void set_static (struct api_reply *r, int status, const char *ct, const char *text)
{
  r->status = status;
  r->content_type = ct;
  r->body = (char *) text;
  r->len = strlen (text);
  r->body_static = true;
}

void api_reply_json (struct api_reply *r, int status, struct json *j)
{
  api_reply_free (r);
  if (j->oom || j->buf == NULL)
    {
      set_static (r, 500, CT_JSON, oom_body);
      return;
    }
  r->status = status;
  r->content_type = CT_JSON;
  r->body = j->buf; /* jansson's malloc: ours to free */
  r->len = j->len;
  r->body_static = false;
  j->buf = NULL;
  j->len = 0;
}

void api_reply_error (struct api_reply *r, int status, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  struct json j;
  json_init (&j, 0);
  json_obj_begin (&j);
  json_kstr (&j, "message", msg); /* bytes from the request become valid UTF-8 here */
  json_obj_end (&j);
  api_reply_json (r, status, &j);
  json_free (&j);
}

void api_reply_text (struct api_reply *r, int status, const char *text)
{
  api_reply_free (r);
  set_static (r, status, CT_TEXT, text);
}

void api_reply_free (struct api_reply *r)
{
  if (!r->body_static)
    free (r->body);
  r->body = NULL;
  r->len = 0;
  r->body_static = false;
}

void api_reply_jansson (struct api_reply *r, int status, json_t *doc)
{
  char *s = json_dumps (doc, JSON_COMPACT);
  json_decref (doc);
  api_reply_free (r);
  if (s == NULL)
    {
      set_static (r, 500, CT_JSON, oom_body);
      return;
    }
  r->status = status;
  r->content_type = CT_JSON;
  r->body = s; /* jansson's malloc: ours to free */
  r->len = strlen (s);
  r->body_static = false;
}
