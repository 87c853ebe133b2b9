#include "psfilter.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrlist.h"
#include "frame.h"
#include "vmstate.h"

/* dockerd's accepted keys (daemon/list.go acceptedPsFilterTags); NULL name: a
 * key dockerd has that needs what tetherd does not know yet. */
static const struct {
  const char *name;
  int key; /* enum ps_key, or -1 */
} keys[] = {
  { "id", PS_ID },         { "name", PS_NAME },       { "status", PS_STATUS },   { "label", PS_LABEL },
  { "exited", PS_EXITED }, { "health", PS_HEALTH },   { "before", PS_BEFORE },   { "since", PS_SINCE },
  { "network", PS_NETWORK }, { "publish", PS_PUBLISH }, { "expose", PS_EXPOSE }, { "is-task", PS_IS_TASK },
  { "ancestor", -1 },      { "volume", -1 },          { "isolation", -1 },
};

static const char *const states[] = { "created", "restarting", "running", "removing", "paused", "exited", "dead" };
static const char *const healths[] = { "starting", "healthy", "unhealthy", "none" };

static bool in (const char *v, const char *const *set, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (v, set[i]) == 0)
      return true;
  return false;
}

/* err gets the HTTP status in its code. Returns -1. */
static int fail (struct terr *err, int status, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));
static int fail (struct terr *err, int status, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (err->msg, sizeof err->msg, fmt, ap);
  va_end (ap);
  err->errnum = 0;
  err->code = status;
  return -1;
}

/* The creation time of the container ref names (before=, since=). */
static int ref_created (const char *ref, int64_t *ns, struct terr *err)
{
  char id[65];
  struct terr e;
  terr_clear (&e);
  if (vm_find (ref, id, &e) < 0)
    return e.code == ERR_BAD_REQUEST ? fail (err, 400, "Multiple IDs found with provided prefix: %s", ref)
                                     : fail (err, 404, "No such container: %s", ref);
  ContainerInfo *ci = vm_state_load (id, &e);
  if (ci == NULL)
    return fail (err, 404, "No such container: %s", ref);
  *ns = ci->created_ns;
  container_info__free_unpacked (ci, NULL);
  return 0;
}

static int add_term (struct ps_filter *f, int key, const char *name, const char *value, struct terr *err)
{
  if (key < 0)
    return fail (err, 501, "the ps filter '%s' is not supported by tetherd yet", name);
  if (f->n >= API_MAX_FILTER_TERMS)
    return fail (err, 400, "invalid filter: more than %d values", API_MAX_FILTER_TERMS);
  if (key == PS_STATUS && !in (value, states, sizeof states / sizeof states[0]))
    return fail (err, 400, "invalid filter 'status=%s'", value);
  if (key == PS_HEALTH && !in (value, healths, sizeof healths / sizeof healths[0]))
    return fail (err, 400, "Unrecognised filter value for health: %s", value);
  if (key == PS_IS_TASK && strcmp (value, "true") != 0 && strcmp (value, "false") != 0)
    return fail (err, 400, "invalid filter 'is-task=%s'", value);
  if (key == PS_EXITED)
    {
      char *end;
      strtol (value, &end, 10);
      if (*value == '\0' || *end != '\0')
        return fail (err, 400, "invalid filter 'exited=%s'", value);
    }
  if (key == PS_BEFORE || key == PS_SINCE)
    {
      int64_t ns;
      if (ref_created (value, &ns, err) < 0)
        return -1;
      /* several values: the tightest bound */
      int64_t *b = key == PS_BEFORE ? &f->before_ns : &f->since_ns;
      if (!f->has[key] || (key == PS_BEFORE ? ns < *b : ns > *b))
        *b = ns;
    }
  struct ps_term *t = &f->terms[f->n];
  t->key = (enum ps_key) key;
  t->value = strdup (value);
  if (t->value == NULL)
    return fail (err, 500, "out of memory");
  t->has_re = (key == PS_ID || key == PS_NAME) && regcomp (&t->re, value, REG_EXTENDED | REG_NOSUB) == 0;
  f->n++;
  f->has[key] = true;
  return 0;
}

