/* One error object, fixed size: reporting an error never allocates (STYLE §1). */
#ifndef INIT_ERR_H
#define INIT_ERR_H

struct terr
{
  int errnum;     /* errno value, 0 if none */
  char msg[200];  /* "what failed on what", without the errno text */
};

/* Sets the error and returns -1. */
int terr_set (struct terr *e, int errnum, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* Prefixes context ("load ext4: ") to the message and returns -1. */
int terr_wrap (struct terr *e, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

#endif
