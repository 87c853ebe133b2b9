#include "logstore.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"
#include "frame.h"

#define HDR_MAGIC "TLI1"
/* A tail record covers at most this much: a record's length is 32 bits. */
#define TAIL_CHUNK (1u << 30)

static void put_le (uint8_t *p, uint64_t v, int n)
{
  for (int i = 0; i < n; i++)
    p[i] = (uint8_t) (v >> (8 * i));
}

static uint64_t get_le (const uint8_t *p, int n)
{
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

void log_rec_encode (uint8_t out[LOG_REC_LEN], const struct log_rec *r)
{
  memset (out, 0, LOG_REC_LEN);
  out[0] = r->stream;
  put_le (out + 4, r->len, 4);
  put_le (out + 8, r->offset, 8);
  put_le (out + 16, (uint64_t) r->time_ns, 8);
}

void log_rec_decode (const uint8_t in[LOG_REC_LEN], struct log_rec *r)
{
  r->stream = in[0];
  r->len = (uint32_t) get_le (in + 4, 4);
  r->offset = get_le (in + 8, 8);
  r->time_ns = (int64_t) get_le (in + 16, 8);
}

void log_hdr_encode (uint8_t out[LOG_REC_LEN], const uint64_t base[3])
{
  memset (out, 0, LOG_REC_LEN);
  memcpy (out, HDR_MAGIC, 4);
  put_le (out + 8, base[STREAM_STDOUT], 8);
  put_le (out + 16, base[STREAM_STDERR], 8);
}

int log_hdr_decode (const uint8_t in[LOG_REC_LEN], uint64_t base[3])
{
  if (memcmp (in, HDR_MAGIC, 4) != 0)
    return -1;
  base[STREAM_STDIN] = 0;
  base[STREAM_STDOUT] = get_le (in + 8, 8);
  base[STREAM_STDERR] = get_le (in + 16, 8);
  return 0;
}

int log_path (char *buf, size_t cap, const char *dir, uint32_t seq, const char *ext)
{
  int n = snprintf (buf, cap, "%s/%u.%s", dir, seq, ext);
  return n < 0 || (size_t) n >= cap ? -1 : 0;
}

uint32_t log_name_seq (const char *name, const char **ext)
{
  uint64_t v = 0;
  const char *p = name;
  if (*p < '1' || *p > '9')
    return 0; /* no leading zeros: one name per set */
  for (; *p >= '0' && *p <= '9'; p++)
    if ((v = v * 10 + (uint64_t) (*p - '0')) > UINT32_MAX)
      return 0;
  if (*p != '.')
    return 0;
  if (ext)
    *ext = p + 1;
  return (uint32_t) v;
}

const char *log_stream_ext (uint8_t stream)
{
  return stream == STREAM_STDERR ? "stderr" : "stdout";
}

static int open_in (const struct logstore *ls, uint32_t seq, const char *ext, int flags)
{
  char p[LOG_DIR_MAX + 32];
  if (log_path (p, sizeof p, ls->dir, seq, ext) < 0)
    return errno = ENAMETOOLONG, -1;
  return open (p, O_RDWR | O_CLOEXEC | flags, 0600);
}

/* The two highest sets (those with an index) in the directory; 0: none. */
static void top_sets (const char *dir, uint32_t *top, uint32_t *prev)
{
  *top = *prev = 0;
  DIR *d = opendir (dir);
  if (d == NULL)
    return;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      const char *ext;
      uint32_t s = log_name_seq (de->d_name, &ext);
      if (s == 0 || strcmp (ext, "index") != 0)
        continue;
      if (s > *top)
        *prev = *top, *top = s;
      else if (s > *prev)
        *prev = s;
    }
  closedir (d);
}

static void close_set (struct logstore *ls)
{
  for (int i = 0; i < 3; i++)
    if (ls->fd[i] >= 0)
      close (ls->fd[i]), ls->fd[i] = -1;
  if (ls->index_fd >= 0)
    close (ls->index_fd), ls->index_fd = -1;
}

/* Starts set seq at the offsets base: the index (with its header) first, so a
 * set that has bytes always has an index. On failure the current set stays. */
