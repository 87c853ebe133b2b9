/* docker attach (and run's attach before start): the hijacked socket goes to a
 * job's child, which relays it with tetherctl's reconnecting session
 * (host/cli/vmrelay.c): output in docker's frames without a tty, raw with one;
 * stdin raw from the client when asked for and the container has it open. The
 * relay survives the endpoint's death as tetherctl attach does. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "epspawn.h"
#include "jobs.h"
#include "logstore.h"
#include "routes.h"
#include "session.h"
#include "vmrelay.h"
#include "vmstate.h"

#define CT_MUX "application/vnd.docker.multiplexed-stream"
#define CT_RAW "application/vnd.docker.raw-stream"
#define ATTACH_START_WAIT_MS (10 * 60 * 1000) /* run attaches, then starts: the VM's boot, at most */

struct attach_arg {
  char id[65];
  bool want_stdin, tty;
  bool from_start;            /* not started yet (docker run, start -a): its output from the next run's first byte */
  bool ran_before;            /* ended: wait for it to run again (start -a), from where its log stands */
};

static void nap_ms (long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep (&ts, NULL);
}

static int attach_run (void *p)
{
  struct attach_arg *a = p;
  if (!a->want_stdin)
    {
      int nul = open ("/dev/null", O_RDONLY);
      if (nul >= 0)
        dup2 (nul, 0), close (nul);
    }
  static struct vm_ctr v;
  struct terr err;
  terr_clear (&err);
  char addr[200];
  /* run's (and start -a's) attach comes before its start: wait for the VM
   * (its endpoint); one that ran before starts where its log stands now */
  uint64_t from[2] = { 0, 0 };
  if (a->ran_before)
    {
      struct logstore ls;
      if (vm_ctr_paths (&v, a->id, &err) == 0 && logstore_open (&ls, v.dir, 0, 1, &err) == 0)
        {
          from[0] = ls.next[STREAM_STDOUT];
          from[1] = ls.next[STREAM_STDERR];
          logstore_close (&ls);
        }
    }
  for (long waited = 0;; waited += 50)
    {
      if (vm_ctr_load (&v, a->id, &err) < 0)
        return fprintf (stderr, "attach: %s\n", err.msg), 1;
      bool final = vm_info_final (&v.info);
      if ((final && !a->ran_before) || (!final && v.qemu_pid != 0 && endpoint_ensure (a->id, addr, sizeof addr) != NULL))
        break;
      if (waited >= ATTACH_START_WAIT_MS)
        return fprintf (stderr, "attach: the container did not start\n"), 1;
      nap_ms (50);
    }
  struct session_opts so = { .relay_stdin = a->want_stdin, .tty = a->tty, .docker_frames = !a->tty };
  vm_relay (&v, &so, a->from_start ? from : NULL);
  shutdown (STDOUT_FILENO, SHUT_WR); /* the CLI returns once its output side ends */
  return 0;
}

void route_ctr_attach (struct api_req *req, struct api_reply *rep)
{
  struct attach_arg *a = calloc (1, sizeof *a);
  ContainerInfo *ci = NULL;
  if (a == NULL)
    {
      api_reply_error (rep, 500, "out of memory");
      return;
    }
  if (!ctr_lookup (req, rep, a->id, &ci))
    {
      free (a);
      return;
    }
  const char *st = ci->status ? ci->status : "";
  bool live = strcmp (st, "running") == 0 || strcmp (st, "restarting") == 0;
  /* not running: the next run's output (docker's start -a attaches, then starts) */
  a->from_start = !live;
  a->ran_before = !live && ci->run > 0;
  a->tty = ci->config && ci->config->tty;
  a->want_stdin = api_arg_bool (req, "stdin") && ci->config && ci->config->open_stdin;
  container_info__free_unpacked (ci, NULL);
  const char *ct = a->tty ? CT_RAW : CT_MUX;
  job_defer (rep, &(struct job_spec) { .run = attach_run, .arg = a, .hijack = true });
  if (rep->job)
    rep->status = 101, rep->content_type = ct;
}
