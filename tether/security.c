#include "security.h"

#include <errno.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

/* docker's default capabilities (moby oci/caps/defaults.go). */
static const cap_value_t default_caps[] = {
  CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID,  CAP_FOWNER,     CAP_MKNOD,            CAP_NET_RAW,    CAP_SETGID,
  CAP_SETUID, CAP_SETFCAP,     CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL,       CAP_AUDIT_WRITE,
};
#define N_DEFAULT_CAPS (sizeof default_caps / sizeof default_caps[0])

/* Syscalls docker's default profile leaves out that a container could still
 * reach with the default capabilities, or that need none: refused with EPERM.
 * (A denylist, not docker's full allowlist: see docs/security.md.) */
static const char *const denied[] = {
  "acct",          "add_key",        "bpf",          "clock_adjtime",   "clock_settime", "create_module",
  "delete_module", "finit_module",   "get_kernel_syms", "get_mempolicy", "init_module",   "ioperm",
  "iopl",          "kcmp",           "kexec_file_load", "kexec_load",   "keyctl",        "lookup_dcookie",
  "mbind",         "mount",          "move_pages",   "name_to_handle_at", "nfsservctl",  "open_by_handle_at",
  "perf_event_open", "pivot_root",   "process_vm_readv", "process_vm_writev", "quotactl", "reboot",
  "request_key",   "set_mempolicy",  "setns",        "settimeofday",    "stime",         "swapoff",
  "swapon",        "_sysctl",        "sysfs",        "umount",          "umount2",       "unshare",
  "uselib",        "userfaultfd",    "ustat",        "vm86",            "vm86old",       "fsopen",
  "fsconfig",      "fsmount",        "fspick",       "move_mount",      "open_tree",
};

int security_confine (struct terr *err)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);
  if (!ctx)
    return terr_set (err, ENOMEM, "seccomp_init");
  for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++)
    {
      int nr = seccomp_syscall_resolve_name (denied[i]);
      if (nr == __NR_SCMP_ERROR)
        continue; /* not on this architecture */
      int r = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), nr, 0);
      if (r < 0 && r != -EEXIST)
        {
          seccomp_release (ctx);
          return terr_set (err, -r, "seccomp rule for %s", denied[i]);
        }
    }
  int r = seccomp_load (ctx);
  seccomp_release (ctx);
  if (r < 0)
    return terr_set (err, -r, "seccomp_load");

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

int security_set_caps (struct terr *err)
{
  cap_t caps = cap_init (); /* all clear */
  if (!caps)
    return terr_set (err, errno, "cap_init");
  if (geteuid () == 0
      && (cap_set_flag (caps, CAP_EFFECTIVE, N_DEFAULT_CAPS, default_caps, CAP_SET) < 0
          || cap_set_flag (caps, CAP_PERMITTED, N_DEFAULT_CAPS, default_caps, CAP_SET) < 0
          || cap_set_flag (caps, CAP_INHERITABLE, N_DEFAULT_CAPS, default_caps, CAP_SET) < 0))
    {
      cap_free (caps);
      return terr_set (err, errno, "cap_set_flag");
    }
  int r = cap_set_proc (caps);
  int e = errno;
  cap_free (caps);
  return r < 0 ? terr_set (err, e, "cap_set_proc") : 0;
}
