/* Messages on the SEQPACKET socket between the tether and a container init or
 * launch child. One message per send, so a child's last words cannot interleave. */
#ifndef TETHER_REPORT_H
#define TETHER_REPORT_H

#include <stdint.h>

enum report_type {
  REPORT_EXEC = 1,   /* child -> tether: about to execve; ns = CLOCK_REALTIME */
  REPORT_FAIL = 2,   /* child -> tether: launch failed; value = exit code, text = why */
  REPORT_EXIT = 3,   /* container init -> tether: primary's raw wait status in value */
  REPORT_PTY = 4,    /* child -> tether: pty master passed with SCM_RIGHTS */
  REPORT_SIGNAL = 5, /* tether -> container init: forward signal `value` to the primary */
  REPORT_LAUNCHED = 6, /* container init -> tether: the primary's execve is behind it (done, or failed and said so) */
};

struct report {
  int32_t type;
  int32_t value;
  int64_t ns;
  char text[240];
};

int report_send (int fd, int type, int value, int64_t ns, const char *text);
int report_send_fd (int fd, int passed_fd);
/* Returns bytes read (0 at EOF, -1 with errno); *passed_fd gets a passed fd or -1. */
ssize_t report_recv (int fd, struct report *r, int *passed_fd);

#endif
