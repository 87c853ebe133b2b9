/* logs [-f] [-t] [--since T] [--until T] [--tail N] ID without -H: the
 * container's output from the endpoint's log (host/endpoint/logstore.h), stdout
 * bytes to stdout and stderr bytes to stderr, exactly as written.
 *
 * Both streams are read through one cursor each over the log's sets, oldest
 * first, and merged a line at a time by the time of each line's first byte (a
 * line split across data frames keeps the time it began), so with -t, or with
 * 2>&1, the two interleave as the container wrote them. --tail counts lines of
 * both streams together, as docker does; --since/--until filter lines by that
 * same time. A short-lived CLI: -f polls the log every 100 ms. */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "epspawn.h"
#include "fdio.h"
#include "frame.h"
#include "logstore.h"
#include "timefmt.h"
#include "vmrun.h"
#include "vmstate.h"

#define LOGS_POLL_MS 100
#define LOGS_ENSURE_ROUNDS 10  /* -f: every second, a dead endpoint is replaced */
#define LOGS_CHUNK 65536

struct lopts {
  bool follow, timestamps;
  int64_t since_ns, until_ns;   /* lines outside [since, until] are left out */
  int64_t tail;                 /* -1: all */
};

/* One stream's place in the log. */
struct cur {
  uint8_t stream;
  const char *dir;
  uint32_t seq;                 /* the set being read; 0: none yet */
  int ix_fd, dat_fd;
  uint64_t base;                /* the set's first offset of this stream */
  uint64_t ix_pos;              /* the next index byte to read */
  uint8_t ibuf[LOG_REC_LEN * 256];
  size_t ilen, ioff;
  struct log_rec rec;           /* the record being copied */
  uint32_t used;                /* of its bytes, already taken */
  bool have;
  bool mid_line;                /* the last byte taken was not a newline */
  int64_t line_ns;              /* when the current line began */
  bool line_out;                /* the current line is printed */
};

/* Output: one buffer, flushed whenever the stream changes, so the order of the
 * two streams holds even when both go to the same file. */
struct out {
  int fd;
  size_t n;
  uint8_t b[LOGS_CHUNK];
};

/* --docker-frames (tetherd's logs route): both streams on stdout in docker's
 * multiplexed form, an 8-byte header [stream, 0, 0, 0, length big-endian] each. */
static bool docker_frames;

static int out_write (int fd, const uint8_t *p, size_t n)
{
  if (!docker_frames)
    return fd_write_all (fd, p, n);
  uint8_t h[8] = { (uint8_t) fd, 0, 0, 0, (uint8_t) (n >> 24), (uint8_t) (n >> 16), (uint8_t) (n >> 8), (uint8_t) n };
  return fd_write_all (STDOUT_FILENO, h, sizeof h) < 0 ? -1 : fd_write_all (STDOUT_FILENO, p, n);
}

static int out_flush (struct out *o)
{
  int r = o->n ? out_write (o->fd, o->b, o->n) : 0;
  o->n = 0;
  return r;
}

static int out_put (struct out *o, int fd, const void *p, size_t n)
{
  if (fd != o->fd || o->n + n > sizeof o->b)
    {
      if (out_flush (o) < 0)
        return -1;
      o->fd = fd;
    }
  if (n >= sizeof o->b)
    return out_write (fd, p, n);
  memcpy (o->b + o->n, p, n);
  o->n += n;
  return 0;
}

/* The lowest set above `after` that has an index; 0: none (yet). */
static uint32_t next_set (const char *dir, uint32_t after)
{
  uint32_t best = 0;
  DIR *d = opendir (dir);
  if (d == NULL)
    return 0;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      const char *ext;
      uint32_t s = log_name_seq (de->d_name, &ext);
      if (s > after && (best == 0 || s < best) && strcmp (ext, "index") == 0)
        best = s;
    }
  closedir (d);
  return best;
}

static void cur_close (struct cur *c)
{
  if (c->ix_fd >= 0)
    close (c->ix_fd);
  if (c->dat_fd >= 0)
    close (c->dat_fd);
  c->ix_fd = c->dat_fd = -1;
}

/* Moves to set seq: 0, or -1 while its header is still being written (looked
 * at again on the next round). A set rotated away meanwhile leaves ix_fd -1,
 * and the look for a later set moves past it. */
static int cur_open (struct cur *c, uint32_t seq)
{
  char p[LOG_DIR_MAX + 32];
  uint8_t hdr[LOG_REC_LEN];
  uint64_t base[3];
  cur_close (c);
  if (log_path (p, sizeof p, c->dir, seq, "index") < 0)
    return -1;
  int ix = open (p, O_RDONLY | O_CLOEXEC);
  if (ix >= 0 && (pread (ix, hdr, sizeof hdr, 0) != (ssize_t) sizeof hdr || log_hdr_decode (hdr, base) < 0))
    {
      close (ix);
      return -1;
    }
  c->seq = seq;
  c->ix_pos = LOG_REC_LEN;
  c->ilen = c->ioff = 0;
  if ((c->ix_fd = ix) < 0)
    return 0;
  c->base = base[c->stream];
  if (log_path (p, sizeof p, c->dir, seq, log_stream_ext (c->stream)) == 0)
    c->dat_fd = open (p, O_RDONLY | O_CLOEXEC);
  return 0;
}

