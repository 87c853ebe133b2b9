/* docker's seccomp profile JSON into proto SeccompProfile (seccompjson.h).
 * Everything is malloc'd the way protobuf-c's free_unpacked frees it. Keys
 * match case-insensitively, as Go's encoding/json matches struct fields. */
#include "seccompjson.h"

#include <errno.h>
#include <jansson.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "seccompcheck.h"

#ifndef __x86_64__
#error "the guest is x86-64: moby's native arch below is amd64"
#endif
#define NATIVE_ARCH "amd64"              /* moby's goToNative[runtime.GOARCH] */
#define NATIVE_SCMP_ARCH "SCMP_ARCH_X86_64"
#define UNKNOWN_CAP 63                   /* proto: a capability no process holds */

struct pctx {
  char *why;
  size_t cap;
  size_t names;                          /* so far, all rules together */
};

static int fail (struct pctx *p, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
static int fail (struct pctx *p, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (p->why, p->cap, fmt, ap);
  va_end (ap);
  return -1;
}

static void *zalloc (size_t n, size_t size)
{
  void *q = calloc (n ? n : 1, size);
  if (!q)
    abort (); /* both callers (tetherctl, tetherd's create) may: tetherd's is bounded by the body cap */
  return q;
}

/* The member named key, whatever its case; NULL for absent or null. */
static json_t *member (const json_t *o, const char *key)
{
  const char *k;
  json_t *v;
  json_object_foreach ((json_t *) o, k, v)
    if (strcasecmp (k, key) == 0)
      return json_is_null (v) ? NULL : v;
  return NULL;
}

static int get_string (struct pctx *p, const json_t *o, const char *key, const char *field, const char **out)
{
  json_t *v = member (o, key);
  *out = "";
  if (!v)
    return 0;
  if (!json_is_string (v))
    return fail (p, "Decoding seccomp profile failed: json: cannot unmarshal a non-string into %s", field);
  *out = json_string_value (v);
  return 0;
}

static int get_uint (struct pctx *p, const json_t *o, const char *key, const char *field, uint64_t max,
                     uint64_t *out, int *present)
{
  json_t *v = member (o, key);
  *present = v != NULL;
  *out = 0;
  if (!v)
    return 0;
  if (!json_is_integer (v) || json_integer_value (v) < 0 || (uint64_t) json_integer_value (v) > max)
    return fail (p, "Decoding seccomp profile failed: json: %s must be a whole number from 0 to %llu", field,
                 (unsigned long long) max);
  *out = (uint64_t) json_integer_value (v);
  return 0;
}

static int get_array (struct pctx *p, const json_t *o, const char *key, const char *field, json_t **out)
{
  *out = member (o, key);
  if (*out && !json_is_array (*out))
    return fail (p, "Decoding seccomp profile failed: json: cannot unmarshal a non-array into %s", field);
  return 0;
}

/* runc's ConvertStringToAction; SCMP_ACT_KILL is KILL_THREAD. */
static int action_of (struct pctx *p, const char *s, SeccompAction *out)
{
  static const struct { const char *name; SeccompAction a; } acts[] = {
    { "SCMP_ACT_KILL", SECCOMP_ACTION__SECCOMP_ACT_KILL_THREAD },
    { "SCMP_ACT_KILL_THREAD", SECCOMP_ACTION__SECCOMP_ACT_KILL_THREAD },
    { "SCMP_ACT_KILL_PROCESS", SECCOMP_ACTION__SECCOMP_ACT_KILL_PROCESS },
    { "SCMP_ACT_TRAP", SECCOMP_ACTION__SECCOMP_ACT_TRAP },
    { "SCMP_ACT_ERRNO", SECCOMP_ACTION__SECCOMP_ACT_ERRNO },
    { "SCMP_ACT_TRACE", SECCOMP_ACTION__SECCOMP_ACT_TRACE },
    { "SCMP_ACT_ALLOW", SECCOMP_ACTION__SECCOMP_ACT_ALLOW },
    { "SCMP_ACT_LOG", SECCOMP_ACTION__SECCOMP_ACT_LOG },
  };
  for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++)
    if (strcmp (s, acts[i].name) == 0)
      return *out = acts[i].a, 0;
  if (strcmp (s, "SCMP_ACT_NOTIFY") == 0)
    return fail (p, "SCMP_ACT_NOTIFY is not supported (no seccomp listener)");
  return fail (p, "string %.64s is not a valid action for seccomp", s);
}

