#include "security.h"

#include <errno.h>
#include <stddef.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "secprofile.h"

/* docker's default capabilities (moby oci/caps/defaults.go). */
static const cap_value_t default_caps[] = {
  CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID,  CAP_FOWNER,     CAP_MKNOD,            CAP_NET_RAW,    CAP_SETGID,
  CAP_SETUID, CAP_SETFCAP,     CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL,       CAP_AUDIT_WRITE,
};
#define N_DEFAULT_CAPS (sizeof default_caps / sizeof default_caps[0])

uint64_t security_bounding_caps (void)
{
  uint64_t mask = 0;
  for (size_t i = 0; i < N_DEFAULT_CAPS; i++)
    mask |= 1ULL << default_caps[i];
  return mask;
}

int security_prepare (struct terr *err)
{
  return secprofile_prepare (security_bounding_caps (), err);
}

int security_confine (struct terr *err)
{
  for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
    {
      int keep = 0;
      for (size_t i = 0; i < N_DEFAULT_CAPS; i++)
        keep |= default_caps[i] == c;
      if (!keep && cap_drop_bound (c) < 0 && errno != EINVAL)
        return terr_set (err, errno, "drop capability %d from the bounding set", (int) c);
    }
  return 0;
}

/* Inheritable stays empty, as runc leaves it since CVE-2022-24769 (docker
 * 20.10.14 on: CapInh 0 for root and any user alike); root gets its effective
 * and permitted set back from the bounding set at each execve anyway. */
int security_set_caps (struct terr *err)
{
  cap_t caps = cap_init (); /* all clear */
  if (!caps)
    return terr_set (err, errno, "cap_init");
  if (geteuid () == 0
      && (cap_set_flag (caps, CAP_EFFECTIVE, N_DEFAULT_CAPS, default_caps, CAP_SET) < 0
          || cap_set_flag (caps, CAP_PERMITTED, N_DEFAULT_CAPS, default_caps, CAP_SET) < 0))
    {
      cap_free (caps);
      return terr_set (err, errno, "cap_set_flag");
    }
  int r = cap_set_proc (caps);
  int e = errno;
  cap_free (caps);
  return r < 0 ? terr_set (err, e, "cap_set_proc") : 0;
}
