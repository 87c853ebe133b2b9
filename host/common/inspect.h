/* Docker-shaped objects for `inspect` and `ps --json` (the same shape later becomes
 * the VM endpoint's state.json). */
#ifndef TETHER_CTL_INSPECT_H
#define TETHER_CTL_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "tether.pb-c.h"

/* {Id, Created, Path, Args, State{...}, Name, RestartCount, ExecIDs, Config{...}} */
void inspect_write (struct json *j, const ContainerInfo *ci);
/* The same with more keys written by extra before the object closes (the VM
 * endpoint's state.json adds its "VM" object). */
/* docker's Labels object from the config's "K=V" list. */
void inspect_labels_write (struct json *j, const ContainerConfig *c);
void inspect_write_extra (struct json *j, const ContainerInfo *ci,
                          void (*extra) (struct json *j, const void *ctx), const void *ctx);
/* `ps --format json` fields: ID, Names, Command, CreatedAt, RunningFor, State, Status. */
void ps_json_write (struct json *j, const ContainerInfo *ci, int64_t now_ns);

/* The COMMAND column: argv joined by spaces, cut to max_chars characters with "…",
 * then quoted as Go's strconv.Quote does. */
const char *ps_command (char *const *argv, size_t argc, size_t max_chars, char *buf, size_t cap);

#endif
