/* QMP, one short connection per use (docs/vm.md): connect, read the greeting,
 * qmp_capabilities, commands, close. Holding no connection leaves the socket
 * free for an operator or a test (QEMU serves one QMP client at a time). */
#ifndef TETHER_CTL_QMP_H
#define TETHER_CTL_QMP_H

#include <stddef.h>

#include "terr.h"

/* Returns a connected fd that accepted qmp_capabilities, or -1. */
int qmp_open (const char *path, int timeout_ms, struct terr *err);
/* Sends one {"execute": ...} line and waits for its return or error, skipping
 * events. 0 on "return", -1 on "error" (err holds its desc) or a lost socket. */
int qmp_exec (int fd, const char *cmd_json, int timeout_ms, struct terr *err);
/* Opens, runs one command, closes. */
int qmp_once (const char *path, const char *cmd_json, int timeout_ms, struct terr *err);

#endif
