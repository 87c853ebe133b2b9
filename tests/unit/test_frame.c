/* proto/frame.c: the incremental decoder under every split, garbage, truncation
 * and each rejection rule; the encoders' byte layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"
#include "xorshift.h"

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint64_t next_rand (void)
{
  return xorshift64 (&rng);
}

static void put_le32 (uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t) (v >> (8 * i));
}

/* A test input stream, big enough for an oversize frame and a few more. */
struct stream {
  size_t len;
  uint8_t buf[3 * (FRAME_HDR_LEN + FRAME_MAX_PAYLOAD + FRAME_PCRC_LEN)];
};

static void put_bytes (struct stream *s, const void *p, size_t n)
{
  assert_true (n <= sizeof s->buf - s->len);
  memcpy (s->buf + s->len, p, n);
  s->len += n;
}

/* Appends a well-formed frame whose payload is a pattern derived from seed;
 * the pattern never contains the magic's first byte, so a test that counts
 * dropped bytes knows no fake header hides in it. Returns the frame's length. */
static size_t put_frame (struct stream *s, uint8_t type, int with_pcrc, uint32_t handle, uint32_t len,
                         uint8_t seed)
{
  uint8_t hdr[FRAME_HDR_LEN];
  size_t start = s->len;
  frame_header_encode (hdr, type, with_pcrc ? FRAME_F_PCRC : 0, handle, len);
  put_bytes (s, hdr, sizeof hdr);
  for (uint32_t i = 0; i < len; i++) {
    uint8_t b = (uint8_t) (seed + i * 7);
    s->buf[s->len++] = b == FRAME_MAGIC0 ? 0 : b;
  }
  if (with_pcrc) {
    uint8_t t[4];
    put_le32 (t, crc32c (0, s->buf + start + FRAME_HDR_LEN, len));
    put_bytes (s, t, 4);
  }
  return s->len - start;
}

/* A header with every field chosen by the test and a correct header CRC. */
static void put_raw_header (struct stream *s, uint8_t version, uint8_t type, uint8_t flags, uint8_t res5,
                            uint32_t handle, uint32_t len, uint8_t res14)
{
  uint8_t h[FRAME_HDR_LEN] = { FRAME_MAGIC0, FRAME_MAGIC1, version, type, flags, res5 };
  put_le32 (h + 6, handle);
  put_le32 (h + 10, len);
  h[14] = res14;
  put_le32 (h + 16, crc32c (0, h, 16));
  put_bytes (s, h, sizeof h);
}

/* Garbage rich in magic bytes, so the scanner's rescans are exercised. */
static void put_garbage (struct stream *s, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    uint64_t r = next_rand ();
    uint8_t b = (uint8_t) (r >> 8);
    if (r % 4 == 0)
      b = FRAME_MAGIC0;
    else if (r % 4 == 1)
      b = FRAME_MAGIC1;
    s->buf[s->len++] = b;
  }
}

/* What the decoder reported, in order. */
struct event {
  enum frame_status st;
  uint8_t type, flags;
  uint32_t handle, len;
  uint32_t payload_crc; /* of the payload, or of the reject reason */
  size_t end;           /* input offset just after the byte that completed it */
};
#define MAX_EVENTS 64
struct result {
  int n;
  struct event ev[MAX_EVENTS];
  uint64_t frames, resyncs, dropped, rejected;
};

static struct frame_decoder dec;

/* Feeds s in chunks of `chunk` bytes (0: one call, except a first call of `first`
 * bytes), with the caller loop frame.h documents. Checks every byte is accounted
 * for: in a READY frame, in dropped_bytes, or still buffered. */
