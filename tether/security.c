#include "security.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
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

/* The filter, compiled once by the tether (libseccomp's compiler costs about
 * a millisecond per launch otherwise) and loaded raw in each child. */
static struct sock_filter *filter;
static unsigned short filter_len;

int security_prepare (struct terr *err)
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
  int fd = memfd_create ("seccomp", MFD_CLOEXEC);
  if (fd < 0)
    {
      seccomp_release (ctx);
      return terr_set (err, errno, "memfd_create");
    }
  int r = seccomp_export_bpf (ctx, fd);
  seccomp_release (ctx);
  off_t len = lseek (fd, 0, SEEK_END);
  if (r < 0 || len <= 0 || len % (off_t) sizeof *filter || len / (off_t) sizeof *filter > BPF_MAXINSNS)
    {
      close (fd);
      return terr_set (err, r < 0 ? -r : EINVAL, "seccomp_export_bpf");
    }
  filter = malloc ((size_t) len);
  if (!filter || pread (fd, filter, (size_t) len, 0) != len)
    {
      close (fd);
      free (filter);
      filter = NULL;
      return terr_set (err, errno ? errno : EIO, "read the seccomp filter");
    }
  close (fd);
  filter_len = (unsigned short) (len / (off_t) sizeof *filter);
  return 0;
}

int security_confine (struct terr *err)
{
  if (!filter)
    return terr_set (err, 0, "no seccomp filter (security_prepare failed)");
  /* Loaded with CAP_SYS_ADMIN still held, so no_new_privs stays off and
   * setuid programs in the image keep working, as under docker. */
  struct sock_fprog prog = { .len = filter_len, .filter = filter };
  if (syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
    return terr_set (err, errno, "load the seccomp filter");

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
