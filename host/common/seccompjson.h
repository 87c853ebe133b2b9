/* docker's seccomp profile format (the JSON of --security-opt seccomp=FILE and
 * of HostConfig.SecurityOpt "seccomp=<json>") into the rule list the config
 * message carries (proto SeccompProfile), as moby 20.10's
 * profiles/seccomp/seccomp_linux.go reads it: conditions on the architecture
 * are applied here (the guest's is ours), those on capabilities and the kernel
 * travel for the tether to apply. Errors are dockerd's and runc's words. */
#ifndef TETHER_CTL_SECCOMPJSON_H
#define TETHER_CTL_SECCOMPJSON_H

#include <stddef.h>

#include "tether.pb-c.h"

#define SECCOMP_JSON_MAX (1024 * 1024)  /* text bytes: dockerd's API body cap */

/* Parses text (len bytes). 0 with *mode and, for SECCOMP_CUSTOM, *out (free it
 * with seccomp_profile__free_unpacked (p, NULL)); -1 with the reason in why.
 * A profile with neither defaultAction nor syscalls is unconfined (moby). */
int seccomp_json_parse (const char *text, size_t len, SeccompMode *mode, SeccompProfile **out, char *why,
                        size_t cap);

#endif
