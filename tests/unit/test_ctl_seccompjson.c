/* host/common/seccompjson.c: docker's seccomp profile JSON into the rule list,
 * as moby 20.10 reads it; proto/seccompcheck.c: the bounds the tether checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "seccompcheck.h"
#include "seccompjson.h"
#include "securityopt.h"
#include "unit.h"

/* The tether's generated table, to hold it against moby's file read here. */
#include "secprofile_default.c"

static char why[400];

static SeccompProfile *parse_ok (const char *json)
{
  SeccompMode mode = SECCOMP_MODE__SECCOMP_DEFAULT;
  SeccompProfile *p = NULL;
  if (seccomp_json_parse (json, strlen (json), &mode, &p, why, sizeof why) < 0)
    fail_msg ("refused %s: %s", json, why);
  assert_int_equal (mode, SECCOMP_MODE__SECCOMP_CUSTOM);
  assert_non_null (p);
  return p;
}

/* Refused, with want in the message. */
static void parse_bad (const char *json, const char *want)
{
  SeccompMode mode;
  SeccompProfile *p = NULL;
  if (seccomp_json_parse (json, strlen (json), &mode, &p, why, sizeof why) == 0)
    fail_msg ("accepted %s", json);
  assert_null (p);
  if (!strstr (why, want))
    fail_msg ("%s: got '%s', want '%s'", json, why, want);
}

static uint8_t *pack (const SeccompProfile *p, size_t *len)
{
  *len = seccomp_profile__get_packed_size (p);
  uint8_t *b = malloc (*len);
  assert_non_null (b);
  seccomp_profile__pack (p, b);
  return b;
}

static char *slurp (const char *path, size_t *len)
{
  FILE *f = fopen (path, "r");
  assert_non_null (f);
  static char buf[64 * 1024];
  *len = fread (buf, 1, sizeof buf, f);
  fclose (f);
  return buf;
}

/* moby's own default.json, read by the host, is the tether's built-in table:
 * the generator and the parser agree on every rule. */
static void moby_default_is_the_builtin (void **state)
{
  (void) state;
  size_t len;
  char *text = slurp ("tests/unit/fixtures/seccomp-default-20.10.24.json", &len);
  SeccompMode mode;
  SeccompProfile *p = NULL;
  assert_int_equal (seccomp_json_parse (text, len, &mode, &p, why, sizeof why), 0);
  assert_int_equal (p->n_rules, secprofile_default.n_rules);
  for (size_t i = 0; i < p->n_rules; i++)
    {
      size_t a, b;
      SeccompProfile one = secprofile_default, two = *p;
      one.n_rules = two.n_rules = 1;
      one.rules = &secprofile_default.rules[i];
      two.rules = &p->rules[i];
      uint8_t *x = pack (&one, &a), *y = pack (&two, &b);
      if (a != b || memcmp (x, y, a))
        fail_msg ("rule %zu (%s...) differs", i, p->rules[i]->names[0]);
      free (x);
      free (y);
    }
  size_t a, b;
  uint8_t *x = pack (&secprofile_default, &a), *y = pack (p, &b);
  assert_int_equal (a, b);
  assert_memory_equal (x, y, a);
  assert_true (a < SECCOMP_MAX_PACKED / 3); /* docker's profile is far from the bound */
  free (x);
  free (y);
  seccomp_profile__free_unpacked (p, NULL);
}

static void unconfined_forms (void **state)
{
  (void) state;
  SeccompMode mode = SECCOMP_MODE__SECCOMP_CUSTOM;
  SeccompProfile *p = (SeccompProfile *) 1;
  /* moby: no defaultAction and no syscalls, "assume seccomp disabled" */
  assert_int_equal (seccomp_json_parse ("{}", 2, &mode, &p, why, sizeof why), 0);
  assert_int_equal (mode, SECCOMP_MODE__SECCOMP_UNCONFINED);
  assert_null (p);
}

