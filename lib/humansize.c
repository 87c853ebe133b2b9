/* docker's units.FromHumanSize (humansize.h). */
#include "humansize.h"

#include <stdlib.h>
#include <string.h>

int human_size (const char *s, uint64_t *out)
{
  size_t digits = strspn (s, "0123456789.");
  char *end;
  double v = strtod (s, &end);
  if (digits == 0 || end != s + digits)
    return -1;
  const char *sfx = end + (*end == ' ');
  size_t n = strlen (sfx);
  double mul = 1;
  if (n > 3)
    return -1;
  if (n > 0 && (sfx[0] | 0x20) == 'b')
    {
      if (n > 1)
        return -1;
    }
  else if (n > 0)
    {
      const char *u = strchr ("kmgtp", sfx[0] | 0x20);
      if (u == NULL)
        return -1;
      for (const char *k = "kmgtp"; k <= u; k++)
        mul *= 1000;
      if ((n == 2 && (sfx[1] | 0x20) != 'b')
          || (n == 3 && ((sfx[1] | 0x20) != 'i' || (sfx[2] | 0x20) != 'b')))
        return -1;
    }
  if (v * mul >= 9.2e18)
    return -1;
  *out = (uint64_t) (v * mul);
  return 0;
}
