/* Wire framing shared by the tether and the endpoint (DESIGN §2).
 *
 * Header, 20 bytes, little-endian:
 *   0  magic    2  'T' 'h'
 *   2  version  1  FRAME_VERSION
 *   3  type     1  FRAME_CONTROL or FRAME_DATA
 *   4  flags    1  FRAME_F_PCRC: a 4-byte payload CRC-32C follows the payload
 *   5  reserved 1  0
 *   6  handle   4  0 = control; else the session's handle on this connection
 *   10 length   4  payload bytes, <= FRAME_MAX_PAYLOAD (trailer not counted)
 *   14 reserved 2  0
 *   16 hcrc     4  CRC-32C of bytes 0..15
 * A DATA payload starts with a 20-byte sub-header:
 *   0 stream 1 (STREAM_*), 1..3 reserved, 4 offset 8 (byte offset of the first
 *   byte in this stream), 12 time_ns 8 (guest CLOCK_REALTIME when read).
 */
#ifndef TETHER_FRAME_H
#define TETHER_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_MAGIC0 'T'
#define FRAME_MAGIC1 'h'
#define FRAME_VERSION 1
#define FRAME_HDR_LEN 20
#define FRAME_MAX_PAYLOAD 65536u
#define FRAME_PCRC_LEN 4
#define DATA_HDR_LEN 20
#define DATA_MAX (FRAME_MAX_PAYLOAD - DATA_HDR_LEN)

enum frame_type { FRAME_CONTROL = 1, FRAME_DATA = 2 };
#define FRAME_F_PCRC 0x01u

enum stream_id { STREAM_STDIN = 0, STREAM_STDOUT = 1, STREAM_STDERR = 2 };

/* Hello feature bits. */
#define FEATURE_ACKS 0x1u
#define FEATURE_TTY 0x2u

/* Error codes carried in Error.code. */
enum err_code {
  ERR_BAD_REQUEST = 1,   /* malformed or unknown message */
  ERR_NOT_FOUND = 2,     /* no such container / exec / handle */
  ERR_CONFLICT = 3,      /* id exists with another config, or wrong state */
  ERR_LIMIT = 4,         /* a cap was reached */
  ERR_LAUNCH = 5,        /* the process could not be started (see exit_code) */
  ERR_VERSION = 6,       /* no common protocol version */
  ERR_FRAME = 7,         /* oversize, bad payload CRC, wrong version frame */
  ERR_INTERNAL = 8,
  ERR_TIMEOUT = 9,       /* a bounded wait ran out (disk, hello) */
};

struct frame {
  uint8_t type;
  uint8_t flags;
  uint32_t handle;
  uint32_t len;            /* payload length */
  const uint8_t *payload;  /* points into the decoder or into the caller's input;
                            valid until the next call and while that input is unchanged */
};

struct data_hdr {
  uint8_t stream;
  uint64_t offset;
  int64_t time_ns;
};

/* Outcome of frame_decoder_feed. */
enum frame_status {
  FRAME_NEED_MORE = 0,     /* all input consumed, no frame yet */
  FRAME_READY = 1,         /* *out holds a frame */
  FRAME_REJECTED = 2,      /* a frame with a valid header was dropped; see reject_* */
};

struct frame_decoder {
  /* counters (read by ping/stats) */
  uint64_t frames;         /* frames returned READY */
  uint64_t resyncs;        /* times the decoder lost sync and rescanned */
  uint64_t dropped_bytes;  /* bytes skipped while resyncing or skipping rejected frames */
  uint64_t rejected;       /* frames REJECTED */
  /* last rejection: ERR_FRAME with the reason text, and its header's handle */
  uint32_t reject_handle;
  const char *reject_reason;
  /* private */
  uint32_t state;
  uint32_t need;           /* payload bytes still to read, or to skip */
  uint32_t have;           /* bytes in buf */
  uint8_t buf[FRAME_HDR_LEN + FRAME_MAX_PAYLOAD + FRAME_PCRC_LEN];
};

void frame_decoder_init (struct frame_decoder *d);
/* Feeds up to len bytes. Sets *consumed to the bytes used (call again with the
 * rest). Never allocates; any split of the input gives the same frames. */
enum frame_status frame_decoder_feed (struct frame_decoder *d, const uint8_t *in, size_t len,
                                      size_t *consumed, struct frame *out);

/* Writes the 20-byte header for a payload of len bytes. */
void frame_header_encode (uint8_t hdr[FRAME_HDR_LEN], uint8_t type, uint8_t flags, uint32_t handle,
                          uint32_t len);
void data_hdr_encode (uint8_t out[DATA_HDR_LEN], const struct data_hdr *h);
/* Returns 0, or -1 if the payload is shorter than the sub-header or the stream is unknown. */
int data_hdr_decode (const uint8_t *payload, uint32_t len, struct data_hdr *h);

uint32_t crc32c (uint32_t crc, const void *buf, size_t len); /* crc32c(0, p, n) for a fresh CRC */

#endif
