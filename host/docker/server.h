/* libmicrohttpd driven from the process's one loop (lib/loop.h): MHD_USE_EPOLL
 * without its own thread, our listening socket handed in, MHD's epoll fd
 * watched by our epoll, MHD_run on readiness and a timer from MHD_get_timeout
 * (MHD's idle-connection timeouts and work it has buffered). Each complete
 * request goes to api_route (router.h). */
#ifndef TETHER_DOCKER_SERVER_H
#define TETHER_DOCKER_SERVER_H

#include "loop.h"
#include "terr.h"

struct MHD_Daemon;

struct server {
  struct MHD_Daemon *mhd;
  struct watch epoll_watch;   /* MHD's epoll fd */
  struct timer tick;          /* MHD_get_timeout */
};

/* Takes listen_fd (MHD closes it when it stops). */
int server_start (struct server *s, int listen_fd, struct terr *err);
void server_stop (struct server *s);

#endif