static void decode (const struct stream *s, size_t first, size_t chunk, struct result *r)
{
  size_t pos = 0, ready_bytes = 0;
  frame_decoder_init (&dec);
  memset (r, 0, sizeof *r);
  while (pos < s->len) {
    size_t n = s->len - pos;
    if (pos == 0 && first)
      n = first < n ? first : n;
    else if (chunk)
      n = chunk < n ? chunk : n;
    const uint8_t *p = s->buf + pos;
    size_t left = n;
    while (left) {
      size_t used = 0;
      struct frame f;
      enum frame_status st = frame_decoder_feed (&dec, p, left, &used, &f);
      assert_true (used <= left);
      p += used;
      left -= used;
      if (st == FRAME_NEED_MORE) {
        assert_int_equal (left, 0);
        continue;
      }
      assert_true (used > 0);
      assert_true (r->n < MAX_EVENTS);
      struct event *e = &r->ev[r->n++];
      e->st = st;
      e->end = (size_t) (p - s->buf);
      if (st == FRAME_READY) {
        e->type = f.type;
        e->flags = f.flags;
        e->handle = f.handle;
        e->len = f.len;
        e->payload_crc = crc32c (0, f.payload, f.len);
        ready_bytes += FRAME_HDR_LEN + f.len + (f.flags & FRAME_F_PCRC ? FRAME_PCRC_LEN : 0);
      } else {
        e->handle = dec.reject_handle;
        assert_non_null (dec.reject_reason);
        e->payload_crc = crc32c (0, dec.reject_reason, strlen (dec.reject_reason));
      }
    }
    pos += n;
  }
  assert_int_equal (ready_bytes + dec.dropped_bytes + dec.have, s->len);
  r->frames = dec.frames;
  r->resyncs = dec.resyncs;
  r->dropped = dec.dropped_bytes;
  r->rejected = dec.rejected;
}

static void assert_same_result (const struct result *a, const struct result *b)
{
  assert_int_equal (a->n, b->n);
  assert_memory_equal (a->ev, b->ev, sizeof a->ev[0] * (size_t) a->n);
  assert_int_equal (a->frames, b->frames);
  assert_int_equal (a->resyncs, b->resyncs);
  assert_int_equal (a->dropped, b->dropped);
  assert_int_equal (a->rejected, b->rejected);
}

static void assert_ready (const struct event *e, uint8_t type, uint32_t handle, uint32_t len)
{
  assert_int_equal (e->st, FRAME_READY);
  assert_int_equal (e->type, type);
  assert_int_equal (e->handle, handle);
  assert_int_equal (e->len, len);
}

static void assert_rejected (const struct event *e, uint32_t handle, const char *reason)
{
  assert_int_equal (e->st, FRAME_REJECTED);
  assert_int_equal (e->handle, handle);
  assert_int_equal (e->payload_crc, crc32c (0, reason, strlen (reason)));
}

static struct stream s;
static struct result r, r2;

static int setup (void **state)
{
  (void) state;
  s.len = 0;
  return 0;
}

static void header_layout (void **state)
{
  (void) state;
  uint8_t h[FRAME_HDR_LEN];
  frame_header_encode (h, FRAME_DATA, FRAME_F_PCRC, 0x04030201u, 0x00010000u);
  const uint8_t want[16] = { 'T', 'h', FRAME_VERSION, FRAME_DATA, FRAME_F_PCRC, 0, 1, 2, 3, 4, 0, 0, 1, 0, 0, 0 };
  assert_memory_equal (h, want, 16);
  uint32_t crc = crc32c (0, h, 16);
  assert_int_equal (h[16] | h[17] << 8 | h[18] << 16 | (uint32_t) h[19] << 24, crc);
}

static void data_hdr_round_trip (void **state)
{
  (void) state;
  uint8_t b[DATA_HDR_LEN];
  struct data_hdr in = { STREAM_STDERR, 0x0102030405060708ull, -42 }, out;
  data_hdr_encode (b, &in);
  assert_int_equal (b[0], STREAM_STDERR);
  assert_int_equal (b[4], 0x08);
  assert_int_equal (b[11], 0x01);
  assert_int_equal (data_hdr_decode (b, sizeof b, &out), 0);
  assert_int_equal (out.stream, in.stream);
  assert_int_equal (out.offset, in.offset);
  assert_int_equal (out.time_ns, in.time_ns);
  assert_int_equal (data_hdr_decode (b, DATA_HDR_LEN - 1, &out), -1);
  b[0] = 3;
  assert_int_equal (data_hdr_decode (b, sizeof b, &out), -1);
}