static int start_set (struct logstore *ls, uint32_t seq, const uint64_t base[3], struct terr *err)
{
  uint8_t hdr[LOG_REC_LEN];
  log_hdr_encode (hdr, base);
  int ix = open_in (ls, seq, "index", O_CREAT | O_TRUNC);
  if (ix < 0 || fd_pwrite_all (ix, hdr, sizeof hdr, 0) < 0)
    {
      terr_set (err, errno, "create %s/%u.index", ls->dir, seq);
      if (ix >= 0)
        close (ix);
      return -1;
    }
  int out = open_in (ls, seq, "stdout", O_CREAT | O_TRUNC);
  int er = out < 0 ? -1 : open_in (ls, seq, "stderr", O_CREAT | O_TRUNC);
  if (er < 0)
    {
      terr_set (err, errno, "create %s/%u.std*", ls->dir, seq);
      if (out >= 0)
        close (out);
      close (ix);
      char p[LOG_DIR_MAX + 32];
      if (log_path (p, sizeof p, ls->dir, seq, "index") == 0)
        unlink (p);
      return -1;
    }
  close_set (ls);
  ls->seq = seq;
  ls->index_fd = ix;
  ls->fd[STREAM_STDOUT] = out;
  ls->fd[STREAM_STDERR] = er;
  memcpy (ls->base, base, sizeof ls->base);
  memcpy (ls->next, base, sizeof ls->next);
  ls->index_len = LOG_REC_LEN;
  return 0;
}

/* Removes every set at or below the cutoff (and stray files of such sets left
 * by a crash during an earlier removal). */
static void remove_sets_upto (struct logstore *ls, uint32_t cutoff)
{
  DIR *d = opendir (ls->dir);
  if (d == NULL)
    return;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      uint32_t s = log_name_seq (de->d_name, NULL);
      if (s != 0 && s <= cutoff)
        unlinkat (dirfd (d), de->d_name, 0);
    }
  closedir (d);
}

static uint64_t file_len (int fd, int64_t *mtime_ns)
{
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0)
    return 0;
  if (mtime_ns && (int64_t) st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec > *mtime_ns)
    *mtime_ns = (int64_t) st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
  return (uint64_t) st.st_size;
}

/* Where set seq ends, per stream: its header's offsets plus its bytes. */
static void set_end (struct logstore *ls, uint32_t seq, uint64_t end[3])
{
  memset (end, 0, 3 * sizeof end[0]);
  if (seq == 0)
    return;
  uint8_t hdr[LOG_REC_LEN];
  int ix = open_in (ls, seq, "index", 0);
  if (ix >= 0 && pread (ix, hdr, sizeof hdr, 0) == (ssize_t) sizeof hdr)
    log_hdr_decode (hdr, end);
  if (ix >= 0)
    close (ix);
  for (uint8_t st = STREAM_STDOUT; st <= STREAM_STDERR; st++)
    {
      int fd = open_in (ls, seq, log_stream_ext (st), 0);
      end[st] += file_len (fd, NULL);
      if (fd >= 0)
        close (fd);
    }
}

/* A record fits if it continues its stream exactly and its bytes are on disk. */
static bool rec_fits (const struct log_rec *r, const uint64_t expect[3], const uint64_t end[3])
{
  if (r->stream != STREAM_STDOUT && r->stream != STREAM_STDERR)
    return false;
  return r->offset == expect[r->stream] && r->len <= end[r->stream] - r->offset;
}