static int op_of (struct pctx *p, const char *s, SeccompOp *out)
{
  static const char *const ops[] = { NULL, "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
                                     "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ" };
  for (int i = 1; i < (int) (sizeof ops / sizeof ops[0]); i++)
    if (strcmp (s, ops[i]) == 0)
      return *out = (SeccompOp) i, 0;
  return fail (p, "string %.64s is not a valid operator for seccomp", s);
}

/* "SCMP_ARCH_X86_64" -> libseccomp's "x86_64"; runc's ConvertStringToArch list. */
static int arch_of (struct pctx *p, const char *s, char **out)
{
  static const char *const arches[] = { "X86", "X86_64", "X32", "ARM", "AARCH64", "MIPS", "MIPS64", "MIPS64N32",
                                        "MIPSEL", "MIPSEL64", "MIPSEL64N32", "PPC", "PPC64", "PPC64LE", "S390",
                                        "S390X", "PARISC", "PARISC64", "RISCV64" };
  if (strncmp (s, "SCMP_ARCH_", 10) == 0)
    for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++)
      if (strcmp (s + 10, arches[i]) == 0)
        {
          *out = strdup (s + 10);
          if (!*out)
            abort ();
          for (char *c = *out; *c; c++)
            *c = (char) (*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
          return 0;
        }
  return fail (p, "string %.64s is not a valid arch for seccomp", s);
}

#define CAP(name) { #name, name }
static const struct { const char *name; int nr; } cap_names[] = {
  CAP (CAP_CHOWN), CAP (CAP_DAC_OVERRIDE), CAP (CAP_DAC_READ_SEARCH), CAP (CAP_FOWNER), CAP (CAP_FSETID),
  CAP (CAP_KILL), CAP (CAP_SETGID), CAP (CAP_SETUID), CAP (CAP_SETPCAP), CAP (CAP_LINUX_IMMUTABLE),
  CAP (CAP_NET_BIND_SERVICE), CAP (CAP_NET_BROADCAST), CAP (CAP_NET_ADMIN), CAP (CAP_NET_RAW),
  CAP (CAP_IPC_LOCK), CAP (CAP_IPC_OWNER), CAP (CAP_SYS_MODULE), CAP (CAP_SYS_RAWIO), CAP (CAP_SYS_CHROOT),
  CAP (CAP_SYS_PTRACE), CAP (CAP_SYS_PACCT), CAP (CAP_SYS_ADMIN), CAP (CAP_SYS_BOOT), CAP (CAP_SYS_NICE),
  CAP (CAP_SYS_RESOURCE), CAP (CAP_SYS_TIME), CAP (CAP_SYS_TTY_CONFIG), CAP (CAP_MKNOD), CAP (CAP_LEASE),
  CAP (CAP_AUDIT_WRITE), CAP (CAP_AUDIT_CONTROL), CAP (CAP_SETFCAP), CAP (CAP_MAC_OVERRIDE),
  CAP (CAP_MAC_ADMIN), CAP (CAP_SYSLOG), CAP (CAP_WAKE_ALARM), CAP (CAP_BLOCK_SUSPEND), CAP (CAP_AUDIT_READ),
  CAP (CAP_PERFMON), CAP (CAP_BPF), CAP (CAP_CHECKPOINT_RESTORE),
};

/* moby compares names exactly with the bounding set's: an unknown one is a
 * capability no process has. */
