/* docker's capability options (--cap-add, --cap-drop, --privileged) as the
 * daemon reads them (moby 20.10 oci/caps: NormalizeLegacyCapabilities,
 * TweakCapabilities), over libcap's table of names. Shared by the clients
 * (their error first, at create) and the tether (the set it launches with).
 * A set is a bit mask: bit N = capability N (the kernel has 41 today, 64 fit). */
#ifndef TETHER_CAPNAMES_H
#define TETHER_CAPNAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAPNAME_ALL (-2) /* "ALL", any case */

/* docker's 14 defaults (moby oci/caps/defaults.go). */
uint64_t capset_default (void);
/* One name: any case, with or without CAP_, or ALL. Returns the capability's
 * number or CAPNAME_ALL; -1 with docker's text in why ("unknown capability:
 * \"CAP_FOO\"": the name upper-cased, CAP_ put in front). */
int capname_parse (const char *name, char *why, size_t cap);
/* The set a container's processes get. all: what ALL and privileged stand for
 * (docker: every capability the kernel has; the tether: every one it holds).
 * 0, or -1 with docker's text ("invalid CapAdd: unknown capability: ..."). */
int capset_of (bool privileged, char *const *add, size_t n_add, char *const *drop, size_t n_drop, uint64_t all,
               uint64_t *out, char *why, size_t cap);

#endif
