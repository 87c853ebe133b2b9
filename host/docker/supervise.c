/* The endpoint supervisor (supervise.h). A final record never becomes live
 * again behind tetherd's back, so its id is remembered and skipped: a look costs
 * one flock probe per live container. The adoption itself (endpoint_ensure) is
 * a fork and a wait for the new endpoint's ready byte (~0.1 s), done inline: a
 * dead endpoint is rare, and a second loop would be a second process. */
#include "supervise.h"

#include <stdio.h>
#include <string.h>

#include "adopt.h"
#include "epspawn.h"
#include "loop.h"
#include "vmstate.h"

static struct timer tick;
static char final_ids[SUPERVISE_FINAL_MAX][65];
static size_t n_final;

static bool known_final (const char *id)
{
  for (size_t i = 0; i < n_final; i++)
    if (strcmp (final_ids[i], id) == 0)
      return true;
  return false;
}

static void remember_final (const char *id)
{
  if (n_final == SUPERVISE_FINAL_MAX)
    n_final = 0; /* forget them all: they are looked at once more, no harm */
  snprintf (final_ids[n_final++], sizeof final_ids[0], "%s", id);
}

void supervise_forget (const char *id)
{
  for (size_t i = 0; i < n_final; i++)
    if (strcmp (final_ids[i], id) == 0)
      {
        memcpy (final_ids[i], final_ids[--n_final], sizeof final_ids[0]);
        return;
      }
}

static int look (const char *id, void *ctx)
{
  (void) ctx;
  if (known_final (id))
    return 0;
  static struct vm_ctr v; /* large; each load frees the last */
  struct terr err;
  terr_clear (&err);
  if (vm_ctr_paths (&v, id, &err) < 0 || ep_lock_held (v.dir))
    return 0; /* its endpoint lives (or is starting) */
  if (vm_ctr_load (&v, id, &err) < 0)
    return 0; /* being created, or not ours */
  if (vm_info_final (&v.info))
    {
      remember_final (id);
      return 0;
    }
  if (v.qemu_pid == 0)
    return 0; /* created, never started (docker create), or between two VMs */
  char addr[200];
  fprintf (stderr, "tetherd: the endpoint of %.12s is gone: starting one to adopt its VM\n", id);
  if (endpoint_ensure (id, addr, sizeof addr) == NULL)
    fprintf (stderr, "tetherd: %.12s: no endpoint (its record is final now, or see its endpoint.log)\n", id);
  return 0;
}

static void tick_fn (struct timer *t)
{
  static unsigned ticks;
  if (ticks++ % SUPERVISE_SWEEP_TICKS == 0)
    vm_removed_sweep (SUPERVISE_REMOVED_KEEP_S);
  vm_each (look, NULL);
  timer_arm (t, SUPERVISE_EVERY_MS, tick_fn);
}

void supervise_start (void)
{
  timer_arm (&tick, 0, tick_fn);
}
