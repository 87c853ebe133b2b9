/* `docker load` and `docker import` in tetherd's job child: the archive (the
 * request body, spooled to a file) becomes images in the store, each layer a
 * VMDK converted once, several at a time. Output is docker's JSON message
 * stream on out_fd (the CLI draws it): progress per layer unless quiet, then
 * "Loaded image: NAME" per tag; a failure is the stream's error line. */
#ifndef TETHER_STORE_LOAD_H
#define TETHER_STORE_LOAD_H

#include <stdbool.h>

#include "store.h"
#include "terr.h"

/* docker load: 0, or -1 with err (the caller writes it as the error line). */
int store_load (const char *archive, bool quiet, int out_fd, struct terr *err);
/* docker import: archive is a root file system tar (maybe compressed); the
 * image gets config_json's "config" (the --change'd Config, or null), comment
 * and one layer; tagged ref when not NULL. Prints {"status":"sha256:..."}. */
int store_import (const char *archive, const char *config_json, const char *comment, const char *ref,
                  int out_fd, struct terr *err);
/* One JSON message line on fd: {"errorDetail":{"message":m},"error":m}. */
void load_write_error (int fd, const char *msg);

#endif
