/* docker's capability names and sets (capnames.h) over libcap's names. */
#include "capnames.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

uint64_t capset_default (void)
{
  static const cap_value_t defaults[] = {
    CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,     CAP_MKNOD, CAP_NET_RAW, CAP_SETGID,
    CAP_SETUID, CAP_SETFCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL,  CAP_SETPCAP, CAP_AUDIT_WRITE,
  };
  uint64_t set = 0;
  for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
    set |= 1ull << defaults[i];
  return set;
}

int capname_parse (const char *name, char *why, size_t cap)
{
  char up[64];
  size_t n = 0;
  for (; name[n] && n < sizeof up - 1; n++)
    up[n] = (char) toupper ((unsigned char) name[n]);
  up[n] = '\0';
  if (name[n] == '\0' && strcmp (up, "ALL") == 0)
    return CAPNAME_ALL;
  char full[sizeof up + 4];
  snprintf (full, sizeof full, "%s%s", strncmp (up, "CAP_", 4) == 0 ? "" : "CAP_", up);
  /* cap_from_name reads a prefix ("cap_chown,x" is CHOWN) and takes numbers:
   * only a name that libcap writes back the same way is one. */
  cap_value_t v;
  bool known = false;
  if (name[n] == '\0' && cap_from_name (full, &v) == 0 && v >= 0 && v < 64)
    {
      char *back = cap_to_name (v);
      known = back && strcasecmp (back, full) == 0;
      cap_free (back);
    }
  if (!known)
    {
      snprintf (why, cap, "unknown capability: \"%s%s\"", full, name[n] ? "..." : "");
      return -1;
    }
  return (int) v;
}

/* Every name of a list into a set; *has_all when ALL is one of them. */
static int names_to_set (const char *field, char *const *names, size_t n, uint64_t *set, bool *has_all, char *why,
                         size_t cap)
{
  *set = 0;
  *has_all = false;
  for (size_t i = 0; i < n; i++)
    {
      char e[160];
      int v = capname_parse (names[i] ? names[i] : "", e, sizeof e);
      if (v == -1)
        return snprintf (why, cap, "invalid %s: %s", field, e), -1;
      if (v == CAPNAME_ALL)
        *has_all = true;
      else
        *set |= 1ull << v;
    }
  return 0;
}

int capset_of (bool privileged, char *const *add, size_t n_add, char *const *drop, size_t n_drop, uint64_t all,
               uint64_t *out, char *why, size_t cap)
{
  uint64_t adds, drops;
  bool add_all, drop_all;
  /* docker checks the names even when privileged makes them moot */
  if (names_to_set ("CapAdd", add, n_add, &adds, &add_all, why, cap) < 0
      || names_to_set ("CapDrop", drop, n_drop, &drops, &drop_all, why, cap) < 0)
    return -1;
  if (privileged)
    *out = all;
  else if (add_all)
    *out = all & ~drops; /* "ALL" in CapDrop names no capability here: nothing dropped */
  else if (drop_all)
    *out = adds;
  else
    *out = (capset_default () & ~drops) | adds;
  return 0;
}
