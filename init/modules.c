#include "modules.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "terr.h"
#include "log.h"
#include "table.h"

#define MOD_NAME_MAX 64

enum mod_state
{
  MOD_NEW = 0,
  MOD_LOADING,  /* on the current dependency path: a cycle stops here */
  MOD_DONE,
};

struct modtab
{
  char dir[128];              /* /lib/modules/VER */
  struct table dep, softdep, alias, builtin;
  char (*names)[MOD_NAME_MAX];  /* per modules.dep line, normalized */
  unsigned char *state;       /* per modules.dep line, enum mod_state */
  struct modules_stats *st;
};

/* "kernel/fs/ext4/ext4.ko:" -> "ext4"; "crc32c-intel" -> "crc32c_intel". kmod
   treats '-' and '_' in module names as the same character. */
static void
mod_name (char out[MOD_NAME_MAX], const char *path_or_name)
{
  const char *base = strrchr (path_or_name, '/');
  size_t i;

  base = base ? base + 1 : path_or_name;
  for (i = 0; i < MOD_NAME_MAX - 1 && base[i] && base[i] != ':'; i++)
    out[i] = base[i] == '-' ? '_' : base[i];
  out[i] = '\0';
  if (i > 3 && strcmp (out + i - 3, ".ko") == 0)
    out[i - 3] = '\0';
}

static int
is_builtin (const struct modtab *t, const char *name)
{
  char n[MOD_NAME_MAX];
  size_t i;

  for (i = 0; i < t->builtin.nlines; i++)
    {
      mod_name (n, t->builtin.lines[i].tok[0]);
      if (strcmp (n, name) == 0)
        return 1;
    }
  return 0;
}

static long
find_by_name (const struct modtab *t, const char *name)
{
  size_t i;

  for (i = 0; i < t->dep.nlines; i++)
    if (strcmp (t->names[i], name) == 0)
      return (long) i;
  return -1;
}

static void load_name (struct modtab *t, const char *name);

static void
finit (struct modtab *t, size_t i)
{
  char path[512];
  const char *rel = t->dep.lines[i].tok[0];
  cleanup_close int fd = -1;

  snprintf (path, sizeof path, "%s/%.*s", t->dir, (int) strcspn (rel, ":"), rel);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      log_msg ("open module %s: %s", path, strerror (errno));
      t->st->failed++;
      return;
    }
  if (syscall (SYS_finit_module, fd, "", 0) == 0)
    t->st->loaded++;
  else if (errno == EEXIST)
    t->st->present++;
  else
    {
      log_msg ("finit_module %s: %s", t->names[i], strerror (errno));
      t->st->failed++;
    }
}

/* "softdep MOD pre: a b post: c": loads the names of one part (want_pre) for MOD.
   Soft dependencies are best effort, as in modprobe. */
static void
load_softdeps (struct modtab *t, const char *name, int want_pre)
{
  char n[MOD_NAME_MAX];
  size_t i, j;

  for (i = 0; i < t->softdep.nlines; i++)
    {
      const struct table_line *l = &t->softdep.lines[i];
      int in_pre = 0, in_post = 0;

      if (l->ntok < 3 || strcmp (l->tok[0], "softdep") != 0)
        continue;
      mod_name (n, l->tok[1]);
      if (strcmp (n, name) != 0)
        continue;
      for (j = 2; j < l->ntok; j++)
        {
          if (strcmp (l->tok[j], "pre:") == 0)
            in_pre = 1, in_post = 0;
          else if (strcmp (l->tok[j], "post:") == 0)
            in_pre = 0, in_post = 1;
          else if (want_pre ? in_pre : in_post)
            load_name (t, l->tok[j]);
        }
    }
}

static void
load_index (struct modtab *t, size_t i)
{
  const struct table_line *l = &t->dep.lines[i];
  size_t j;

  if (t->state[i] != MOD_NEW)
    return;
  t->state[i] = MOD_LOADING;
  load_softdeps (t, t->names[i], 1);
  /* modules.dep lists the deepest dependency last; load from the end, as modprobe. */
  for (j = l->ntok; j-- > 1;)
    load_name (t, l->tok[j]);
  finit (t, i);
  t->state[i] = MOD_DONE;
  load_softdeps (t, t->names[i], 0);
}

/* A module name or path, else an alias (softdeps name "crypto-crc32c"). Alias
   patterns are matched after the same '-' -> '_' folding and 63-byte cut as
   names: enough for the short crypto and fs aliases softdeps use, not a general
   modalias matcher (device aliases are never looked up here). */
static void
load_name (struct modtab *t, const char *name_or_path)
{
  char n[MOD_NAME_MAX], a[MOD_NAME_MAX];
  long idx;
  size_t i;

  mod_name (n, name_or_path);
  if (is_builtin (t, n))
    return;
  idx = find_by_name (t, n);
  if (idx >= 0)
    {
      load_index (t, (size_t) idx);
      return;
    }
  for (i = 0; i < t->alias.nlines; i++)
    {
      const struct table_line *l = &t->alias.lines[i];

      if (l->ntok < 3 || strcmp (l->tok[0], "alias") != 0)
        continue;
      mod_name (a, l->tok[1]);
      if (fnmatch (a, n, 0) != 0)
        continue;
      mod_name (a, l->tok[2]);
      if (!is_builtin (t, a) && (idx = find_by_name (t, a)) >= 0)
        load_index (t, (size_t) idx);
    }
}

static int
modtab_open (struct modtab *t, struct terr *err)
{
  struct utsname u;
  char path[192];
  size_t i;

  if (uname (&u) < 0)
    return terr_set (err, errno, "uname");
  snprintf (t->dir, sizeof t->dir, "/lib/modules/%s", u.release);
#define LOAD(tab, file)                                                   \
  do {                                                                    \
    snprintf (path, sizeof path, "%s/" file, t->dir);                     \
    if (table_load (&t->tab, path, err) < 0)                              \
      return -1;                                                          \
  } while (0)
  LOAD (dep, "modules.dep");
  LOAD (softdep, "modules.softdep");
  LOAD (alias, "modules.alias");
  LOAD (builtin, "modules.builtin");
#undef LOAD
  if (t->dep.buf == NULL)
    return terr_set (err, ENOENT, "open %s/modules.dep", t->dir);
  t->names = calloc (t->dep.nlines + 1, sizeof *t->names);
  t->state = calloc (t->dep.nlines + 1, 1);
  if (t->names == NULL || t->state == NULL)
    return terr_set (err, ENOMEM, "module table for %zu modules", t->dep.nlines);
  for (i = 0; i < t->dep.nlines; i++)
    mod_name (t->names[i], t->dep.lines[i].tok[0]);
  return 0;
}

static void
modtab_close (struct modtab *t)
{
  table_free (&t->dep);
  table_free (&t->softdep);
  table_free (&t->alias);
  table_free (&t->builtin);
  free (t->names);
  free (t->state);
}

int
modules_load_all (struct modules_stats *st, struct terr *err)
{
  struct modtab t;
  size_t i;
  int r;

  memset (&t, 0, sizeof t);
  memset (st, 0, sizeof *st);
  t.st = st;
  r = modtab_open (&t, err);
  if (r == 0)
    for (i = 0; i < t.dep.nlines; i++)
      if (!is_builtin (&t, t.names[i]))
        load_index (&t, i);
  modtab_close (&t);
  return r;
}
