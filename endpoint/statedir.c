/* STAND-IN until branch `image` lands. */
#include "statedir.h"

#include <stdlib.h>

const char *state_dir (void)
{
  const char *d = getenv ("TETHER_STATE_DIR");
  return d && *d ? d : "/var/lib/tether";
}