static void one_frame (void **state)
{
  (void) state;
  uint8_t payload[5] = { 1, 2, 3, 4, 5 }, hdr[FRAME_HDR_LEN];
  frame_header_encode (hdr, FRAME_CONTROL, 0, 0, sizeof payload);
  put_bytes (&s, hdr, sizeof hdr);
  put_bytes (&s, payload, sizeof payload);

  struct frame f;
  size_t used;
  frame_decoder_init (&dec);
  assert_int_equal (frame_decoder_feed (&dec, s.buf, s.len, &used, &f), FRAME_READY);
  assert_int_equal (used, s.len);
  assert_int_equal (f.type, FRAME_CONTROL);
  assert_int_equal (f.handle, 0);
  assert_int_equal (f.len, sizeof payload);
  assert_memory_equal (f.payload, payload, sizeof payload);
  assert_int_equal (dec.frames, 1);
  assert_int_equal (dec.dropped_bytes, 0);
  assert_int_equal (frame_decoder_feed (&dec, s.buf, 0, &used, &f), FRAME_NEED_MORE);
  assert_int_equal (used, 0);
}

/* An empty payload completes on the header's last byte. */
static void empty_payload (void **state)
{
  (void) state;
  put_frame (&s, FRAME_CONTROL, 0, 9, 0, 0);
  put_frame (&s, FRAME_DATA, 1, 10, 0, 0);
  decode (&s, 0, 1, &r);
  assert_int_equal (r.n, 2);
  assert_ready (&r.ev[0], FRAME_CONTROL, 9, 0);
  assert_int_equal (r.ev[0].end, FRAME_HDR_LEN);
  assert_ready (&r.ev[1], FRAME_DATA, 10, 0);
  assert_int_equal (r.ev[1].end, 2 * FRAME_HDR_LEN + FRAME_PCRC_LEN);
}

static void mixed_frames (struct stream *st)
{
  put_frame (st, FRAME_CONTROL, 0, 0, 37, 1);
  put_frame (st, FRAME_DATA, 1, 7, 100, 2);
  put_frame (st, FRAME_CONTROL, 0, 0, 0, 3);
  put_frame (st, FRAME_DATA, 0, 0xfffffffeu, 300, 4);
  put_frame (st, FRAME_CONTROL, 1, 0, 1, 5);
}

static void assert_mixed (const struct result *res)
{
  assert_int_equal (res->n, 5);
  assert_ready (&res->ev[0], FRAME_CONTROL, 0, 37);
  assert_ready (&res->ev[1], FRAME_DATA, 7, 100);
  assert_int_equal (res->ev[1].flags, FRAME_F_PCRC);
  assert_ready (&res->ev[2], FRAME_CONTROL, 0, 0);
  assert_ready (&res->ev[3], FRAME_DATA, 0xfffffffeu, 300);
  assert_ready (&res->ev[4], FRAME_CONTROL, 0, 1);
  assert_int_equal (res->dropped, 0);
  assert_int_equal (res->resyncs, 0);
}

/* "Any split of the input gives the same frames": every two-way split, then
 * byte by byte and a few odd chunk sizes. */
static void every_split (void **state)
{
  (void) state;
  mixed_frames (&s);
  decode (&s, 0, 0, &r);
  assert_mixed (&r);
  for (size_t k = 1; k < s.len; k++) {
    decode (&s, k, 0, &r2);
    assert_same_result (&r, &r2);
  }
  const size_t chunks[] = { 1, 2, 3, 7, 19, 20, 21, 64 };
  for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
    decode (&s, 0, chunks[i], &r2);
    assert_same_result (&r, &r2);
  }
}

/* Garbage before, between and after frames: every frame still comes out the
 * moment its last byte arrives, and exactly the garbage is dropped. */
static void garbage_around_frames (void **state)
{
  (void) state;
  for (int round = 0; round < 200; round++) {
    size_t g1 = next_rand () % 60, g2 = next_rand () % 60, g3 = next_rand () % 60, g4 = next_rand () % 25;
    s.len = 0;
    put_garbage (&s, g1);
    size_t end1 = s.len + put_frame (&s, FRAME_CONTROL, 0, 0, 30, 1);
    put_garbage (&s, g2);
    size_t end2 = s.len + put_frame (&s, FRAME_DATA, 1, 3, 50, 2);
    put_garbage (&s, g3);
    size_t end3 = s.len + put_frame (&s, FRAME_CONTROL, 0, 0, 0, 3);
    put_garbage (&s, g4);
    decode (&s, 0, round % 3 == 0 ? 1 : 0, &r);
    assert_int_equal (r.n, 3);
    assert_ready (&r.ev[0], FRAME_CONTROL, 0, 30);
    assert_ready (&r.ev[1], FRAME_DATA, 3, 50);
    assert_ready (&r.ev[2], FRAME_CONTROL, 0, 0);
    if (round % 3 == 0) { /* byte by byte: READY exactly at each frame's last byte */
      assert_int_equal (r.ev[0].end, end1);
      assert_int_equal (r.ev[1].end, end2);
      assert_int_equal (r.ev[2].end, end3);
    }
    /* Trailing garbage may sit in the buffer as a candidate header. */
    assert_int_equal (r.dropped + dec.have, g1 + g2 + g3 + g4);
    assert_int_equal (r.rejected, 0);
  }
}

