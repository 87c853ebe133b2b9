/* Test driver for image_make_rw_disk (the runner calls it; tetherctl has no verb
 * for it): image_mkdisk PATH SIZE_MB [DIR...]. Exit 0, or 1 with the error. */
#include <stdio.h>
#include <stdlib.h>

#include "image.h"

int main (int argc, char **argv)
{
  if (argc < 3)
    {
      fprintf (stderr, "usage: image_mkdisk PATH SIZE_MB [DIR...]\n");
      return 2;
    }
  struct terr err;
  terr_clear (&err);
  if (image_make_rw_disk (argv[1], (unsigned) strtoul (argv[2], NULL, 10), (const char *const *) argv + 3, &err)
      < 0)
    {
      fprintf (stderr, "image_mkdisk: %s\n", err.msg);
      return 1;
    }
  return 0;
}
