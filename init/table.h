/* A whitespace-separated text table (modules.dep, modules.softdep, modules.alias,
   modules.builtin), read once and split in place. Blank and '#' lines are dropped. */
#ifndef INIT_TABLE_H
#define INIT_TABLE_H

#include <stddef.h>

#include "terr.h"

struct table_line
{
  char **tok;   /* points into table.toks */
  size_t ntok;
};

struct table
{
  char *buf;                 /* file contents, NUL-split */
  char **toks;               /* every token, line after line */
  struct table_line *lines;
  size_t nlines;
};

/* Bound on one table file: a full distribution modules.dep is ~1 MiB. */
#define TABLE_MAX_BYTES (16u << 20)

/* A missing file is an empty table, not an error (modules.softdep is optional). */
int table_load (struct table *t, const char *path, struct terr *err);
void table_free (struct table *t);

#endif
