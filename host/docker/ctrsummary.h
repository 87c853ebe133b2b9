/* docker's shapes for what a container record holds beyond tetherctl's inspect
 * object: the `GET /containers/json` summary (types.Container) and the keys
 * `GET /containers/{id}/json` adds to host/common's inspect builder. */
#ifndef TETHER_DOCKER_CTRSUMMARY_H
#define TETHER_DOCKER_CTRSUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "tether.pb-c.h"

/* {Id, Names, Image, ImageID, Command, Created, Ports, Labels, State, Status,
 * HostConfig, NetworkSettings, Mounts} */
void ctr_summary_write (struct json *j, const ContainerInfo *ci, int64_t now_ns);
/* The inspect object: host/common's inspect_write_extra plus Image, Driver,
 * Platform, Mounts and NetworkSettings. */
void ctr_inspect_write (struct json *j, const ContainerInfo *ci);
/* dockerd's Command of the summary (daemon/list.go): the path, then each
 * argument, in single quotes when it holds a space. Cut to fit cap. */
const char *ctr_command (const ContainerConfig *c, char *buf, size_t cap);

#endif
