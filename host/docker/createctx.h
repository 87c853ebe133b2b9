/* Private to the create parser (ctrcreate.c: the entry point and Config;
 * hostconfig.c: HostConfig and NetworkingConfig; createctx.c: these helpers).
 * Kept out of ctrcreate.h, whose callers see only create_req_parse.
 *
 * Every helper that can fail writes docker's status and text through the
 * context and returns -1, so a parser step is `if (create_get_x (...) < 0)
 * return -1;`. Paths ("HostConfig.Memory") are Go's field paths, as dockerd's
 * messages name them. */
#ifndef TETHER_DOCKER_CREATECTX_H
#define TETHER_DOCKER_CREATECTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ctrcreate.h"

struct ctx {
  struct create_req *r;
  int *status;
  char *why;
  size_t cap;
};

/* What each key of an object is to us. */
enum rule {
  R_TAKE,   /* read by the code below */
  R_ANY,    /* meaningless to a create (the CLI's own business): any value */
  R_ZERO,   /* cannot be honoured: only its zero value passes */
  R_NULL,   /* cannot be honoured, and [] has a meaning of its own: only null */
};

struct field {
  const char *key;
  enum rule rule;
  const char *what;         /* R_ZERO/R_NULL: what it is, for the message */
};

/* Sets *c->status and c->why; returns -1. */
int create_fail (struct ctx *c, int status, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));
/* 501 "PATH (WHAT) is not supported by tetherd yet"; what may be NULL. */
int create_unsupported (struct ctx *c, const char *path, const char *what);
/* Go's name for v's JSON kind ("string", "number", "object", ...). */
const char *create_go_kind (const json_t *v);
int create_type_error (struct ctx *c, const char *path, const json_t *v, const char *go_type);
bool create_is_zero (const json_t *v);

/* The typed getters: an absent key or null is the zero value. */
int create_get_string (struct ctx *c, const json_t *o, const char *key, const char *path, const char **out);
int create_get_bool (struct ctx *c, const json_t *o, const char *key, const char *path, bool *out);
int create_get_int (struct ctx *c, const json_t *o, const char *key, const char *path, int64_t *out,
                    bool *present);
int create_get_object (struct ctx *c, const json_t *o, const char *key, const char *path, const json_t **out);
int create_get_strings (struct ctx *c, const json_t *o, const char *key, const char *path, bool is_slice,
                        char **strs, size_t *n, bool *given);
int create_check_rest (struct ctx *c, const json_t *o, const char *prefix, const struct field *fs, size_t n);

/* hostconfig.c: the HostConfig and NetworkingConfig objects into c->r. */
int create_take_host_config (struct ctx *c, const json_t *hj);
int create_take_networking (struct ctx *c, const json_t *nj);
/* hardconfig.c: Ulimits, ReadonlyRootfs, Tmpfs, Sysctls, ShmSize, Masked and
 * ReadonlyPaths; one entry of Mounts of type tmpfs. */
int create_take_hardening (struct ctx *c, const json_t *hj);
int create_take_tmpfs_mount (struct ctx *c, const json_t *mount);
/* netconfig.c: ports, the network, DNS and hosts (after both objects' own checks). */
int create_take_network (struct ctx *c, const json_t *cfgj, const json_t *hj);

#endif