/* Makes the current index agree with the bytes (see logstore_open). */
static int reconcile (struct logstore *ls, struct terr *err)
{
  int64_t mtime = 0;
  uint64_t end[3] = { 0 }, expect[3];
  for (uint8_t st = STREAM_STDOUT; st <= STREAM_STDERR; st++)
    end[st] = ls->base[st] + file_len (ls->fd[st], &mtime);
  memcpy (expect, ls->base, sizeof expect);
  uint64_t pos = LOG_REC_LEN;
  bool have_time = false, cut = false;
  int64_t last = 0;
  uint8_t buf[LOG_REC_LEN * 256];
  while (!cut)
    {
      ssize_t n = pread (ls->index_fd, buf, sizeof buf, (off_t) pos);
      if (n < 0)
        return terr_set (err, errno, "read %s/%u.index", ls->dir, ls->seq);
      if (n < LOG_REC_LEN)
        break; /* the end, or a torn record */
      for (ssize_t i = 0; i + LOG_REC_LEN <= n; i += LOG_REC_LEN)
        {
          struct log_rec r;
          log_rec_decode (buf + i, &r);
          if (!rec_fits (&r, expect, end))
            {
              cut = true; /* records past the bytes: the rest is rebuilt below */
              break;
            }
          expect[r.stream] += r.len;
          last = r.time_ns;
          have_time = true;
          pos += LOG_REC_LEN;
        }
    }
  if (ftruncate (ls->index_fd, (off_t) pos) < 0)
    return terr_set (err, errno, "truncate %s/%u.index", ls->dir, ls->seq);
  ls->index_len = pos;
  /* bytes no record covers (the endpoint died between the two writes): one
   * record with the last time known, else the time the bytes were written */
  ls->last_ns = have_time ? last : mtime;
  for (uint8_t st = STREAM_STDOUT; st <= STREAM_STDERR; st++)
    {
      while (expect[st] < end[st])
        {
          uint64_t rest = end[st] - expect[st];
          struct log_rec r = { st, (uint32_t) (rest < TAIL_CHUNK ? rest : TAIL_CHUNK), expect[st], ls->last_ns };
          uint8_t rec[LOG_REC_LEN];
          log_rec_encode (rec, &r);
          if (fd_pwrite_all (ls->index_fd, rec, sizeof rec, (off_t) ls->index_len) < 0)
            return terr_set (err, errno, "write %s/%u.index", ls->dir, ls->seq);
          ls->index_len += LOG_REC_LEN;
          expect[st] += r.len;
        }
      ls->next[st] = end[st];
    }
  return 0;
}

int logstore_open (struct logstore *ls, const char *ctr_dir, uint64_t max_size, uint32_t max_file,
                   struct terr *err)
{
  memset (ls, 0, sizeof *ls);
  ls->fd[0] = ls->fd[1] = ls->fd[2] = ls->index_fd = -1;
  ls->max_size = max_size;
  ls->max_file = max_file ? max_file : 1;
  int n = snprintf (ls->dir, sizeof ls->dir, "%s/" LOG_SUBDIR, ctr_dir);
  if (n < 0 || (size_t) n >= sizeof ls->dir)
    return terr_set (err, ENAMETOOLONG, "log directory under %s", ctr_dir);
  if (mkdir (ls->dir, 0700) < 0 && errno != EEXIST)
    return terr_set (err, errno, "mkdir %s", ls->dir);
  uint32_t top, prev;
  top_sets (ls->dir, &top, &prev);
  if (top == 0)
    return start_set (ls, 1, (const uint64_t[3]) { 0, 0, 0 }, err);
  ls->seq = top;
  ls->index_fd = open_in (ls, top, "index", 0);
  for (uint8_t st = STREAM_STDOUT; st <= STREAM_STDERR && ls->index_fd >= 0; st++)
    if ((ls->fd[st] = open_in (ls, top, log_stream_ext (st), O_CREAT)) < 0)
      break;
  if (ls->index_fd < 0 || ls->fd[STREAM_STDOUT] < 0 || ls->fd[STREAM_STDERR] < 0)
    {
      terr_set (err, errno, "open %s/%u.*", ls->dir, top);
      close_set (ls);
      return -1;
    }
  uint8_t hdr[LOG_REC_LEN];
  if (pread (ls->index_fd, hdr, sizeof hdr, 0) != (ssize_t) sizeof hdr || log_hdr_decode (hdr, ls->base) < 0)
    {
      /* torn at its creation: the set starts where the one before it ends */
      set_end (ls, prev, ls->base);
      log_hdr_encode (hdr, ls->base);
      if (ftruncate (ls->index_fd, 0) < 0 || fd_pwrite_all (ls->index_fd, hdr, sizeof hdr, 0) < 0)
        {
          terr_set (err, errno, "write %s/%u.index", ls->dir, top);
          close_set (ls);
          return -1;
        }
    }
  if (reconcile (ls, err) < 0)
    {
      close_set (ls);
      return -1;
    }
  return 0;
}

