/* Small language helpers every room uses. */
#ifndef TETHER_LIB_BASE_H
#define TETHER_LIB_BASE_H

#include <stddef.h>

/* The struct that holds `member` at address p. */
#define container_of(p, type, member) ((type *) ((char *) (p) - offsetof (type, member)))
#define ARRAY_LEN(a) (sizeof (a) / sizeof (a)[0])

#endif
