/* Profiles to BPF with libseccomp, in moby's and runc's way (secprofile.h). */
#include "secprofile.h"

#include <errno.h>
#include <stddef.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "seccompcheck.h"

static struct sock_fprog default_prog; /* secprofile_prepare's */
static uint64_t default_prog_caps;

uint32_t secprofile_kernel_version (void)
{
  struct utsname u;
  /* moby's parseRelease: "6.1.0-13-amd64" is 6.1 */
  if (uname (&u) < 0)
    return 0;
  char *dot;
  unsigned long k = strtoul (u.release, &dot, 10), m;
  if (dot == u.release || *dot != '.' || dot[1] < '0' || dot[1] > '9')
    return 0;
  m = strtoul (dot + 1, NULL, 10);
  return (k > 255 ? 255 : k) << 8 | (m > 255 ? 255 : m);
}

static uint32_t action_of (SeccompAction a, int has_errno, uint32_t errno_ret)
{
  uint32_t e = has_errno ? errno_ret : EPERM; /* runc's default for ERRNO and TRACE */
  switch (a)
    {
    case SECCOMP_ACTION__SECCOMP_ACT_KILL_THREAD: return SCMP_ACT_KILL_THREAD;
    case SECCOMP_ACTION__SECCOMP_ACT_KILL_PROCESS: return SCMP_ACT_KILL_PROCESS;
    case SECCOMP_ACTION__SECCOMP_ACT_TRAP: return SCMP_ACT_TRAP;
    case SECCOMP_ACTION__SECCOMP_ACT_ERRNO: return SCMP_ACT_ERRNO (e);
    case SECCOMP_ACTION__SECCOMP_ACT_TRACE: return SCMP_ACT_TRACE (e);
    case SECCOMP_ACTION__SECCOMP_ACT_ALLOW: return SCMP_ACT_ALLOW;
    case SECCOMP_ACTION__SECCOMP_ACT_LOG: return SCMP_ACT_LOG;
    default: return SCMP_ACT_KILL_PROCESS; /* seccomp_profile_check refuses these */
    }
}

/* moby's setupSeccomp: excludes first, then includes; caps against the bounding set. */
static int rule_applies (const SeccompRule *r, uint64_t caps, uint32_t kernel)
{
  if (r->caps_none & caps)
    return 0;
  if (r->below_kernel && kernel >= r->below_kernel)
    return 0;
  if ((r->caps_all & caps) != r->caps_all)
    return 0;
  if (r->min_kernel && kernel < r->min_kernel)
    return 0;
  return 1;
}

static int add_rule (scmp_filter_ctx ctx, const SeccompRule *r, uint32_t action, struct terr *err)
{
  struct scmp_arg_cmp cmp[SECCOMP_MAX_ARGS];
  unsigned per_index[SECCOMP_MAX_ARGS] = { 0 };
  int repeated_index = 0;
  for (size_t j = 0; j < r->n_args; j++)
    {
      const SeccompArg *a = r->args[j];
      cmp[j] = (struct scmp_arg_cmp) { a->index, (enum scmp_compare) a->op, a->value, a->value_two };
      repeated_index |= per_index[a->index]++ > 0;
    }
  for (size_t i = 0; i < r->n_names; i++)
    {
      int nr = seccomp_syscall_resolve_name (r->names[i]);
      if (nr == __NR_SCMP_ERROR)
        continue; /* runc: a name this libseccomp does not know is not an error */
      int rc = 0;
      /* runc: conditions on one argument twice are each a rule of their own
       * (libseccomp would AND them into one that can never match) */
      if (repeated_index)
        for (size_t j = 0; j < r->n_args && rc >= 0; j++)
          rc = seccomp_rule_add_array (ctx, action, nr, 1, &cmp[j]);
      else
        rc = seccomp_rule_add_array (ctx, action, nr, (unsigned) r->n_args, cmp);
      if (rc < 0 && rc != -EEXIST)
        return terr_set (err, -rc, "seccomp rule for %s", r->names[i]);
    }
  return 0;
}

