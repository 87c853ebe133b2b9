/* The grammar of distribution/reference/regexp.go, as POSIX extended regular
 * expressions; normalisation as its normalize.go (docker.io, library/). */
#include "ref.h"

#include <regex.h>
#include <stdio.h>
#include <string.h>

#define ALNUM "[a-z0-9]+"
#define SEP "([_.]|__|-+)"
#define COMPONENT ALNUM "(" SEP ALNUM ")*"
#define DOMAIN_PART "([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
#define TAG_RE "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"
#define DIGEST_RE "^sha256:[a-f0-9]{64}$"
#define NAME_MAX_LEN 255

static bool matches (const char *re, const char *s)
{
  regex_t rx;
  if (regcomp (&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
    return false;
  bool ok = regexec (&rx, s, 0, NULL, 0) == 0;
  regfree (&rx);
  return ok;
}

static int fail (char *why, size_t cap, const char *msg, const char *arg)
{
  snprintf (why, cap, msg, arg);
  return -1;
}

int ref_parse (const char *s, struct image_ref *r, char *why, size_t why_len)
{
  memset (r, 0, sizeof *r);
  char buf[REF_MAX];
  if (s == NULL || *s == '\0' || strlen (s) >= sizeof buf)
    return fail (why, why_len, "invalid reference format", "");
  strcpy (buf, s);
  char *at = strchr (buf, '@');
  if (at)
    {
      *at = '\0';
      if (!matches (DIGEST_RE, at + 1))
        return fail (why, why_len, "invalid reference format", "");
      snprintf (r->digest, sizeof r->digest, "%s", at + 1);
    }
  /* a tag is after the last ':' that follows the last '/' (a ':' before it is a port) */
  char *slash = strrchr (buf, '/');
  char *colon = strrchr (slash ? slash : buf, ':');
  if (colon)
    {
      *colon = '\0';
      if (!matches (TAG_RE, colon + 1))
        return fail (why, why_len, "invalid reference format", "");
      snprintf (r->tag, sizeof r->tag, "%s", colon + 1);
    }
  /* the first component is a registry host when it has '.' or ':' or is localhost */
  const char *domain = "docker.io", *path = buf;
  char host[256] = "";
  char *first = strchr (buf, '/');
  if (first && (memchr (buf, '.', (size_t) (first - buf)) || memchr (buf, ':', (size_t) (first - buf))
                || (first - buf == 9 && strncmp (buf, "localhost", 9) == 0)))
    {
      if ((size_t) (first - buf) >= sizeof host)
        return fail (why, why_len, "invalid reference format", "");
      memcpy (host, buf, (size_t) (first - buf));
      if (!matches ("^" DOMAIN_PART "(\\." DOMAIN_PART ")*(:[0-9]+)?$", host))
        return fail (why, why_len, "invalid reference format", "");
      domain = host;
      path = first + 1;
    }
  for (const char *p = path; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      return fail (why, why_len, "invalid reference format: repository name (%s) must be lowercase", path);
  if (!matches ("^" COMPONENT "(/" COMPONENT ")*$", path))
    return fail (why, why_len, "invalid reference format", "");
  bool official = strcmp (domain, "docker.io") == 0 && strchr (path, '/') == NULL;
  int n = snprintf (r->name, sizeof r->name, "%s/%s%s", domain, official ? "library/" : "", path);
  if (n < 0 || (size_t) n >= sizeof r->name || strlen (path) + (official ? 8 : 0) > NAME_MAX_LEN)
    return fail (why, why_len, "invalid reference format: repository name must not be more than 255 characters",
                 "");
  if (r->tag[0] == '\0' && r->digest[0] == '\0')
    strcpy (r->tag, "latest");
  return 0;
}

void ref_full (const struct image_ref *r, char *out, size_t cap)
{
  snprintf (out, cap, "%s%s%s%s%s", r->name, r->tag[0] ? ":" : "", r->tag, r->digest[0] ? "@" : "", r->digest);
}

void ref_familiar_str (const char *full, char *out, size_t cap)
{
  const char *p = full;
  if (strncmp (p, "docker.io/", 10) == 0)
    {
      p += 10;
      if (strncmp (p, "library/", 8) == 0 && strchr (p + 8, '/') == NULL)
        p += 8;
    }
  snprintf (out, cap, "%s", p);
}

void ref_familiar (const struct image_ref *r, char *out, size_t cap)
{
  char full[REF_MAX + 220];
  ref_full (r, full, sizeof full);
  ref_familiar_str (full, out, cap);
}

bool ref_is_id_prefix (const char *s)
{
  if (strncmp (s, "sha256:", 7) == 0)
    s += 7;
  size_t n = strlen (s);
  return n >= 1 && n <= 64 && strspn (s, "0123456789abcdef") == n;
}
