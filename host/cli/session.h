/* The stdio relay of `run`, `exec` and `attach` (docs/sessions.md): local stdin
 * to DATA frames (kept until acked, 1 MiB window, close_stdin at EOF), DATA frames
 * to local stdout/stderr (acked every 256 KiB and whenever drained), signals
 * forwarded as `signal{id, signo}` (docker's sig-proxy), SIGWINCH as `resize`. */
#ifndef TETHER_CTL_SESSION_H
#define TETHER_CTL_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "conn.h"

#define SESSION_ACK_EVERY (256u * 1024u)
#define SESSION_ACK_IDLE_MS 2
#define SESSION_STDIN_WINDOW (1024u * 1024u)
#define SESSION_FINAL_ACK_MS 1000
/* exit code when our own stdout is gone (a closed pipe), as a SIGPIPE death */
#define SESSION_EXIT_EPIPE 141
#define SESSION_MAX_KEYS 16
#define SESSION_DEFAULT_KEYS "ctrl-p,ctrl-q"

/* docker's --detach-keys: comma-separated items, each a character or ctrl-X
 * (X one of a-z @ [ \ ] ^ _). Returns the length, or -1 if spec is not one. */
int session_parse_keys (const char *spec, uint8_t out[SESSION_MAX_KEYS]);

struct session_opts {
  uint32_t handle;
  const char *signal_id;     /* container or exec id that signals go to */
  bool relay_stdin;          /* -i: local stdin goes to the process */
  bool tty;                  /* -t: remote tty; SIGWINCH becomes resize */
  /* typed on local stdin, this sequence detaches (the container keeps running,
   * exit 0): docker's ctrl-p,ctrl-q for -it; len 0: none */
  uint8_t detach_keys[SESSION_MAX_KEYS];
  size_t n_detach_keys;
  /* tetherd's attach: both streams on stdout in docker's multiplexed frames
   * (an 8-byte header [stream, 0, 0, 0, length big-endian] each) */
  bool docker_frames;
};

struct session_result {
  int exit_code;
  bool detached;             /* the detach keys were typed */
  char error[256];           /* exit.error: why 125/126/127 */
};

struct session;

/* Blocks the forwarded signals (read later from a signalfd), so a Ctrl-C between
 * start and the relay loop is forwarded rather than killing tetherctl. */
struct session *session_new (struct conn *c, const struct session_opts *o, struct terr *err);
/* Drops the signalfd, restores the signal mask and the terminal. */
void session_free (struct session *s);

/* The conn_dispatch_fn for frames that arrive while a request waits for its reply
 * (output can arrive between attach and started). */
int session_dispatch (void *ctx, const struct conn_event *ev, struct terr *err);
/* Where the tether will resume each stream (from `attached`). */
void session_set_offsets (struct session *s, uint64_t stdout_off, uint64_t stderr_off,
                          uint64_t stdin_off);

/* After the connection was lost (session_run returned -1): where each output
 * stream stands (the next byte expected), for the attach on a new connection. */
uint64_t session_out_next (const struct session *s, int stream);
/* Writes bytes [session_out_next, +n) of a stream that the new attach will not
 * send (the tether freed them once the endpoint logged them): they come from the
 * log. Returns 0, or -1 with err. */
int session_out_fill (struct session *s, int stream, const uint8_t *p, size_t n, struct terr *err);
/* Binds the session to a new connection before its attach is sent (output that
 * arrives with the reply goes through session_dispatch). */
void session_rebind (struct session *s, struct conn *c);
/* After the new attach's reply: stdin the tether has not got is sent again, and
 * close_stdin if it was sent. */
int session_resume (struct session *s, uint64_t stdin_off, struct terr *err);

/* Relays until `exit` arrives. Returns 0 with *res set, or -1 (connection lost). */
int session_run (struct session *s, struct session_result *res, struct terr *err);

/* Local terminal size if stdin is a tty: 0, or -1 if not a tty. */
int session_winsize (uint32_t *rows, uint32_t *cols);

#endif
