#include "fdio.h"
#include "session.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

/* Forwarded as docker's sig-proxy does. Not SIGCHLD, SIGPIPE, SIGURG (noise), not
 * SIGTSTP/SIGTTIN/SIGTTOU (job control stays local), and SIGWINCH is a resize. */
static const int forwarded_signals[] = {
  SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM, SIGVTALRM, SIGPROF, SIGPWR, SIGXCPU,
};

struct session {
  struct conn *c;
  struct session_opts o;
  int sig_fd;
  sigset_t old_mask;
  /* output: next offset expected and last acked, per stream (index STREAM_*) */
  uint64_t out_next[3];
  uint64_t out_acked[3];
  int out_fd[3];
  bool local_out_gone;       /* our stdout/stderr is a closed pipe */
  size_t keys_seen;          /* bytes of the detach keys typed so far (held back) */
  bool detached;
  /* stdin: ring of SESSION_STDIN_WINDOW bytes holding [in_acked, in_next) */
  uint8_t *in_ring;
  uint64_t in_acked;
  uint64_t in_next;
  bool in_eof;
  /* the end */
  bool has_exit;
  struct session_result res;
};

/* The local terminal, put back on every exit path (also from atexit). */
static struct termios term_saved;
static bool term_is_raw;

static void term_restore (void)
{
  if (term_is_raw)
    {
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &term_saved); /* best effort on the way out */
      term_is_raw = false;
    }
}

static int term_make_raw (struct terr *err)
{
  static bool registered;
  if (tcgetattr (STDIN_FILENO, &term_saved) < 0)
    return terr_set (err, errno, "tcgetattr");
  if (!registered)
    {
      if (atexit (term_restore) != 0)
        return terr_set (err, 0, "atexit");
      registered = true;
    }
  struct termios raw = term_saved;
  /* as docker (moby/term MakeRaw): output processing off too, since stdin and
   * stdout are one tty; the remote tty already turned \n into \r\n. Our own
   * error lines are printed after the terminal is restored. */
  cfmakeraw (&raw);
  if (tcsetattr (STDIN_FILENO, TCSADRAIN, &raw) < 0)
    return terr_set (err, errno, "tcsetattr raw");
  term_is_raw = true;
  return 0;
}

int session_winsize (uint32_t *rows, uint32_t *cols)
{
  struct winsize ws;
  if (!isatty (STDIN_FILENO) || ioctl (STDIN_FILENO, TIOCGWINSZ, &ws) < 0)
    return -1;
  *rows = ws.ws_row;
  *cols = ws.ws_col;
  return 0;
}

struct session *session_new (struct conn *c, const struct session_opts *o, struct terr *err)
{
  struct session *s = calloc (1, sizeof *s);
  if (s == NULL)
    {
      terr_set (err, ENOMEM, "session");
      return NULL;
    }
  s->c = c;
  s->o = *o;
  s->sig_fd = -1;
  s->out_fd[STREAM_STDIN] = -1;
  s->out_fd[STREAM_STDOUT] = STDOUT_FILENO;
  s->out_fd[STREAM_STDERR] = STDERR_FILENO;
  if (o->relay_stdin && (s->in_ring = malloc (SESSION_STDIN_WINDOW)) == NULL)
    {
      free (s);
      terr_set (err, ENOMEM, "stdin buffer");
      return NULL;
    }
  sigset_t set;
  sigemptyset (&set);
  for (size_t i = 0; i < sizeof forwarded_signals / sizeof forwarded_signals[0]; i++)
    sigaddset (&set, forwarded_signals[i]);
  sigaddset (&set, SIGWINCH);
  if (sigprocmask (SIG_BLOCK, &set, &s->old_mask) < 0)
    {
      terr_set (err, errno, "sigprocmask");
      free (s->in_ring);
      free (s);
      return NULL;
    }
  s->sig_fd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (s->sig_fd < 0)
    {
      terr_set (err, errno, "signalfd");
      session_free (s);
      return NULL;
    }
  return s;
}

void session_free (struct session *s)
{
  if (s == NULL)
    return;
  term_restore ();
  if (s->sig_fd >= 0)
    close (s->sig_fd);
  sigprocmask (SIG_SETMASK, &s->old_mask, NULL);
  free (s->in_ring);
  free (s);
}

