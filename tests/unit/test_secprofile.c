/* tether/secprofile.c: profiles compiled for a bounding set and a kernel, as
 * moby and runc decide; each filter is loaded in a forked child and tried. */
#include <errno.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "secprofile.h"
#include "unit.h"

#define CAP_BIT(n) (1ULL << (n))
#define SYS_ADMIN 21
#define SYS_PTRACE 19
/* docker's 14 defaults (tether/security.c) */
#define DOCKER_CAPS 0xa80425fbULL

/* The errno the call gets under p (0: it succeeded). */
static int try (const SeccompProfile *p, uint64_t caps, uint32_t kernel, long nr, long a0, long a1, long a2)
{
  struct sock_fprog prog;
  struct terr err = { 0 };
  if (secprofile_compile (p, caps, kernel, &prog, &err) < 0)
    fail_msg ("compile: %s", err.msg);
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    {
      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
        _exit (255);
      long r = syscall (nr, a0, a1, a2, 0, 0, 0);
      _exit (r < 0 ? errno : 0);
    }
  free (prog.filter);
  int st;
  assert_int_equal (waitpid (pid, &st, 0), pid);
  assert_true (WIFEXITED (st));
  assert_int_not_equal (WEXITSTATUS (st), 255);
  return WEXITSTATUS (st);
}

static void default_for_docker_caps (void **state)
{
  (void) state;
  const SeccompProfile *d = &secprofile_default;
  uint32_t k = secprofile_kernel_version ();
  assert_int_equal (try (d, DOCKER_CAPS, k, SYS_getppid, 0, 0, 0), 0);
  assert_int_equal (try (d, DOCKER_CAPS, k, SYS_unshare, CLONE_NEWUSER, 0, 0), EPERM);
  assert_int_equal (try (d, DOCKER_CAPS, k, 435 /* clone3 */, 0, 0, 0), ENOSYS);
  assert_int_equal (try (d, DOCKER_CAPS, k, SYS_personality, 0x40000, 0, 0), EPERM);
  assert_int_equal (try (d, DOCKER_CAPS, k, SYS_personality, 0xffffffff, 0, 0), 0);
  assert_int_equal (try (d, DOCKER_CAPS, k, SYS_keyctl, 0, 0, 0), EPERM);
  /* newer than every name in the profile: runc's stub */
  assert_int_equal (try (d, DOCKER_CAPS, k, 452 /* fchmodat2 */, -1, 0, 0), ENOSYS);
}

/* moby's includes/excludes.caps: CAP_SYS_ADMIN allows clone3 and unshare */
static void capability_conditions (void **state)
{
  (void) state;
  const SeccompProfile *d = &secprofile_default;
  uint32_t k = secprofile_kernel_version ();
  uint64_t admin = DOCKER_CAPS | CAP_BIT (SYS_ADMIN);
  assert_int_equal (try (d, admin, k, 435, 0, 0, 0), EINVAL); /* the kernel's answer to clone3 (NULL, 0) */
  assert_int_not_equal (try (d, admin, k, SYS_unshare, CLONE_NEWUSER, 0, 0), EPERM);
  /* ptrace: CAP_SYS_PTRACE, or kernel 4.8 on */
  assert_int_equal (try (d, DOCKER_CAPS, 4 << 8 | 7, SYS_ptrace, 7 /* PTRACE_CONT */, 0x7fffffff, 0), EPERM);
  assert_int_equal (try (d, DOCKER_CAPS, 4 << 8 | 8, SYS_ptrace, 7, 0x7fffffff, 0), ESRCH);
  assert_int_equal (try (d, DOCKER_CAPS | CAP_BIT (SYS_PTRACE), 4 << 8 | 7, SYS_ptrace, 7, 0x7fffffff, 0), ESRCH);
}

static void runc_rules (void **state)
{
  (void) state;
  /* two conditions on one argument: each a rule of its own (OR), as runc adds them */
  SeccompArg a5 = SECCOMP_ARG__INIT, a6 = SECCOMP_ARG__INIT, *args[] = { &a5, &a6 };
  a5.op = a6.op = SECCOMP_OP__SECCOMP_OP_EQ;
  a5.value = 5, a6.value = 6;
  char *prio[] = { "getpriority" };
  SeccompRule r0 = SECCOMP_RULE__INIT;
  r0.names = prio, r0.n_names = 1, r0.args = args, r0.n_args = 2;
  r0.action = SECCOMP_ACTION__SECCOMP_ACT_ERRNO, r0.has_errno = 1, r0.errno_ret = EACCES;
  /* unknown names are skipped; a rule with the default's action is dropped */
  char *some[] = { "nosuchcall", "getppid" }, *pid[] = { "getpid" };
  SeccompRule r1 = SECCOMP_RULE__INIT, r2 = SECCOMP_RULE__INIT;
  r1.names = some, r1.n_names = 2, r1.action = SECCOMP_ACTION__SECCOMP_ACT_ERRNO; /* no errnoRet: EPERM */
  r2.names = pid, r2.n_names = 1, r2.action = SECCOMP_ACTION__SECCOMP_ACT_ALLOW;
  SeccompRule *rules[] = { &r0, &r1, &r2 };
  SeccompProfile p = SECCOMP_PROFILE__INIT;
  p.default_action = SECCOMP_ACTION__SECCOMP_ACT_ALLOW, p.rules = rules, p.n_rules = 3;
  uint32_t k = secprofile_kernel_version ();
  assert_int_equal (try (&p, 0, k, SYS_getpriority, 5, 0, 0), EACCES);
  assert_int_equal (try (&p, 0, k, SYS_getpriority, 6, 0, 0), EACCES);
  assert_int_equal (try (&p, 0, k, SYS_getpriority, 7, 0, 0), EINVAL);
  assert_int_equal (try (&p, 0, k, SYS_getppid, 0, 0, 0), EPERM);
  assert_int_equal (try (&p, 0, k, SYS_getpid, 0, 0, 0), 0);
  /* an allowing default has no ENOSYS stub */
  assert_int_equal (try (&p, 0, k, 452, -1, (long) "x", 0), EBADF);
}

static void refused (void **state)
{
  (void) state;
  struct sock_fprog prog;
  struct terr err = { 0 };
  char *arches[] = { "vax" };
  SeccompProfile p = SECCOMP_PROFILE__INIT;
  p.default_action = SECCOMP_ACTION__SECCOMP_ACT_ALLOW, p.arches = arches, p.n_arches = 1;
  assert_int_equal (secprofile_compile (&p, 0, 0, &prog, &err), -1);
  p.n_arches = 0, p.default_action = SECCOMP_ACTION__SECCOMP_ACT_NONE;
  assert_int_equal (secprofile_compile (&p, 0, 0, &prog, &err), -1);
}

UNIT_MAIN (cmocka_unit_test (default_for_docker_caps), cmocka_unit_test (capability_conditions),
           cmocka_unit_test (runc_rules), cmocka_unit_test (refused))
