/* protobuf-c glue (DESIGN §2, STYLE §5): unpack into a fixed arena, pack into a
 * caller's buffer after checking the size, so no peer can make us allocate. */
#include <string.h>

#include "msg.h"

#define ARENA_ALIGN 16u

void msg_arena_reset (struct msg_arena *a)
{
  a->used = 0;
}

/* Bump allocation; NULL (protobuf-c then fails the unpack) once the arena is full. */
static void *arena_alloc (void *data, size_t size)
{
  struct msg_arena *a = data;
  size_t start = (a->used + ARENA_ALIGN - 1) & ~(size_t) (ARENA_ALIGN - 1);

  if (start > MSG_ARENA_CAP || size > MSG_ARENA_CAP - start)
    return NULL;
  a->used = start + size;
  if (a->used > a->high_water)
    a->high_water = a->used;
  return a->buf + start;
}

/* Everything goes at once with msg_arena_reset. */
static void arena_free (void *data, void *ptr)
{
  (void) data;
  (void) ptr;
}

Msg *msg_unpack (struct msg_arena *a, const uint8_t *payload, size_t len)
{
  ProtobufCAllocator allocator = { .alloc = arena_alloc, .free = arena_free, .allocator_data = a };
  size_t mark = a->used;
  Msg *m;

  if (len > FRAME_MAX_PAYLOAD)
    return NULL;
  m = msg__unpack (&allocator, len, payload);
  if (!m)
    a->used = mark; /* a failed unpack leaves nothing the caller can reach */
  return m;
}

uint64_t msg_request_id (struct msg_arena *a, const uint8_t *payload, size_t len)
{
  ProtobufCAllocator allocator = { .alloc = arena_alloc, .free = arena_free, .allocator_data = a };
  size_t mark = a->used;
  uint64_t id = 0;
  if (len <= FRAME_MAX_PAYLOAD)
    {
      MsgId *m = msg_id__unpack (&allocator, len, payload);
      if (m)
        id = m->request_id;
    }
  a->used = mark;
  return id;
}

ssize_t msg_frame_pack (const Msg *m, int with_pcrc, uint8_t *out, size_t cap)
{
  size_t len = msg__get_packed_size (m);
  size_t trailer = with_pcrc ? FRAME_PCRC_LEN : 0;

  if (len > FRAME_MAX_PAYLOAD || cap < FRAME_HDR_LEN + trailer || len > cap - FRAME_HDR_LEN - trailer)
    return -1;
  if (msg__pack (m, out + FRAME_HDR_LEN) != len)
    return -1; /* protobuf-c disagreeing with its own size: never write past it */
  frame_header_encode (out, FRAME_CONTROL, with_pcrc ? FRAME_F_PCRC : 0, 0, (uint32_t) len);
  if (with_pcrc) {
    uint32_t crc = crc32c (0, out + FRAME_HDR_LEN, len);
    for (int i = 0; i < 4; i++)
      out[FRAME_HDR_LEN + len + i] = (uint8_t) (crc >> (8 * i));
  }
  return (ssize_t) (FRAME_HDR_LEN + len + trailer);
}

void data_frame_begin (uint8_t *out, uint32_t handle, const struct data_hdr *h, uint32_t len, int with_pcrc)
{
  /* len <= DATA_MAX is the caller's job (it sizes its reads by DATA_MAX); a larger
   * one would produce a frame every peer rejects, not an overflow here. */
  frame_header_encode (out, FRAME_DATA, with_pcrc ? FRAME_F_PCRC : 0, handle, DATA_HDR_LEN + len);
  data_hdr_encode (out + FRAME_HDR_LEN, h);
}

uint32_t data_frame_pcrc (const uint8_t *subhdr, const uint8_t *data, size_t len)
{
  return crc32c (crc32c (0, subhdr, DATA_HDR_LEN), data, len);
}

const char *msg_name (const Msg *m)
{
  if (!m)
    return "(null)";
  switch (m->body_case) {
  case MSG__BODY__NOT_SET: return "empty";
  case MSG__BODY_HELLO: return "hello";
  case MSG__BODY_HELLO_REPLY: return "hello_reply";
  case MSG__BODY_CREATE: return "create";
  case MSG__BODY_START: return "start";
  case MSG__BODY_STARTED: return "started";
  case MSG__BODY_EXEC: return "exec";
  case MSG__BODY_EXEC_STARTED: return "exec_started";
  case MSG__BODY_ATTACH: return "attach";
  case MSG__BODY_ATTACHED: return "attached";
  case MSG__BODY_DETACH: return "detach";
  case MSG__BODY_SIGNAL: return "signal";
  case MSG__BODY_RESIZE: return "resize";
  case MSG__BODY_CLOSE_STDIN: return "close_stdin";
  case MSG__BODY_STOP: return "stop";
  case MSG__BODY_WAIT: return "wait";
  case MSG__BODY_REMOVE: return "remove";
  case MSG__BODY_LIST: return "list";
  case MSG__BODY_INSPECT: return "inspect";
  case MSG__BODY_ACK: return "ack";
  case MSG__BODY_EXIT: return "exit";
  case MSG__BODY_CONTAINER_LIST: return "container_list";
  case MSG__BODY_PING: return "ping";
  case MSG__BODY_PONG: return "pong";
  case MSG__BODY_HEARTBEAT: return "heartbeat";
  case MSG__BODY_OK: return "ok";
  case MSG__BODY_ERROR: return "error";
  case MSG__BODY_CONFIG: return "config";
  case MSG__BODY_NET_STATE: return "net_state";
  /* No default: -Wswitch flags a body added to tether.proto but not named here. */
  case _MSG__BODY__CASE_IS_INT_SIZE: break;
  }
  return "unknown";
}

uint32_t config_heartbeat_ms (const ContainerConfig *cfg)
{
  uint32_t ms = cfg ? cfg->heartbeat_ms : 0;
  return ms >= 100 && ms <= 60000 ? ms : HEARTBEAT_DEFAULT_MS;
}
