/* What tether/main.c provides to the tether's library, for the fuzz targets
 * that link it without main (cfg, tether): the globals, a hello that steps no
 * clock, a fixed RSS. */
#include "tether.h"

struct tether_stats stats;
bool tether_is_pid1;
bool tether_clock_stepped;
char tether_boot_id[40] = "00000000-0000-4000-8000-000000000000";

void tether_on_hello (const Hello *h)
{
  (void) h;
}

uint64_t tether_rss_bytes (uint64_t *max_rss)
{
  if (max_rss)
    *max_rss = 1u << 20;
  return 1u << 20;
}
