/* tetherd's listening unix socket, made as dockerd makes docker.sock: mode 0660,
 * group "docker" when that group exists. */
#ifndef TETHER_DOCKER_APISOCK_H
#define TETHER_DOCKER_APISOCK_H

#include <sys/types.h>

#include "terr.h"

struct api_sock {
  int fd;
  int lock_fd;                /* PATH.lock, flocked for the daemon's life */
  char path[108];             /* sun_path */
  dev_t dev;                  /* what we bound, so exit removes only our own file */
  ino_t ino;
};

/* Listens on path (non-blocking, close-on-exec); creates its directory (0755).
 * PATH.lock is flocked first: a second tetherd for the same path is refused
 * even when both start at once. A socket file nobody answers on is stale (a
 * tetherd that was killed) and is replaced; one that answers belongs to a live
 * daemon (another tetherd, or a dockerd): refused. */
int api_sock_listen (struct api_sock *s, const char *path, struct terr *err);
/* Removes the file if it is still the one we bound, and closes fd unless it is
 * -1 (libmicrohttpd closes a listen socket it was given when it stops). */
void api_sock_close (struct api_sock *s);

#endif
