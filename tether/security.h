/* docker's default confinement for container processes: its capability set
 * and a seccomp filter that refuses what docker's default profile refuses. */
#ifndef TETHER_SECURITY_H
#define TETHER_SECURITY_H

#include "terr.h"

/* Once, in the tether: compiles the filter. */
int security_prepare (struct terr *err);
/* Before dropping privileges: load the seccomp filter (needs CAP_SYS_ADMIN or
 * no_new_privs) and shrink the bounding set to docker's defaults. */
int security_confine (struct terr *err);
/* After setuid: root keeps docker's default set; other users have none. */
int security_set_caps (struct terr *err);

#endif
