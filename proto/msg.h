/* protobuf-c glue: control messages into and out of frames without hidden growth. */
#ifndef TETHER_MSG_H
#define TETHER_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "frame.h"
#include "tether.pb-c.h"

/* Unpacking allocates only from this arena; reset it after each message is handled.
 * 1 MiB holds any realistic 64 KiB payload (13,000 "K=V" env strings use 0.8 MiB)
 * but not every valid one: ~20,000 one-byte repeated strings or thousands of
 * empty sub-messages need more. Those fail with NULL like malformed input. */
#define MSG_ARENA_CAP (1024u * 1024u)
struct msg_arena {
  size_t used;
  size_t high_water;
  _Alignas (16) uint8_t buf[MSG_ARENA_CAP];
};

void msg_arena_reset (struct msg_arena *a);
/* NULL if the payload is malformed or would not fit the arena. */
Msg *msg_unpack (struct msg_arena *a, const uint8_t *payload, size_t len);

/* The request_id of a payload msg_unpack refused (0 if even that is unreadable),
 * through the MsgId view of the same bytes. Leaves the arena as it was. */
uint64_t msg_request_id (struct msg_arena *a, const uint8_t *payload, size_t len);

/* Packs m as one complete CONTROL frame (header, payload, payload CRC if
 * with_pcrc) into out. Returns the frame's length, or -1 if it would exceed
 * FRAME_MAX_PAYLOAD or cap (nothing is written then). */
ssize_t msg_frame_pack (const Msg *m, int with_pcrc, uint8_t *out, size_t cap);

/* Builds one DATA frame header+sub-header into out (FRAME_HDR_LEN + DATA_HDR_LEN
 * bytes) for len data bytes; the caller appends the bytes, then, if with_pcrc,
 * the CRC from data_frame_pcrc. */
void data_frame_begin (uint8_t *out, uint32_t handle, const struct data_hdr *h, uint32_t len, int with_pcrc);
/* Payload CRC of a data frame: sub-header at hdr+FRAME_HDR_LEN and the data bytes. */
uint32_t data_frame_pcrc (const uint8_t *subhdr, const uint8_t *data, size_t len);

/* Human-readable name of a Msg body case, for logs and errors. */
const char *msg_name (const Msg *m);

/* The guest's heartbeat interval a config asks for (0 or out of 100..60000 ms:
 * the default 1000): the tether beats at it, the endpoint counts missed beats by it. */
#define HEARTBEAT_DEFAULT_MS 1000
uint32_t config_heartbeat_ms (const ContainerConfig *cfg);

#endif
