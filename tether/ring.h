/* A byte ring that grows on demand (doubling from RING_START) up to its own
 * max and under a global cap shared by every ring. Full means the caller stops
 * reading its source; nothing is ever dropped here. */
#ifndef TETHER_RING_H
#define TETHER_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ring {
  uint8_t *buf;
  uint32_t cap;  /* bytes allocated (0 until the first write) */
  uint32_t max;  /* growth limit */
  bool uncapped; /* not counted against the global cap (connection out rings: bounded by max) */
  uint32_t head; /* index of the first byte held */
  uint32_t len;  /* bytes held */
};

void ring_init (struct ring *r, uint32_t max);
void ring_release (struct ring *r);
/* Where up to *avail bytes may be written next (contiguous), growing if needed.
 * NULL with *avail = 0 when full (at max, at the global cap, or no memory). */
uint8_t *ring_write_ptr (struct ring *r, size_t *avail);
void ring_commit (struct ring *r, size_t n);
/* Appends what fits; returns the bytes taken. */
size_t ring_put (struct ring *r, const void *p, size_t n);
/* Contiguous bytes starting `at` bytes past the first one held. */
const uint8_t *ring_peek (const struct ring *r, size_t at, size_t *avail);
void ring_consume (struct ring *r, size_t n);
static inline size_t ring_space (const struct ring *r) { return r->max - r->len; }

/* The global cap on all ring memory, and what is allocated now. */
void ring_set_global_cap (size_t bytes);
size_t ring_global_bytes (void);
/* More than half the global cap in use. */
bool ring_global_pressure (void);

#endif
