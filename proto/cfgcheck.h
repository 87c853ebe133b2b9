/* docker's checks of a container's config before anything starts, shared by
 * the clients (their error first) and the tether (a hostile client). */
#ifndef TETHER_CFGCHECK_H
#define TETHER_CFGCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "tether.pb-c.h"

/* docker's container names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (so at least two bytes). */
bool cfg_name_valid (const char *name);
/* "" or an absolute path. */
bool cfg_cwd_valid (const char *cwd);
/* "K=V" or "K" with a non-empty K. */
bool cfg_env_valid (const char *kv);
/* All of them for a whole config: 0, or -1 with docker's message in why. */
int cfg_check (const ContainerConfig *cfg, char *why, size_t cap);

#endif
