/* The tether's objects and the functions each file provides: the table of
 * contents. Ownership: containers own their sessions; connections own their
 * attachments and waiters; an attachment links one connection handle to one
 * session. Nothing here is freed while a callback further up the stack holds it:
 * frees go through the *_maybe_free functions, which check the object is idle. */
#ifndef TETHER_TETHER_H
#define TETHER_TETHER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "frame.h"
#include "caps.h"
#include "loop.h"
#include "ring.h"
#include "restartpolicy.h"
#include "terr.h"
#include "tether.pb-c.h"

struct conn;
struct session;
struct container;

/* One output stream of a session. Offsets count from 0 over the container's life. */
struct ostream {
  struct ring ring;
  uint64_t base;      /* offset of the first byte held in ring */
  struct watch w;     /* pipe or pty read end; w.fd < 0 when closed */
  bool eof;
  bool discard;       /* exec -d, or leftovers after an exec's grace: read and drop */
  bool paused;        /* ring full: EPOLLIN off until acks free room */
  bool coalescing;    /* a burst of small writes: EPOLLIN off for COALESCE_MS */
  int64_t last_read_ns;
  uint64_t drain_to;  /* exec: the offset the pipe reached when the process was reaped */
  struct timer coalesce;
  int idx;            /* STREAM_STDOUT - 1 or STREAM_STDERR - 1 */
  struct session *s;
  /* When bytes were read: mark i covers offsets up to marks[i].end. Bounded:
   * when full, the newest mark stretches (its bytes get a slightly early time). */
  struct { uint64_t end; int64_t ns; } marks[32];
  unsigned n_marks;
};
static inline uint64_t ostream_head (const struct ostream *o) { return o->base + o->ring.len; }

/* A session's streams bound to handle `handle` on connection `conn`. */
struct attach {
  struct conn *conn;
  struct session *s;
  uint32_t handle;
  uint64_t sent[2];   /* next offset to queue, per output stream */
  uint64_t acked[2];  /* the client's latest ack */
  bool exit_sent;     /* for the session's current run */
  int64_t since_ns;   /* when it attached */
  struct attach *next_in_session;
  struct attach *next_in_conn;
};

/* A request waiting for a run to end (wait, stop, remove -f). */
struct waiter {
  struct conn *conn;
  uint64_t request_id;
  enum { WAIT_EXIT, WAIT_REMOVE, WAIT_START } what;
  struct session *s;
  struct waiter *next_in_session;
  struct waiter *next_in_conn;
};

enum session_kind { SESSION_PRIMARY, SESSION_EXEC };

/* A session's life (docs/design.md draws it). A primary goes round from FINISHED
 * to RUNNING for each run; an exec lives once and ends DELIVERED. The status (how
 * the process ended) is a separate fact: a primary's may arrive from its init
 * before or after the init is reaped. */
enum session_life {
  LIFE_IDLE,      /* never started (a created container) */
  LIFE_RUNNING,   /* the process lives; its pidfd is held */
  LIFE_DRAINING,  /* reaped: no signal, no exec; its output still flows */
  LIFE_FINISHED,  /* status and final offsets fixed; exit sent after the last byte */
  LIFE_DELIVERED, /* exec: a client took the exit and acked all output (or given up) */
};

