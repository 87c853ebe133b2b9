/* One --security-opt (tetherctl) or HostConfig.SecurityOpt (tetherd) entry as
 * docker 20.10's daemon reads it (daemon_unix.go parseSecurityOpt): the one
 * parser both clients use. no-new-privileges (Go's strconv.ParseBool after
 * '=' or ':'), seccomp=unconfined|builtin|<the profile's JSON> (seccompjson.h;
 * the docker CLI puts a profile file's text there, tetherctl too); apparmor,
 * label and "disable" are docker's but not the tether's. */
#ifndef TETHER_CTL_SECURITYOPT_H
#define TETHER_CTL_SECURITYOPT_H

#include <stdbool.h>
#include <stddef.h>

#include "tether.pb-c.h"

struct security_opts {
  bool no_new_privileges;
  SeccompMode seccomp_mode;
  SeccompProfile *seccomp_profile; /* SECCOMP_CUSTOM's, owned: security_opts_free */
};

#define SECURITY_OPT_UNSUPPORTED (-2)

/* Takes opt into *so, a later entry overriding an earlier one (dockerd's
 * loop). 0; -1 with dockerd's 400 text in why ("invalid --security-opt 1:
 * ..." or the profile's error); SECURITY_OPT_UNSUPPORTED when docker knows the
 * option and the tether does not honour it: why holds its name ("apparmor",
 * "label", "label=disable"). */
int security_opt_take (struct security_opts *so, const char *opt, char *why, size_t cap);
void security_opts_free (struct security_opts *so);

#endif
