#include "loop.h"

#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <time.h>


#define LOOP_EVENTS 64 /* events taken per epoll_wait */

static int epoll_fd = -1;

static void warn_stderr (const char *msg)
{
  fprintf (stderr, "%s\n", msg);
}
static void (*warn) (const char *msg) = warn_stderr;

void loop_set_warn (void (*fn) (const char *msg))
{
  warn = fn ? fn : warn_stderr;
}

static void warnf (const char *what, int fd)
{
  char msg[160];
  snprintf (msg, sizeof msg, "%s fd %d: %s", what, fd, strerror (errno));
  warn (msg);
}
static struct timer *timers; /* unsorted: few are armed at once */

int loop_init (struct terr *err)
{
  /* afresh: a forked child that runs a loop of its own (tetherd's endpoints)
   * must not fire its parent's timers or warn in its parent's name */
  timers = NULL;
  warn = warn_stderr;
  epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  if (epoll_fd < 0)
    return terr_set (err, errno, "epoll_create1");
  return 0;
}

static int ctl (struct watch *w, int op, uint32_t events)
{
  struct epoll_event ev = { .events = events, .data.ptr = w };
  return epoll_ctl (epoll_fd, op, w->fd, &ev);
}

int loop_add (struct watch *w, int fd, uint32_t events, watch_fn fn, struct terr *err)
{
  w->fd = fd;
  w->fn = fn;
  w->events = events;
  w->in_epoll = false;
  if (events == 0)
    return 0;
  if (ctl (w, EPOLL_CTL_ADD, events) < 0)
    {
      w->fd = -1;
      return terr_set (err, errno, "epoll_ctl add fd %d", fd);
    }
  w->in_epoll = true;
  return 0;
}

int loop_mod (struct watch *w, uint32_t events)
{
  if (w->fd < 0 || (w->events == events && w->in_epoll == (events != 0)))
    return 0;
  int r = 0;
  if (events == 0)
    {
      if (w->in_epoll)
        r = ctl (w, EPOLL_CTL_DEL, 0);
      w->in_epoll = false;
    }
  else
    {
      r = ctl (w, w->in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, events);
      if (r == 0)
        w->in_epoll = true;
    }
  if (r < 0)
    {
      warnf ("epoll_ctl", w->fd);
      return -1;
    }
  w->events = events;
  return 0;
}

void loop_del (struct watch *w)
{
  if (w->fd < 0)
    return;
  if (w->in_epoll)
    epoll_ctl (epoll_fd, EPOLL_CTL_DEL, w->fd, NULL);
  w->fd = -1;
  w->events = 0;
  w->in_epoll = false;
}

void timer_arm (struct timer *t, int64_t after_ms, timer_fn fn)
{
  timer_cancel (t);
  t->deadline_ms = now_mono_ms () + after_ms;
  t->armed = true;
  t->fn = fn;
  t->next = timers;
  timers = t;
}

void timer_cancel (struct timer *t)
{
  if (!t->armed)
    return;
  for (struct timer **p = &timers; *p; p = &(*p)->next)
    if (*p == t)
      {
        *p = t->next;
        break;
      }
  t->armed = false;
  t->next = NULL;
}

static int next_timeout_ms (void)
{
  if (!timers)
    return -1;
  int64_t now = now_mono_ms (), soonest = INT64_MAX;
  for (struct timer *t = timers; t; t = t->next)
    if (t->deadline_ms < soonest)
      soonest = t->deadline_ms;
  int64_t wait = soonest - now;
  return wait < 0 ? 0 : wait > 60000 ? 60000 : (int) wait;
}

static void run_due_timers (void)
{
  int64_t now = now_mono_ms ();
  /* A callback may arm or cancel timers: restart the scan after each one. */
  for (;;)
    {
      struct timer *due = NULL;
      for (struct timer *t = timers; t; t = t->next)
        if (t->deadline_ms <= now)
          {
            due = t;
            break;
          }
      if (!due)
        return;
      timer_cancel (due);
      due->fn (due);
    }
}

void loop_run_once (void)
{
  struct epoll_event evs[LOOP_EVENTS];
  int n = epoll_wait (epoll_fd, evs, LOOP_EVENTS, next_timeout_ms ());
  if (n < 0)
    {
      if (errno != EINTR) /* EINTR: a stop and continue (signal(7)) */
        warnf ("epoll_wait", epoll_fd);
      n = 0;
    }
  for (int i = 0; i < n; i++)
    {
      struct watch *w = evs[i].data.ptr;
      /* A callback earlier in this batch may have unregistered w (fd = -1). */
      if (w->fd >= 0)
        w->fn (w, evs[i].events);
    }
  run_due_timers ();
}
