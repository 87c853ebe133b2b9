/* docker's confinement for container processes: its capability sets
 * (--cap-add, --cap-drop, --privileged), no_new_privs, and a seccomp filter
 * that refuses what docker's default profile refuses (docs/security.md). */
#ifndef TETHER_SECURITY_H
#define TETHER_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "terr.h"

/* What a container (and an exec in it) asks for. */
struct confine {
  char **cap_add, **cap_drop; /* docker's names (proto/capnames.h) */
  size_t n_cap_add, n_cap_drop;
  bool privileged;            /* the container's: every capability, no seccomp filter */
  bool all_caps;              /* exec --privileged: every capability, the container's filter kept */
  bool no_new_privs;
};

/* Once, in the tether: compiles the filter. */
int security_prepare (struct terr *err);
/* The capability set cf gives (a bit per capability); -1 with docker's text
 * for a bad name, or runc's when the tether does not hold one asked for. */
int security_caps (const struct confine *cf, uint64_t *out, struct terr *err);
/* Before dropping privileges: load the seccomp filter (needs CAP_SYS_ADMIN or
 * no_new_privs; none when privileged) and shrink the bounding set to caps. */
int security_confine (const struct confine *cf, uint64_t caps, struct terr *err);
/* After setuid: root gets caps as effective and permitted, other users none;
 * then no_new_privs if asked. */
int security_set_caps (const struct confine *cf, uint64_t caps, struct terr *err);

#endif
