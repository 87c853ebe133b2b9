/* The VM containers of the state dir as docker lists them: every record read
 * through host/common's loader (vm_each + vm_state_load, the same records
 * `tetherctl ps` reads), newest first. tetherd keeps nothing between requests:
 * each request reads the state dir again (DESIGN §1: restartable at any time). */
#ifndef TETHER_DOCKER_CTRLIST_H
#define TETHER_DOCKER_CTRLIST_H

#include <stddef.h>

#include "terr.h"
#include "tether.pb-c.h"

struct ctr_list {
  ContainerInfo **items;      /* newest first */
  size_t n;
  size_t unreadable;          /* records that did not load (left out) */
  size_t over_cap;            /* past API_MAX_CONTAINERS (left out) */
};

int ctr_list_load (struct ctr_list *l, struct terr *err);
void ctr_list_free (struct ctr_list *l);

/* docker's State.Running: a restarting container counts as running. */
int ctr_is_running (const ContainerInfo *ci);

#endif