/* A process the client can talk to: a container's primary (all its runs) or an exec. */
struct session {
  enum session_kind kind;
  struct container *c;
  char exec_id[72];           /* exec sessions */
  struct ostream out[2];
  bool tty;
  bool open_stdin;
  int tty_fd;                 /* pty master for resize, -1 without a tty */
  /* stdin */
  struct watch in_w;          /* write end, registered for EPOLLOUT while bytes wait */
  struct ring in_ring;
  uint64_t in_written;        /* stdin offset written to the process */
  uint64_t in_close_at;
  bool in_close_pending;
  bool in_open;               /* the process has a stdin we write to */
  struct attach *stdin_owner; /* the attach whose client feeds stdin */
  struct attach *attaches;
  struct waiter *waiters;
  /* the process (for a primary: the container init) */
  pid_t pid;                  /* for display and the reaper's table only */
  int pidfd;                  /* the process itself; -1 once reaped (reap.c) */
  int mntns_fd;               /* host mode: the run's mount namespace, held until its exit is out (run.c) */
  struct watch report_w;      /* SEQPACKET from the container init / launch child */
  enum session_life life;     /* change it with session_set_life */
  bool status_known;
  bool launched;              /* primary: this run's command began (REPORT_EXEC) */
  bool start_settled;         /* primary: launched or failed for good (session_start_settled) */
  int launch_code;            /* primary: the code of a REPORT_FAIL (125, 126, 127) */
  int init_status;            /* the container init's own wait status */
  uint32_t run;
  int exit_code;
  int signal;
  int64_t started_ns;
  int64_t finished_ns;
  char error[240];
  bool detached;              /* exec -d */
  struct timer grace;         /* exec: report after EXEC_EOF_GRACE_MS */
  bool grace_over;
  bool gc_wanted;             /* finished exec: free once nobody needs it */
  bool probe;                 /* a health probe (health.c): no id, output captured, detached */
  struct session *next;       /* in container's exec list */
};

/* RESTARTING: between runs, waiting out the restart policy's back-off (restart.c). */
enum container_state { C_CREATED, C_RUNNING, C_RESTARTING, C_EXITED };
struct health;

struct container {
  char id[65];
  uint64_t seq;               /* creation order: the table is kept newest first */
  char name[128];
  ContainerConfig *cfg;       /* owned, unpacked with the system allocator */
  uint8_t *cfg_packed;        /* for idempotent create */
  size_t cfg_len;
  enum container_state state;
  int64_t created_ns;
  struct session primary;
  struct session *execs;
  unsigned n_execs;
  unsigned exec_records_dropped; /* finished execs freed undelivered (over the cap) */
  bool stopping;
  bool removing;
  struct timer stop_timer;    /* stop timeout -> SIGKILL */
  struct timer kill_timer;    /* SIGKILL requested, init silent -> kill the namespace */
  struct health *health;      /* NULL without a health check (health.c) */
  /* Restart policy (restart.c). A client's stop or signal sets user_stopped: the
   * policy never undoes it; a client's start clears it and the count. */
  bool user_stopped;
  uint32_t restart_count;     /* docker's RestartCount */
  int64_t restart_backoff_ms; /* the last delay; 0 = none yet */
  int64_t run_mono_ms;        /* when the current run began */
  struct timer restart_timer;
  /* inspect's view of the attached clients, filled on demand (container_fill_info) */
  AttachedClient *attached_pb;
  AttachedClient **attached_ptrs;
  struct container *next;
};

struct conn {
  struct watch w;
  bool is_channel;            /* serial/virtio/vsock: read 0 = host absent, not EOF */
  bool hello_done;
  bool pcrc;                  /* payload CRC on frames we send */
  bool closed;
  bool want_pump;             /* a session paused because our out ring was full */
  bool rd_eof;                /* a client shut down its sending side; it still gets output */
  struct timer hello_timer;   /* clients: no hello within HELLO_TIMEOUT_MS -> dropped */
  /* A list reply going out in pages as the client reads (any number of containers). */
  struct { bool active; bool all; uint64_t request_id; uint64_t next_seq; } list;
  struct frame_decoder *dec;
  struct timer absent_timer;  /* channel: host absent, look again later (no spinning) */
  struct ring out;
  uint8_t *in_pend;           /* input not yet handled while replies back up */
  uint32_t in_pend_len;
  struct attach *attaches;
  unsigned n_attaches;
  unsigned n_waiters;
  struct waiter *waiters;
  uint64_t frames_in, frames_out;
  /* who it is, for ps and inspect's attached clients */
  int32_t peer_pid;
  uint32_t peer_uid;
  char client[32];            /* its hello's name */
  struct conn *next;
};

