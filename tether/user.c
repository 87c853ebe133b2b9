#include "user.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Splits one colon-separated line in place; returns the field count. */
static int split_fields (char *line, char **f, int max)
{
  int n = 0;
  f[n++] = line;
  for (char *p = line; *p && n < max; p++)
    if (*p == ':')
      {
        *p = '\0';
        f[n++] = p + 1;
      }
  return n;
}

static bool parse_id (const char *s, unsigned long *out)
{
  if (!*s)
    return false;
  char *end;
  unsigned long v = strtoul (s, &end, 10);
  if (*end || v > 0x7fffffffUL)
    return false;
  *out = v;
  return true;
}

/* passwd: name:pw:uid:gid:gecos:home:shell. Finds by name, or by uid if name is NULL. */
static bool find_passwd (const char *path, const char *name, unsigned long uid, struct user_ids *u, char *uname,
                         size_t uname_len)
{
  FILE *f = fopen (path, "re");
  if (!f)
    return false;
  char line[1024];
  bool found = false;
  while (!found && fgets (line, sizeof line, f))
    {
      line[strcspn (line, "\n")] = '\0';
      char *fl[7];
      unsigned long fuid, fgid;
      if (split_fields (line, fl, 7) < 7 || !parse_id (fl[2], &fuid) || !parse_id (fl[3], &fgid))
        continue;
      if (name ? strcmp (fl[0], name) != 0 : fuid != uid)
        continue;
      u->uid = (uid_t) fuid;
      u->gid = (gid_t) fgid;
      snprintf (u->home, sizeof u->home, "%s", fl[5][0] ? fl[5] : "/");
      snprintf (uname, uname_len, "%s", fl[0]);
      found = true;
    }
  fclose (f);
  return found;
}

/* group: name:pw:gid:member,member. Resolves `group` (name) to a gid, and collects
 * the supplementary groups that list `uname`. */
static bool scan_groups (const char *path, const char *group, gid_t *gid, const char *uname, struct user_ids *u)
{
  FILE *f = fopen (path, "re");
  if (!f)
    return false;
  char line[4096];
  bool found = false;
  while (fgets (line, sizeof line, f))
    {
      line[strcspn (line, "\n")] = '\0';
      char *fl[4];
      unsigned long fgid;
      if (split_fields (line, fl, 4) < 4 || !parse_id (fl[2], &fgid))
        continue;
      if (group && strcmp (fl[0], group) == 0)
        {
          *gid = (gid_t) fgid;
          found = true;
        }
      if (uname && *uname)
        for (char *m = strtok (fl[3], ","); m && u->n_groups < USER_MAX_GROUPS; m = strtok (NULL, ","))
          if (strcmp (m, uname) == 0)
            u->groups[u->n_groups++] = (gid_t) fgid;
    }
  fclose (f);
  return found;
}

int user_resolve (const char *spec, const char *passwd_path, const char *group_path, struct user_ids *u,
                  struct terr *err)
{
  char buf[256], uname[256] = "";
  snprintf (buf, sizeof buf, "%s", spec ? spec : "");
  char *grp = strchr (buf, ':');
  if (grp)
    *grp++ = '\0';
  const char *usr = buf[0] ? buf : "0";
  memset (u, 0, sizeof *u);
  snprintf (u->home, sizeof u->home, "/");

  unsigned long id;
  if (parse_id (usr, &id))
    {
      u->uid = (uid_t) id;
      u->gid = 0;
      /* A numeric uid need not exist in passwd (docker); take gid and home if it does. */
      find_passwd (passwd_path, NULL, id, u, uname, sizeof uname);
    }
  else if (!find_passwd (passwd_path, usr, 0, u, uname, sizeof uname))
    {
      err->exit_code = 126;
      return terr_set (err, 0, "unable to find user %s: no matching entries in passwd file", usr);
    }

  gid_t gid = u->gid;
  bool have_grp = grp && *grp;
  if (have_grp && parse_id (grp, &id))
    {
      gid = (gid_t) id;
      have_grp = false;
    }
  bool grp_found = scan_groups (group_path, have_grp ? grp : NULL, &gid, uname, u);
  if (have_grp && !grp_found)
    {
      err->exit_code = 126;
      return terr_set (err, 0, "unable to find group %s: no matching entries in group file", grp);
    }
  u->gid = gid;
  /* docker lists the primary group among the supplementary ones (id: groups=GID) */
  bool listed = false;
  for (int i = 0; i < u->n_groups; i++)
    listed |= u->groups[i] == gid;
  if (!listed && u->n_groups < USER_MAX_GROUPS)
    {
      memmove (u->groups + 1, u->groups, (size_t) u->n_groups * sizeof *u->groups);
      u->groups[0] = gid;
      u->n_groups++;
    }
  return 0;
}
