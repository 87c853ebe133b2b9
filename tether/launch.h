/* The last steps before execve, in docker's order (DESIGN §3). Runs in the
 * forked child; reports failure on the report socket and exits 126/127. */
#ifndef TETHER_LAUNCH_H
#define TETHER_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>

#include "security.h"
#include "tether.pb-c.h"

struct launch_spec {
  char **argv;
  size_t argc;
  char **env;          /* container env */
  size_t n_env;
  char **env_extra;    /* exec env, overrides */
  size_t n_env_extra;
  const char *cwd;     /* NULL or "" = "/" */
  bool create_cwd;
  const char *user;
  char **group_add;      /* --group-add: names or gids */
  size_t n_group_add;
  struct confine confine; /* capabilities, seccomp, no_new_privs */
  const char *hostname;
  bool tty;
  Rlimit **rlimits;
  size_t n_rlimits;
  int report_fd;
  bool die_with_parent;  /* PR_SET_PDEATHSIG again after the uid change (which clears it) */
  bool is_exec;          /* an exec session: docker's exec codes (126 for what run calls 125 or 127) */
};

_Noreturn void launch_exec (const struct launch_spec *ls);
/* Kills the child with a report: for failures before launch_exec. */
_Noreturn void launch_fail (int report_fd, int exit_code, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* close_range(first, ~0U, flags); musl has the number, not the wrapper. */
int close_from (unsigned first, unsigned flags);
/* Makes fd available as target across execve (dup2, or clears FD_CLOEXEC when
 * fd already is target). Returns 0 or -1. */
int dup_to (int fd, int target);
/* Closes every fd but those in keep (-1 entries ignored), including 0..2. */
void close_fds_except (const int *keep, int n);

#endif
