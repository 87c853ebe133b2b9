/* Named bridge networks (#13): one record per network under
 * $TETHER_STATE_DIR/networks/NAME.json, shared by tetherctl, the endpoint and
 * tetherd. The record holds the network's plan (subnet, gateway, DHCP or not,
 * the network namespace its bridge lives in) and the containers attached to
 * it with the address each was given; every change is made under an flock of
 * NAME.lock, so concurrent creates hand out distinct addresses. */
#ifndef TETHER_CTL_NETREC_H
#define TETHER_CTL_NETREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "terr.h"

#define NETREC_NAME_MAX 64    /* bytes of a network's name, NUL excluded */
#define NETREC_MAX_CTRS 256   /* containers on one network */
#define NETREC_DEFAULT_SUBNET "172.30.0.0/24"

struct netrec_ctr {
  char id[65];
  char address[24];           /* "A.B.C.D/N"; "" on a DHCP network */
};

struct netrec {
  char name[NETREC_NAME_MAX + 1];
  char id[65];                /* 64 hex, as docker's network ids */
  char subnet[24];            /* "A.B.C.D/N" (the network address) */
  char gateway[16];           /* "A.B.C.D" */
  char netns[NETREC_NAME_MAX + 1]; /* /run/netns/NAME; "" = the host's namespace */
  char bridge[16];            /* the Linux bridge: "tb-" + 12 of the id */
  bool dhcp;                  /* addresses from a DHCP server on the bridge */
  int64_t created_ns;
  size_t n_ctrs;
  struct netrec_ctr ctrs[NETREC_MAX_CTRS];
};

/* docker's rule for names ([a-zA-Z0-9][a-zA-Z0-9_.-]*), bounded. */
bool netrec_name_valid (const char *name);
/* The names docker predefines (bridge, host, none) and our "default". */
bool netrec_predefined (const char *name);

/* Creates the record (mkdir networks/). subnet NULL = NETREC_DEFAULT_SUBNET,
 * gateway NULL = the subnet's first host. Errors carry docker's messages
 * ("network with name NAME already exists", "invalid network name ..."). */
int netrec_create (struct netrec *n, const char *name, const char *subnet, const char *gateway, bool dhcp,
                   const char *netns, struct terr *err);
/* Loads NAME or the network whose id starts with it: 0, or -1 (ENOENT:
 * "network NAME not found"). */
int netrec_load (const char *name, struct netrec *n, struct terr *err);
/* Removes the record; refused with docker's "has active endpoints" while a
 * container is attached. */
int netrec_remove (const char *name, struct terr *err);
/* The names of every network, sorted; returns the count (at most cap) or -1. */
int netrec_list (char (*names)[NETREC_NAME_MAX + 1], size_t cap, struct terr *err);

/* Attaches container id under the lock: on a static network the next free
 * host address (not the network, the gateway or the broadcast) goes to
 * address ("A.B.C.D/N"); on a DHCP one address is "". An id already attached
 * keeps its address. n is the record as saved. */
int netrec_attach (const char *name, const char *id, struct netrec *n, char *address, size_t cap,
                   struct terr *err);
/* Detaches id (its address becomes free). Unknown network or id: 0. */
int netrec_detach (const char *name, const char *id, struct terr *err);
/* Detaches id from every network (a container being removed). */
void netrec_detach_all (const char *id);

/* netdoc.c: the network as `docker network inspect` shows it (one object of
 * its array; the caller's reference), or NULL when out of memory. */
struct json_t;
struct json_t *netrec_docker_json (const struct netrec *n);
/* docker's predefined "bridge" (our default network) and "none", by name or
 * an id prefix of 12 or more: the object, or NULL for any other name. Their
 * Containers are not listed. */
struct json_t *netrec_predefined_json (const char *name);

#endif
