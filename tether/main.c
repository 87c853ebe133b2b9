/* tether: PID 1 of a container VM, or a host-mode container runner.
 *   tether --listen unix:PATH     host mode, up to MAX_CONNS clients
 *   tether --channel DEV          one peer on a tty / virtio-serial port
 *   tether --channel vsock:PORT   one peer over AF_VSOCK (guest listens) */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "channel.h"
#include "log.h"
#include "rngseed.h"
#include "security.h"
#include "tether.h"
#include "vm.h"

struct tether_stats stats;
bool tether_is_pid1;
bool tether_clock_stepped;
char tether_boot_id[40];

static struct watch signal_w;
static bool shutting_down;

static void loop_warning (const char *msg)
{
  log_warn ("%s", msg);
}

static void usage (FILE *f)
{
  fprintf (f, "usage: tether [-v] --listen unix:PATH | --channel DEV | --channel vsock:PORT\n"
              "Runs containers and relays their stdio over the tether protocol.\n");
}

/* Blocks every signal but the synchronous faults (a bug still crashes visibly)
 * and returns a signalfd for the rest. */
static int signals_setup (struct terr *err)
{
  sigset_t all;
  sigfillset (&all);
  static const int faults[] = { SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGABRT, SIGTRAP, SIGSYS };
  for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
    sigdelset (&all, faults[i]);
  if (sigprocmask (SIG_SETMASK, &all, NULL) < 0)
    return terr_set (err, errno, "sigprocmask");
  int fd = signalfd (-1, &all, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0)
    return terr_set (err, errno, "signalfd");
  return fd;
}

static void host_shutdown (void)
{
  /* Host mode only: containers die with the tether (their inits have
   * PDEATHSIG too); exec children are ours and get the same. */
  for (struct container *c = containers; c; c = c->next)
    {
      session_kill (&c->primary, SIGKILL);
      for (struct session *s = c->execs; s; s = s->next)
        session_kill (s, SIGKILL);
    }
  channel_cleanup ();
  exit (0);
}

static void signal_event (struct watch *w, uint32_t events)
{
  (void) events;
  struct signalfd_siginfo si;
  for (int round = 0; round < READS_PER_EVENT; round++)
    {
      if (fd_read (w->fd, &si, sizeof si) != (ssize_t) sizeof si)
        return;
      switch (si.ssi_signo)
        {
        case SIGCHLD:
          reap_children ();
          break;
        case SIGTERM:
        case SIGINT:
        case SIGHUP:
          if (!tether_is_pid1)
            shutting_down = true;
          break;
        default:
          break; /* SIGPIPE and the rest: errors come back as EPIPE */
        }
    }
}

/* PID 1's stdio is whatever init left; make it the console so logs reach ttyS0. */
static void console_setup (void)
{
  int fd = open ("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return;
  for (int i = 0; i < 3; i++)
    if (fcntl (i, F_GETFD) < 0 || i > 0)
      dup2 (fd, i);
  close (fd);
}

static void raise_nofile (void)
{
  unsigned long nr_open = 1048576;
  FILE *f = fopen ("/proc/sys/fs/nr_open", "re");
  if (f)
    {
      char num[32];
      char *end;
      if (!fgets (num, sizeof num, f) || (nr_open = strtoul (num, &end, 10)) == 0 || (*end && *end != '\n'))
        nr_open = 1048576; /* no scanf: the guest binary does without vfscanf's 4 KiB */
      fclose (f);
    }
  struct rlimit rl = { nr_open, nr_open };
  if (setrlimit (RLIMIT_NOFILE, &rl) == 0)
    return;
  /* Without CAP_SYS_RESOURCE (a host-mode tether in a container): up to the hard limit. */
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0)
    {
      rl.rlim_cur = rl.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &rl) == 0)
        return;
    }
  log_warn ("raise RLIMIT_NOFILE: %s", strerror (errno));
}

uint64_t tether_rss_bytes (uint64_t *max_rss)
{
  FILE *f = fopen ("/proc/self/status", "re");
  uint64_t rss = 0, hwm = 0;
  char line[128];
  if (!f)
    return 0;
  while (fgets (line, sizeof line, f))
    {
      if (strncmp (line, "VmRSS:", 6) == 0)
        rss = strtoull (line + 6, NULL, 10) * 1024;
      else if (strncmp (line, "VmHWM:", 6) == 0)
        hwm = strtoull (line + 6, NULL, 10) * 1024;
    }
  fclose (f);
  if (max_rss)
    *max_rss = hwm;
  return rss;
}

static void make_boot_id (void)
{
  uint8_t r[16] = { 0 };
  if (getrandom (r, sizeof r, GRND_NONBLOCK) != (ssize_t) sizeof r)
    {
      uint64_t t = (uint64_t) now_real_ns () ^ (uint64_t) getpid ();
      memcpy (r, &t, sizeof t);
    }
  for (int i = 0; i < 16; i++)
    snprintf (tether_boot_id + 2 * i, 3, "%02x", r[i]);
}

