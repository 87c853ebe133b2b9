/* xorshift64: reproducible "random" test data without touching libc's rand state. */
#ifndef TETHER_TEST_XORSHIFT_H
#define TETHER_TEST_XORSHIFT_H

#include <stdint.h>

static inline uint64_t xorshift64 (uint64_t *state)
{
  uint64_t x = *state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *state = x;
}

#endif
