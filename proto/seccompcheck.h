/* The bounds of a seccomp profile on the wire (ContainerConfig.seccomp_profile),
 * checked by the host before it sends one and by the tether on receipt (a
 * hostile client). docker's own default profile needs 23 rules, 382 names. */
#ifndef TETHER_SECCOMPCHECK_H
#define TETHER_SECCOMPCHECK_H

#include <stddef.h>

#include "tether.pb-c.h"

#define SECCOMP_MAX_RULES 1024   /* syscalls[] entries */
#define SECCOMP_MAX_NAMES 2048   /* syscall names, all rules together */
#define SECCOMP_MAX_NAME_LEN 63
#define SECCOMP_MAX_ARGS 6       /* args[] per entry (a syscall has 6) */
#define SECCOMP_MAX_ARCHES 20
#define SECCOMP_MAX_ERRNO 4095   /* the kernel's errno range (SECCOMP_RET_DATA takes 16 bits) */
/* The profile packed, so the config around it still fits a 64 KiB frame
 * (tetherd allows a create 32 KiB packed in all). */
#define SECCOMP_MAX_PACKED (24 * 1024)

/* 0, or -1 with the reason in why. */
int seccomp_profile_check (const SeccompProfile *p, char *why, size_t cap);

#endif
