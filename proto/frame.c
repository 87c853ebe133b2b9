/* Framing (DESIGN §2, layout in frame.h): encoders and the incremental decoder.
 *
 * The decoder holds at most one frame in its fixed buffer and never allocates.
 * Every input byte ends up in exactly one place: a frame returned READY, the
 * dropped_bytes counter, or the decoder's buffer (have). Tests and the fuzzer
 * check that conservation, so a resync rule can never lose or double-count. */
#include <string.h>

#include "frame.h"

/* Decoder states (struct frame_decoder.state). */
enum {
  ST_HDR = 0,   /* buf[0..have) is a prefix of a candidate header starting with the magic */
  ST_BODY = 1,  /* header accepted; need payload+trailer bytes still to copy after it */
  ST_SKIP = 2,  /* a rejected frame: need bytes still to throw away */
};

static void put_le32 (uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t) (v >> (8 * i));
}

static void put_le64 (uint8_t *p, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t) (v >> (8 * i));
}

static uint32_t get_le32 (const uint8_t *p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static uint64_t get_le64 (const uint8_t *p)
{
  return (uint64_t) get_le32 (p) | (uint64_t) get_le32 (p + 4) << 32;
}

void frame_header_encode (uint8_t hdr[FRAME_HDR_LEN], uint8_t type, uint8_t flags, uint32_t handle,
                          uint32_t len)
{
  hdr[0] = FRAME_MAGIC0;
  hdr[1] = FRAME_MAGIC1;
  hdr[2] = FRAME_VERSION;
  hdr[3] = type;
  hdr[4] = flags;
  hdr[5] = 0;
  put_le32 (hdr + 6, handle);
  put_le32 (hdr + 10, len);
  hdr[14] = 0;
  hdr[15] = 0;
  put_le32 (hdr + 16, crc32c (0, hdr, 16));
}

void data_hdr_encode (uint8_t out[DATA_HDR_LEN], const struct data_hdr *h)
{
  out[0] = h->stream;
  out[1] = out[2] = out[3] = 0;
  put_le64 (out + 4, h->offset);
  put_le64 (out + 12, (uint64_t) h->time_ns);
}

int data_hdr_decode (const uint8_t *payload, uint32_t len, struct data_hdr *h)
{
  if (len < DATA_HDR_LEN || payload[0] > STREAM_STDERR)
    return -1;
  h->stream = payload[0];
  h->offset = get_le64 (payload + 4);
  h->time_ns = (int64_t) get_le64 (payload + 12);
  return 0;
}

void frame_decoder_init (struct frame_decoder *d)
{
  /* Only the fields before the buffer: zeroing 64 KiB per connection buys nothing. */
  memset (d, 0, offsetof (struct frame_decoder, buf));
  d->state = ST_HDR;
}

/* Appends one byte to the candidate header, dropping whatever cannot start the magic. */
static void hdr_push (struct frame_decoder *d, uint8_t b)
{
  if (d->have == 1 && b != FRAME_MAGIC1) {
    d->dropped_bytes++; /* the lone first magic byte */
    d->have = 0;
  }
  if (d->have == 0 && b != FRAME_MAGIC0) {
    d->dropped_bytes++;
    return;
  }
  d->buf[d->have++] = b;
}

/* Lost sync on the candidate in buf: drop its first byte and rescan the rest.
 * At most FRAME_HDR_LEN - 1 bytes are rescanned, so no header completes here and
 * garbage is left behind within one header length. */
static void rescan (struct frame_decoder *d)
{
  uint8_t rest[FRAME_HDR_LEN - 1];
  uint32_t n = d->have - 1;

  memcpy (rest, d->buf + 1, n);
  d->resyncs++;
  d->dropped_bytes++;
  d->have = 0;
  for (uint32_t i = 0; i < n; i++)
    hdr_push (d, rest[i]);
}

static enum frame_status reject (struct frame_decoder *d, uint32_t handle, const char *reason)
{
  d->rejected++;
  d->reject_handle = handle;
  d->reject_reason = reason;
  return FRAME_REJECTED;
}

/* The candidate header is complete. Returns NEED_MORE to keep reading (the
 * header is accepted and state is ST_BODY, or sync was lost), REJECTED for a
 * valid header that names a frame we will not take. */
static enum frame_status header_done (struct frame_decoder *d)
{
  const uint8_t *h = d->buf;
  uint8_t type = h[3];

  if (get_le32 (h + 16) != crc32c (0, h, 16) || h[5] || h[14] || h[15]
      || (type != FRAME_CONTROL && type != FRAME_DATA)) {
    rescan (d);
    return FRAME_NEED_MORE;
  }

  uint32_t handle = get_le32 (h + 6);
  uint32_t len = get_le32 (h + 10);
  uint32_t trailer = (h[4] & FRAME_F_PCRC) ? FRAME_PCRC_LEN : 0;
  const char *reason = NULL;

  if (h[2] != FRAME_VERSION)
    reason = "unsupported frame version";
  else if (len > FRAME_MAX_PAYLOAD)
    reason = "payload too large";
  if (reason) {
    /* A length just past the cap still delimits the frame (a sender counting the
     * trailer in it, say): skip it whole. A larger one cannot be trusted to
     * delimit anything, so look for the next magic instead. */
    if (len <= FRAME_MAX_PAYLOAD + FRAME_PCRC_LEN) {
      d->dropped_bytes += d->have;
      d->have = 0;
      d->need = len + trailer;
      d->state = d->need ? ST_SKIP : ST_HDR;
    } else {
      rescan (d);
    }
    return reject (d, handle, reason);
  }

  d->need = len + trailer;
  d->state = ST_BODY;
  return FRAME_NEED_MORE;
}

/* Payload (and trailer) complete in buf. */
static enum frame_status body_done (struct frame_decoder *d, struct frame *out)
{
  const uint8_t *h = d->buf;
  uint32_t len = get_le32 (h + 10);
  uint32_t handle = get_le32 (h + 6);
  uint32_t have = d->have;

  d->state = ST_HDR;
  /* Buffer is free for the next call; the payload stays valid until then
   * because only a later feed writes to buf. */
  d->have = 0;
  if ((h[4] & FRAME_F_PCRC)
      && get_le32 (h + FRAME_HDR_LEN + len) != crc32c (0, h + FRAME_HDR_LEN, len)) {
    d->dropped_bytes += have;
    return reject (d, handle, "payload crc mismatch");
  }
  out->type = h[3];
  out->flags = h[4];
  out->handle = handle;
  out->len = len;
  out->payload = h + FRAME_HDR_LEN;
  d->frames++;
  return FRAME_READY;
}

enum frame_status frame_decoder_feed (struct frame_decoder *d, const uint8_t *in, size_t len,
                                      size_t *consumed, struct frame *out)
{
  enum frame_status st = FRAME_NEED_MORE;
  size_t used = 0;

  /* Fast path: nothing buffered and a whole valid frame at the start of the
   * input: hand it out in place, without copying the payload. Anything else
   * (garbage, a split frame, a frame to reject) takes the byte-wise path below,
   * which gives the same frames and counters. */
  if (d->state == ST_HDR && d->have == 0 && len >= FRAME_HDR_LEN && in[0] == FRAME_MAGIC0
      && in[1] == FRAME_MAGIC1 && in[2] == FRAME_VERSION && !in[5] && !in[14] && !in[15]
      && (in[3] == FRAME_CONTROL || in[3] == FRAME_DATA) && get_le32 (in + 16) == crc32c (0, in, 16)) {
    uint32_t plen = get_le32 (in + 10);
    uint32_t trailer = (in[4] & FRAME_F_PCRC) ? FRAME_PCRC_LEN : 0;
    if (plen <= FRAME_MAX_PAYLOAD && len - FRAME_HDR_LEN >= (size_t) plen + trailer
        && (!trailer || get_le32 (in + FRAME_HDR_LEN + plen) == crc32c (0, in + FRAME_HDR_LEN, plen))) {
      out->type = in[3];
      out->flags = in[4];
      out->handle = get_le32 (in + 6);
      out->len = plen;
      out->payload = in + FRAME_HDR_LEN;
      d->frames++;
      *consumed = FRAME_HDR_LEN + plen + trailer;
      return FRAME_READY;
    }
  }

  while (st == FRAME_NEED_MORE && used < len) {
    if (d->state == ST_HDR) {
      hdr_push (d, in[used++]);
      if (d->have == FRAME_HDR_LEN) {
        st = header_done (d);
        if (d->state == ST_BODY && d->need == 0) /* empty payload, no trailer */
          st = body_done (d, out);
      }
      continue;
    }
    size_t n = len - used < d->need ? len - used : d->need;
    if (d->state == ST_BODY) {
      memcpy (d->buf + d->have, in + used, n);
      d->have += (uint32_t) n;
    } else {
      d->dropped_bytes += n;
    }
    used += n;
    d->need -= (uint32_t) n;
    if (d->need == 0) {
      if (d->state == ST_BODY)
        st = body_done (d, out);
      else
        d->state = ST_HDR;
    }
  }
  *consumed = used;
  return st;
}
