/* dockerd 20.10's parseSecurityOpt (securityopt.h). */
#include "securityopt.h"

#include <stdio.h>
#include <string.h>

#include "seccompjson.h"

/* Go's strconv.ParseBool: 1 true, 0 false, -1 neither. */
static int parse_bool (const char *v)
{
  static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
  static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
    if (strcmp (v, yes[i]) == 0 || strcmp (v, no[i]) == 0)
      return strcmp (v, yes[i]) == 0;
  return -1;
}

static int take_seccomp (struct security_opts *so, const char *v, char *why, size_t cap)
{
  SeccompMode mode = SECCOMP_MODE__SECCOMP_DEFAULT;
  SeccompProfile *p = NULL;
  /* dockerd: an empty value is the default profile; "builtin" is docker 23's name for it */
  if (strcmp (v, "unconfined") == 0)
    mode = SECCOMP_MODE__SECCOMP_UNCONFINED;
  else if (v[0] && strcmp (v, "builtin") != 0 && seccomp_json_parse (v, strlen (v), &mode, &p, why, cap) < 0)
    return -1;
  if (so->seccomp_profile)
    seccomp_profile__free_unpacked (so->seccomp_profile, NULL);
  so->seccomp_mode = mode;
  so->seccomp_profile = p;
  return 0;
}

int security_opt_take (struct security_opts *so, const char *opt, char *why, size_t cap)
{
  if (strcmp (opt, "no-new-privileges") == 0)
    return so->no_new_privileges = true, 0;
  if (strcmp (opt, "disable") == 0)
    return snprintf (why, cap, "label=disable"), SECURITY_OPT_UNSUPPORTED;
  /* '=' first, the deprecated ':' only without one, as dockerd splits */
  const char *sep = strchr (opt, '=');
  if (!sep)
    sep = strchr (opt, ':');
  if (!sep)
    return snprintf (why, cap, "invalid --security-opt 1: \"%.200s\"", opt), -1;
  size_t kl = (size_t) (sep - opt);
  const char *v = sep + 1;
  if (kl == 7 && strncmp (opt, "seccomp", 7) == 0)
    return take_seccomp (so, v, why, cap);
  if (kl == 17 && strncmp (opt, "no-new-privileges", 17) == 0)
    {
      int b = parse_bool (v);
      if (b < 0)
        return snprintf (why, cap, "invalid --security-opt 2: \"%.200s\"", opt), -1;
      return so->no_new_privileges = b, 0;
    }
  if ((kl == 8 && strncmp (opt, "apparmor", 8) == 0) || (kl == 5 && strncmp (opt, "label", 5) == 0))
    return snprintf (why, cap, "%.*s", (int) kl, opt), SECURITY_OPT_UNSUPPORTED;
  return snprintf (why, cap, "invalid --security-opt 2: \"%.200s\"", opt), -1;
}

void security_opts_free (struct security_opts *so)
{
  if (so->seccomp_profile)
    seccomp_profile__free_unpacked (so->seccomp_profile, NULL);
  so->seccomp_profile = NULL;
}