void session_set_offsets (struct session *s, uint64_t stdout_off, uint64_t stderr_off,
                          uint64_t stdin_off)
{
  s->out_next[STREAM_STDOUT] = s->out_acked[STREAM_STDOUT] = stdout_off;
  s->out_next[STREAM_STDERR] = s->out_acked[STREAM_STDERR] = stderr_off;
  s->in_next = s->in_acked = stdin_off;
}

uint64_t session_out_next (const struct session *s, int stream)
{
  return s->out_next[stream];
}

static int write_out (struct session *s, int st, const uint8_t *p, size_t len, struct terr *err);

int session_out_fill (struct session *s, int stream, const uint8_t *p, size_t n, struct terr *err)
{
  if (write_out (s, stream, p, n, err) < 0)
    return -1;
  s->out_next[stream] += n;
  s->out_acked[stream] = s->out_next[stream];
  return 0;
}

void session_rebind (struct session *s, struct conn *c)
{
  s->c = c;
  s->out_acked[STREAM_STDOUT] = s->out_next[STREAM_STDOUT];
  s->out_acked[STREAM_STDERR] = s->out_next[STREAM_STDERR];
}

/* Queues a request whose reply (ok, or an error we can do nothing about) is
 * dropped when it arrives: signal, resize, close_stdin. */
static int send_oneway (struct session *s, Msg *m, struct terr *err)
{
  m->request_id = conn_new_request_id (s->c);
  return conn_queue_msg (s->c, m, err);
}

static int send_ack (struct session *s, struct terr *err)
{
  Ack a = ACK__INIT;
  a.handle = s->o.handle;
  a.stdout_offset = s->out_next[STREAM_STDOUT];
  a.stderr_offset = s->out_next[STREAM_STDERR];
  a.stdin_offset = s->in_acked;
  Msg m = MSG__INIT;
  m.body_case = MSG__BODY_ACK;
  m.ack = &a;
  s->out_acked[STREAM_STDOUT] = a.stdout_offset;
  s->out_acked[STREAM_STDERR] = a.stderr_offset;
  return conn_queue_msg (s->c, &m, err); /* unsolicited: request_id 0 */
}

static bool ack_due (const struct session *s, uint64_t threshold)
{
  for (int i = STREAM_STDOUT; i <= STREAM_STDERR; i++)
    if (s->out_next[i] - s->out_acked[i] >= threshold && s->out_next[i] != s->out_acked[i])
      return true;
  return false;
}

/* Writes all of buf to a local fd, waiting if it is non-blocking. Returns 0, or -1
 * with errno (EPIPE: the reader went away). */
static int write_local (int fd, const uint8_t *buf, size_t len)
{
  while (len > 0)
    {
      ssize_t n = fd_write (fd, buf, len);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        {
          struct pollfd p = { .fd = fd, .events = POLLOUT };
          if (poll (&p, 1, -1) < 0 && errno != EINTR)
            return -1;
          continue;
        }
      if (n < 0)
        return -1;
      buf += n;
      len -= (size_t) n;
    }
  return 0;
}

/* Our stdout or stderr; a reader that went away (EPIPE) ends the session later. */
static int write_out (struct session *s, int st, const uint8_t *p, size_t len, struct terr *err)
{
  if (s->o.docker_frames && !s->local_out_gone)
    {
      uint8_t h[8] = { (uint8_t) st, 0, 0, 0, (uint8_t) (len >> 24), (uint8_t) (len >> 16), (uint8_t) (len >> 8),
                       (uint8_t) len };
      if (write_local (s->out_fd[STREAM_STDOUT], h, sizeof h) < 0)
        s->local_out_gone = true; /* the client left */
      st = STREAM_STDOUT;
    }
  if (!s->local_out_gone && write_local (s->out_fd[st], p, len) < 0)
    {
      if (errno != EPIPE)
        return terr_set (err, errno, "write to %s", st == STREAM_STDOUT ? "stdout" : "stderr");
      s->local_out_gone = true;
    }
  return 0;
}

static int on_data (struct session *s, const struct conn_event *ev, struct terr *err)
{
  uint8_t st = ev->hdr.stream;
  if (ev->handle != s->o.handle || (st != STREAM_STDOUT && st != STREAM_STDERR))
    return 0;
  uint64_t off = ev->hdr.offset;
  uint64_t end = off + ev->len;
  if (end <= s->out_next[st])
    return 0; /* a resend of bytes we already have */
  const uint8_t *p = ev->bytes;
  size_t len = ev->len;
  if (off < s->out_next[st])
    {
      p += s->out_next[st] - off;
      len -= (size_t) (s->out_next[st] - off);
    }
  /* off > out_next would be a gap the contract rules out; write what we got */
  if (write_out (s, st, p, len, err) < 0)
    return -1;
  s->out_next[st] = end;
  if (ack_due (s, SESSION_ACK_EVERY))
    return send_ack (s, err);
  return 0;
}