static int caps_of (struct pctx *p, const json_t *filter, const char *field, uint64_t *mask)
{
  json_t *a, *e;
  size_t i;
  *mask = 0;
  if (get_array (p, filter, "caps", field, &a) < 0)
    return -1;
  json_array_foreach (a, i, e)
    {
      if (!json_is_string (e))
        return fail (p, "Decoding seccomp profile failed: json: cannot unmarshal a non-string into %s", field);
      int nr = UNKNOWN_CAP;
      for (size_t j = 0; j < sizeof cap_names / sizeof cap_names[0]; j++)
        if (strcmp (json_string_value (e), cap_names[j].name) == 0)
          nr = cap_names[j].nr;
      *mask |= 1ULL << nr;
    }
  return 0;
}

/* moby's KernelVersion: "<kernel>.<major>", each 0..255, not 0.0; "" = none. */
static int kernel_of (struct pctx *p, const json_t *filter, uint32_t *out)
{
  json_t *v = member (filter, "minKernel");
  *out = 0;
  if (!v)
    return 0;
  const char *s = json_is_string (v) ? json_string_value (v) : NULL;
  if (s && !s[0])
    return 0;
  unsigned k, m;
  int used = 0;
  if (!s || sscanf (s, "%3u.%3u%n", &k, &m, &used) != 2 || s[used] || k > 255 || m > 255 || (k == 0 && m == 0)
      || !strchr ("0123456789", s[0]))
    return fail (p, "Decoding seccomp profile failed: invalid kernel version: %.32s, expected \"<kernel>.<major>\"",
                 s ? s : "(not a string)");
  *out = k << 8 | m;
  return 0;
}

static int arch_listed (struct pctx *p, const json_t *filter, const char *field, int *listed, int *any)
{
  json_t *a, *e;
  size_t i;
  *listed = *any = 0;
  if (get_array (p, filter, "arches", field, &a) < 0)
    return -1;
  json_array_foreach (a, i, e)
    {
      if (!json_is_string (e))
        return fail (p, "Decoding seccomp profile failed: json: cannot unmarshal a non-string into %s", field);
      *any = 1;
      *listed |= strcmp (json_string_value (e), NATIVE_ARCH) == 0;
    }
  return 0;
}

static int take_args (struct pctx *p, const json_t *sj, SeccompRule *r)
{
  json_t *a, *e;
  size_t i;
  if (get_array (p, sj, "args", "Syscall.args", &a) < 0)
    return -1;
  if (json_array_size (a) > SECCOMP_MAX_ARGS)
    return fail (p, "seccomp profile: a syscall entry with %zu args (at most %d)", json_array_size (a),
                 SECCOMP_MAX_ARGS);
  r->args = zalloc (json_array_size (a), sizeof *r->args);
  json_array_foreach (a, i, e)
    {
      if (!json_is_object (e))
        return fail (p, "Decoding seccomp profile failed: json: cannot unmarshal a non-object into Syscall.args");
      SeccompArg *g = zalloc (1, sizeof *g);
      seccomp_arg__init (g);
      r->args[r->n_args++] = g;
      uint64_t v;
      int has;
      const char *op;
      if (get_uint (p, e, "index", "LinuxSeccompArg.index", SECCOMP_MAX_ARGS - 1, &v, &has) < 0)
        return -1;
      g->index = (uint32_t) v;
      if (get_uint (p, e, "value", "LinuxSeccompArg.value", INT64_MAX, &g->value, &has) < 0
          || get_uint (p, e, "valueTwo", "LinuxSeccompArg.valueTwo", INT64_MAX, &g->value_two, &has) < 0
          || get_string (p, e, "op", "LinuxSeccompArg.op", &op) < 0 || op_of (p, op, &g->op) < 0)
        return -1;
    }
  return 0;
}