/* A fake magic in garbage is given up once one header length has arrived. */
static void fake_magic_rejected_within_one_header (void **state)
{
  (void) state;
  uint8_t g[FRAME_HDR_LEN] = { FRAME_MAGIC0, FRAME_MAGIC1 };
  struct frame f;
  size_t used;
  frame_decoder_init (&dec);
  for (int i = 0; i < FRAME_HDR_LEN; i++) {
    assert_int_equal (frame_decoder_feed (&dec, g + i, 1, &used, &f), FRAME_NEED_MORE);
    assert_int_equal (dec.resyncs, i == FRAME_HDR_LEN - 1 ? 1 : 0);
  }
  assert_int_equal (dec.dropped_bytes, FRAME_HDR_LEN);
  assert_int_equal (dec.have, 0);
}

/* A frame cut inside its header, then good frames: the cut bytes are dropped. */
static void truncated_header_then_frames (void **state)
{
  (void) state;
  for (size_t cut = 1; cut < FRAME_HDR_LEN; cut++) {
    s.len = 0;
    put_frame (&s, FRAME_CONTROL, 0, 0, 10, 1);
    s.len -= 10 + FRAME_HDR_LEN - cut;
    put_frame (&s, FRAME_DATA, 0, 5, 40, 2);
    put_frame (&s, FRAME_CONTROL, 1, 0, 3, 3);
    decode (&s, 0, 0, &r);
    assert_int_equal (r.n, 2);
    assert_ready (&r.ev[0], FRAME_DATA, 5, 40);
    assert_ready (&r.ev[1], FRAME_CONTROL, 0, 3);
    assert_int_equal (r.dropped, cut);
    decode (&s, 0, 1, &r2);
    assert_same_result (&r, &r2);
  }
}

/* A frame whose header survived but whose payload was cut short swallows the
 * next frame's bytes; with a payload CRC that is caught and the stream recovers. */
static void truncated_payload_with_pcrc_recovers (void **state)
{
  (void) state;
  put_frame (&s, FRAME_DATA, 1, 1, 200, 1);
  s.len -= 100;
  for (int i = 0; i < 6; i++)
    put_frame (&s, FRAME_CONTROL, 1, 0, 30, (uint8_t) (10 + i));
  decode (&s, 0, 0, &r);
  assert_true (r.n >= 2);
  assert_rejected (&r.ev[0], 1, "payload crc mismatch");
  assert_ready (&r.ev[r.n - 1], FRAME_CONTROL, 0, 30);
  decode (&s, 0, 1, &r2);
  assert_same_result (&r, &r2);
}

/* Every proper prefix of a frame: NEED_MORE, all input consumed, never READY. */
static void truncated_frame_never_ready (void **state)
{
  (void) state;
  put_frame (&s, FRAME_DATA, 1, 2, 64, 1);
  for (size_t n = 0; n < s.len; n++) {
    struct frame f;
    size_t used;
    frame_decoder_init (&dec);
    assert_int_equal (frame_decoder_feed (&dec, s.buf, n, &used, &f), FRAME_NEED_MORE);
    assert_int_equal (used, n);
    assert_int_equal (dec.frames, 0);
    frame_decoder_init (&dec);
    for (size_t i = 0; i < n; i++)
      assert_int_equal (frame_decoder_feed (&dec, s.buf + i, 1, &used, &f), FRAME_NEED_MORE);
  }
}

/* Valid header CRC, length past the cap by at most a trailer: rejected, its
 * bytes skipped whole, the next frame decoded. */
