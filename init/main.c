/* Stage-1 init (DESIGN §4): mounts, modules, switch to a tmpfs root, exec the
   tether as PID 1. It knows no config. Every failure is one console line and the
   boot goes on if it can; a PID 1 that returns panics the kernel, so the last
   resort is power off. */
#include <errno.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "terr.h"
#include "log.h"
#include "modules.h"
#include "mounts.h"
#include "switchroot.h"

#define TETHER "/tether"

static void
power_off (void)
{
  sync ();
  reboot (RB_POWER_OFF);
  log_msg ("reboot(RB_POWER_OFF): %s", strerror (errno));
  for (;;)
    pause ();
}

static void
load_modules (void)
{
  struct modules_stats st;
  struct terr err;
  long t0 = log_now_ms ();

  if (modules_load_all (&st, &err) < 0)
    {
      terr_wrap (&err, "modules not loaded");
      log_err (&err);
      return;
    }
  log_msg ("modules loaded in %ld ms (%u loaded, %u present, %u failed)",
           log_now_ms () - t0, st.loaded, st.present, st.failed);
}

int
main (void)
{
  char *const argv[] = { "tether", NULL };
  char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
  struct terr err;
  int in_new_root = 0;

  if (getpid () != 1)
    {
      log_msg ("not PID 1; refusing to run");
      return 1;
    }
  mounts_early ();
  log_msg ("started at %ld ms since kernel start", log_now_ms ());
  load_modules ();

  if (switchroot_prepare (TETHER, &err) < 0)
    {
      terr_wrap (&err, "staying in the initramfs");
      log_err (&err);
    }
  else
    in_new_root = switchroot_finish () == 0;

  log_msg ("exec %s at %ld ms%s", TETHER, log_now_ms (), in_new_root ? "" : " (root switch incomplete)");
  execve (TETHER, argv, envp);
  log_msg ("exec %s: %s", TETHER, strerror (errno));
  /* The chroot may have failed after the initramfs copy was deleted. */
  execve ("/newroot" TETHER, argv, envp);
  log_msg ("no tether to run; powering off");
  power_off ();
  return 0;
}
