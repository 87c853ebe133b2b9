/* docker's default confinement for container processes: its capability set;
 * the seccomp filter for it is seccomp.c's. */
#ifndef TETHER_SECURITY_H
#define TETHER_SECURITY_H

#include <stdint.h>

#include "terr.h"

/* A container process's bounding set (bit n = capability n): what the
 * seccomp profile's capability conditions are decided on, as moby does. */
uint64_t security_bounding_caps (void);
/* Once, in the tether: compiles the default seccomp filter for that set. */
int security_prepare (struct terr *err);
/* Before dropping privileges, after the seccomp filter is loaded (it needs
 * CAP_SYS_ADMIN without no_new_privs): shrink the bounding set to docker's defaults. */
int security_confine (struct terr *err);
/* After setuid: root keeps docker's default set; other users have none. */
int security_set_caps (struct terr *err);

#endif
