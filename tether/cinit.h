/* The first process of each run's PID namespace: it prepares the namespace
 * (mounts, root, pty), then either becomes the command (docker's default: the
 * command is PID 1) or stays as its init (docker --init: the command is PID 2). */
#ifndef TETHER_CINIT_H
#define TETHER_CINIT_H

#include "launch.h"

struct cinit_args {
  struct launch_spec launch;  /* the primary; launch.report_fd is the report socket */
  int stdio[3];               /* pipe ends for the primary, -1 = /dev/null (stdin) */
  const char *rootfs;         /* NULL: host mode (the host's root, a new /proc and devpts) */
  unsigned rows, cols;
  bool init;                  /* docker --init: we stay PID 1, the command is PID 2 */
  const ContainerConfig *cfg; /* its mounts and sysctls (cmounts.h); NULL: none */
};

/* Runs in the clone()d child; never returns. */
_Noreturn void cinit_main (const struct cinit_args *a);
/* Opens a pty on the devpts mounted at /dev/pts; returns the master, sets *slave. */
int pty_open (int *slave, unsigned rows, unsigned cols);
/* In a child: a pty whose master goes to the tether over the report socket;
 * returns the slave (exits 125 with a report on failure). */
int pty_open_for_tether (int report_fd, unsigned rows, unsigned cols);

#endif
