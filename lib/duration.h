/* Durations as Go writes and reads them (time.ParseDuration, Duration.String):
 * docker's --health-* flags take them, and docker's texts print them
 * ("Health check exceeded timeout (200ms)"). Both sides use these. */
#ifndef TETHER_LIB_DURATION_H
#define TETHER_LIB_DURATION_H

#include <stddef.h>
#include <stdint.h>

#define DURATION_STR_MAX 32

/* Parses "300ms", "1m30s", "1.5h", "-2s", "0" (units ns us µs ms s m h). On
 * error returns -1 and writes Go's text ("time: invalid duration \"x\"",
 * "time: unknown unit \"x\" in duration \"1x\"", "time: missing unit in
 * duration \"5\"") to why. */
int duration_parse (const char *s, int64_t *ns, char *why, size_t why_cap);
/* Go's Duration.String: "0s", "200ms", "1.5µs", "1m30s", "1h0m0s". */
const char *duration_format (int64_t ns, char buf[DURATION_STR_MAX]);

#endif