static void on_exit_msg (struct session *s, const Exit *x)
{
  s->has_exit = true;
  s->res.exit_code = x->exit_code;
  snprintf (s->res.error, sizeof s->res.error, "%s", x->error ? x->error : "");
  /* everything before the finals came ahead of the exit on this connection */
  if (x->stdout_final > s->out_next[STREAM_STDOUT])
    s->out_next[STREAM_STDOUT] = x->stdout_final;
  if (x->stderr_final > s->out_next[STREAM_STDERR])
    s->out_next[STREAM_STDERR] = x->stderr_final;
}

int session_dispatch (void *ctx, const struct conn_event *ev, struct terr *err)
{
  struct session *s = ctx;
  if (ev->kind == CONN_EV_DATA)
    return on_data (s, ev, err);
  const Msg *m = ev->msg;
  switch (m->body_case)
    {
    case MSG__BODY_EXIT:
      if (m->exit->handle == s->o.handle && m->request_id == 0)
        on_exit_msg (s, m->exit);
      break;
    case MSG__BODY_ACK:
      if (m->ack->handle == s->o.handle && m->ack->stdin_offset > s->in_acked
          && m->ack->stdin_offset <= s->in_next)
        s->in_acked = m->ack->stdin_offset;
      break;
    default:
      /* replies to signal/resize/close_stdin, heartbeats, frame errors: nothing to do */
      break;
    }
  return 0;
}

static int forward_signal (struct session *s, int signo, struct terr *err)
{
  Msg m = MSG__INIT;
  if (signo == SIGWINCH)
    {
      Resize r = RESIZE__INIT;
      if (!s->o.tty || session_winsize (&r.rows, &r.cols) < 0)
        return 0;
      r.handle = s->o.handle;
      m.body_case = MSG__BODY_RESIZE;
      m.resize = &r;
      return send_oneway (s, &m, err);
    }
  Signal sg = SIGNAL__INIT;
  sg.id = (char *) s->o.signal_id;
  sg.signo = (uint32_t) signo;
  m.body_case = MSG__BODY_SIGNAL;
  m.signal = &sg;
  return send_oneway (s, &m, err);
}

static int on_signals (struct session *s, struct terr *err)
{
  struct signalfd_siginfo si;
  for (;;)
    {
      ssize_t n = fd_read (s->sig_fd, &si, sizeof si);
      if (n < 0 && errno == EAGAIN)
        return 0;
      if (n != (ssize_t) sizeof si)
        return terr_set (err, n < 0 ? errno : EIO, "read signalfd");
      if (forward_signal (s, (int) si.ssi_signo, err) < 0)
        return -1;
    }
}

static int close_stdin (struct session *s, struct terr *err)
{
  CloseStdin cs = CLOSE_STDIN__INIT;
  cs.handle = s->o.handle;
  cs.offset = s->in_next;
  Msg m = MSG__INIT;
  m.body_case = MSG__BODY_CLOSE_STDIN;
  m.close_stdin = &cs;
  s->in_eof = true;
  return send_oneway (s, &m, err);
}

int session_resume (struct session *s, uint64_t stdin_off, struct terr *err)
{
  if (stdin_off > s->in_acked && stdin_off <= s->in_next)
    s->in_acked = stdin_off;
  /* the window still holds [in_acked, in_next): send it again from there */
  for (uint64_t at = s->in_acked; at < s->in_next;)
    {
      size_t pos = (size_t) (at % SESSION_STDIN_WINDOW);
      uint64_t n = s->in_next - at;
      if (n > SESSION_STDIN_WINDOW - pos)
        n = SESSION_STDIN_WINDOW - pos;
      if (n > DATA_MAX)
        n = DATA_MAX;
      if (conn_queue_data (s->c, s->o.handle, STREAM_STDIN, at, s->in_ring + pos, (uint32_t) n, err) < 0)
        return -1;
      at += n;
    }
  return s->in_eof ? close_stdin (s, err) : 0;
}

