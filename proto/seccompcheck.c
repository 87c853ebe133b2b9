/* Bounds and values of a seccomp profile on the wire (seccompcheck.h). */
#include "seccompcheck.h"

#include <stdio.h>
#include <string.h>

static int action_valid (SeccompAction a)
{
  return a >= SECCOMP_ACTION__SECCOMP_ACT_KILL_THREAD && a <= SECCOMP_ACTION__SECCOMP_ACT_LOG;
}

static int rule_check (const SeccompRule *r, size_t i, size_t *names, char *why, size_t cap)
{
  if (!action_valid (r->action))
    return snprintf (why, cap, "seccomp rule %zu: invalid action %d", i, (int) r->action), -1;
  if (r->has_errno && r->errno_ret > SECCOMP_MAX_ERRNO)
    return snprintf (why, cap, "seccomp rule %zu: errnoRet %u out of range", i, r->errno_ret), -1;
  if (r->n_args > SECCOMP_MAX_ARGS)
    return snprintf (why, cap, "seccomp rule %zu: %zu args (at most %d)", i, r->n_args, SECCOMP_MAX_ARGS), -1;
  for (size_t j = 0; j < r->n_args; j++)
    {
      const SeccompArg *a = r->args[j];
      if (a->index >= SECCOMP_MAX_ARGS)
        return snprintf (why, cap, "seccomp rule %zu: arg index %u (0 to 5)", i, a->index), -1;
      if (a->op < SECCOMP_OP__SECCOMP_OP_NE || a->op > SECCOMP_OP__SECCOMP_OP_MASKED_EQ)
        return snprintf (why, cap, "seccomp rule %zu: invalid operator %d", i, (int) a->op), -1;
    }
  *names += r->n_names;
  if (*names > SECCOMP_MAX_NAMES)
    return snprintf (why, cap, "seccomp profile: more than %d syscall names", SECCOMP_MAX_NAMES), -1;
  for (size_t j = 0; j < r->n_names; j++)
    if (!r->names[j] || !r->names[j][0] || strlen (r->names[j]) > SECCOMP_MAX_NAME_LEN)
      return snprintf (why, cap, "seccomp rule %zu: a syscall name is empty or longer than %d bytes", i,
                       SECCOMP_MAX_NAME_LEN),
             -1;
  return 0;
}

int seccomp_profile_check (const SeccompProfile *p, char *why, size_t cap)
{
  if (!p)
    return snprintf (why, cap, "seccomp: a custom profile without its rules"), -1;
  if (!action_valid (p->default_action))
    return snprintf (why, cap, "seccomp profile: invalid defaultAction %d", (int) p->default_action), -1;
  if (p->has_default_errno && p->default_errno > SECCOMP_MAX_ERRNO)
    return snprintf (why, cap, "seccomp profile: defaultErrnoRet %u out of range", p->default_errno), -1;
  if (p->n_arches > SECCOMP_MAX_ARCHES)
    return snprintf (why, cap, "seccomp profile: %zu architectures (at most %d)", p->n_arches, SECCOMP_MAX_ARCHES),
           -1;
  for (size_t i = 0; i < p->n_arches; i++)
    if (!p->arches[i] || strlen (p->arches[i]) > SECCOMP_MAX_NAME_LEN)
      return snprintf (why, cap, "seccomp profile: bad architecture name"), -1;
  if (p->n_rules > SECCOMP_MAX_RULES)
    return snprintf (why, cap, "seccomp profile: %zu syscall entries (at most %d)", p->n_rules, SECCOMP_MAX_RULES),
           -1;
  size_t names = 0;
  for (size_t i = 0; i < p->n_rules; i++)
    if (rule_check (p->rules[i], i, &names, why, cap) < 0)
      return -1;
  return 0;
}