/* Reads more whole records of the current index; false at its end. */
static bool cur_refill (struct cur *c)
{
  if (c->ix_fd < 0)
    return false;
  ssize_t n = pread (c->ix_fd, c->ibuf, sizeof c->ibuf, (off_t) c->ix_pos);
  if (n < LOG_REC_LEN)
    return false; /* the end, or a record still being written */
  c->ilen = (size_t) n / LOG_REC_LEN * LOG_REC_LEN;
  c->ioff = 0;
  c->ix_pos += c->ilen;
  return true;
}

/* True when c has bytes to take now (c->rec, past c->used). */
static bool cur_fill (struct cur *c)
{
  for (;;)
    {
      if (c->have && c->used < c->rec.len)
        return true;
      c->have = false;
      if (c->ioff + LOG_REC_LEN <= c->ilen)
        {
          log_rec_decode (c->ibuf + c->ioff, &c->rec);
          c->ioff += LOG_REC_LEN;
          c->used = 0;
          c->have = c->rec.stream == c->stream && c->rec.len > 0;
          continue;
        }
      if (cur_refill (c))
        continue;
      /* A later set means this one is final; what it got before the rotation
       * is read first. */
      uint32_t s = next_set (c->dir, c->seq);
      if (s == 0 || cur_refill (c))
        {
          if (s == 0)
            return false;
          continue;
        }
      if (cur_open (c, s) < 0)
        return false;
    }
}

struct walk {
  const struct lopts *o;
  struct out *out;
  bool counting;                /* the --tail pass: count lines, print nothing */
  uint64_t lines;               /* lines counted */
  uint64_t skip;                /* lines still to leave out for --tail */
  bool past_until;
};

/* Takes one line of c, or what of it the log holds so far. -1 on a write error. */
static int take_line (struct cur *c, struct walk *w)
{
  if (!c->mid_line)
    {
      c->line_ns = c->rec.time_ns;
      if (c->line_ns > w->o->until_ns)
        {
          w->past_until = true; /* lines are taken in time order: nothing later fits */
          return 0;
        }
      bool in = c->line_ns >= w->o->since_ns;
      c->line_out = in && !w->counting && w->skip == 0;
      if (in && w->counting)
        w->lines++;
      else if (in && w->skip > 0)
        w->skip--;
      if (c->line_out && w->o->timestamps)
        {
          char t[RFC3339_LEN + 1];
          fmt_rfc3339 (c->line_ns, t);
          strcat (t, " ");
          if (out_put (w->out, c->stream, t, strlen (t)) < 0)
            return -1;
        }
    }
  static uint8_t buf[LOGS_CHUNK];
  while (cur_fill (c))
    {
      uint32_t want = c->rec.len - c->used < sizeof buf ? c->rec.len - c->used : (uint32_t) sizeof buf;
      ssize_t n = c->dat_fd < 0 ? -1 : pread (c->dat_fd, buf, want, (off_t) (c->rec.offset - c->base + c->used));
      if (n <= 0)
        {
          c->used = c->rec.len; /* bytes the index names but the file lacks: skipped */
          continue;
        }
      uint8_t *nl = memchr (buf, '\n', (size_t) n);
      size_t take = nl ? (size_t) (nl - buf) + 1 : (size_t) n;
      if (c->line_out && out_put (w->out, c->stream, buf, take) < 0)
        return -1;
      c->used += (uint32_t) take;
      if (nl)
        {
          c->mid_line = false;
          return 0;
        }
    }
  c->mid_line = true;
  return 0;
}

/* Takes every line the log holds now, both streams by time. */
static int drain (struct cur c[2], struct walk *w)
{
  while (!w->past_until)
    {
      bool a = cur_fill (&c[0]), b = cur_fill (&c[1]);
      if (!a && !b)
        return 0;
      int i = a ? 0 : 1;
      if (a && b)
        {
          int64_t ta = c[0].mid_line ? c[0].line_ns : c[0].rec.time_ns;
          int64_t tb = c[1].mid_line ? c[1].line_ns : c[1].rec.time_ns;
          i = tb < ta ? 1 : 0;
        }
      if (take_line (&c[i], w) < 0)
        return -1;
    }
  return 0;
}

static void cur_init (struct cur c[2], const char *dir)
{
  for (int i = 0; i < 2; i++)
    {
      cur_close (&c[i]);
      memset (&c[i], 0, sizeof c[i]);
      c[i].stream = (uint8_t) (i ? STREAM_STDERR : STREAM_STDOUT);
      c[i].dir = dir;
      c[i].ix_fd = c[i].dat_fd = -1;
    }
}

