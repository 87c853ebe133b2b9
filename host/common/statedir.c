#include "statedir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *state_dir (void)
{
  const char *d = getenv ("TETHER_STATE_DIR");
  return d != NULL && *d != '\0' ? d : STATE_DIR_DEFAULT;
}

/* mkdir that treats an existing directory as success. */
static int mkdir_once (const char *path, mode_t mode, struct terr *err)
{
  if (mkdir (path, mode) == 0)
    return 0;
  int e = errno;
  struct stat st;
  if (e == EEXIST && stat (path, &st) == 0 && S_ISDIR (st.st_mode))
    return 0;
  return terr_set (err, e == EEXIST ? ENOTDIR : e, "mkdir %s", path);
}

int state_dir_make (struct terr *err)
{
  const char *top = state_dir ();
  char path[PATH_MAX];
  if (snprintf (path, sizeof path, "%s", top) >= (int) sizeof path)
    return terr_set (err, ENAMETOOLONG, "state directory %.64s...", top);
  /* parents first, as mkdir -p; the top last with its own mode */
  for (char *p = path + 1; *p; p++)
    if (*p == '/')
      {
        *p = '\0';
        int rc = mkdir_once (path, 0755, err);
        *p = '/';
        if (rc < 0)
          return rc;
      }
  return mkdir_once (path, 0700, err);
}

int state_subdir (const char *name, char *out, size_t out_len, struct terr *err)
{
  if (state_dir_make (err) < 0)
    return -1;
  int n = snprintf (out, out_len, "%s/%s", state_dir (), name);
  if (n < 0 || (size_t) n >= out_len)
    return terr_set (err, ENAMETOOLONG, "state directory path for %s", name);
  return mkdir_once (out, 0700, err);
}

int state_images_dir (char *out, size_t out_len, struct terr *err)
{
  return state_subdir ("images", out, out_len, err);
}

int state_volumes_dir (char *out, size_t out_len, struct terr *err)
{
  return state_subdir ("volumes", out, out_len, err);
}

int state_containers_dir (char *out, size_t out_len, struct terr *err)
{
  return state_subdir ("containers", out, out_len, err);
}
