/* A client connection to a tether (host mode: `tether --listen unix:PATH`) or,
 * later, to a per-VM endpoint, which speaks the same protocol. One Msg per
 * control frame, raw stdio in data frames (DESIGN §2, docs/sessions.md).
 *
 * Reading: conn_next() decodes one event from what has been read; a Msg or data
 * bytes it returns stay valid until the next call to conn_next(). Writing: frames
 * are queued and flushed without blocking, so a client never stops reading the
 * tether while its own output is stuck (no deadlock when both sides are busy). */
#ifndef TETHER_CTL_CONN_H
#define TETHER_CTL_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "msg.h"
#include "terr.h"

#define CONN_HELLO_TIMEOUT_MS 10000
/* A reply that always comes at once (everything but wait, stop and attached
 * streams): past this the tether is taken as hung, not waited for forever. */
#define CONN_REPLY_TIMEOUT_MS 30000
#define CONN_CLIENT_NAME "tetherctl 0.1"

struct conn;

enum conn_event_kind { CONN_EV_MSG = 1, CONN_EV_DATA = 2 };

struct conn_event {
  enum conn_event_kind kind;
  Msg *msg;                 /* CONN_EV_MSG */
  uint32_t handle;          /* CONN_EV_DATA */
  struct data_hdr hdr;
  const uint8_t *bytes;
  uint32_t len;
};

/* Handles every event that is not the awaited reply; returns 0, or -1 with err set
 * to abort the wait. */
typedef int (*conn_dispatch_fn) (void *ctx, const struct conn_event *ev, struct terr *err);

/* Connects to addr ("unix:PATH") and completes the hello handshake. The seam for
 * VM mode: the runner points this at the per-VM endpoint's socket. */
struct conn *conn_open (const char *addr, struct terr *err);
/* Takes a connected stream socket (tests, socketpairs) and says hello. */
struct conn *conn_from_fd (int fd, struct terr *err);
void conn_close (struct conn *c);

int conn_fd (const struct conn *c);
const char *conn_tether_version (const struct conn *c);
uint64_t conn_new_request_id (struct conn *c);

/* Queue frames; nothing is written until conn_flush (or a wait) runs. */
int conn_queue_msg (struct conn *c, Msg *m, struct terr *err);
int conn_queue_data (struct conn *c, uint32_t handle, uint8_t stream, uint64_t offset,
                     const uint8_t *bytes, uint32_t len, struct terr *err);
/* Writes what the socket takes now. Returns 0 or -1 (connection lost). */
int conn_flush (struct conn *c, struct terr *err);
size_t conn_out_pending (const struct conn *c);
/* Flushes everything, waiting at most timeout_ms. */
int conn_drain (struct conn *c, int timeout_ms, struct terr *err);

/* Decodes the next event from bytes already read: 1 = *ev set, 0 = need input. */
int conn_next (struct conn *c, struct conn_event *ev, struct terr *err);
/* One read() from the socket (it is non-blocking): 1 = got bytes, 0 = nothing
 * now, -1 = end of connection or error. */
int conn_fill (struct conn *c, struct terr *err);

/* Sends req with a fresh request_id and waits for the reply that echoes it,
 * passing every other event to dispatch (ignored if NULL). timeout_ms < 0: no
 * limit. Returns the reply (valid until the next conn_next) or NULL. */
Msg *conn_request (struct conn *c, Msg *req, conn_dispatch_fn dispatch, void *ctx,
                   int timeout_ms, struct terr *err);

/* Waits for a further reply to req (same request_id): a reply in several parts
 * (container_list with more = true). */
Msg *conn_await (struct conn *c, const Msg *req, conn_dispatch_fn dispatch, void *ctx, int timeout_ms,
                 struct terr *err);

/* "ok", "error ERR_NOT_FOUND: no such container"... for unexpected replies. */
int conn_reply_error (const Msg *reply, Msg__BodyCase want, struct terr *err);

#endif
