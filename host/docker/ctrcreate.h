/* docker's POST /containers/create body (container.Config, HostConfig and
 * NetworkingConfig) turned into our ContainerConfig, as dockerd 20.10 (API 1.41)
 * to 28.x (API 1.50) checks it. Pure: no HTTP, no state dir, no VM.
 *
 * The docker CLI sends every field, most at their zero values (see
 * tests/unit/fixtures/create-*.json): zero values pass. A field set to
 * something the tether cannot honour is refused by name with 501, never
 * ignored; a field set to something docker itself refuses gets docker's text
 * and status (400). */
#ifndef TETHER_DOCKER_CTRCREATE_H
#define TETHER_DOCKER_CTRCREATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "disklimits.h"
#include "hardspec.h"
#include "netspec.h"
#include "tether.pb-c.h"

#define CREATE_MAX_BODY (1024 * 1024)   /* = API_MAX_BODY */
/* Entries per list: Entrypoint + Cmd together, Env, Labels, Healthcheck.Test. */
#define CREATE_MAX_LIST 4096
/* The packed config travels in one frame (FRAME_MAX_PAYLOAD, 64 KiB) with what
 * the create route adds (id, disks): half of it is the request's. */
#define CREATE_MAX_PACKED (32 * 1024)
#define CREATE_IMAGE_CAP 256            /* docker: a reference is at most 255 bytes */
#define CREATE_NAME_CAP 130             /* 128 bytes of name */
#define CREATE_MEMORY_DEFAULT (128ull << 20) /* HostConfig.Memory 0 */
#define CREATE_MEMORY_MIN (96ull << 20)      /* a container VM boots in no less */
#define CREATE_MEMORY_MAX (1ull << 40)
#define CREATE_MAX_CPUS 64

struct json_t;

#define CREATE_MAX_VOLUMES VM_MAX_VOLUMES /* named and anonymous, proto/disklimits.h */
#define CREATE_VOLUME_NAME 128
#define CREATE_VOLUME_SPEC 1200

/* The network part of a create (netconfig.c): ports, the network, DNS, hosts. */
struct create_net {
  PortMap ports[NET_MAX_PORTS];
  PortMap *port_ptrs[NET_MAX_PORTS];
  char port_ips[NET_MAX_PORTS][48];
  char exposed[NET_MAX_PORTS][16]; /* "80/tcp" */
  char *exposed_ptrs[NET_MAX_PORTS];
  char *dns[16];
  char *hosts[CREATE_MAX_LIST];
  size_t n_dns, n_hosts;
};

/* The hardening part of a create (hardconfig.c): Ulimits, ReadonlyRootfs,
 * Tmpfs and Mounts of type tmpfs, Sysctls, ShmSize, Masked/ReadonlyPaths. */
struct create_hard {
  Rlimit ulimits[HARD_MAX_ULIMITS];
  Rlimit *ulimit_ptrs[HARD_MAX_ULIMITS];
  TmpfsMount tmpfs[HARD_MAX_TMPFS];
  TmpfsMount *tmpfs_ptrs[HARD_MAX_TMPFS];
  char tmpfs_data[HARD_MAX_TMPFS][HARD_TMPFS_DATA];
  char sysctls[HARD_MAX_SYSCTLS][HARD_SYSCTL_MAX]; /* "key=value" from the map */
  char *sysctl_ptrs[HARD_MAX_SYSCTLS];
  char *masked[HARD_MAX_PATHS], *readonly[HARD_MAX_PATHS]; /* into the body */
};

struct create_req {
  /* Filled; its strings point into `root`, `arena` or the arrays below. id is
   * "" (the route picks it); name and image point at the fields below. */
  ContainerConfig cfg;
  Healthcheck hc;             /* cfg.healthcheck when Config.Healthcheck was given */
  RestartPolicy rp;           /* cfg.restart_policy when HostConfig.RestartPolicy.Name was given */
  char image[CREATE_IMAGE_CAP]; /* Config.Image as given ("busybox", "busybox:latest", "busybox@sha256:..") */
  char name[CREATE_NAME_CAP]; /* ?name= with one leading '/' stripped, or generated */
  bool is_name_generated;     /* the caller retries names_generate on a clash */
  bool stdin_once;            /* Config.StdinOnce: the first attach's EOF closes stdin */
  char volumes[CREATE_MAX_VOLUMES][CREATE_VOLUME_SPEC]; /* HostConfig.Binds' named volumes: "NAME:/PATH" */
  const char *volume_ptrs[CREATE_MAX_VOLUMES];
  size_t n_volumes;
  /* Owned: */
  struct json_t *root;        /* the parsed body */
  char **argv, **env, **labels, **test;
  char *arena;                /* the "K=V" label strings */
  char **group_add, **cap_add, **cap_drop, **security_opt; /* HostConfig's lists, when given (hostconfig.c) */
  char *anon[CREATE_MAX_VOLUMES]; /* the anonymous volumes' names (cfg.anon_volumes) */
  struct create_net net;      /* netconfig.c's */
  SeccompProfile *seccomp;    /* cfg.seccomp_profile: HostConfig.SecurityOpt's seccomp=<json> */
  struct create_hard hard;    /* hardconfig.c's */
};

/* Parses body (the JSON text, len bytes) and the name query value (NULL or "":
 * none, a name is generated). Returns 0, or -1 with *status (400, 413, 501)
 * and docker's message in why; after -1 nothing is held (create_req_free is
 * harmless either way). */
int create_req_parse (struct create_req *r, const char *body, size_t len, const char *name_q, int *status, char *why,
                      size_t cap);
void create_req_free (struct create_req *r);

#endif
