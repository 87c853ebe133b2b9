#include "user.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_PASSWD "no matching entries in passwd file"
#define NO_GROUP "no matching entries in group file"
#define RANGE "uids and gids must be in range 0-2147483647"

/* Go's strconv.Atoi as docker uses it for ids: an optional '+', decimal
 * digits; then runc's range. */
static bool parse_id (const char *s, unsigned long *out)
{
  if (*s == '+')
    s++;
  if (!isdigit ((unsigned char) *s))
    return false;
  unsigned long v = 0;
  for (; *s; s++)
    {
      if (!isdigit ((unsigned char) *s))
        return false;
      v = v * 10 + (unsigned long) (*s - '0');
      if (v > USER_MAX_ID)
        return false;
    }
  *out = v;
  return true;
}

/* A number Go reads that is not an id (negative, or too big): runc's ErrRange. */
static bool is_out_of_range (const char *s)
{
  unsigned long v;
  const char *d = *s == '+' || *s == '-' ? s + 1 : s;
  return *d && strspn (d, "0123456789") == strlen (d) && !parse_id (s, &v);
}

/* One line split in place at ':' into nf fields; missing fields are "" (Go's parseLine). */
static void split_fields (char *line, char **f, int nf)
{
  int n = 0;
  f[n++] = line;
  for (char *p = line; *p && n < nf; p++)
    if (*p == ':')
      {
        *p = '\0';
        f[n++] = p + 1;
      }
  while (n < nf)
    f[n++] = line + strlen (line);
}

/* fn gets each non-blank line of path, trimmed and split into nf fields, until
 * it returns 1. A missing file has no lines (docker's too). -1 on a line over
 * USER_LINE_MAX (where docker's scanner stops with an error) or a read error. */
static int each_line (const char *path, int nf, int (*fn) (char **f, void *arg), void *arg, struct terr *err)
{
  FILE *file = fopen (path, "re");
  if (!file)
    return 0;
  char *line = malloc (USER_LINE_MAX + 2);
  if (!line)
    {
      fclose (file);
      return terr_set (err, ENOMEM, "read %s", path);
    }
  int r = 0;
  char *f[7];
  while (r == 0 && fgets (line, USER_LINE_MAX + 2, file))
    {
      size_t len = strlen (line);
      if (len > USER_LINE_MAX && line[len - 1] != '\n')
        {
          r = terr_set (err, 0, "%s: a line longer than %d bytes", path, USER_LINE_MAX);
          break;
        }
      while (len && isspace ((unsigned char) line[len - 1]))
        line[--len] = '\0';
      char *start = line;
      while (isspace ((unsigned char) *start))
        start++;
      if (*start == '\0')
        continue;
      split_fields (start, f, nf);
      r = fn (f, arg);
    }
  if (r == 0 && ferror (file))
    r = terr_set (err, EIO, "read %s", path);
  free (line);
  fclose (file);
  return r < 0 ? -1 : 0;
}

struct pw_find {
  const char *name; /* NULL: by uid */
  unsigned long uid;
  bool found;
  struct user_ids *u;
  char *uname;
  size_t uname_cap;
};

/* passwd: name:pw:uid:gid:gecos:home:shell. A line whose uid or gid is not a
 * number in runc's range is skipped (Go reads it as 0: root). First match wins. */
static int pw_line (char **f, void *arg)
{
  struct pw_find *q = arg;
  unsigned long uid, gid;
  if (!parse_id (f[2], &uid) || !parse_id (f[3], &gid))
    return 0;
  if (q->name ? strcmp (f[0], q->name) != 0 : uid != q->uid)
    return 0;
  q->u->uid = (uid_t) uid;
  q->u->gid = (gid_t) gid;
  snprintf (q->u->home, sizeof q->u->home, "%s", f[5]);
  snprintf (q->uname, q->uname_cap, "%s", f[0]);
  q->found = true;
  return 1;
}

static int add_group (struct user_ids *u, gid_t g, struct terr *err)
{
  for (int i = 0; i < u->n_groups; i++)
    if (u->groups[i] == g)
      return 0;
  if (u->n_groups == USER_MAX_GROUPS)
    return terr_set (err, 0, "more than %d groups (the tether's bound; Linux allows 65536)", USER_MAX_GROUPS);
  u->groups[u->n_groups++] = g;
  return 0;
}

struct gr_scan {
  const char *uname;   /* collect the groups listing this user ("": none) */
  const char *want;    /* find this group by name, or by gid when want_is_id */
  bool want_is_id;
  unsigned long want_id;
  bool found;
  gid_t found_gid;
  struct user_ids *u;
  struct terr *err;
};