static bool stdin_wanted (const struct session *s)
{
  return s->o.relay_stdin && !s->in_eof && !s->detached
         && s->in_next - s->in_acked + SESSION_MAX_KEYS < SESSION_STDIN_WINDOW
         && conn_out_pending (s->c) < SESSION_STDIN_WINDOW;
}

int session_parse_keys (const char *spec, uint8_t out[SESSION_MAX_KEYS])
{
  size_t n = 0;
  const char *p = spec;
  while (*p)
    {
      const char *end = strchr (p, ',');
      size_t len = end ? (size_t) (end - p) : strlen (p);
      if (n >= SESSION_MAX_KEYS)
        return -1;
      if (len == 1)
        out[n++] = (uint8_t) p[0];
      else if (len == 6 && strncmp (p, "ctrl-", 5) == 0
               && ((p[5] >= 'a' && p[5] <= 'z') || strchr ("@[\\]^_", p[5]) != NULL))
        out[n++] = (uint8_t) (p[5] >= 'a' && p[5] <= 'z' ? p[5] - 'a' + 1 : (p[5] - '@') & 0x1f);
      else
        return -1;
      p += len;
      if (*p == ',' && *++p == '\0')
        return -1; /* a trailing comma */
    }
  return (int) n;
}

/* Copies n fresh stdin bytes to out without the detach keys: bytes that may begin
 * the sequence are held back (across reads) until it completes (detach) or
 * breaks (they go as typed). out has room for n + SESSION_MAX_KEYS. */
static size_t scan_keys (struct session *s, const uint8_t *p, size_t n, uint8_t *out)
{
  const uint8_t *k = s->o.detach_keys;
  size_t nk = s->o.n_detach_keys, o = 0;
  for (size_t i = 0; i < n && !s->detached; i++)
    {
      if (p[i] == k[s->keys_seen])
        {
          if (++s->keys_seen == nk)
            s->detached = true;
          continue;
        }
      memcpy (out + o, k, s->keys_seen); /* the held bytes were the keys' first ones */
      o += s->keys_seen;
      s->keys_seen = 0;
      if (p[i] == k[0] && nk > 1)
        s->keys_seen = 1;
      else
        out[o++] = p[i];
    }
  return o;
}

/* Appends n bytes to the stdin window (wrapping) and sends them; the caller
 * checked the room. */
static int stdin_send (struct session *s, const uint8_t *p, size_t n, struct terr *err)
{
  while (n > 0)
    {
      size_t pos = (size_t) (s->in_next % SESSION_STDIN_WINDOW);
      size_t chunk = SESSION_STDIN_WINDOW - pos < n ? SESSION_STDIN_WINDOW - pos : n;
      memcpy (s->in_ring + pos, p, chunk);
      if (conn_queue_data (s->c, s->o.handle, STREAM_STDIN, s->in_next, s->in_ring + pos, (uint32_t) chunk, err) < 0)
        return -1;
      s->in_next += chunk;
      p += chunk;
      n -= chunk;
    }
  return 0;
}

/* With detach keys: stdin is read into a buffer and filtered into the window. */
static int on_stdin_keys (struct session *s, struct terr *err)
{
  static uint8_t in[DATA_MAX], out[DATA_MAX + SESSION_MAX_KEYS];
  size_t room = SESSION_STDIN_WINDOW - (size_t) (s->in_next - s->in_acked) - SESSION_MAX_KEYS;
  ssize_t n = fd_read (STDIN_FILENO, in, room < sizeof in ? room : sizeof in);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    return 0;
  if (n <= 0)
    {
      /* the end: what was held back as a possible start of the keys goes as typed */
      size_t held = s->keys_seen;
      s->keys_seen = 0;
      if (held > 0 && stdin_send (s, s->o.detach_keys, held, err) < 0)
        return -1;
      return close_stdin (s, err);
    }
  return stdin_send (s, out, scan_keys (s, in, (size_t) n, out), err);
}