void tether_on_hello (const Hello *h)
{
  /* Only a VM's PID 1 owns the clock. The first hello sets it. Hellos the
   * endpoint repeated while the port was closed arrive together, oldest first:
   * each later one may only move the clock forward, so the last (freshest) wins
   * and no time already handed out goes backwards. */
  if (!vm_mode)
    return;
  if (h->host_time_ns > 0 && (!tether_clock_stepped || h->host_time_ns > now_real_ns ()))
    {
      struct timespec ts = { .tv_sec = h->host_time_ns / 1000000000, .tv_nsec = h->host_time_ns % 1000000000 };
      if (clock_settime (CLOCK_REALTIME, &ts) == 0)
        tether_clock_stepped = true;
      else
        log_warn ("step clock from hello: %s", strerror (errno));
    }
  static bool seeded; /* said once on the console; every hello's bytes are added */
  if (h->entropy.len > 0 && rng_seed_from_host (h->entropy.data, h->entropy.len) == 0 && !seeded)
    {
      seeded = true;
      log_note ("rng: %zu bytes from the host added, reseeded", h->entropy.len);
    }
  /* A template's clone hears its first hello: the identity the template made
   * at its boot is shared by every clone, so it is made anew (the clock is
   * stepped above, the container's identity comes with its config). After the
   * reseed: until then every clone's CRNG is the template's, and VMGenID's
   * reseed may not have run yet either (it gave 3 clones one boot id). */
  static bool restored;
  if (vm_is_template () && !restored)
    {
      restored = true;
      make_boot_id ();
      log_note ("restored from a template: new boot id, clock and RNG from the host");
    }
  vm_on_hello ();
}


/* Start-up failed. As PID 1 returning would panic the kernel: power off instead,
 * so the endpoint sees a VM that stopped, with the reason on the console. */
static int setup_failed (const struct terr *err)
{
  log_warn ("%s", err->msg);
  if (tether_is_pid1)
    vmpower_off ("the tether could not start");
  return 125;
}

int main (int argc, char **argv)
{
  const char *listen_spec = NULL, *channel_spec = NULL;
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--listen") == 0 && i + 1 < argc)
        listen_spec = argv[++i];
      else if (strcmp (argv[i], "--channel") == 0 && i + 1 < argc)
        channel_spec = argv[++i];
      else if (strcmp (argv[i], "-v") == 0)
        log_verbose = 1;
      else if (strcmp (argv[i], "--version") == 0)
        return printf ("tether %s\n", TETHER_VERSION), 0;
      else if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
        return usage (stdout), 0;
      else
        return usage (stderr), 2;
    }
  tether_is_pid1 = getpid () == 1;
  /* PID 1 with no arguments: the container VM (init exec'd us). */
  bool vm = tether_is_pid1 && !listen_spec && !channel_spec;
  if (!vm && !listen_spec && !channel_spec)
    return usage (stderr), 2;
  if (vm)
    console_setup ();

  struct terr err = { 0 };
  stats.boot_ms = now_mono_ms ();
  make_boot_id ();
  int sfd = signals_setup (&err);
  loop_set_warn (loop_warning);
  if (sfd < 0 || loop_init (&err) < 0 || loop_add (&signal_w, sfd, EPOLLIN, signal_event, &err) < 0)
    return setup_failed (&err);
  if (!tether_is_pid1 && prctl (PR_SET_CHILD_SUBREAPER, 1) < 0)
    log_warn ("PR_SET_CHILD_SUBREAPER: %s", strerror (errno));
  raise_nofile ();
  if (security_prepare (&err) < 0)
    log_warn ("%s: containers will not start until this is fixed", err.msg);
  struct sysinfo si;
  if (sysinfo (&si) == 0)
    {
      /* All rings together may take an eighth of RAM, at least 16 MiB. */
      uint64_t ram = (uint64_t) si.totalram * si.mem_unit;
      ring_set_global_cap (ram / 8 > 16u << 20 ? ram / 8 : 16u << 20);
    }
  /* An explicit cap, for small guests and for tests of the cap itself. */
  const char *cap = getenv ("TETHER_RING_CAP_BYTES");
  if (cap && strtoull (cap, NULL, 10) >= RING_START)
    ring_set_global_cap ((size_t) strtoull (cap, NULL, 10));
  if ((listen_spec && channel_listen (listen_spec, &err) < 0)
      || (channel_spec && channel_open (channel_spec, &err) < 0))
    return setup_failed (&err);
  if (vm)
    vm_start ();
  reap_children (); /* a child that died before the signalfd existed left no SIGCHLD to read */

  /* From here on nothing makes the tether exit: errors go to clients and the console. */
  for (;;)
    {
      loop_run_once ();
      session_gc ();
      conn_reap_closed ();
      container_reap_dead ();
      if (shutting_down)
        host_shutdown ();
    }
}