/* host/common/securityopt.c: the one --security-opt parser of both clients. */
static void security_opt_forms (void **state)
{
  (void) state;
  struct security_opts so = { 0 };
  assert_int_equal (security_opt_take (&so, "seccomp=unconfined", why, sizeof why), 0);
  assert_int_equal (so.seccomp_mode, SECCOMP_MODE__SECCOMP_UNCONFINED);
  assert_int_equal (security_opt_take (&so, "seccomp=builtin", why, sizeof why), 0);
  assert_int_equal (so.seccomp_mode, SECCOMP_MODE__SECCOMP_DEFAULT);
  assert_int_equal (security_opt_take (&so, "seccomp:unconfined", why, sizeof why), 0);
  assert_int_equal (so.seccomp_mode, SECCOMP_MODE__SECCOMP_UNCONFINED);
  assert_int_equal (security_opt_take (&so, "seccomp=", why, sizeof why), 0); /* dockerd: the default */
  assert_int_equal (so.seccomp_mode, SECCOMP_MODE__SECCOMP_DEFAULT);
  assert_false (so.no_new_privileges);
  assert_int_equal (security_opt_take (&so, "no-new-privileges", why, sizeof why), 0);
  assert_true (so.no_new_privileges);
  assert_int_equal (security_opt_take (&so, "no-new-privileges:false", why, sizeof why), 0);
  assert_false (so.no_new_privileges);
  assert_int_equal (security_opt_take (&so, "no-new-privileges=T", why, sizeof why), 0);
  assert_true (so.no_new_privileges);
  assert_int_equal (security_opt_take (&so, "no-new-privileges=yes", why, sizeof why), -1);
  assert_string_equal (why, "invalid --security-opt 2: \"no-new-privileges=yes\"");
  assert_int_equal (security_opt_take (&so, "apparmor=unconfined", why, sizeof why), SECURITY_OPT_UNSUPPORTED);
  assert_string_equal (why, "apparmor");
  assert_int_equal (security_opt_take (&so, "disable", why, sizeof why), SECURITY_OPT_UNSUPPORTED);
  assert_string_equal (why, "label=disable");
  assert_int_equal (security_opt_take (&so, "seccomp", why, sizeof why), -1);
  assert_string_equal (why, "invalid --security-opt 1: \"seccomp\"");
  assert_int_equal (security_opt_take (&so, "colour=red", why, sizeof why), -1);
  assert_string_equal (why, "invalid --security-opt 2: \"colour=red\"");
  assert_int_equal (security_opt_take (&so, "seccomp={\"defaultAction\":\"SCMP_ACT_LOG\"}", why, sizeof why), 0);
  assert_int_equal (so.seccomp_mode, SECCOMP_MODE__SECCOMP_CUSTOM);
  assert_int_equal (so.seccomp_profile->default_action, SECCOMP_ACTION__SECCOMP_ACT_LOG);
  assert_true (so.no_new_privileges); /* a seccomp entry leaves no-new-privileges alone */
  /* a later profile replaces the earlier one (ASan: the first is freed) */
  assert_int_equal (security_opt_take (&so, "seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}", why, sizeof why), 0);
  assert_int_equal (so.seccomp_profile->default_action, SECCOMP_ACTION__SECCOMP_ACT_ALLOW);
  assert_int_equal (security_opt_take (&so, "seccomp=nope", why, sizeof why), -1);
  assert_non_null (strstr (why, "Decoding seccomp profile failed"));
  assert_int_equal (so.seccomp_mode, SECCOMP_MODE__SECCOMP_CUSTOM); /* a failed entry changes nothing */
  security_opts_free (&so);
  assert_null (so.seccomp_profile);
}

static void rules_and_actions (void **state)
{
  (void) state;
  SeccompProfile *p = parse_ok (
      "{\"DefaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"syscalls\":["
      "{\"name\":\"mkdir\",\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13},"
      "{\"names\":[\"kill\",\"tkill\"],\"action\":\"SCMP_ACT_KILL\",\"comment\":\"x\",\"args\":null},"
      "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2114060288,"
      "\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}],\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
      "{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_TRACE\",\"includes\":{\"minKernel\":\"4.8\","
      "\"caps\":[\"CAP_SYS_PTRACE\",\"CAP_NOT_A_CAP\"]},\"excludes\":{\"minKernel\":\"6.10\"}}]}");
  assert_int_equal (p->default_action, SECCOMP_ACTION__SECCOMP_ACT_ERRNO);
  assert_true (p->has_default_errno);
  assert_int_equal (p->default_errno, 38);
  assert_int_equal (p->n_arches, 0);
  assert_int_equal (p->n_rules, 4);
  SeccompRule *r = p->rules[0];
  assert_int_equal (r->n_names, 1);
  assert_string_equal (r->names[0], "mkdir");
  assert_true (r->has_errno);
  assert_int_equal (r->errno_ret, 13);
  r = p->rules[1];
  assert_int_equal (r->action, SECCOMP_ACTION__SECCOMP_ACT_KILL_THREAD); /* runc's SCMP_ACT_KILL */
  assert_false (r->has_errno);
  assert_string_equal (r->names[1], "tkill");
  r = p->rules[2];
  assert_int_equal (r->n_args, 1);
  assert_int_equal (r->args[0]->op, SECCOMP_OP__SECCOMP_OP_MASKED_EQ);
  assert_int_equal (r->args[0]->value, 2114060288);
  assert_int_equal (r->caps_none, 1ULL << 21);
  assert_int_equal (r->caps_all, 0);
  r = p->rules[3];
  assert_int_equal (r->action, SECCOMP_ACTION__SECCOMP_ACT_TRACE);
  assert_int_equal (r->caps_all, 1ULL << 19 | 1ULL << 63); /* a name we do not know: never held */
  assert_int_equal (r->min_kernel, 4 << 8 | 8);
  assert_int_equal (r->below_kernel, 6 << 8 | 10);
  seccomp_profile__free_unpacked (p, NULL);
}

