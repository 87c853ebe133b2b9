/* tetherd's versions, bounds and timings in one place (STYLE §9). */
#ifndef TETHER_DOCKER_APICAPS_H
#define TETHER_DOCKER_APICAPS_H

#define TETHERD_VERSION "0.1.0-dev"

/* The Engine API versions served: 1.41 is what Debian's docker 20.10 negotiates,
 * 1.50 what docker 28.x asks for. Both ends as 1.minor. */
#define API_VERSION "1.50"
#define API_MIN_VERSION "1.41"
#define API_MINOR_MAX 50
#define API_MINOR_MIN 41

#define API_SOCK_DEFAULT "unix:///run/tether/docker.sock"
#define API_SOCK_BACKLOG 128
#define API_SOCK_GROUP "docker"   /* as dockerd: members may use the socket */

/* libmicrohttpd's bounds. The docker CLI holds at most three connections per
 * command, so 64 leaves room for many at once; past it new ones are refused.
 * The per-connection pool holds the request line and headers (and MHD's read and
 * write buffers): a request whose header does not fit is answered by MHD itself. */
#define API_MAX_CONNECTIONS 64
#define API_CONN_MEMORY (32 * 1024)
#define API_CONN_TIMEOUT_S 120    /* an idle keep-alive connection is closed */
/* A request body (create's JSON is ~2 KB): larger ones get 413. */
#define API_MAX_BODY (1024 * 1024)

#define API_MAX_CONTAINERS 4096   /* listed per request, as tetherctl ps */
#define API_MAX_FILTER_TERMS 64   /* filter values per ps request */
#define API_MAX_PARAM 512         /* a {id} path segment, bytes */

#endif
