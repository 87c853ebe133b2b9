/* docker's --ulimit, --tmpfs, --sysctl and --shm-size values, parsed the same
 * way by tetherctl and tetherd (docker's messages) and checked again by the
 * tether (cfgcheck.c: a hostile client). */
#ifndef TETHER_HARDSPEC_H
#define TETHER_HARDSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tether.pb-c.h"

#define HARD_MAX_ULIMITS 16     /* one per RLIMIT_ resource */
#define HARD_MAX_TMPFS 16
#define HARD_MAX_SYSCTLS 32
#define HARD_MAX_PATHS 32       /* masked or read-only paths */
#define HARD_PATH_MAX 256
#define HARD_TMPFS_DATA 256     /* "size=...,mode=...,uid=...,gid=...,nr_inodes=..." */
#define HARD_SYSCTL_MAX 256
#define HARD_SHM_DEFAULT (64ull << 20) /* docker's /dev/shm size when --shm-size is not given */

/* docker 20.10's default masked and read-only paths (oci/defaults.go). */
#define HARD_N_DEFAULT_MASKED 10
#define HARD_N_DEFAULT_READONLY 5
extern const char *const hard_default_masked[HARD_N_DEFAULT_MASKED];
extern const char *const hard_default_readonly[HARD_N_DEFAULT_READONLY];

/* A docker ulimit name ("nofile") as its RLIMIT_ number, or -1; and back (NULL). */
int hard_ulimit_resource (const char *name);
const char *hard_ulimit_name (int resource);
/* "NAME=SOFT[:HARD]" (go-units ParseUlimit: -1 is unlimited): 0, or -1 with
 * docker's message in why. */
int hard_ulimit_parse (const char *arg, Rlimit *out, char *why, size_t cap);
/* The checks of one rlimit whatever sent it (soft <= hard, a known resource). */
int hard_rlimit_check (const Rlimit *rl, char *why, size_t cap);
/* docker's tmpfs mount destination rule: absolute and not "/". */
int hard_tmpfs_path_check (const char *path, char *why, size_t cap);
/* docker's tmpfs options "rw,size=64m,mode=1777,exec" (moby pkg/mount's
 * ParseTmpfsOptions) into mount(2) flags and data, over docker's defaults
 * nosuid,nodev,noexec; data holds cap bytes. 0, or -1 with docker's message. */
int hard_tmpfs_opts (const char *opts, uint64_t *flags, char *data, size_t cap, char *why, size_t why_cap);
/* A key of docker's sysctl list: IPC namespace keys, fs.mqueue.* and net.*. */
bool hard_sysctl_namespaced (const char *key);
bool hard_sysctl_is_net (const char *key);
/* "key=value" with a namespaced key: 0, or -1 with docker's message. */
int hard_sysctl_check (const char *kv, char *why, size_t cap);
/* docker's size strings ("64m", "1g", "1024", "1.5k"; go-units RAMInBytes). */
int hard_ram_in_bytes (const char *s, int64_t *out);
/* The whole config's part (cfg_check calls it). */
int hard_check (const ContainerConfig *cfg, char *why, size_t cap);

#endif