static void architectures (void **state)
{
  (void) state;
  SeccompProfile *p = parse_ok ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"archMap\":["
                                "{\"architecture\":\"SCMP_ARCH_AARCH64\",\"subArchitectures\":[\"SCMP_ARCH_ARM\"]},"
                                "{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_X86\","
                                "\"SCMP_ARCH_X32\"]}],\"syscalls\":["
                                "{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ERRNO\",\"includes\":{\"arches\":[\"s390x\"]}},"
                                "{\"names\":[\"b\"],\"action\":\"SCMP_ACT_ERRNO\",\"excludes\":{\"arches\":[\"amd64\"]}},"
                                "{\"names\":[\"c\"],\"action\":\"SCMP_ACT_ERRNO\",\"includes\":{\"arches\":[\"x86\","
                                "\"amd64\"]}},"
                                "{\"names\":[\"d\"],\"action\":\"SCMP_ACT_ERRNO\",\"excludes\":{\"arches\":[\"arm\"]}}]}");
  assert_int_equal (p->n_arches, 3);
  assert_string_equal (p->arches[0], "x86_64");
  assert_string_equal (p->arches[1], "x86");
  assert_string_equal (p->arches[2], "x32");
  /* moby drops the entries whose arches conditions fail for amd64 */
  assert_int_equal (p->n_rules, 2);
  assert_string_equal (p->rules[0]->names[0], "c");
  assert_string_equal (p->rules[1]->names[0], "d");
  seccomp_profile__free_unpacked (p, NULL);
  p = parse_ok ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"]}");
  assert_int_equal (p->n_arches, 2);
  assert_string_equal (p->arches[1], "x86");
  seccomp_profile__free_unpacked (p, NULL);
  /* another machine's archMap only: libseccomp's native arch */
  p = parse_ok ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"archMap\":[{\"architecture\":\"SCMP_ARCH_S390X\"}]}");
  assert_int_equal (p->n_arches, 0);
  seccomp_profile__free_unpacked (p, NULL);
}

static void docker_refuses (void **state)
{
  (void) state;
  parse_bad ("not json", "Decoding seccomp profile failed");
  parse_bad ("[]", "Decoding seccomp profile failed");
  parse_bad ("{\"defaultAction\":1}", "Decoding seccomp profile failed");
  parse_bad ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":{}}", "Decoding seccomp profile failed");
  parse_bad ("{\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
             "string  is not a valid action for seccomp");
  parse_bad ("{\"defaultAction\":\"SCMP_ACT_BOGUS\"}", "string SCMP_ACT_BOGUS is not a valid action for seccomp");
  parse_bad ("{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}", "SCMP_ACT_NOTIFY is not supported");
  parse_bad ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86\"],\"archMap\":"
             "[{\"architecture\":\"SCMP_ARCH_X86_64\"}]}",
             "'architectures' and 'archMap' were specified in the seccomp profile");
  parse_bad ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_VAX\"]}",
             "string SCMP_ARCH_VAX is not a valid arch for seccomp");
  parse_bad ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"name\":\"a\",\"names\":[\"b\"],"
             "\"action\":\"SCMP_ACT_ERRNO\"}]}",
             "'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
  parse_bad ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ERRNO\","
             "\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_SOMETIMES\"}]}]}",
             "string SCMP_CMP_SOMETIMES is not a valid operator for seccomp");
  parse_bad ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ERRNO\","
             "\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
             "LinuxSeccompArg.index");
  parse_bad ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ERRNO\","
             "\"errnoRet\":70000}]}",
             "Syscall.errnoRet");
  parse_bad ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ERRNO\","
             "\"includes\":{\"minKernel\":\"4\"}}]}",
             "invalid kernel version: 4, expected \"<kernel>.<major>\"");
  parse_bad ("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ERRNO\","
             "\"includes\":{\"minKernel\":\"0.0\"}}]}",
             "invalid kernel version");
}

