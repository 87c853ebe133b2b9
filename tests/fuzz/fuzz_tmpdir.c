#define _XOPEN_SOURCE 700
#include "fuzz_tmpdir.h"

#include <errno.h>
#include <ftw.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char made[128];

static int remove_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) st, (void) flag;
  if (ftw->level > 0)
    remove (path);
  return 0;
}

void fuzz_empty_dir (const char *dir)
{
  nftw (dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_made (void)
{
  fuzz_empty_dir (made);
  rmdir (made);
}

const char *fuzz_tmpdir (const char *name)
{
  char pattern[128];
  snprintf (pattern, sizeof pattern, "/dev/shm/tether-fuzz-%s.*", name);
  glob_t g;
  if (glob (pattern, 0, NULL, &g) == 0)
    {
      for (size_t i = 0; i < g.gl_pathc; i++)
        {
          int pid = atoi (strrchr (g.gl_pathv[i], '.') + 1);
          if (pid > 0 && kill (pid, 0) < 0 && errno == ESRCH)
            {
              fuzz_empty_dir (g.gl_pathv[i]);
              rmdir (g.gl_pathv[i]);
            }
        }
      globfree (&g);
    }
  snprintf (made, sizeof made, "/dev/shm/tether-fuzz-%s.%d", name, (int) getpid ());
  if (mkdir (made, 0700) < 0 && errno != EEXIST)
    abort ();
  fuzz_empty_dir (made);
  atexit (remove_made);
  return made;
}
