/* libFuzzer target for the passwd/group parser (tether/user.c, user_resolve).
 *
 * Input: the -u spec, the passwd file and the group file, separated by NUL
 * bytes (missing parts are empty). The files live in two memfds opened once
 * (named by /proc/self/fd/N, so no file is made per input). Checks what the
 * launcher relies on: the group count within its array, the home terminated
 * and never empty, and a failure always carrying a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "user.h"

#define CHECK(cond) \
  do { \
    if (!(cond)) \
      abort (); \
  } while (0)

static int passwd_fd = -1, group_fd = -1;
static char passwd_path[64], group_path[64];

static void put (int fd, const uint8_t *p, size_t n)
{
  CHECK (ftruncate (fd, 0) == 0);
  CHECK (n == 0 || pwrite (fd, p, n, 0) == (ssize_t) n);
}

/* The next part up to a NUL (or the end); advances past it. */
static const uint8_t *part (const uint8_t **p, const uint8_t *end, size_t *n)
{
  const uint8_t *s = *p;
  const uint8_t *z = s < end ? memchr (s, 0, (size_t) (end - s)) : NULL;
  *n = (size_t) ((z ? z : end) - s);
  *p = z ? z + 1 : end;
  return s;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (passwd_fd < 0)
    {
      passwd_fd = memfd_create ("passwd", MFD_CLOEXEC);
      group_fd = memfd_create ("group", MFD_CLOEXEC);
      CHECK (passwd_fd >= 0 && group_fd >= 0);
      snprintf (passwd_path, sizeof passwd_path, "/proc/self/fd/%d", passwd_fd);
      snprintf (group_path, sizeof group_path, "/proc/self/fd/%d", group_fd);
    }
  const uint8_t *p = data, *end = data + size;
  size_t n;
  const uint8_t *s = part (&p, end, &n);
  char spec[512];
  if (n >= sizeof spec)
    n = sizeof spec - 1;
  memcpy (spec, s, n);
  spec[n] = '\0';
  s = part (&p, end, &n);
  put (passwd_fd, s, n);
  s = part (&p, end, &n);
  put (group_fd, s, n);

  /* the rest of the input: one --group-add entry */
  static char add[256];
  s = part (&p, end, &n);
  if (n >= sizeof add)
    n = sizeof add - 1;
  memcpy (add, s, n);
  add[n] = '\0';
  char *adds[] = { add };

  static struct user_ids u;
  struct terr err = { 0 };
  if (user_resolve (spec, adds, add[0] ? 1 : 0, passwd_path, group_path, &u, &err) < 0)
    {
      CHECK (err.msg[0] != '\0');
      return 0;
    }
  CHECK (u.n_groups >= 0 && u.n_groups <= USER_MAX_GROUPS);
  /* a passwd entry may give an empty home (docker then sets HOME empty) */
  CHECK (memchr (u.home, 0, sizeof u.home) != NULL);
  return 0;
}