/* group: name:pw:gid:member,member. */
static int gr_line (char **f, void *arg)
{
  struct gr_scan *q = arg;
  unsigned long gid;
  if (!parse_id (f[2], &gid))
    return 0;
  if (q->want && !q->found && (q->want_is_id ? gid == q->want_id : strcmp (f[0], q->want) == 0))
    {
      q->found = true;
      q->found_gid = (gid_t) gid;
    }
  if (q->uname && q->uname[0])
    for (char *m = f[3], *end; *m; m = *end ? end + 1 : end)
      {
        end = strchrnul (m, ',');
        if ((size_t) (end - m) == strlen (q->uname) && strncmp (m, q->uname, (size_t) (end - m)) == 0
            && add_group (q->u, (gid_t) gid, q->err) < 0)
          return -1;
      }
  return q->want && q->found && !(q->uname && q->uname[0]) ? 1 : 0;
}

/* docker's --group-add entry: the first group with this name or whose gid
 * reads the same, else a number. */
static int group_add_one (const char *ag, const char *group_path, struct user_ids *u, struct terr *err)
{
  struct gr_scan q = { .want = ag, .u = u, .err = err };
  unsigned long id;
  if (each_line (group_path, 4, gr_line, &q, err) < 0)
    return -1;
  if (q.found)
    return add_group (u, q.found_gid, err);
  /* docker's match by gid (the gid written as ag) gives the same number */
  if (parse_id (ag, &id))
    return add_group (u, (gid_t) id, err);
  if (is_out_of_range (ag))
    return terr_set (err, 0, RANGE);
  return terr_set (err, 0, "Unable to find group %s: " NO_GROUP, ag);
}

int user_resolve (const char *spec, char *const *group_add, size_t n_group_add, const char *passwd_path,
                  const char *group_path, struct user_ids *u, struct terr *err)
{
  char buf[256], uname[256] = "";
  if (spec && strlen (spec) >= sizeof buf)
    return terr_set (err, 0, "unable to find user %.64s...: " NO_PASSWD, spec);
  snprintf (buf, sizeof buf, "%s", spec ? spec : "");
  char *grp = strchr (buf, ':');
  if (grp)
    *grp++ = '\0';
  const char *usr = buf;
  u->uid = 0;
  u->gid = 0;
  u->n_groups = 0;
  snprintf (u->home, sizeof u->home, "/");

  unsigned long id = 0;
  struct pw_find pq = { .u = u, .uname = uname, .uname_cap = sizeof uname };
  if (usr[0] == '\0' || parse_id (usr, &id))
    {
      /* numeric (or empty: root): always a uid, which need not be in passwd */
      pq.uid = usr[0] ? id : 0;
      if (each_line (passwd_path, 7, pw_line, &pq, err) < 0)
        return -1;
      if (!pq.found)
        u->uid = (uid_t) pq.uid;
    }
  else if (is_out_of_range (usr))
    return terr_set (err, 0, RANGE);
  else
    {
      pq.name = usr;
      if (each_line (passwd_path, 7, pw_line, &pq, err) < 0)
        return -1;
      if (!pq.found)
        return terr_set (err, 0, "unable to find user %s: " NO_PASSWD, usr);
    }

  /* The primary group first; the memberships only in the implicit form
   * (runc: "supplementary group ids only make sense if in the implicit form"). */
  if (grp && grp[0])
    {
      bool numeric = parse_id (grp, &id);
      struct gr_scan q = { .want = grp, .want_is_id = numeric, .want_id = id, .u = u, .err = err };
      if (each_line (group_path, 4, gr_line, &q, err) < 0)
        return -1;
      if (q.found)
        u->gid = q.found_gid;
      else if (numeric)
        u->gid = (gid_t) id;
      else if (is_out_of_range (grp))
        return terr_set (err, 0, RANGE);
      else
        return terr_set (err, 0, "unable to find group %s: " NO_GROUP, grp);
      add_group (u, u->gid, err);
    }
  else
    {
      add_group (u, u->gid, err);
      struct gr_scan q = { .uname = uname, .u = u, .err = err };
      if (uname[0] && each_line (group_path, 4, gr_line, &q, err) < 0)
        return -1;
    }
  for (size_t i = 0; i < n_group_add; i++)
    if (group_add_one (group_add[i] ? group_add[i] : "", group_path, u, err) < 0)
      return -1;
  return 0;
}
