/* The one event loop of a process (the tether, the per-VM endpoint): epoll over
 * watches, plus a short list of timers. Single-threaded. */
#ifndef TETHER_LOOP_H
#define TETHER_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "clock.h"
#include "terr.h"

struct watch;
typedef void (*watch_fn) (struct watch *w, uint32_t events);
struct watch {
  int fd;
  uint32_t events;  /* what is registered now */
  bool in_epoll;    /* events == 0 means out of the epoll set (see loop_mod) */
  watch_fn fn;
};

struct timer;
typedef void (*timer_fn) (struct timer *t);
struct timer {
  int64_t deadline_ms; /* CLOCK_MONOTONIC; meaningful while armed */
  bool armed;
  timer_fn fn;
  struct timer *next;
};

/* A new epoll set and no timers (also in a forked child: its parent's are dropped). */
int loop_init (struct terr *err);
/* Where the loop reports a failed epoll call (default: a line on stderr). */
void loop_set_warn (void (*fn) (const char *msg));
int loop_add (struct watch *w, int fd, uint32_t events, watch_fn fn, struct terr *err);
/* Changes the interest set; no syscall when it is unchanged. events = 0 takes
 * the fd out of the epoll set: EPOLLHUP and EPOLLERR are reported whatever the
 * interest set, so a paused pipe whose writer left, or a channel whose host is
 * absent, would otherwise wake the loop forever. */
int loop_mod (struct watch *w, uint32_t events);
/* Unregisters (does not close). Safe on a watch never added (fd < 0). */
void loop_del (struct watch *w);
void timer_arm (struct timer *t, int64_t after_ms, timer_fn fn);
void timer_cancel (struct timer *t);
static inline bool timer_armed (const struct timer *t) { return t->armed; }
/* Runs one round: waits for events or the next timer, dispatches. */
void loop_run_once (void);

#endif