/* Text of a profile with n entries of k names, each name len bytes. */
static char *profile_of (size_t n, size_t k, size_t len)
{
  size_t cap = 200 + n * (60 + k * (len + 3));
  char *s = malloc (cap), *w = s;
  assert_non_null (s);
  w += sprintf (w, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[");
  for (size_t i = 0; i < n; i++)
    {
      w += sprintf (w, "%s{\"action\":\"SCMP_ACT_ERRNO\",\"names\":[", i ? "," : "");
      for (size_t j = 0; j < k; j++)
        w += sprintf (w, "%s\"%0*zu\"", j ? "," : "", (int) len, i * k + j);
      w += sprintf (w, "]}");
    }
  sprintf (w, "]}");
  return s;
}

static void bounds (void **state)
{
  (void) state;
  char *s = profile_of (SECCOMP_MAX_RULES, 1, 8);
  seccomp_profile__free_unpacked (parse_ok (s), NULL);
  free (s);
  s = profile_of (SECCOMP_MAX_RULES + 1, 1, 8);
  parse_bad (s, "1025 syscall entries (at most 1024)");
  free (s);
  s = profile_of (700, 3, 4);
  parse_bad (s, "more than 2048 syscall names");
  free (s);
  s = profile_of (1, 1, SECCOMP_MAX_NAME_LEN + 1);
  parse_bad (s, "syscall name longer than 63 bytes");
  free (s);
  s = profile_of (500, 2, 60);
  parse_bad (s, "seccomp profile too large");
  free (s);
  static char huge[SECCOMP_JSON_MAX + 2];
  memset (huge, ' ', sizeof huge - 1);
  huge[0] = '{', huge[sizeof huge - 2] = '}';
  SeccompMode mode;
  SeccompProfile *p;
  assert_int_equal (seccomp_json_parse (huge, sizeof huge - 1, &mode, &p, why, sizeof why), -1);
  assert_non_null (strstr (why, "seccomp profile too large"));
}

/* The tether's own check of what a client sent. */
static void wire_check (void **state)
{
  (void) state;
  SeccompArg arg = SECCOMP_ARG__INIT, *args[] = { &arg };
  char *names[] = { "mkdir" };
  SeccompRule rule = SECCOMP_RULE__INIT, *rules[] = { &rule };
  SeccompProfile p = SECCOMP_PROFILE__INIT;
  p.default_action = SECCOMP_ACTION__SECCOMP_ACT_ALLOW;
  p.rules = rules, p.n_rules = 1;
  rule.names = names, rule.n_names = 1;
  rule.args = args, rule.n_args = 1;
  rule.action = SECCOMP_ACTION__SECCOMP_ACT_ERRNO;
  arg.op = SECCOMP_OP__SECCOMP_OP_EQ;
  assert_int_equal (seccomp_profile_check (&p, why, sizeof why), 0);
  arg.index = 6;
  assert_int_equal (seccomp_profile_check (&p, why, sizeof why), -1);
  arg.index = 0, arg.op = SECCOMP_OP__SECCOMP_OP_NONE;
  assert_int_equal (seccomp_profile_check (&p, why, sizeof why), -1);
  arg.op = SECCOMP_OP__SECCOMP_OP_EQ, rule.action = 99;
  assert_int_equal (seccomp_profile_check (&p, why, sizeof why), -1);
  rule.action = SECCOMP_ACTION__SECCOMP_ACT_ERRNO, p.default_action = SECCOMP_ACTION__SECCOMP_ACT_NONE;
  assert_int_equal (seccomp_profile_check (&p, why, sizeof why), -1);
  p.default_action = SECCOMP_ACTION__SECCOMP_ACT_ALLOW, names[0] = "";
  assert_int_equal (seccomp_profile_check (&p, why, sizeof why), -1);
  assert_int_equal (seccomp_profile_check (NULL, why, sizeof why), -1);
}

UNIT_MAIN (cmocka_unit_test (moby_default_is_the_builtin), cmocka_unit_test (unconfined_forms), cmocka_unit_test (security_opt_forms),
           cmocka_unit_test (rules_and_actions), cmocka_unit_test (architectures), cmocka_unit_test (docker_refuses),
           cmocka_unit_test (bounds), cmocka_unit_test (wire_check))
