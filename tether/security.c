#include "security.h"

#include <ctype.h>
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

#include "capnames.h"

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
  /* docker: a privileged container has no seccomp filter; exec --privileged
   * keeps the container's. Loaded with CAP_SYS_ADMIN still held, so
   * no_new_privs is not needed for it and setuid programs in the image keep
   * working, as under docker. */
  if (!cf->privileged)
    {
      if (!filter)
        return terr_set (err, 0, "no seccomp filter (security_prepare failed)");
      struct sock_fprog prog = { .len = filter_len, .filter = filter };
      if (syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
        return terr_set (err, errno, "load the seccomp filter");
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
