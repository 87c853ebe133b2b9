/* docker's units.FromHumanSize, which json-file's max-size goes through: a
 * decimal number (a fraction allowed), an optional space, then nothing, "b", or
 * k/m/g/t/p (powers of 1000, any case) with an optional "b" or "ib". Both
 * tetherctl's --log-opt and tetherd's LogConfig read sizes so. */
#ifndef TETHER_LIB_HUMANSIZE_H
#define TETHER_LIB_HUMANSIZE_H

#include <stdint.h>

/* 0 and *out, or -1 if s is not such a size. */
int human_size (const char *s, uint64_t *out);

#endif
