#include "security.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "capnames.h"
#include "pktguard.h"
#include "secprofile.h"

int security_prepare (struct terr *err)
{
  return secprofile_prepare (capset_default (), err);
}

/* Every capability this process's bounding set holds: what ALL and
 * --privileged give (in host mode the tether may hold fewer than the kernel has). */
static uint64_t held_caps (void)
{
  uint64_t set = 0;
  for (int c = 0; c < (int) cap_max_bits () && c < 64; c++)
    if (cap_get_bound ((cap_value_t) c) > 0)
      set |= 1ull << c;
  return set;
}

int security_caps (const struct confine *cf, uint64_t *out, struct terr *err)
{
  uint64_t held = held_caps ();
  char why[200];
  if (capset_of (cf->privileged || cf->all_caps, cf->cap_add, cf->n_cap_add, cf->cap_drop, cf->n_cap_drop, held, out,
                 why, sizeof why)
      < 0)
    return terr_set (err, 0, "%s", why);
  uint64_t missing = *out & ~held;
  for (int c = 0; c < 64; c++)
    if (missing & (1ull << c))
      {
        char *name = cap_to_name ((cap_value_t) c);
        for (char *p = name; p && *p; p++)
          *p = (char) toupper ((unsigned char) *p);
        terr_set (err, 0, "unable to apply caps: operation not permitted (the tether itself does not hold %s)",
                  name ? name : "?");
        cap_free (name);
        return -1;
      }
  return 0;
}

int security_confine (const struct confine *cf, uint64_t caps, struct terr *err)
{
  /* docker: a privileged container has no seccomp filter. The filter is the
   * container's, built on its set (moby decides the profile's capability
   * conditions on the spec's bounding set): exec --privileged keeps it, as
   * runc exec does. Loaded with CAP_SYS_ADMIN still held (runc's order
   * without no-new-privileges), so no_new_privs is not needed for it and
   * setuid programs in the image keep working, as under docker. */
  if (!cf->privileged)
    {
      uint64_t filter_caps = caps;
      struct confine container = *cf;
      container.all_caps = false;
      if (cf->all_caps && security_caps (&container, &filter_caps, err) < 0)
        return -1;
      if (secprofile_install (cf->seccomp_mode, cf->seccomp_profile, filter_caps, err) < 0)
        return -1;
      /* the network guard's AF_PACKET half; seccomp=unconfined lifts it too
       * (docs/network.md): that container asked for no filter at all */
      if (cf->no_packet_sockets && cf->seccomp_mode != SECCOMP_MODE__SECCOMP_UNCONFINED && pktguard_install (err) < 0)
        return -1;
    }
  for (int c = 0; c < (int) cap_max_bits (); c++)
    if ((c >= 64 || !(caps & (1ull << c))) && cap_drop_bound ((cap_value_t) c) < 0 && errno != EINVAL)
      return terr_set (err, errno, "drop capability %d from the bounding set", c);
  return 0;
}

/* Inheritable and ambient stay empty, as runc leaves them since CVE-2022-24769
 * (docker 20.10.14 on: CapInh 0 for root and any user alike); root gets its
 * effective and permitted set back from the bounding set at each execve anyway,
 * any other user loses them there (no ambient set, as docker). */
int security_set_caps (const struct confine *cf, uint64_t caps, struct terr *err)
{
  cap_value_t list[64];
  int n = 0;
  for (int c = 0; c < 64; c++)
    if (caps & (1ull << c))
      list[n++] = (cap_value_t) c;
  cap_t cs = cap_init (); /* all clear */
  if (!cs)
    return terr_set (err, errno, "cap_init");
  if (geteuid () == 0 && n > 0
      && (cap_set_flag (cs, CAP_EFFECTIVE, n, list, CAP_SET) < 0
          || cap_set_flag (cs, CAP_PERMITTED, n, list, CAP_SET) < 0))
    {
      cap_free (cs);
      return terr_set (err, errno, "cap_set_flag");
    }
  int r = cap_set_proc (cs);
  int e = errno;
  cap_free (cs);
  if (r < 0)
    return terr_set (err, e, "cap_set_proc");
  if (cf->no_new_privs && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return terr_set (err, errno, "set no_new_privs");
  return 0;
}