/* runc's -ENOSYS stub (libcontainer/seccomp/patchbpf): a syscall numbered
 * above every one the profile names, per architecture, is newer than the
 * profile and gets ENOSYS instead of the default action, so a libc falls back
 * (glibc's fchmodat tries fchmodat2 first) as it would on an older kernel.
 * Put in front of libseccomp's program, which loads the arch again itself. */
#define X32_BIT 0x40000000u
#define AUDIT_X86_64 0xc000003eu
#define AUDIT_I386 0x40000003u

struct last_nr {
  int x86_64, x32, x86; /* -1: the architecture is not in the filter */
};

/* Over the rules that apply, as runc sees only those moby kept. */
static void last_of (const SeccompProfile *p, uint64_t caps, uint32_t kernel, struct last_nr *last)
{
  *last = (struct last_nr) { 0, -1, -1 };
  for (size_t i = 0; i < p->n_arches; i++)
    {
      uint32_t a = seccomp_arch_resolve_name (p->arches[i]);
      if (a == SCMP_ARCH_X32)
        last->x32 = 0;
      else if (a == SCMP_ARCH_X86)
        last->x86 = 0;
    }
  for (size_t i = 0; i < p->n_rules; i++)
    for (size_t j = 0; rule_applies (p->rules[i], caps, kernel) && j < p->rules[i]->n_names; j++)
      {
        const char *n = p->rules[i]->names[j];
        int nr = seccomp_syscall_resolve_name_arch (SCMP_ARCH_X86_64, n);
        if (nr > last->x86_64)
          last->x86_64 = nr;
        if (last->x32 >= 0 && (nr = seccomp_syscall_resolve_name_arch (SCMP_ARCH_X32, n)) > last->x32)
          last->x32 = nr;
        if (last->x86 >= 0 && (nr = seccomp_syscall_resolve_name_arch (SCMP_ARCH_X86, n)) > last->x86)
          last->x86 = nr;
      }
}

enum { STUB_LEN = 10 };

/* Jump offsets count from the next instruction; 10 is libseccomp's first. */
static void enosys_stub (const struct last_nr *last, struct sock_filter *f)
{
  uint32_t x32 = last->x32 >= 0 ? (uint32_t) last->x32 | X32_BIT : 0xffffffffu;
  uint32_t x86 = last->x86 >= 0 ? (uint32_t) last->x86 : 0xffffffffu;
  const struct sock_filter prog[STUB_LEN] = {
    /* 0 */ BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch)),
    /* 1 */ BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, AUDIT_X86_64, 0, 4),
    /* 2 */ BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    /* 3 */ BPF_JUMP (BPF_JMP | BPF_JSET | BPF_K, X32_BIT, 1, 0),
    /* 4 */ BPF_JUMP (BPF_JMP | BPF_JGT | BPF_K, (uint32_t) last->x86_64, 4, 5),
    /* 5 */ BPF_JUMP (BPF_JMP | BPF_JGT | BPF_K, x32, 3, 4),
    /* 6 */ BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, AUDIT_I386, 0, 3),
    /* 7 */ BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    /* 8 */ BPF_JUMP (BPF_JMP | BPF_JGT | BPF_K, x86, 0, 1),
    /* 9 */ BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
  };
  memcpy (f, prog, sizeof prog);
}

/* runc's isAllowAction, and a default that is ENOSYS already: no stub. */
static int wants_stub (const SeccompProfile *p)
{
  SeccompAction d = p->default_action;
  return d != SECCOMP_ACTION__SECCOMP_ACT_ALLOW && d != SECCOMP_ACTION__SECCOMP_ACT_LOG
         && d != SECCOMP_ACTION__SECCOMP_ACT_TRACE && !(p->has_default_errno && p->default_errno == ENOSYS);
}

