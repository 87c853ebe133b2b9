/* The template maker (tplmaker.h). The child runs tpl_create and exits; the
 * loop's timer reaps it without blocking. A shape whose make failed is not
 * tried again for TPLMAKER_RETRY_MS, so a broken guest costs one boot a minute. */
#include "tplmaker.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "loop.h"
#include "qemu.h"
#include "template.h"

static struct timer tick;
static pid_t maker_pid;
static char maker_key[TPL_KEY_LEN];
static char default_key[TPL_KEY_LEN];
static char failed_key[TPL_KEY_LEN];
static int64_t failed_until_ms;
static const char *accel; /* probed once: a probe is a child run of up to 1.5 s */

static _Noreturn void maker_child (const struct tpl_shape *s)
{
  syscall (SYS_close_range, 3, ~0U, 0); /* the API socket, clients: not the maker's */
  signal (SIGTERM, SIG_DFL);
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  char key[TPL_KEY_LEN];
  bool made;
  struct terr err;
  terr_clear (&err);
  int64_t t0 = now_mono_ms ();
  if (tpl_create (s, key, &made, &err) < 0)
    {
      fprintf (stderr, "tetherd: template of %u MiB, %u CPU(s): %s\n", s->mem_mib, s->cpus, err.msg);
      _exit (1);
    }
  if (made)
    fprintf (stderr, "tetherd: template %.12s (%u MiB, %u CPU(s)) made in %lld ms\n", key, s->mem_mib, s->cpus,
             (long long) (now_mono_ms () - t0));
  _exit (0);
}

/* 1: nothing to do for s (it exists, or cannot be made); 0: a maker started
 * or one is busy. */
static int consider (const struct tpl_shape *s, void *ctx)
{
  (void) ctx;
  if (s->mem_mib > TPLMAKER_MAX_MEM_MIB || s->cpus > TPLMAKER_MAX_CPUS)
    return 1;
  char key[TPL_KEY_LEN];
  struct terr err;
  if (tpl_key (s, key, NULL, 0, &err) < 0)
    return 1; /* no QEMU or assets: runs fail and say why */
  if (tpl_exists (key))
    return 1;
  if (maker_pid > 0)
    return 0;
  if (strcmp (key, failed_key) == 0 && now_mono_ms () < failed_until_ms)
    return 0;
  fflush (NULL);
  pid_t pid = fork ();
  if (pid < 0)
    return 0;
  if (pid == 0)
    maker_child (s);
  maker_pid = pid;
  snprintf (maker_key, sizeof maker_key, "%s", key);
  return 0;
}

static int drop_stale (const char *key, json_t *meta, void *ctx)
{
  (void) ctx;
  struct terr err;
  if (!tpl_current (key, meta) && tpl_remove (key, false, &err) == 0)
    fprintf (stderr, "tetherd: stale template %.12s removed\n", key);
  return 0;
}

static void reap_maker (void)
{
  int st;
  if (maker_pid <= 0 || waitpid (maker_pid, &st, WNOHANG) != maker_pid)
    return;
  maker_pid = 0;
  if (!WIFEXITED (st) || WEXITSTATUS (st) != 0)
    {
      snprintf (failed_key, sizeof failed_key, "%s", maker_key);
      failed_until_ms = now_mono_ms () + TPLMAKER_RETRY_MS;
    }
}

static void tick_fn (struct timer *t)
{
  reap_maker ();
  struct tpl_shape s;
  tpl_shape_default (&s, 128, 1, accel);
  char key[TPL_KEY_LEN];
  struct terr err;
  if (tpl_key (&s, key, NULL, 0, &err) == 0 && strcmp (key, default_key) != 0)
    {
      /* the guest assets or QEMU changed (or this is the start): what was made
       * for the old ones is never used again */
      snprintf (default_key, sizeof default_key, "%s", key);
      tpl_each (drop_stale, NULL, &err);
    }
  if (consider (&s, NULL) == 1)
    tpl_each_wanted (consider, NULL);
  timer_arm (t, TPLMAKER_EVERY_MS, tick_fn);
}

void tplmaker_start (void)
{
  if (!tpl_enabled ())
    return;
  accel = qemu_pick_accel ("auto");
  timer_arm (&tick, 0, tick_fn);
}