/* One key's values: {"v":true,...} or the older ["v",...]. */
static int add_key (struct ps_filter *f, const char *name, json_t *vals, struct terr *err)
{
  int key = -2;
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (strcmp (name, keys[i].name) == 0)
      key = keys[i].key;
  if (key == -2)
    return fail (err, 400, "invalid filter '%s'", name);
  const char *v;
  json_t *x;
  if (json_is_object (vals))
    {
      json_object_foreach (vals, v, x)
        {
          if (!json_is_boolean (x))
            return fail (err, 400, "invalid filter: the values of '%s' must be true or false", name);
          if (add_term (f, key, name, v, err) < 0)
            return -1;
        }
      return 0;
    }
  if (json_is_array (vals))
    {
      size_t i;
      json_array_foreach (vals, i, x)
        {
          if (!json_is_string (x))
            return fail (err, 400, "invalid filter: the values of '%s' must be strings", name);
          if (add_term (f, key, name, json_string_value (x), err) < 0)
            return -1;
        }
      return 0;
    }
  return fail (err, 400, "invalid filter: '%s' wants an object or an array of values", name);
}

int ps_filter_parse (struct ps_filter *f, const char *text, struct terr *err)
{
  memset (f, 0, sizeof *f);
  if (text == NULL || *text == '\0')
    return 0;
  json_error_t jerr;
  json_t *root = json_loads (text, JSON_REJECT_DUPLICATES, &jerr);
  if (!json_is_object (root))
    {
      json_decref (root);
      ps_filter_free (f);
      return fail (err, 400, "invalid filter: %s", root ? "not a JSON object" : jerr.text);
    }
  const char *name;
  json_t *vals;
  int r = 0;
  json_object_foreach (root, name, vals)
    if ((r = add_key (f, name, vals, err)) < 0)
      break;
  json_decref (root);
  if (r < 0)
    ps_filter_free (f);
  return r;
}

void ps_filter_free (struct ps_filter *f)
{
  for (int i = 0; i < f->n; i++)
    {
      if (f->terms[i].has_re)
        regfree (&f->terms[i].re);
      free (f->terms[i].value);
    }
  f->n = 0;
}

/* dockerd's Args.Match: the value itself, else the value as a regular expression. */
static bool term_matches (const struct ps_term *t, const char *s)
{
  return strcmp (t->value, s) == 0 || (t->has_re && regexec (&t->re, s, 0, NULL, 0) == 0);
}

static bool term_holds (const struct ps_term *t, const ContainerInfo *ci)
{
  const ContainerConfig *c = ci->config;
  const char *name = c && c->name ? c->name : "";
  char slashed[300];
  switch (t->key)
    {
    case PS_ID:
      return term_matches (t, c && c->id ? c->id : "");
    case PS_NAME:
      snprintf (slashed, sizeof slashed, "/%s", name);
      return term_matches (t, slashed) || term_matches (t, name);
    case PS_STATUS:
      return strcmp (t->value, ci->status ? ci->status : "") == 0;
    case PS_EXITED:
      return !ctr_is_running (ci) && ci->started_ns != 0 && strtol (t->value, NULL, 10) == ci->exit_code;
    case PS_HEALTH:
      return strcmp (t->value, ci->health && ci->health->status ? ci->health->status : "none") == 0;
    case PS_IS_TASK:
      return strcmp (t->value, "false") == 0; /* no swarm: no container is a task */
    case PS_LABEL:   /* the config carries no labels yet: no label term holds */
    case PS_NETWORK: /* no container has a network or a port yet */
    case PS_PUBLISH:
    case PS_EXPOSE:
      return false;
    case PS_BEFORE:
    case PS_SINCE:
    case PS_NKEYS:
      break;
    }
  return true; /* before/since: checked by time below */
}

bool ps_filter_match (const struct ps_filter *f, const ContainerInfo *ci)
{
  if (f->has[PS_BEFORE] && ci->created_ns >= f->before_ns)
    return false;
  if (f->has[PS_SINCE] && ci->created_ns <= f->since_ns)
    return false;
  for (int k = 0; k < PS_NKEYS; k++)
    {
      if (!f->has[k] || k == PS_BEFORE || k == PS_SINCE)
        continue;
      /* label: every value must hold; any other key: one of its values */
      bool all = k == PS_LABEL, any = false, every = true;
      for (int i = 0; i < f->n; i++)
        if ((int) f->terms[i].key == k)
          {
            bool h = term_holds (&f->terms[i], ci);
            any |= h;
            every &= h;
          }
      if (all ? !every : !any)
        return false;
    }
  return true;
}
