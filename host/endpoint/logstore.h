/* The container's log (docs/endpoint.md, "The log"): what the endpoint's own
 * attachment receives from the primary, kept so that every byte comes back
 * exactly (invalid UTF-8 and NULs too) and the two streams interleave by the
 * guest's time.
 *
 * containers/ID/log/ holds numbered sets N = 1, 2, ...; the highest is written:
 *   N.stdout, N.stderr  the raw bytes of each stream, as the container wrote them
 *   N.index             a header, then one record per data frame written
 * Both are LOG_REC_LEN bytes, little-endian:
 *   header  "TLI1", 4 zero bytes, stdout offset (u64), stderr offset (u64):
 *           the absolute stream offsets the set's bytes files start at
 *   record  stream (1 = stdout, 2 = stderr), 3 zero bytes, length (u32),
 *           absolute stream offset (u64), guest CLOCK_REALTIME ns when the
 *           tether read the bytes (i64)
 * Order on disk: bytes, then the record, then the ack (the caller's), so the
 * bytes files are never behind the index and base + their length is the offset
 * to resume each stream from: no state file, no fsync per ack.
 *
 * Rotation is docker json-file's max-size/max-file: before a write, once the
 * current set's bytes (both streams, as docker's one file holds both) reach
 * max_size, set N+1 is started and sets at or below N+1-max_file are removed. */
#ifndef TETHER_EP_LOGSTORE_H
#define TETHER_EP_LOGSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "terr.h"

#define LOG_REC_LEN 24
#define LOG_SUBDIR "log"
#define LOG_DIR_MAX 4200
#define LOG_MAX_FILE 10000           /* max-file cap: a set is three files */

struct log_rec {
  uint8_t stream;
  uint32_t len;
  uint64_t offset;
  int64_t time_ns;
};

void log_rec_encode (uint8_t out[LOG_REC_LEN], const struct log_rec *r);
void log_rec_decode (const uint8_t in[LOG_REC_LEN], struct log_rec *r);
void log_hdr_encode (uint8_t out[LOG_REC_LEN], const uint64_t base[3]);
/* base[1], base[2] from a header; -1 if in is not one. */
int log_hdr_decode (const uint8_t in[LOG_REC_LEN], uint64_t base[3]);
/* "DIR/N.ext"; -1 if it does not fit. */
int log_path (char *buf, size_t cap, const char *dir, uint32_t seq, const char *ext);
/* The set a name in log/ belongs to ("12.index" -> 12, *ext "index"), or 0. */
uint32_t log_name_seq (const char *name, const char **ext);
/* The file extension of a stream's bytes ("stdout", "stderr"). */
const char *log_stream_ext (uint8_t stream);

struct logstore {
  char dir[LOG_DIR_MAX];           /* containers/ID/log */
  uint64_t max_size;               /* 0: never rotate */
  uint32_t max_file;               /* sets kept, the current one included (>= 1) */
  uint32_t seq;                    /* the current set */
  int fd[3];                       /* [STREAM_STDOUT], [STREAM_STDERR]: its bytes */
  int index_fd;
  uint64_t base[3];                /* the offsets the current set starts at */
  uint64_t next[3];                /* the offset of each stream's next byte */
  uint64_t index_len;              /* bytes in the current index */
  int64_t last_ns;                 /* the time of the last record */
  bool said_rotate;                /* a failed rotation is logged once */
};

/* Opens (creating it if new) the log under ctr_dir and makes the current set
 * consistent with its bytes: a torn record or records past the bytes are cut
 * off, bytes with no record get one (time: the last known). ls->next then holds
 * each stream's resume offset. max_file 0 counts as 1. */
int logstore_open (struct logstore *ls, const char *ctr_dir, uint64_t max_size, uint32_t max_file,
                   struct terr *err);
/* Appends len bytes of stream read at time_ns; offset must be ls->next[stream].
 * On -1 nothing is counted as written (the caller must not ack it); a retry of
 * the same offset overwrites whatever part reached the file. A rotation that
 * fails is logged (warn) and the write goes to the current set. */
int logstore_write (struct logstore *ls, uint8_t stream, uint64_t offset, int64_t time_ns, const uint8_t *p,
                    uint32_t len, void (*warn) (const char *msg), struct terr *err);
void logstore_close (struct logstore *ls);

/* A reader's pread of a stream at an absolute offset, from whichever set holds
 * it (the one with the highest start at or below offset): up to cap bytes, which
 * may end at its set's end (read again from there). 0 when the log has no byte
 * at offset (rotated away, or not written yet); -1 with err on an I/O error. */
ssize_t logstore_pread (const char *ctr_dir, uint8_t stream, uint64_t offset, uint8_t *buf, size_t cap,
                        struct terr *err);

#endif
