/* docker's hardening options for run (hardopts.h). */
#include "hardopts.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The docker CLI's wording for a flag's bad value. */
static int bad (const char *flag, const char *arg, const char *why)
{
  cli_err ("invalid argument \"%s\" for \"--%s\" flag: %s", arg, flag, why);
  return -1;
}

/* "PATH[:OPTS]" as the docker CLI splits --tmpfs. */
static int take_tmpfs (struct hard_opts *o, const char *arg)
{
  char why[300];
  if (o->n_tmpfs >= HARD_MAX_TMPFS)
    return cli_err ("run: at most %d --tmpfs", HARD_MAX_TMPFS), -1;
  const char *colon = strchr (arg, ':');
  size_t n = colon ? (size_t) (colon - arg) : strlen (arg);
  char *path = o->tmpfs_path[o->n_tmpfs];
  snprintf (path, HARD_PATH_MAX, "%.*s", (int) n, arg);
  if (n >= HARD_PATH_MAX)
    path[0] = '\0';
  TmpfsMount *t = &o->tmpfs[o->n_tmpfs];
  tmpfs_mount__init (t);
  if (hard_tmpfs_path_check (n < HARD_PATH_MAX ? path : arg, why, sizeof why) < 0
      || hard_tmpfs_opts (colon ? colon + 1 : "", &t->flags, o->tmpfs_data[o->n_tmpfs], HARD_TMPFS_DATA, why,
                          sizeof why)
             < 0)
    return cli_err ("%s", why), -1;
  for (size_t i = 0; i < o->n_tmpfs; i++)
    if (strcmp (o->tmpfs_path[i], path) == 0)
      return cli_err ("Duplicate mount point: %s", path), -1;
  t->path = path;
  t->data = o->tmpfs_data[o->n_tmpfs];
  t->listed = true;
  t->opts = (char *) (colon ? colon + 1 : ""); /* argv's: it outlives the config */
  o->tmpfs_ptrs[o->n_tmpfs++] = t;
  return 0;
}

int hard_opts_take (struct hard_opts *o, int opt, const char *arg)
{
  char why[300];
  switch (opt)
    {
    case HARDOPT_ULIMIT:
      {
        Rlimit rl;
        if (hard_ulimit_parse (arg, &rl, why, sizeof why) < 0)
          return bad ("ulimit", arg, why);
        size_t i = 0;
        while (i < o->n_ulimits && o->ulimits[i].resource != rl.resource)
          i++; /* the last one given wins, as docker's map */
        if (i == HARD_MAX_ULIMITS)
          return cli_err ("run: at most %d --ulimit", HARD_MAX_ULIMITS), -1;
        o->ulimits[i] = rl;
        o->ulimit_ptrs[i] = &o->ulimits[i];
        if (i == o->n_ulimits)
          o->n_ulimits++;
        return 0;
      }
    case HARDOPT_READ_ONLY:
      o->read_only = true;
      return 0;
    case HARDOPT_TMPFS:
      return take_tmpfs (o, arg);
    case HARDOPT_SYSCTL:
      if (hard_sysctl_check (arg, why, sizeof why) < 0)
        return bad ("sysctl", arg, why);
      if (o->n_sysctls >= HARD_MAX_SYSCTLS)
        return cli_err ("run: at most %d --sysctl", HARD_MAX_SYSCTLS), -1;
      o->sysctls[o->n_sysctls++] = (char *) arg;
      return 0;
    case HARDOPT_SHM_SIZE:
      {
        int64_t n;
        if (hard_ram_in_bytes (arg, &n) < 0)
          return snprintf (why, sizeof why, "invalid size: '%s'", arg), bad ("shm-size", arg, why);
        o->shm_size = (uint64_t) n;
        return 0;
      }
    }
  return -1;
}

void hard_opts_apply (struct hard_opts *o, ContainerConfig *cfg)
{
  cfg->rlimits = o->ulimit_ptrs;
  cfg->n_rlimits = o->n_ulimits;
  cfg->readonly_rootfs = o->read_only;
  cfg->tmpfs = o->tmpfs_ptrs;
  cfg->n_tmpfs = o->n_tmpfs;
  cfg->sysctls = o->sysctls;
  cfg->n_sysctls = o->n_sysctls;
  cfg->shm_size = o->shm_size;
  /* unconfined: given, and empty */
  cfg->paths_given = o->systempaths_unconfined;
}
