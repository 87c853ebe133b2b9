/* What runs and execs share when they start a process: the fds between the
 * tether and the child (stdio pipes, or none with a tty, whose master comes over
 * the report socket; the report socket), and the hand-over of the new child to
 * its session. One path, one cleanup style, for both. */
#ifndef TETHER_SPAWN_H
#define TETHER_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "terr.h"

struct session;

/* [0] read end, [1] write end; -1 when absent. The child uses out[1], err[1],
 * in[0] and rep[1]; the tether keeps the others. */
struct spawn_fds {
  int out[2], err[2], in[2], rep[2];
};

/* Opens the report socket and, without a tty, the output pipes (sized for large
 * batches) and, with open_stdin, the stdin pipe. All CLOEXEC. */
int spawn_fds_open (struct spawn_fds *f, bool tty, bool open_stdin, struct terr *err);
/* In the parent after fork: the child's ends live on in the child only. */
void spawn_fds_close_child_ends (struct spawn_fds *f);
void spawn_fds_close (struct spawn_fds *f);
/* The new child, not yet reaped, becomes the session's process: a pidfd and the
 * reaper's table, the report socket and the stdio fds watched. Takes every fd of
 * f. On failure the child is killed (the reaper collects it as an orphan) and
 * every fd closed. */
int spawn_hand_over (struct session *s, pid_t pid, struct spawn_fds *f, bool tty, struct terr *err);

#endif
