/* seccomp filters from docker-format profiles (proto SeccompProfile): docker
 * 20.10's default built in (secprofile_default.c), a client's custom one, or none. */
#ifndef TETHER_SECPROFILE_H
#define TETHER_SECPROFILE_H

#include <linux/filter.h>
#include <stdint.h>

#include "terr.h"
#include "tether.pb-c.h"

/* moby's profiles/seccomp/default.json at v20.10.24, for x86-64. */
extern const SeccompProfile secprofile_default;

/* kernel << 8 | major, as SeccompRule.min_kernel, of the running kernel. */
uint32_t secprofile_kernel_version (void);

/* Compiles p for a process whose bounding set is caps (bit n = capability n)
 * on a kernel of version kernel: moby's includes/excludes decide which rules
 * apply, runc's rules how (unknown names skipped, a rule with the default's
 * action dropped). The program is malloc'd into *out. */
int secprofile_compile (const SeccompProfile *p, uint64_t caps, uint32_t kernel, struct sock_fprog *out,
                     struct terr *err);

/* Once, in the tether: the default profile for docker's default capabilities,
 * kept for every launch that has them (libseccomp costs ~1 ms a compile). */
int secprofile_prepare (uint64_t default_caps, struct terr *err);

/* In the launching child, before the privileges drop (the filter needs
 * CAP_SYS_ADMIN without no_new_privs): the config's filter for caps. */
int secprofile_install (SeccompMode mode, const SeccompProfile *custom, uint64_t caps, struct terr *err);

#endif
