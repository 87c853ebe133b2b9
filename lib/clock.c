#include "clock.h"

#include <time.h>

int64_t now_mono_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t now_real_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts); /* cannot fail for CLOCK_REALTIME */
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}