/* Counters for ping. */
struct tether_stats {
  int64_t boot_ms;
  uint64_t frames_in, frames_out, resyncs, dropped_bytes;
  unsigned containers, conns;
  uint64_t orphans_reaped;
  int64_t last_rx_ms;        /* when a frame last arrived from anyone */
};
extern struct tether_stats stats;
extern bool tether_is_pid1;
extern char tether_boot_id[40];
extern bool tether_clock_stepped;
#define TETHER_VERSION "0.1.0"
/* VM mode steps the clock from the first hello; host mode does nothing. */
void tether_on_hello (const Hello *h);

/* conn.c: connections, frames in and out */
struct conn *conn_new (int fd, bool is_channel, struct terr *err);
/* A channel whose host is absent is looked at again after this long (conn.c);
 * a VM template looks more often: its clone's endpoint connects at once. */
#define CONN_CHANNEL_RETRY_MS 250
#define CONN_CHANNEL_RETRY_TEMPLATE_MS 10
extern int conn_channel_retry_ms;
void conn_close (struct conn *c);
/* Queues one control message; a client that lets replies pile up is dropped. */
void conn_send (struct conn *c, const Msg *m);
void conn_send_error (struct conn *c, uint64_t request_id, int code, const char *text, int exit_code);
/* Room for a data frame of n bytes under the data share of the out ring? */
bool conn_has_data_room (const struct conn *c, size_t n);
void conn_send_data (struct conn *c, uint32_t handle, int stream, uint64_t offset, int64_t time_ns,
                     const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
void conn_flush (struct conn *c);
void conn_reset (struct conn *c); /* new hello: drop attachments and waiters */
void conn_reap_closed (void);
struct attach *conn_find_handle (struct conn *c, uint32_t handle);
extern struct conn *conns;

/* dispatch.c: one control message */
void dispatch_msg (struct conn *c, const Msg *m);
/* Sends the next pages of a list in progress while the out ring has room. */
void dispatch_list_continue (struct conn *c);
void dispatch_data (struct conn *c, const struct frame *f);

/* session.c: a session's fds, its output streams, its life */
void session_init (struct session *s, enum session_kind kind, struct container *c);
/* The one place the life changes: refuses (and logs) a transition the drawing has not. */
void session_set_life (struct session *s, enum session_life to);
/* Started and not yet finished (running or draining). */
static inline bool session_running (const struct session *s)
{
  return s->life == LIFE_RUNNING || s->life == LIFE_DRAINING;
}
static inline bool session_reaped (const struct session *s)
{
  return s->life >= LIFE_DRAINING;
}
static inline bool session_finished (const struct session *s)
{
  return s->life >= LIFE_FINISHED;
}
/* Takes ownership of the fds (-1 for absent). */
int session_set_fds (struct session *s, int out_fd, int err_fd, int in_fd, int tty_fd, struct terr *err);
/* When bytes were read: mark them, look a time up, forget what acks freed. */
void ostream_mark_read (struct ostream *o, int64_t ns);
int64_t ostream_mark_lookup (const struct ostream *o, uint64_t off, uint64_t *run);
void ostream_marks_drop_below (struct ostream *o);

/* attach.c: output to attached clients, acks, the exit after the last byte */
void session_pump (struct session *s);
void session_ack (struct attach *a, uint64_t out_off, uint64_t err_off);
struct attach *session_attach (struct session *s, struct conn *c, uint32_t handle, uint64_t out_off,
                               uint64_t err_off, bool want_stdin, struct terr *err);
void session_detach (struct attach *a);
/* The client has everything: the exit of a finished session and all output acked. */
bool session_idle_for (const struct attach *a);

/* stdin.c: client bytes into the process */
void session_stdin_data (struct attach *a, uint64_t offset, const uint8_t *p, size_t n);
void session_stdin_close (struct attach *a, uint64_t offset);
/* The process has its stdin now: what waited for it goes, a close sent before
 * it follows (stdin.c). */
void session_stdin_started (struct session *s);
void session_stdin_event (struct watch *w, uint32_t events);
/* The process's stdin ends now (what is queued counts as delivered later). */
void session_stdin_end (struct session *s);
void session_check_finished (struct session *s);
/* An exec's main process was reaped: what its pipes hold now must be delivered. */
void session_note_reaped (struct session *s);
void session_close_fds (struct session *s);
/* rm -f: what nobody read is dropped, so the run can reach end of file. */
void session_discard_output (struct session *s);
void session_release (struct session *s); /* frees rings; detaches everyone */
void session_fill_exit (const struct session *s, Exit *e, uint64_t *finals);  /* attach.c */
/* An exit message on conn: on a handle (request_id 0) or as a reply. (attach.c) */
void session_send_exit (struct session *s, struct conn *c, uint64_t request_id, uint32_t handle);
/* Frees finished exec sessions nobody is attached to (run between loop rounds). */
void session_gc (void);
void session_want_gc (struct session *s);
/* Answers the wait requests queued on s with its exit (remove requests stay). */
void session_answer_waiters (struct session *s);
/* The primary's start is decided: its command began, or it failed before.
 * Answers the start requests waiting for it (and, VM mode, tells the endpoint). */
void session_start_settled (struct session *s);
void session_fill_started (const struct session *s, Started *st);
void waiter_add (struct session *s, struct conn *c, uint64_t request_id, int what);
void waiter_remove (struct waiter *w);

/* container.c: the table and the lifecycle */
struct container *container_find (const char *ref, struct terr *err);
struct container *container_create (const ContainerConfig *cfg, bool *existed, struct terr *err);
int container_start (struct container *c, struct terr *err);
int container_signal (struct container *c, int signo, struct terr *err);
int container_stop (struct container *c, int signo, int timeout_s);
int container_remove (struct container *c, bool force, struct terr *err);
/* A run ended: first the policy decides (the exit says if a run follows), then,
 * once the exit is out, it finishes: settled, or waiting out the back-off. */
void container_run_ending (struct container *c);
void container_run_finished (struct container *c);
/* The next run of an exited or restarting container (its start, or the policy's). */
int container_begin_run (struct container *c, struct terr *err);
/* Between runs for good: exited, the VM told, a pending rm -f done. */
void container_settle (struct container *c);
/* Frees buried containers; between loop rounds only. */
void container_reap_dead (void);
void container_fill_info (struct container *c, ContainerInfo *info, char *status_buf);
extern struct container *containers;

/* run.c: starting a container's run (clone + container init) */
int run_start (struct container *c, struct terr *err);
/* Lets go of the run's mount namespace (held in host mode until the exit is out). */
void run_release_mntns (struct session *s);
int run_request_signal (struct session *s, int signo);
void run_report_event (struct watch *w, uint32_t events);

/* restart.c: the restart policy (docker's restartmanager) */
/* The run ended: if the policy restarts, the timer is armed and true returned. */
bool restart_schedule (struct container *c);
/* A stop, signal or rm -f during the back-off: no next run; the container settles. */
void restart_cancel (struct container *c);

/* exec.c */
struct session *exec_find (const char *exec_id, struct container **owner);
int exec_start (struct container *c, const Exec *req, struct conn *conn, struct session **out,
                struct terr *err);
/* The fork into the container, for exec_start and health probes (no id checks, no cap). */
int exec_spawn (struct container *c, const Exec *req, struct session **out, struct terr *err);
void exec_maybe_free (struct session *s);
void exec_keep_undelivered (struct session *s);
unsigned exec_sessions (void); /* exec records held, all containers */

/* reap.c */
/* Takes a pidfd for our new child and tracks it for the reaper. */
int reap_hold (pid_t pid, struct session *s, struct terr *err);
/* The session no longer wants its process (container removed): untrack, close. */
void reap_forget (struct session *s);
/* Signals through the pidfd; -1/ESRCH once the process is reaped. */
int session_kill (struct session *s, int signo);
bool session_process_gone (const struct session *s);
void reap_track (pid_t pid, struct session *s);
void reap_untrack (pid_t pid);
void reap_children (void);
/* The container init is gone and its report socket is at end of file. */
void reap_judge_init (struct session *s);

/* main.c */
uint64_t tether_rss_bytes (uint64_t *max_rss);

#endif
