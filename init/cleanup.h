/* Scope-bound cleanup (GNU cleanup attribute, gcc and clang), crun's shape. */
#ifndef INIT_CLEANUP_H
#define INIT_CLEANUP_H

#include <stdlib.h>
#include <unistd.h>

static inline void
cleanup_closep (int *fd)
{
  if (*fd >= 0)
    close (*fd);
}

static inline void
cleanup_freep (void *p)
{
  free (*(void **) p);
}

#define cleanup_close __attribute__ ((cleanup (cleanup_closep)))
#define cleanup_free __attribute__ ((cleanup (cleanup_freep)))

/* Hands ownership out of a guarded variable. */
static inline int
take_fd (int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}

#endif
