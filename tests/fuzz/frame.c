/* libFuzzer target for the frame decoder and control-message unpacking.
 *
 * Input: 2 bytes choosing a split point, then the byte stream. The stream is
 * decoded twice, in one call and split in two at the chosen point; both runs
 * must report the same frames (frame.h: "any split gives the same frames"), and
 * every byte must be accounted for (READY frame, dropped_bytes or buffered).
 * Control frames are unpacked into the arena and, if valid, re-packed and
 * decoded again. Any violated property aborts. */
#include <stdlib.h>
#include <string.h>

#include "msg.h"

struct run {
  struct frame_decoder dec;
  size_t ready_bytes;
  uint32_t digest; /* CRC over every event: status, header fields, payload */
};

static struct run one, split;
static struct msg_arena arena;
static struct frame_decoder redec;
static uint8_t repack[FRAME_HDR_LEN + FRAME_MAX_PAYLOAD + FRAME_PCRC_LEN];

#define CHECK(cond) \
  do { \
    if (!(cond)) \
      abort (); \
  } while (0)

static void check_control (const struct frame *f)
{
  msg_arena_reset (&arena);
  Msg *m = msg_unpack (&arena, f->payload, f->len);
  if (!m)
    return;
  CHECK (msg_name (m) != NULL);
  /* What we accepted we can send back, and it decodes as one frame. */
  ssize_t n = msg_frame_pack (m, f->flags & FRAME_F_PCRC, repack, sizeof repack);
  if (n < 0)
    return; /* unknown fields kept by protobuf-c can push it past the cap */
  struct frame g;
  size_t used;
  frame_decoder_init (&redec);
  CHECK (frame_decoder_feed (&redec, repack, (size_t) n, &used, &g) == FRAME_READY);
  CHECK (used == (size_t) n && g.type == FRAME_CONTROL);
}

static void on_event (struct run *r, enum frame_status st, const struct frame *f, int deep)
{
  uint8_t ev[16] = { (uint8_t) st };
  if (st == FRAME_READY) {
    ev[1] = f->type;
    ev[2] = f->flags;
    memcpy (ev + 4, &f->handle, 4);
    memcpy (ev + 8, &f->len, 4);
    r->ready_bytes += FRAME_HDR_LEN + f->len + (f->flags & FRAME_F_PCRC ? FRAME_PCRC_LEN : 0);
    r->digest = crc32c (crc32c (r->digest, ev, sizeof ev), f->payload, f->len);
    if (!deep)
      return;
    if (f->type == FRAME_CONTROL) {
      check_control (f);
    } else {
      struct data_hdr h;
      (void) data_hdr_decode (f->payload, f->len, &h);
    }
  } else {
    CHECK (r->dec.reject_reason != NULL);
    memcpy (ev + 4, &r->dec.reject_handle, 4);
    r->digest = crc32c (r->digest, ev, sizeof ev);
    r->digest = crc32c (r->digest, r->dec.reject_reason, strlen (r->dec.reject_reason));
  }
}

static void feed (struct run *r, const uint8_t *p, size_t len, int deep)
{
  while (len) {
    struct frame f;
    size_t used = 0;
    enum frame_status st = frame_decoder_feed (&r->dec, p, len, &used, &f);
    CHECK (used <= len);
    p += used;
    len -= used;
    if (st == FRAME_NEED_MORE)
      CHECK (len == 0);
    else
      on_event (r, st, &f, deep);
  }
}

static void start (struct run *r)
{
  frame_decoder_init (&r->dec);
  r->ready_bytes = 0;
  r->digest = 0;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 2)
    return 0;
  size_t at = ((size_t) data[0] | (size_t) data[1] << 8);
  data += 2;
  size -= 2;
  at = size ? at % (size + 1) : 0;

  start (&one);
  feed (&one, data, size, 1);
  start (&split);
  feed (&split, data, at, 0);
  feed (&split, data + at, size - at, 0);

  CHECK (one.digest == split.digest);
  CHECK (one.dec.frames == split.dec.frames && one.dec.rejected == split.dec.rejected);
  CHECK (one.dec.resyncs == split.dec.resyncs && one.dec.dropped_bytes == split.dec.dropped_bytes);
  CHECK (one.dec.have == split.dec.have);
  CHECK (one.ready_bytes + one.dec.dropped_bytes + one.dec.have == size);
  return 0;
}