/* One read of local stdin into the window, sent as one DATA frame. */
static int on_stdin (struct session *s, struct terr *err)
{
  if (s->o.n_detach_keys > 0)
    return on_stdin_keys (s, err);
  uint64_t unacked = s->in_next - s->in_acked;
  size_t pos = (size_t) (s->in_next % SESSION_STDIN_WINDOW);
  size_t room = SESSION_STDIN_WINDOW - (size_t) unacked;
  if (room > SESSION_STDIN_WINDOW - pos)
    room = SESSION_STDIN_WINDOW - pos;
  if (room > DATA_MAX)
    room = DATA_MAX;
  ssize_t n = fd_read (STDIN_FILENO, s->in_ring + pos, room);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    return 0;
  if (n <= 0)
    return close_stdin (s, err); /* EOF; a read error (EIO: tty gone) ends input too */
  if (conn_queue_data (s->c, s->o.handle, STREAM_STDIN, s->in_next, s->in_ring + pos,
                       (uint32_t) n, err) < 0)
    return -1;
  s->in_next += (uint64_t) n;
  return 0;
}

/* Reads and handles what the connection has; acks once drained. */
static int on_conn (struct session *s, struct terr *err)
{
  int r = conn_fill (s->c, err);
  if (r <= 0)
    return r;
  struct conn_event ev;
  while ((r = conn_next (s->c, &ev, err)) > 0)
    if (session_dispatch (s, &ev, err) < 0)
      return -1;
  return r < 0 ? -1 : 0;
}

static int relay (struct session *s, struct terr *err)
{
  enum { P_CONN, P_SIG, P_STDIN, P_N };
  while (!s->has_exit && !s->local_out_gone && !s->detached)
    {
      /* Frames that arrived with an earlier reply (start's, attach's) are already
       * read: handle them before waiting, or a short run's output and exit would
       * sit in our buffer while we poll a quiet socket. */
      struct conn_event ev;
      int r;
      while ((r = conn_next (s->c, &ev, err)) > 0)
        if (session_dispatch (s, &ev, err) < 0)
          return -1;
      if (r < 0)
        return -1;
      if (s->has_exit || s->local_out_gone || s->detached)
        break;
      struct pollfd p[P_N] = {
        [P_CONN] = { .fd = conn_fd (s->c), .events = POLLIN },
        [P_SIG] = { .fd = s->sig_fd, .events = POLLIN },
        [P_STDIN] = { .fd = stdin_wanted (s) ? STDIN_FILENO : -1, .events = POLLIN },
      };
      if (conn_out_pending (s->c) > 0)
        p[P_CONN].events |= POLLOUT;
      /* Ack every SESSION_ACK_EVERY bytes, and once the output pauses for
       * SESSION_ACK_IDLE_MS: not after every frame (a 1 GiB stream would cost
       * 16k acks each way). */
      int n = poll (p, P_N, ack_due (s, 1) ? SESSION_ACK_IDLE_MS : -1);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return terr_set (err, errno, "poll");
        }
      if (n == 0)
        {
          if (send_ack (s, err) < 0)
            return -1;
          continue;
        }
      if (p[P_CONN].revents & POLLOUT && conn_flush (s->c, err) < 0)
        return -1;
      if (p[P_CONN].revents & (POLLIN | POLLHUP | POLLERR) && on_conn (s, err) < 0)
        return -1;
      if (p[P_SIG].revents & POLLIN && on_signals (s, err) < 0)
        return -1;
      if (p[P_STDIN].revents & (POLLIN | POLLHUP | POLLERR) && on_stdin (s, err) < 0)
        return -1;
      if (conn_flush (s->c, err) < 0)
        return -1;
    }
  return 0;
}

int session_run (struct session *s, struct session_result *res, struct terr *err)
{
  if (s->o.tty && isatty (STDIN_FILENO) && term_make_raw (err) < 0)
    return -1;
  int r = s->has_exit ? 0 : relay (s, err);
  term_restore ();
  if (r < 0)
    return -1;
  if (s->local_out_gone || s->detached)
    {
      /* nobody reads our output any more: leave the session, as a process killed by
       * SIGPIPE would; or the detach keys were typed. The container keeps running. */
      Detach d = DETACH__INIT;
      d.handle = s->o.handle;
      Msg m = MSG__INIT;
      m.body_case = MSG__BODY_DETACH;
      m.detach = &d;
      send_oneway (s, &m, err);
      conn_drain (s->c, SESSION_FINAL_ACK_MS, err);
      res->exit_code = s->detached ? 0 : SESSION_EXIT_EPIPE;
      res->detached = s->detached;
      res->error[0] = '\0';
      return 0;
    }
  /* the final ack lets the tether free the output (and, in a VM, power off) */
  if (send_ack (s, err) == 0)
    conn_drain (s->c, SESSION_FINAL_ACK_MS, err);
  *res = s->res;
  return 0;
}