static void oversize_skipped (void **state)
{
  (void) state;
  put_raw_header (&s, FRAME_VERSION, FRAME_DATA, 0, 0, 77, FRAME_MAX_PAYLOAD + 1, 0);
  memset (s.buf + s.len, 0, FRAME_MAX_PAYLOAD + 1);
  s.len += FRAME_MAX_PAYLOAD + 1;
  put_frame (&s, FRAME_CONTROL, 0, 0, 12, 1);
  decode (&s, 0, 0, &r);
  assert_int_equal (r.n, 2);
  assert_rejected (&r.ev[0], 77, "payload too large");
  assert_int_equal (r.ev[0].end, FRAME_HDR_LEN); /* reported as soon as the header is in */
  assert_ready (&r.ev[1], FRAME_CONTROL, 0, 12);
  assert_int_equal (r.dropped, FRAME_HDR_LEN + FRAME_MAX_PAYLOAD + 1);
  assert_int_equal (r.rejected, 1);
  assert_int_equal (r.resyncs, 0);
  decode (&s, 0, 1000, &r2);
  assert_same_result (&r, &r2);
}

/* A length that cannot delimit anything: rejected, then a rescan finds the
 * frame right behind the header. */
static void huge_length_resyncs (void **state)
{
  (void) state;
  put_raw_header (&s, FRAME_VERSION, FRAME_CONTROL, FRAME_F_PCRC, 0, 5, 0xffffffffu, 0);
  put_frame (&s, FRAME_CONTROL, 0, 0, 12, 1);
  decode (&s, 0, 0, &r);
  assert_int_equal (r.n, 2);
  assert_rejected (&r.ev[0], 5, "payload too large");
  assert_ready (&r.ev[1], FRAME_CONTROL, 0, 12);
  assert_int_equal (r.dropped, FRAME_HDR_LEN);
  assert_int_equal (r.resyncs, 1);
  for (size_t k = 1; k < s.len; k++) {
    decode (&s, k, 0, &r2);
    assert_same_result (&r, &r2);
  }
}

/* Bad header CRC, non-zero reserved bytes, unknown type: not a header at all. */
static void bad_header_resyncs (void **state)
{
  (void) state;
  for (int kind = 0; kind < 5; kind++) {
    s.len = 0;
    size_t bad;
    if (kind == 0) {
      bad = put_frame (&s, FRAME_CONTROL, 0, 0, 25, 1);
      s.buf[16] ^= 0x01; /* the CRC itself */
    } else if (kind == 1) {
      bad = put_frame (&s, FRAME_CONTROL, 0, 0, 25, 1);
      s.buf[10] ^= 0x40; /* the length, CRC left stale */
    } else {
      put_raw_header (&s, FRAME_VERSION, kind == 4 ? 3 : FRAME_CONTROL, 0, kind == 2, 0, 25, kind == 3);
      memset (s.buf + s.len, 0x55, 25);
      s.len += 25;
      bad = s.len;
    }
    put_frame (&s, FRAME_DATA, 0, 8, 16, 2);
    decode (&s, 0, 0, &r);
    assert_int_equal (r.n, 1);
    assert_ready (&r.ev[0], FRAME_DATA, 8, 16);
    assert_int_equal (r.resyncs, 1);
    assert_int_equal (r.rejected, 0);
    assert_int_equal (r.dropped, bad);
    decode (&s, 0, 1, &r2);
    assert_same_result (&r, &r2);
  }
}

static void bad_payload_crc_rejected (void **state)
{
  (void) state;
  size_t n = put_frame (&s, FRAME_DATA, 1, 4, 33, 1);
  s.buf[FRAME_HDR_LEN + 5] ^= 0x80;
  put_frame (&s, FRAME_CONTROL, 1, 0, 2, 2);
  decode (&s, 0, 0, &r);
  assert_int_equal (r.n, 2);
  assert_rejected (&r.ev[0], 4, "payload crc mismatch");
  assert_int_equal (r.ev[0].end, n);
  assert_ready (&r.ev[1], FRAME_CONTROL, 0, 2);
  assert_int_equal (r.dropped, n);
  assert_int_equal (r.resyncs, 0);
  /* the trailer itself corrupted */
  s.len = 0;
  put_frame (&s, FRAME_CONTROL, 1, 0, 0, 1);
  s.buf[FRAME_HDR_LEN] ^= 1;
  decode (&s, 0, 1, &r);
  assert_int_equal (r.n, 1);
  assert_rejected (&r.ev[0], 0, "payload crc mismatch");
}

/* Garbage inside a payload: a payload CRC catches it; exactly the frame and
 * its surplus bytes are dropped before the next frame. */
