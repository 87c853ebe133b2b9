/* Work a request must wait for (a VM's boot, a stop, a wait, a log that grows)
 * runs in a forked child, so tetherd's one loop never blocks: the child's
 * stdout is the reply's body (kept, or streamed as it comes), its stderr the
 * reason of a failure, its exit code the outcome. The request's connection is
 * suspended meanwhile (MHD_suspend_connection) and resumed when there is
 * something to send. A client that leaves ends the child (SIGKILL). */
#ifndef TETHER_DOCKER_JOBS_H
#define TETHER_DOCKER_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "reply.h"

#define JOB_MAX_OUT (4 * 1024 * 1024) /* a kept body; past it the reply is a 500 */
#define JOB_MAX_ERR 2048              /* the reason kept from stderr */
#define JOB_MAX_RUNNING 128           /* children at once; past it 503 */
#define JOB_STREAM_CHUNK 65536

struct job;
/* In the child: does the work (stdout, stderr as above); returns the exit code. */
typedef int (*job_fn) (void *arg);
/* In tetherd, once the child is gone: the reply from its code, out and err. */
typedef void (*job_done_fn) (void *arg, int code, const char *out, size_t out_len, const char *err,
                             struct api_reply *rep);

struct job_spec {
  job_fn run;
  job_done_fn done;           /* NULL: a stream (see stream_type) */
  void *arg;                  /* malloc'd; freed with the job */
  const char *stream_type;    /* a stream's Content-Type: 200 at once, the body as the child writes it */
  bool hijack;                /* 101 UPGRADED: the child gets the socket as its stdin and stdout */
};

/* Sets rep to run spec for this request (the server starts it; router.h's
 * routes know nothing of MHD). Out of children: rep is a 503. */
void job_defer (struct api_reply *rep, const struct job_spec *spec);

/* server.c: starts rep's job for connection conn (an MHD_Connection). 0, or -1
 * with rep an error reply. */
int job_start (struct api_reply *rep, void *conn);
/* Suspends the job's connection (once), watching its socket for the client's leaving. */
void job_park (struct job *j);
/* server.c: the client hung up while its connection was parked. */
bool job_client_gone (const struct job *j);
/* server.c: the reply of a finished buffered job, or NULL while it runs. */
struct api_reply *job_reply (struct job *j);
/* server.c: the request is over (answered, or the client left). */
void job_release (struct job *j);
/* server.c: a stream's body reader for MHD_create_response_from_callback. */
ssize_t job_stream_read (void *cls, uint64_t pos, char *buf, size_t max);
/* server.c, once MHD handed over the upgraded socket: the child takes it (as
 * fds 0 and 1); when it ends, urh is closed (MHD_UPGRADE_ACTION_CLOSE). 0 or -1. */
int job_start_hijack (struct job *j, int sock, void *urh);
/* server.c: the stream type a job's reply carries (hijack: its Content-Type). */
bool job_is_hijack (const struct job *j);
/* server.c, before MHD stops: every child killed, every suspended connection
 * resumed (MHD_stop_daemon aborts on a suspended one). */
void jobs_shutdown (void);
/* server.c's pump, called when a suspended connection was resumed. */
void job_set_pump (void (*pump) (void));

#endif
