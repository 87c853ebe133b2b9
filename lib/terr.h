/* The error object both sides use: fixed size, so reporting an error never
 * allocates (PID 1 must be able to say "out of memory"). Fallible functions take
 * `struct terr *err` last and return 0 or -1. */
#ifndef TETHER_TERR_H
#define TETHER_TERR_H

#include <errno.h>

struct terr {
  int errnum;     /* errno value, 0 if none */
  int code;       /* ERR_* for the wire, 0 if not set */
  int exit_code;  /* 125/126/127 for launch failures, 0 if not set */
  char msg[240];
};

/* Sets the message (": strerror(errnum)" appended when errnum != 0). Returns -1. */
int terr_set (struct terr *e, int errnum, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));
/* Prefixes context ("ctx: old message"). Returns -1. */
int terr_wrap (struct terr *e, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
void terr_clear (struct terr *e);

/* Cleanup helpers (GNU cleanup attribute, gcc and clang). */
void cleanup_close_fn (int *fd);
void cleanup_free_fn (void *p);
#define cleanup_close __attribute__ ((cleanup (cleanup_close_fn)))
#define cleanup_free __attribute__ ((cleanup (cleanup_free_fn)))
/* Hands ownership out of a cleanup_close variable. */
static inline int take_fd (int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}

#endif
