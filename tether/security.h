/* docker's confinement for container processes: its capability sets
 * (--cap-add, --cap-drop, --privileged), no_new_privs, and the seccomp filter
 * (secprofile.c's) built for the container's capability set, as moby builds
 * it for the spec's bounding set (docs/security.md). */
#ifndef TETHER_SECURITY_H
#define TETHER_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "terr.h"
#include "tether.pb-c.h"

/* What a container (and an exec in it) asks for. */
struct confine {
  char **cap_add, **cap_drop; /* docker's names (proto/capnames.h) */
  size_t n_cap_add, n_cap_drop;
  bool privileged;            /* the container's: every capability, no seccomp filter */
  bool all_caps;              /* exec --privileged: every capability, the container's filter kept */
  bool no_new_privs;
  SeccompMode seccomp_mode;   /* the container's, for an exec too (as runc exec) */
  const SeccompProfile *seccomp_profile; /* SECCOMP_CUSTOM's */
  bool no_packet_sockets;     /* on a network whose gateway is the host's loopback (pktguard.h) */
};

/* Once, in the tether: compiles the default seccomp filter for docker's
 * default capabilities (the set most containers have). */
int security_prepare (struct terr *err);
/* The capability set cf gives (a bit per capability); -1 with docker's text
 * for a bad name, or runc's when the tether does not hold one asked for. */
int security_caps (const struct confine *cf, uint64_t *out, struct terr *err);
/* Before dropping privileges: load the seccomp filter for the container's
 * set (it needs CAP_SYS_ADMIN without no_new_privs; none when privileged or
 * unconfined) and shrink the bounding set to caps. */
int security_confine (const struct confine *cf, uint64_t caps, struct terr *err);
/* After setuid: root gets caps as effective and permitted, other users none;
 * then no_new_privs if asked. */
int security_set_caps (const struct confine *cf, uint64_t caps, struct terr *err);

#endif