static void garbage_inside_payload_with_pcrc (void **state)
{
  (void) state;
  size_t n = put_frame (&s, FRAME_DATA, 1, 6, 40, 1);
  uint8_t tail[64];
  memcpy (tail, s.buf + FRAME_HDR_LEN + 10, n - FRAME_HDR_LEN - 10);
  s.len = FRAME_HDR_LEN + 10;
  const uint8_t junk[7] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };
  put_bytes (&s, junk, sizeof junk);
  put_bytes (&s, tail, n - FRAME_HDR_LEN - 10);
  put_frame (&s, FRAME_CONTROL, 1, 0, 9, 2);
  decode (&s, 0, 0, &r);
  assert_int_equal (r.n, 2);
  assert_rejected (&r.ev[0], 6, "payload crc mismatch");
  assert_ready (&r.ev[1], FRAME_CONTROL, 0, 9);
  assert_int_equal (r.dropped, n + sizeof junk);
}

static void wrong_version_rejected (void **state)
{
  (void) state;
  put_raw_header (&s, FRAME_VERSION + 1, FRAME_CONTROL, FRAME_F_PCRC, 0, 3, 10, 0);
  memset (s.buf + s.len, 'T', 14); /* magic bytes in the skipped payload must not matter */
  s.len += 14;
  put_frame (&s, FRAME_CONTROL, 0, 0, 4, 1);
  decode (&s, 0, 0, &r);
  assert_int_equal (r.n, 2);
  assert_rejected (&r.ev[0], 3, "unsupported frame version");
  assert_ready (&r.ev[1], FRAME_CONTROL, 0, 4);
  assert_int_equal (r.dropped, FRAME_HDR_LEN + 14);
  for (size_t k = 1; k < s.len; k++) {
    decode (&s, k, 0, &r2);
    assert_same_result (&r, &r2);
  }
}

/* The largest legal payload fits the decoder's buffer, with its trailer. */
static void max_payload_ready (void **state)
{
  (void) state;
  put_frame (&s, FRAME_DATA, 1, 1, FRAME_MAX_PAYLOAD, 1);
  put_frame (&s, FRAME_DATA, 0, 2, FRAME_MAX_PAYLOAD, 2);
  decode (&s, 0, 4093, &r);
  assert_int_equal (r.n, 2);
  assert_ready (&r.ev[0], FRAME_DATA, 1, FRAME_MAX_PAYLOAD);
  assert_ready (&r.ev[1], FRAME_DATA, 2, FRAME_MAX_PAYLOAD);
}

/* Random mutations of a valid stream: never a crash, conservation always holds
 * (checked inside decode), and the result does not depend on the split. */
static void random_corruption_split_invariant (void **state)
{
  (void) state;
  for (int round = 0; round < 300; round++) {
    s.len = 0;
    mixed_frames (&s);
    for (int i = 0; i < 4; i++)
      s.buf[next_rand () % s.len] ^= (uint8_t) (1u << (next_rand () % 8));
    decode (&s, 0, 0, &r);
    decode (&s, (size_t) (next_rand () % s.len) + 1, 0, &r2);
    assert_same_result (&r, &r2);
    decode (&s, 0, 1, &r2);
    assert_same_result (&r, &r2);
  }
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup (header_layout, setup),
    cmocka_unit_test_setup (data_hdr_round_trip, setup),
    cmocka_unit_test_setup (one_frame, setup),
    cmocka_unit_test_setup (empty_payload, setup),
    cmocka_unit_test_setup (every_split, setup),
    cmocka_unit_test_setup (garbage_around_frames, setup),
    cmocka_unit_test_setup (fake_magic_rejected_within_one_header, setup),
    cmocka_unit_test_setup (truncated_header_then_frames, setup),
    cmocka_unit_test_setup (truncated_payload_with_pcrc_recovers, setup),
    cmocka_unit_test_setup (truncated_frame_never_ready, setup),
    cmocka_unit_test_setup (oversize_skipped, setup),
    cmocka_unit_test_setup (huge_length_resyncs, setup),
    cmocka_unit_test_setup (bad_header_resyncs, setup),
    cmocka_unit_test_setup (bad_payload_crc_rejected, setup),
    cmocka_unit_test_setup (garbage_inside_payload_with_pcrc, setup),
    cmocka_unit_test_setup (wrong_version_rejected, setup),
    cmocka_unit_test_setup (max_payload_ready, setup),
    cmocka_unit_test_setup (random_corruption_split_invariant, setup),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
