/* docker's generated container names (moby's namesgenerator): "adjective_surname",
 * for a create without ?name=. */
#ifndef TETHER_DOCKER_NAMES_H
#define TETHER_DOCKER_NAMES_H

#include <stddef.h>

/* Longest name names_generate writes, without the NUL. */
#define NAMES_MAX_LEN 32

/* Writes a random "adjective_surname" (getrandom) to out. Uniqueness is the
 * caller's: on a clash it calls again, as moby does. 0, or -1 if cap is too
 * small (< NAMES_MAX_LEN + 1). */
int names_generate (char *out, size_t cap);
/* The same from a given random value (tests; the caller's own randomness). */
void names_from (unsigned long r, char *out, size_t cap);

#endif