static int take_names (struct pctx *p, const json_t *sj, SeccompRule *r)
{
  const char *name;
  json_t *names, *e;
  size_t i;
  if (get_string (p, sj, "name", "Syscall.name", &name) < 0 || get_array (p, sj, "names", "Syscall.names", &names) < 0)
    return -1;
  if (name[0] && json_array_size (names))
    return fail (p, "'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
  size_t n = name[0] ? 1 : json_array_size (names);
  if ((p->names += n) > SECCOMP_MAX_NAMES)
    return fail (p, "seccomp profile: more than %d syscall names", SECCOMP_MAX_NAMES);
  r->names = zalloc (n, sizeof *r->names);
  if (name[0])
    {
      if (strlen (name) > SECCOMP_MAX_NAME_LEN)
        return fail (p, "seccomp profile: syscall name longer than %d bytes", SECCOMP_MAX_NAME_LEN);
      r->names[r->n_names++] = strdup (name);
    }
  json_array_foreach (names, i, e)
    {
      if (!json_is_string (e))
        return fail (p, "Decoding seccomp profile failed: json: cannot unmarshal a non-string into Syscall.names");
      if (strlen (json_string_value (e)) > SECCOMP_MAX_NAME_LEN)
        return fail (p, "seccomp profile: syscall name longer than %d bytes", SECCOMP_MAX_NAME_LEN);
      r->names[r->n_names++] = strdup (json_string_value (e));
    }
  for (i = 0; i < r->n_names; i++)
    if (!r->names[i])
      abort ();
  return 0;
}

/* One syscalls[] entry: 1 taken, 0 not for this architecture, -1 error. */
static int take_rule (struct pctx *p, const json_t *sj, SeccompRule *r)
{
  if (!json_is_object (sj))
    return fail (p, "Decoding seccomp profile failed: json: cannot unmarshal a non-object into Seccomp.syscalls");
  json_t *inc = member (sj, "includes"), *exc = member (sj, "excludes");
  json_t *none = json_object ();
  if (!none)
    abort ();
  int listed, any, rc = 1;
  /* moby: excludes.arches, excludes.caps, excludes.minKernel, then the includes */
  if (arch_listed (p, exc ? exc : none, "Filter.arches", &listed, &any) < 0)
    rc = -1;
  else if (listed)
    rc = 0;
  else if (arch_listed (p, inc ? inc : none, "Filter.arches", &listed, &any) < 0)
    rc = -1;
  else if (any && !listed)
    rc = 0;
  if (rc == 1
      && (caps_of (p, exc ? exc : none, "Filter.caps", &r->caps_none) < 0
          || caps_of (p, inc ? inc : none, "Filter.caps", &r->caps_all) < 0
          || kernel_of (p, exc ? exc : none, &r->below_kernel) < 0 || kernel_of (p, inc ? inc : none, &r->min_kernel) < 0))
    rc = -1;
  json_decref (none);
  if (rc <= 0)
    return rc;
  const char *act;
  uint64_t e;
  int has;
  if (take_names (p, sj, r) < 0 || get_string (p, sj, "action", "Syscall.action", &act) < 0
      || action_of (p, act, &r->action) < 0
      || get_uint (p, sj, "errnoRet", "Syscall.errnoRet", SECCOMP_MAX_ERRNO, &e, &has) < 0 || take_args (p, sj, r) < 0)
    return -1;
  r->errno_ret = (uint32_t) e;
  r->has_errno = has;
  return 1;
}

static int take_arches (struct pctx *p, const json_t *root, SeccompProfile *sp)
{
  json_t *list, *map, *e;
  size_t i;
  if (get_array (p, root, "architectures", "Seccomp.architectures", &list) < 0
      || get_array (p, root, "archMap", "Seccomp.archMap", &map) < 0)
    return -1;
  if (json_array_size (list) && json_array_size (map))
    return fail (p, "'architectures' and 'archMap' were specified in the seccomp profile, use either "
                    "'architectures' or 'archMap'");
  json_t *subs = NULL;
  const char *native = NULL;
  json_array_foreach (map, i, e)
    {
      const char *a;
      if (!json_is_object (e) || get_string (p, e, "architecture", "Architecture.architecture", &a) < 0)
        return fail (p, "Decoding seccomp profile failed: json: archMap entries are objects");
      if (strcmp (a, NATIVE_SCMP_ARCH) == 0)
        {
          native = a;
          if (get_array (p, e, "subArchitectures", "Architecture.subArchitectures", &subs) < 0)
            return -1;
          break;
        }
    }
  size_t n = native ? 1 + json_array_size (subs) : json_array_size (list);
  if (n > SECCOMP_MAX_ARCHES)
    return fail (p, "seccomp profile: %zu architectures (at most %d)", n, SECCOMP_MAX_ARCHES);
  sp->arches = zalloc (n, sizeof *sp->arches);
  if (native && arch_of (p, native, &sp->arches[sp->n_arches++]) < 0)
    return -1;
  json_t *from = native ? subs : list;
  json_array_foreach (from, i, e)
    {
      if (!json_is_string (e))
        return fail (p, "Decoding seccomp profile failed: json: cannot unmarshal a non-string into an architecture");
      if (arch_of (p, json_string_value (e), &sp->arches[sp->n_arches]) < 0)
        return -1;
      sp->n_arches++;
    }
  return 0;
}

static int take_profile (struct pctx *p, const json_t *root, SeccompMode *mode, SeccompProfile *sp)
{
  const char *def;
  json_t *calls, *e;
  size_t i;
  if (!json_is_object (root))
    return fail (p, "Decoding seccomp profile failed: json: cannot unmarshal a non-object into Go value of type "
                    "seccomp.Seccomp");
  if (get_string (p, root, "defaultAction", "Seccomp.defaultAction", &def) < 0
      || get_array (p, root, "syscalls", "Seccomp.syscalls", &calls) < 0)
    return -1;
  if (!def[0] && json_array_size (calls) == 0)
    return *mode = SECCOMP_MODE__SECCOMP_UNCONFINED, 0; /* moby: "assume seccomp disabled" */
  *mode = SECCOMP_MODE__SECCOMP_CUSTOM;
  uint64_t e64;
  int has;
  if (take_arches (p, root, sp) < 0 || action_of (p, def, &sp->default_action) < 0
      || get_uint (p, root, "defaultErrnoRet", "Seccomp.defaultErrnoRet", SECCOMP_MAX_ERRNO, &e64, &has) < 0)
    return -1;
  sp->default_errno = (uint32_t) e64;
  sp->has_default_errno = has;
  if (json_array_size (calls) > SECCOMP_MAX_RULES)
    return fail (p, "seccomp profile: %zu syscall entries (at most %d)", json_array_size (calls), SECCOMP_MAX_RULES);
  sp->rules = zalloc (json_array_size (calls), sizeof *sp->rules);
  json_array_foreach (calls, i, e)
    {
      SeccompRule *r = zalloc (1, sizeof *r);
      seccomp_rule__init (r);
      int rc = take_rule (p, e, r);
      if (rc <= 0)
        seccomp_rule__free_unpacked (r, NULL);
      if (rc < 0)
        return -1;
      if (rc > 0)
        sp->rules[sp->n_rules++] = r;
    }
  size_t packed = seccomp_profile__get_packed_size (sp);
  if (packed > SECCOMP_MAX_PACKED)
    return fail (p, "seccomp profile too large: %zu bytes as rules (at most %d)", packed, SECCOMP_MAX_PACKED);
  return seccomp_profile_check (sp, p->why, p->cap);
}

int seccomp_json_parse (const char *text, size_t len, SeccompMode *mode, SeccompProfile **out, char *why, size_t cap)
{
  struct pctx p = { why, cap, 0 };
  *out = NULL;
  if (len > SECCOMP_JSON_MAX)
    return fail (&p, "seccomp profile too large: %zu bytes (at most %d)", len, SECCOMP_JSON_MAX);
  json_error_t je;
  json_t *root = json_loadb (text, len, JSON_REJECT_DUPLICATES, &je);
  if (!root)
    return fail (&p, "Decoding seccomp profile failed: %s (line %d, column %d)", je.text, je.line, je.column);
  SeccompProfile *sp = zalloc (1, sizeof *sp);
  seccomp_profile__init (sp);
  int rc = take_profile (&p, root, mode, sp);
  json_decref (root);
  if (rc < 0 || *mode != SECCOMP_MODE__SECCOMP_CUSTOM)
    {
      seccomp_profile__free_unpacked (sp, NULL);
      return rc;
    }
  *out = sp;
  return 0;
}
