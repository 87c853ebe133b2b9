/* QMP, one short connection per use (docs/vm.md): connect, read the greeting,
 * qmp_capabilities, commands, close. Holding no connection leaves the socket
 * free for an operator or a test (QEMU serves one QMP client at a time). */
#ifndef TETHER_CTL_QMP_H
#define TETHER_CTL_QMP_H

#include <stddef.h>

#include <jansson.h>

#include "terr.h"

/* Returns a connected fd that accepted qmp_capabilities, or -1. */
int qmp_open (const char *path, int timeout_ms, struct terr *err);
/* Sends {"execute": command, "arguments": args} (args may be NULL; the reference
 * is taken) and waits for its return or error, skipping events. 0 on "return", -1
 * on "error" (err holds its desc), a reply that is not JSON, or a lost socket. */
int qmp_exec (int fd, const char *command, json_t *args, int timeout_ms, struct terr *err);
/* qmp_exec with pass_fd sent along (SCM_RIGHTS): getfd takes it. */
int qmp_exec_fd (int fd, const char *command, json_t *args, int pass_fd, int timeout_ms, struct terr *err);
/* Runs one command on fd: its "return" value (the caller's reference), or NULL with err. */
json_t *qmp_exec_ret (int fd, const char *command, json_t *args, int timeout_ms, struct terr *err);
/* Polls query-migrate on fd until the migration (either side) completes: 0, or
 * -1 when it failed (err says why, QEMU's error-desc) or timeout_ms passed. */
int qmp_migration_wait (int fd, int timeout_ms, struct terr *err);
/* Opens, runs one command without arguments, closes: its "return" value (the
 * caller's reference), or NULL with err. */
json_t *qmp_query (const char *path, const char *command, int timeout_ms, struct terr *err);
/* Opens, runs one command, closes. */
int qmp_once (const char *path, const char *command, json_t *args, int timeout_ms, struct terr *err);

#endif