static int logs_usage (void)
{
  fputs ("Usage: tetherctl logs [OPTIONS] CONTAINER\n\n"
         "The container's output as its endpoint logged it: stdout on stdout, stderr on stderr.\n\n"
         "Options:\n"
         "  -f, --follow         keep writing new output until the container ends\n"
         "  -t, --timestamps     prefix each line with the time it began (RFC 3339, 9 digits)\n"
         "      --since T        lines from T on (2013-01-02T13:23:37Z, Unix seconds, or 42m ago)\n"
         "      --until T        lines up to T (the same forms)\n"
         "  -n, --tail N         the last N lines of both streams (default all)\n"
         "      --docker-frames  both streams on stdout in docker's multiplexed frames (for tetherd)\n"
         "      --help           print this help\n",
         stdout);
  return 0;
}

static int parse (int argc, char **argv, struct lopts *o)
{
  enum { O_SINCE = 256, O_UNTIL, O_HELP, O_FRAMES };
  static const struct option longs[] = {
    { "follow", no_argument, NULL, 'f' },        { "timestamps", no_argument, NULL, 't' },
    { "since", required_argument, NULL, O_SINCE }, { "until", required_argument, NULL, O_UNTIL },
    { "tail", required_argument, NULL, 'n' },    { "help", no_argument, NULL, O_HELP },
    { "docker-frames", no_argument, NULL, O_FRAMES },
    { NULL, 0, NULL, 0 },
  };
  *o = (struct lopts) { .since_ns = INT64_MIN, .until_ns = INT64_MAX, .tail = -1 };
  int64_t now = now_real_ns ();
  optind = 0;
  opterr = 0;
  int ch;
  while ((ch = getopt_long (argc, argv, "+:ftn:", longs, NULL)) != -1)
    switch (ch)
      {
      case 'f': o->follow = true; break;
      case 't': o->timestamps = true; break;
      case O_SINCE:
      case O_UNTIL:
        if (parse_docker_time (optarg, now, ch == O_SINCE ? &o->since_ns : &o->until_ns) < 0)
          return cli_err ("logs: invalid %s value %s: want an RFC 3339 time, Unix seconds or a duration such as 10m",
                          ch == O_SINCE ? "--since" : "--until", optarg), -1;
        break;
      case 'n':
        /* docker: "all", or a negative number, is everything */
        if (strcmp (optarg, "all") == 0 || (optarg[0] == '-' && cli_parse_uint (optarg + 1, 1 << 30) >= 0))
          o->tail = -1;
        else if ((o->tail = cli_parse_uint (optarg, 1 << 30)) < 0)
          return cli_err ("logs: invalid --tail %s: want a number of lines or all", optarg), -1;
        break;
      case O_HELP: return logs_usage (), 0;
      case O_FRAMES: docker_frames = true; break;
      case ':': return cli_err ("logs: option %s needs a value", argv[optind - 1]), -1;
      default: return cli_err ("logs: unknown option %s (see tetherctl logs --help)", argv[optind - 1]), -1;
      }
  if (optind != argc - 1)
    return cli_err ("logs: give one container (see tetherctl logs --help)"), -1;
  return optind;
}

int vm_cli_logs (int argc, char **argv)
{
  struct lopts o;
  int k = parse (argc, argv, &o);
  if (k <= 0)
    return k == 0 ? 0 : CLI_FAIL;
  char id[65];
  if (!vm_resolve (argv[k], id))
    return CLI_FAIL;
  struct vm_ctr v;
  struct terr err;
  if (vm_ctr_paths (&v, id, &err) < 0)
    return cli_err ("%s", err.msg), CLI_FAIL;
  /* a VM whose endpoint died gets a new one, which completes the log */
  char addr[VM_SOCK_MAX + 8];
  endpoint_ensure (id, addr, sizeof addr);
  static char dir[LOG_DIR_MAX];
  snprintf (dir, sizeof dir, "%s/" LOG_SUBDIR, v.dir);
  static struct cur c[2];
  static struct out out;
  struct walk w = { .o = &o, .out = &out };
  c[0].ix_fd = c[0].dat_fd = c[1].ix_fd = c[1].dat_fd = -1;
  if (o.tail >= 0)
    {
      /* the tail of the lines there are now: count them, then skip the rest */
      cur_init (c, dir);
      w.counting = true;
      drain (c, &w);
      w.skip = w.lines > (uint64_t) o.tail ? w.lines - (uint64_t) o.tail : 0;
      w.counting = w.past_until = false;
    }
  cur_init (c, dir);
  for (int round = 1;; round++)
    {
      if (o.follow && round % LOGS_ENSURE_ROUNDS == 0)
        endpoint_ensure (id, addr, sizeof addr); /* following across an endpoint's death */
      /* Whether it ended is read before the log, so nothing written before the
       * end is missed by the last round. */
      int code, state = o.follow ? vm_load_exit (id, &code) : 0; /* 0 ended, 1 running, -1 unreadable */
      if (drain (c, &w) < 0 || out_flush (&out) < 0)
        return CLI_FAIL; /* the reader went away */
      if (state != 1 || w.past_until)
        return 0;
      struct timespec ts = { 0, LOGS_POLL_MS * 1000 * 1000 };
      nanosleep (&ts, NULL);
    }
}
