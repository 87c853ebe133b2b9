/* Resolving docker's -u user[:group] and --group-add against the container's
 * /etc/passwd and /etc/group (read in the child, inside the container's mount
 * namespace), as docker 20.10 + runc do (moby/sys/user GetExecUser and
 * GetAdditionalGroups; daemon getUser). */
#ifndef TETHER_USER_H
#define TETHER_USER_H

#include <stddef.h>
#include <sys/types.h>

#include "terr.h"

/* The tether's bound on a process's groups (Linux's NGROUPS_MAX is 65536):
 * the primary, the memberships and --group-add together. */
#define USER_MAX_GROUPS 4096
/* docker reads the files with Go's bufio.Scanner, whose lines end at 64 KiB. */
#define USER_LINE_MAX 65536
/* runc's range for uids and gids. */
#define USER_MAX_ID 2147483647UL

struct user_ids {
  uid_t uid;
  gid_t gid;
  gid_t groups[USER_MAX_GROUPS]; /* setgroups' list: the primary first, no repeats */
  int n_groups;
  char home[4096];               /* passwd's field ("" if empty there); "/" without an entry */
};

/* spec: "", "uid", "uid:gid", "name", "name:group", ":group" (docker's -u);
 * group_add: names or gids (docker's --group-add). 0, or -1 with docker's text. */
int user_resolve (const char *spec, char *const *group_add, size_t n_group_add, const char *passwd_path,
                  const char *group_path, struct user_ids *out, struct terr *err);

#endif
