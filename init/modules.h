/* Loads every module listed in /lib/modules/$(uname -r)/modules.dep, each once,
   its modules.softdep "pre:" modules and its modules.dep dependencies first,
   skipping names in modules.builtin. */
#ifndef INIT_MODULES_H
#define INIT_MODULES_H

#include "terr.h"

struct modules_stats
{
  unsigned loaded;   /* finit_module succeeded */
  unsigned present;  /* EEXIST: already loaded */
  unsigned failed;   /* each failure was printed */
};

/* Fails only if the tables cannot be read; per-module failures are printed,
   counted and skipped. */
int modules_load_all (struct modules_stats *st, struct terr *err);

#endif