static int export_bpf (scmp_filter_ctx ctx, const struct last_nr *last, struct sock_fprog *out, struct terr *err)
{
  int fd = memfd_create ("seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return terr_set (err, errno, "memfd_create");
  int r = seccomp_export_bpf (ctx, fd);
  off_t len = lseek (fd, 0, SEEK_END);
  size_t ins = sizeof (struct sock_filter), pre = last ? STUB_LEN : 0;
  if (r < 0 || len <= 0 || len % (off_t) ins || len / (off_t) ins + pre > BPF_MAXINSNS)
    {
      close (fd);
      return terr_set (err, r < 0 ? -r : E2BIG, "seccomp_export_bpf: %lld instructions",
                       (long long) (len > 0 ? len / (off_t) ins : 0));
    }
  struct sock_filter *f = malloc ((size_t) len + pre * ins);
  if (!f || pread (fd, f + pre, (size_t) len, 0) != len)
    {
      close (fd);
      free (f);
      return terr_set (err, errno ? errno : EIO, "read the seccomp filter");
    }
  close (fd);
  if (last)
    enosys_stub (last, f);
  *out = (struct sock_fprog) { .len = (unsigned short) (len / (off_t) ins + pre), .filter = f };
  return 0;
}

int secprofile_compile (const SeccompProfile *p, uint64_t caps, uint32_t kernel, struct sock_fprog *out,
                     struct terr *err)
{
  char why[200];
  if (seccomp_profile_check (p, why, sizeof why) < 0)
    return terr_set (err, EINVAL, "%s", why);
  uint32_t def = action_of (p->default_action, p->has_default_errno, p->default_errno);
  scmp_filter_ctx ctx = seccomp_init (def);
  if (!ctx)
    return terr_set (err, ENOMEM, "seccomp_init");
  /* loaded by hand, with CAP_SYS_ADMIN: no_new_privs stays the config's business */
  int rc = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  /* a binary tree over the syscall numbers, not libseccomp's default linear
   * list: the same decisions in a few dozen instructions a syscall instead of
   * hundreds, and the kernel's attach-time walk of every number (its
   * always-allowed cache) stays short: ~1 ms less at every launch */
  if (rc >= 0)
    rc = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  for (size_t i = 0; rc >= 0 && i < p->n_arches; i++)
    {
      uint32_t arch = seccomp_arch_resolve_name (p->arches[i]);
      if (arch == 0)
        {
          seccomp_release (ctx);
          return terr_set (err, EINVAL, "seccomp: unknown architecture %s", p->arches[i]);
        }
      rc = seccomp_arch_add (ctx, arch);
      if (rc == -EEXIST)
        rc = 0; /* the native one is there from seccomp_init */
    }
  for (size_t i = 0; rc >= 0 && i < p->n_rules; i++)
    {
      const SeccompRule *r = p->rules[i];
      uint32_t act = action_of (r->action, r->has_errno, r->errno_ret);
      /* runc skips a rule that does what the default does (libseccomp refuses it) */
      if (act == def || !rule_applies (r, caps, kernel))
        continue;
      if (add_rule (ctx, r, act, err) < 0)
        {
          seccomp_release (ctx);
          return -1;
        }
    }
  if (rc < 0)
    {
      seccomp_release (ctx);
      return terr_set (err, -rc, "seccomp filter attributes");
    }
  struct last_nr last;
  last_of (p, caps, kernel, &last);
  rc = export_bpf (ctx, wants_stub (p) ? &last : NULL, out, err);
  seccomp_release (ctx);
  return rc;
}

int secprofile_prepare (uint64_t default_caps, struct terr *err)
{
  default_prog_caps = default_caps;
  return secprofile_compile (&secprofile_default, default_caps, secprofile_kernel_version (), &default_prog, err);
}

int secprofile_install (SeccompMode mode, const SeccompProfile *custom, uint64_t caps, struct terr *err)
{
  if (mode == SECCOMP_MODE__SECCOMP_UNCONFINED)
    return 0;
  struct sock_fprog prog = default_prog;
  if (mode == SECCOMP_MODE__SECCOMP_CUSTOM || !default_prog.filter || caps != default_prog_caps)
    {
      /* compiled here, in the child, once: the parent never holds it */
      const SeccompProfile *p = mode == SECCOMP_MODE__SECCOMP_CUSTOM ? custom : &secprofile_default;
      if (secprofile_compile (p, caps, secprofile_kernel_version (), &prog, err) < 0)
        return terr_wrap (err, "seccomp profile");
    }
  if (syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
    return terr_set (err, errno, "load the seccomp filter");
  return 0;
}