static void maybe_rotate (struct logstore *ls, void (*warn) (const char *msg))
{
  uint64_t held = (ls->next[STREAM_STDOUT] - ls->base[STREAM_STDOUT])
                  + (ls->next[STREAM_STDERR] - ls->base[STREAM_STDERR]);
  if (ls->max_size == 0 || held < ls->max_size || ls->seq == UINT32_MAX)
    return;
  struct terr err;
  if (start_set (ls, ls->seq + 1, ls->next, &err) < 0)
    {
      /* keep writing where we are: a log past its size beats a lost byte */
      if (!ls->said_rotate && warn)
        warn (err.msg);
      ls->said_rotate = true;
      return;
    }
  ls->said_rotate = false;
  if (ls->seq > ls->max_file)
    remove_sets_upto (ls, ls->seq - ls->max_file);
}

int logstore_write (struct logstore *ls, uint8_t stream, uint64_t offset, int64_t time_ns, const uint8_t *p,
                    uint32_t len, void (*warn) (const char *msg), struct terr *err)
{
  if ((stream != STREAM_STDOUT && stream != STREAM_STDERR) || offset != ls->next[stream])
    return terr_set (err, EINVAL, "log: stream %u offset %llu, expected %llu", stream,
                     (unsigned long long) offset,
                     (unsigned long long) (stream <= STREAM_STDERR ? ls->next[stream] : 0));
  if (ls->index_fd < 0)
    return terr_set (err, EBADF, "log %s is not open", ls->dir);
  maybe_rotate (ls, warn);
  if (fd_pwrite_all (ls->fd[stream], p, len, (off_t) (offset - ls->base[stream])) < 0)
    return terr_set (err, errno, "write %s/%u.%s", ls->dir, ls->seq, log_stream_ext (stream));
  uint8_t rec[LOG_REC_LEN];
  log_rec_encode (rec, &(struct log_rec) { stream, len, offset, time_ns });
  if (fd_pwrite_all (ls->index_fd, rec, sizeof rec, (off_t) ls->index_len) < 0)
    return terr_set (err, errno, "write %s/%u.index", ls->dir, ls->seq);
  ls->index_len += LOG_REC_LEN;
  ls->next[stream] += len;
  ls->last_ns = time_ns;
  return 0;
}

void logstore_close (struct logstore *ls)
{
  close_set (ls);
}

/* The start of set seq's stream from its index header, or -1. */
static int set_base (const char *dir, uint32_t seq, uint8_t stream, uint64_t *base)
{
  char p[LOG_DIR_MAX + 32];
  uint8_t hdr[LOG_REC_LEN];
  uint64_t b[3];
  if (log_path (p, sizeof p, dir, seq, "index") < 0)
    return -1;
  int fd = open (p, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  int r = pread (fd, hdr, sizeof hdr, 0) == (ssize_t) sizeof hdr && log_hdr_decode (hdr, b) == 0 ? 0 : -1;
  close (fd);
  *base = b[stream];
  return r;
}

ssize_t logstore_pread (const char *ctr_dir, uint8_t stream, uint64_t offset, uint8_t *buf, size_t cap,
                        struct terr *err)
{
  char dir[LOG_DIR_MAX], p[LOG_DIR_MAX + 32];
  if (snprintf (dir, sizeof dir, "%s/" LOG_SUBDIR, ctr_dir) >= (int) sizeof dir)
    return terr_set (err, ENAMETOOLONG, "%s", ctr_dir);
  DIR *d = opendir (dir);
  if (d == NULL)
    return terr_set (err, errno, "%s", dir);
  uint32_t best = 0;
  uint64_t best_base = 0, base;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      const char *ext;
      uint32_t seq = log_name_seq (de->d_name, &ext);
      if (seq == 0 || strcmp (ext, "index") != 0 || set_base (dir, seq, stream, &base) < 0 || base > offset)
        continue;
      if (best == 0 || base > best_base || (base == best_base && seq > best))
        best = seq, best_base = base;
    }
  closedir (d);
  if (best == 0 || log_path (p, sizeof p, dir, best, log_stream_ext (stream)) < 0)
    return 0;
  int fd = open (p, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return terr_set (err, errno, "%s", p);
  ssize_t n = pread (fd, buf, cap, (off_t) (offset - best_base));
  int e = errno;
  close (fd);
  return n < 0 ? terr_set (err, e, "read %s", p) : n;
}
