/* Console lines and timing marks. Each line is one write(2) to fd 2, which main
   points at /dev/console as soon as devtmpfs is mounted. */
#ifndef INIT_LOG_H
#define INIT_LOG_H

#include "terr.h"

/* "init: " + formatted text + newline. */
void log_msg (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* "init: MSG: strerror" — one clear line per failure. */
void log_err (const struct terr *e);
/* Milliseconds since the kernel started (CLOCK_BOOTTIME). */
long log_now_ms (void);

#endif
