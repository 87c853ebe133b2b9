/* Resolving "user[:group]" against the container's /etc/passwd and /etc/group
 * (read in the child, inside the container's mount namespace). */
#ifndef TETHER_USER_H
#define TETHER_USER_H

#include <sys/types.h>

#include "terr.h"

#define USER_MAX_GROUPS 64

struct user_ids {
  uid_t uid;
  gid_t gid;
  gid_t groups[USER_MAX_GROUPS];
  int n_groups;
  char home[256];
};

/* spec: "", "uid", "uid:gid", "name", "name:group" (docker's -u). */
int user_resolve (const char *spec, const char *passwd_path, const char *group_path, struct user_ids *out,
                  struct terr *err);

#endif
