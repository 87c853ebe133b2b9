/* The guest's RNG fed from the host (#12's clone safety, useful on any boot:
 * a VM's pool is thin early, and a cloned VM's RNG state is its template's). */
#ifndef TETHER_RNGSEED_H
#define TETHER_RNGSEED_H

#include <stddef.h>
#include <stdint.h>

#define RNG_SEED_MIN 16 /* bytes from the host worth crediting */
#define RNG_SEED_MAX 64

/* Adds len bytes (RNG_SEED_MIN..RNG_SEED_MAX; others are ignored) to the
 * kernel's pool, credited, then reseeds the CRNG so the next getrandom and
 * /dev/urandom read use them (RNDADDENTROPY, RNDRESEEDCRNG: CAP_SYS_ADMIN, a
 * VM's PID 1 only). 0, or -1 (logged). */
int rng_seed_from_host (const uint8_t *buf, size_t len);

#endif
