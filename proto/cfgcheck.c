/* docker's config checks (cfgcheck.h); the messages are the daemon's and CLI's. */
#include "cfgcheck.h"

#include <stdio.h>
#include <string.h>

#include "netspec.h"
#include "hardspec.h"
#include "seccompcheck.h"

static bool name_byte (char c, bool first)
{
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return true;
  return !first && (c == '_' || c == '.' || c == '-');
}

bool cfg_name_valid (const char *name)
{
  if (name == NULL || strlen (name) < 2)
    return false;
  for (size_t i = 0; name[i]; i++)
    if (!name_byte (name[i], i == 0))
      return false;
  return true;
}

bool cfg_cwd_valid (const char *cwd)
{
  return cwd == NULL || cwd[0] == '\0' || cwd[0] == '/';
}

bool cfg_env_valid (const char *kv)
{
  return kv != NULL && kv[0] != '\0' && kv[0] != '=';
}

int cfg_check (const ContainerConfig *cfg, char *why, size_t cap)
{
  if (cfg->name && cfg->name[0] && !cfg_name_valid (cfg->name))
    return snprintf (why, cap, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", cfg->name),
           -1;
  if (!cfg_cwd_valid (cfg->cwd))
    return snprintf (why, cap, "the working directory '%s' is invalid, it needs to be an absolute path", cfg->cwd), -1;
  for (size_t i = 0; i < cfg->n_env; i++)
    if (!cfg_env_valid (cfg->env[i]))
      return snprintf (why, cap, "invalid environment variable: %s", cfg->env[i] ? cfg->env[i] : ""), -1;
  if (cfg->seccomp_mode > SECCOMP_MODE__SECCOMP_CUSTOM)
    return snprintf (why, cap, "invalid seccomp mode %d", (int) cfg->seccomp_mode), -1;
  if (cfg->seccomp_mode == SECCOMP_MODE__SECCOMP_CUSTOM && seccomp_profile_check (cfg->seccomp_profile, why, cap) < 0)
    return -1;
  if (hard_check (cfg, why, cap) < 0)
    return -1;
  return net_check (cfg, why, cap);
}
