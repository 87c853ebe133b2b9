/* tetherd: the Docker Engine API on a unix socket (DESIGN §1, §5), one more
 * client of the per-VM endpoints. It keeps no state that is not on disk: every
 * request reads the state dir, so it can be killed and restarted while
 * containers run. One loop, no threads: libmicrohttpd runs inside it. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "apicaps.h"
#include "apisock.h"
#include "loop.h"
#include "routes.h"
#include "server.h"
#include "store.h"
#include "statedir.h"
#include "supervise.h"
#include "tplmaker.h"

static const char usage[]
    = "Usage: tetherd [-H unix://PATH] [--state-dir DIR]\n"
      "\n"
      "Serve the Docker Engine API (" API_MIN_VERSION " to " API_VERSION ") for the container VMs of the state dir.\n"
      "\n"
      "Options:\n"
      "  -H, --host unix://PATH     the socket (default " API_SOCK_DEFAULT "; mode 0660, group\n"
      "                             " API_SOCK_GROUP " when it exists)\n"
      "      --state-dir DIR        the state directory (default $TETHER_STATE_DIR, else " STATE_DIR_DEFAULT ")\n"
      "      --no-templates         boot every container VM cold: make and use no VM template\n"
      "                             (also TETHER_TEMPLATES=off)\n"
      "      --version              print the version\n"
      "      --help                 print this help\n";

static bool stopping;

static void on_signal (struct watch *w, uint32_t events)
{
  (void) events;
  struct signalfd_siginfo si;
  while (read (w->fd, &si, sizeof si) == (ssize_t) sizeof si)
    if (si.ssi_signo == SIGHUP)
      fprintf (stderr, "tetherd: SIGHUP: there is no configuration to reload\n");
    else
      stopping = true;
}

/* SIGTERM, SIGINT and SIGHUP are read from a signalfd; SIGPIPE is ignored (a
 * client that leaves mid-reply is only a failed write). */
static int signals_setup (struct watch *w, struct terr *err)
{
  sigset_t set;
  sigemptyset (&set);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGHUP);
  if (sigprocmask (SIG_BLOCK, &set, NULL) < 0)
    return terr_set (err, errno, "sigprocmask");
  signal (SIGPIPE, SIG_IGN);
  int fd = signalfd (-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0)
    return terr_set (err, errno, "signalfd");
  return loop_add (w, fd, EPOLLIN, on_signal, err);
}

static void loop_warn (const char *msg)
{
  fprintf (stderr, "tetherd: %s\n", msg);
}

int main (int argc, char **argv)
{
  enum { OPT_STATE_DIR = 256, OPT_VERSION, OPT_HELP, OPT_NO_TEMPLATES };
  static const struct option longs[] = {
    { "host", required_argument, NULL, 'H' },
    { "state-dir", required_argument, NULL, OPT_STATE_DIR },
    { "version", no_argument, NULL, OPT_VERSION },
    { "no-templates", no_argument, NULL, OPT_NO_TEMPLATES },
    { "help", no_argument, NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
  };
  const char *host = API_SOCK_DEFAULT;
  opterr = 0;
  int ch;
  while ((ch = getopt_long (argc, argv, "H:", longs, NULL)) != -1)
    switch (ch)
      {
      case 'H': host = optarg; break;
      case OPT_STATE_DIR:
        if (*optarg == '\0' || setenv ("TETHER_STATE_DIR", optarg, 1) < 0)
          return fprintf (stderr, "tetherd: --state-dir wants a directory\n"), 1;
        break;
      case OPT_NO_TEMPLATES: setenv ("TETHER_TEMPLATES", "off", 1); break; /* its endpoints inherit it */
      case OPT_VERSION: return printf ("tetherd %s (Engine API %s)\n", TETHERD_VERSION, API_VERSION), 0;
      case OPT_HELP: return fputs (usage, stdout), 0;
      default:
        return fprintf (stderr, "tetherd: bad option %s (see tetherd --help)\n", argv[optind - 1]), 1;
      }
  if (optind < argc)
    return fprintf (stderr, "tetherd: unexpected argument %s\n", argv[optind]), 1;
  if (strncmp (host, "unix://", 7) != 0 || host[7] != '/')
    return fprintf (stderr, "tetherd: -H %s: only unix:///absolute/path is supported\n", host), 1;

  struct terr err;
  terr_clear (&err);
  static struct watch sig_watch;
  static struct api_sock sock = { .fd = -1 };
  static struct server srv;
  loop_set_warn (loop_warn);
  if (loop_init (&err) < 0 || signals_setup (&sig_watch, &err) < 0 || sys_init (&err) < 0
      || api_sock_listen (&sock, host + 7, &err) < 0)
    return fprintf (stderr, "tetherd: %s\n", err.msg), 1;
  if (server_start (&srv, sock.fd, &err) < 0)
    {
      fprintf (stderr, "tetherd: %s\n", err.msg);
      api_sock_close (&sock);
      return 1;
    }
  fprintf (stderr, "tetherd %s: serving the Engine API on %s (state dir %s)\n", TETHERD_VERSION, sock.path,
           state_dir ());
  supervise_start ();
  tplmaker_start ();
  store_sweep_tmp (STORE_TMP_MAX_AGE_S); /* what a killed load or a crashed tetherd left */
  while (!stopping)
    loop_run_once ();
  server_stop (&srv);
  sock.fd = -1; /* closed by libmicrohttpd */
  api_sock_close (&sock);
  fprintf (stderr, "tetherd: stopped\n");
  return 0;
}
