#include "table.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "terr.h"

static int
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
read_all (const char *path, char **out, size_t *len, struct terr *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  size_t got = 0;
  char *buf;

  *out = NULL;
  *len = 0;
  if (fd < 0)
    return errno == ENOENT ? 0 : terr_set (err, errno, "open %s", path);
  if (fstat (fd, &st) < 0)
    return terr_set (err, errno, "stat %s", path);
  if ((size_t) st.st_size > TABLE_MAX_BYTES)
    return terr_set (err, EFBIG, "%s is larger than %u bytes", path, TABLE_MAX_BYTES);
  buf = malloc ((size_t) st.st_size + 1);
  if (buf == NULL)
    return terr_set (err, ENOMEM, "read %s", path);
  while (got < (size_t) st.st_size)
    {
      ssize_t n = read (fd, buf + got, (size_t) st.st_size - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          free (buf);
          return terr_set (err, errno, "read %s", path);
        }
      if (n == 0)
        break;
      got += (size_t) n;
    }
  buf[got] = '\0';
  *out = buf;
  *len = got;
  return 0;
}

/* Walks buf once; with lines == NULL it only counts, otherwise it also splits in
   place (every separator becomes NUL) and fills lines and toks. */
static void
split (char *buf, size_t len, struct table_line *lines, char **toks,
       size_t *nlines, size_t *ntoks)
{
  int fill = lines != NULL;
  size_t i = 0, nl = 0, nt = 0;

  while (i < len)
    {
      size_t first = nt;
      int comment = buf[i] == '#';

      while (i < len && buf[i] != '\n')
        {
          if (is_space (buf[i]))
            {
              if (fill)
                buf[i] = '\0';
              i++;
              continue;
            }
          if (!comment)
            {
              if (fill)
                toks[nt] = buf + i;
              nt++;
            }
          while (i < len && !is_space (buf[i]))
            i++;
        }
      if (i < len)
        {
          if (fill)
            buf[i] = '\0';
          i++;
        }
      if (nt > first)
        {
          if (fill)
            {
              lines[nl].tok = toks + first;
              lines[nl].ntok = nt - first;
            }
          nl++;
        }
    }
  *nlines = nl;
  *ntoks = nt;
}

int
table_load (struct table *t, const char *path, struct terr *err)
{
  size_t len, nl, nt;

  memset (t, 0, sizeof *t);
  if (read_all (path, &t->buf, &len, err) < 0)
    return -1;
  if (t->buf == NULL)
    return 0;
  split (t->buf, len, NULL, NULL, &nl, &nt);
  t->lines = calloc (nl + 1, sizeof *t->lines);
  t->toks = calloc (nt + 1, sizeof *t->toks);
  if (t->lines == NULL || t->toks == NULL)
    {
      table_free (t);
      return terr_set (err, ENOMEM, "parse %s", path);
    }
  split (t->buf, len, t->lines, t->toks, &t->nlines, &nt);
  return 0;
}

void
table_free (struct table *t)
{
  free (t->buf);
  free (t->toks);
  free (t->lines);
  memset (t, 0, sizeof *t);
}
