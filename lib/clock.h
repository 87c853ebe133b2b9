/* The two clocks everything uses: CLOCK_MONOTONIC in ms for bounds and timers,
 * CLOCK_REALTIME in ns for the times we report. */
#ifndef TETHER_LIB_CLOCK_H
#define TETHER_LIB_CLOCK_H

#include <stdint.h>

int64_t now_mono_ms (void);
int64_t now_real_ns (void);

#endif
