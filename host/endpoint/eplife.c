/* The VM's life as the endpoint records it (docs/endpoint.md): the run's start,
 * exit and stop, heartbeats, and how the endpoint ends (QEMU gone, failed, done);
 * booting a fresh VM or adopting one whose endpoint died. */
#include "ep.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "adopt.h"
#include "autoremove.h"
#include "clock.h"
#include "clone.h"
#include "loglimit.h"
#include "loop.h"
#include "netspec.h"
#include "portspec.h"
#include "qemu.h"
#include "qmp.h"
#include "restartpolicy.h"

static void set_status (const char *st)
{
  ep.v->info.status = (char *) st;
}

/* The clients holding attach sessions, as ps and inspect show them. */
static void attached_fill (void)
{
  static AttachedClient list[EP_ATTACHED_LISTED];
  static AttachedClient *ptrs[EP_ATTACHED_LISTED];
  unsigned n = 0, total = 0;
  for (int i = 0; i < EP_MAX_HANDLES; i++)
    {
      const struct ep_hmap *h = &ep.hmap[i];
      if (!h->used || !h->attached || h->cl < 0 || ep.has_exit)
        continue; /* after the exit, clients only collect what is left: nothing holds the VM */
      total++;
      if (n == EP_ATTACHED_LISTED)
        continue;
      const struct ep_client *c = &ep.clients[h->cl];
      attached_client__init (&list[n]);
      list[n].pid = c->peer_pid;
      list[n].uid = c->peer_uid;
      list[n].client = (char *) c->name;
      list[n].since_ns = h->since_ns;
      list[n].feeds_stdin = h->feeds_stdin;
      ptrs[n] = &list[n];
      n++;
    }
  ep.v->info.attached = ptrs;
  ep.v->info.n_attached = n;
  ep.v->info.attached_total = total;
}

void ep_save (void)
{
  struct terr err;
  attached_fill ();
  if (vm_state_save (ep.v, &err) < 0)
    ep_log ("state: %s", err.msg);
}

/* State.Health as the guest last reported it (owned: the reply is freed). */
static void keep_health (const Health *h)
{
  Health *old = ep.v->info.health, *copy = NULL;
  if (h)
    {
      size_t n = health__get_packed_size (h);
      uint8_t *buf = malloc (n ? n : 1);
      if (buf == NULL)
        return; /* the older view stays until the next result */
      health__pack (h, buf);
      copy = health__unpack (NULL, n, buf);
      free (buf);
      if (copy == NULL)
        return;
    }
  ep.v->info.health = copy;
  if (old)
    health__free_unpacked (old, NULL);
}

void ep_on_info (struct ep *e, const ContainerInfo *ci)
{
  if (e->has_exit)
    return;
  keep_health (ci->health);
  /* the run's facts only once its command has begun (ep_on_started, or an
   * adopting endpoint hearing the tether say so): until then the record stays
   * "created" with run 0, which is not final (a start that fails says so in its
   * exit) */
  bool begun = ci->status && (strcmp (ci->status, "restarting") == 0 || strcmp (ci->status, "running") == 0);
  if (begun)
    {
      e->v->info.pid = ci->pid;
      e->v->info.started_ns = ci->started_ns;
      e->v->info.run = ci->run;
      e->run_known = true;
      e->v->info.rtc_clock = ci->rtc_clock;
      set_status (strcmp (ci->status, "restarting") == 0 ? "restarting" : "running");
    }
  ep_save ();
}

static bool same_state (const NetState *had, const uint8_t *packed, size_t n)
{
  if (had == NULL || net_state__get_packed_size (had) != n)
    return false;
  uint8_t *b = malloc (n ? n : 1);
  bool same = b && net_state__pack (had, b) == n && memcmp (b, packed, n) == 0;
  free (b);
  return same;
}

/* A NIC's address changed in the guest: its latest state replaces the one of
 * the same MAC (a copy: the message is freed), for inspect. A hostile guest
 * gets no more entries than the config has NICs. */
void ep_on_net_state (struct ep *e, const NetState *ns)
{
  ContainerInfo *i = &e->v->info;
  const ContainerConfig *c = e->v->cfg;
  size_t slot = i->n_nets;
  for (size_t k = 0; k < i->n_nets; k++)
    if (ns->mac && i->nets[k]->mac && strcmp (i->nets[k]->mac, ns->mac) == 0)
      slot = k;
  bool known = false;
  for (size_t k = 0; k < c->n_nics; k++)
    known |= ns->mac && strcmp (c->nics[k]->mac, ns->mac) == 0;
  if (!known || slot >= NET_MAX_NICS)
    {
      ep_log ("guest: net state for NIC %.20s, which the config does not have: ignored", ns->mac ? ns->mac : "");
      return;
    }
  size_t n = net_state__get_packed_size (ns);
  uint8_t *buf = malloc (n ? n : 1);
  NetState *copy = NULL;
  if (buf)
    {
      net_state__pack (ns, buf);
      /* the guest tells every NIC again on each hello (the endpoint's hello
       * is repeated while the guest boots): the same state is not news */
      if (slot < i->n_nets && same_state (i->nets[slot], buf, n))
        {
          free (buf);
          return;
        }
      copy = net_state__unpack (NULL, n, buf);
      free (buf);
    }
  if (copy == NULL)
    return; /* the older view stays */
  static NetState *nets[NET_MAX_NICS];
  if (i->nets != nets)
    {
      for (size_t k = 0; k < i->n_nets && k < NET_MAX_NICS; k++)
        nets[k] = i->nets[k]; /* an adopted record's (owned by its load) */
      i->nets = nets;
    }
  if (slot < i->n_nets && nets[slot] && e->nets_owned[slot])
    net_state__free_unpacked (nets[slot], NULL);
  nets[slot] = copy;
  e->nets_owned[slot] = true;
  if (slot == i->n_nets)
    i->n_nets++;
  ep_log ("guest: NIC %s %s %s (%s)", copy->mac, copy->state, copy->address, copy->source);
  ep_save ();
}

void ep_on_started (struct ep *e, const Started *st)
{
  if (e->has_exit)
    return;
  e->v->info.pid = st->pid;
  e->v->info.started_ns = st->started_ns;
  e->v->info.run = st->run;
  e->run_known = true;
  set_status ("running");
  ep_save ();
}

/* docker's --rm of a container whose every disk but the layers goes with it
 * (the top disk; no volume, named or anonymous, that another container might
 * share): the guest's orderly power-off (sync, unmount) would save nothing, and
 * `docker run --rm` waits for the removal. */
static bool removed_with_nothing_kept (const struct vm_ctr *v)
{
  if (!v->cfg->auto_remove)
    return false;
  for (size_t i = 0; i < v->cfg->n_disks; i++)
    if (v->cfg->disks[i]->role == DISK_ROLE__DISK_VOLUME)
      return false;
  return true;
}

void ep_on_exit (struct ep *e, const Exit *x)
{
  /* already recorded (an adopting endpoint hears it again): the guest is still
   * waiting for the ack that lets it power off */
  if (e->has_exit)
    {
      proxy_log_ack (e, x->run ? x->run : 1);
      if (e->poweroff_deadline_ms == 0)
        e->poweroff_deadline_ms = now_mono_ms () + EP_POWEROFF_GRACE_MS;
      return;
    }
  ContainerInfo *i = &e->v->info;
  /* Runs go up one at a time: the exit is of the run the guest said began, or
   * of the next one when its start failed. Once this connection told the run,
   * an exit for another (a lying guest ending the record early) is refused;
   * before that (an adopted VM, a new connection) the guest is believed. */
  if (e->run_known && (x->run < i->run || x->run > i->run + 1))
    {
      static struct log_limit false_exits; /* a guest sending them by the thousand is said once a while */
      uint64_t more;
      if (log_limit_hit (&false_exits, now_mono_ms (), &more))
        ep_log ("guest: an exit for run %u, but run %u is the one going on: ignored (%llu more unlogged)", x->run,
                i->run, (unsigned long long) more);
      return;
    }
  i->restart_count = x->restart_count;
  i->exit_code = x->exit_code;
  i->signal = x->signal;
  i->run = x->run;
  i->started_ns = x->started_ns;
  i->finished_ns = x->finished_ns;
  i->stdout_offset = x->stdout_final;
  i->stderr_offset = x->stderr_final;
  i->pid = 0;
  snprintf (e->v->error, sizeof e->v->error, "%s", x->error ? x->error : "");
  if (x->restarting)
    {
      /* The guest's restart policy starts another run: not the end of the VM. */
      set_status ("restarting");
      ep_save ();
      ep_log ("run %u ended: exit %d; the restart policy starts run %u", x->run, x->exit_code, x->run + 1);
      return;
    }
  /* The logs should be complete now; if a write failed they are not, and the
   * acks never covered the missing bytes: say so rather than pretend. */
  if (x->stdout_final != e->log.next[STREAM_STDOUT] || x->stderr_final != e->log.next[STREAM_STDERR])
    ep_log ("logs incomplete: stdout %llu of %llu bytes, stderr %llu of %llu",
            (unsigned long long) e->log.next[STREAM_STDOUT], (unsigned long long) x->stdout_final,
            (unsigned long long) e->log.next[STREAM_STDERR], (unsigned long long) x->stderr_final);
  set_status (x->not_started ? "created" : "exited"); /* docker: a failed start stays created */
  if (x->not_started)
    i->started_ns = i->finished_ns = 0;
  ep_save ();
  e->has_exit = true;
  ep_log ("run %u ended: exit %d%s%s", x->run, x->exit_code, x->error && *x->error ? ": " : "",
          x->error ? x->error : "");
  /* state.json is final: now the guest may power off */
  proxy_log_ack (e, x->run ? x->run : 1);
  e->poweroff_deadline_ms = now_mono_ms () + EP_POWEROFF_GRACE_MS;
  if (removed_with_nothing_kept (e->v))
    e->quit_now = true; /* the loop's next round, after the clients' last frames */
}

/* The guest's time in each beat goes to containers/ID/heartbeat (8 bytes written
 * in place, no fsync: it must outlive the endpoint, not the host), so an endpoint
 * that finds the VM gone later dates the end by it, not by when it looked. */
void ep_on_heartbeat (struct ep *e, const Heartbeat *hb)
{
  e->beat_mono_ms = now_mono_ms ();
  e->v->beat_ns = hb->time_ns;
  if (hb->health_seq != e->health_seq && e->guest_ready && !e->has_exit)
    {
      e->health_seq = hb->health_seq; /* a new result: fetch the container's info once */
      proxy_ask_info (e);
    }
  uint8_t b[8];
  for (int i = 0; i < 8; i++)
    b[i] = (uint8_t) ((uint64_t) hb->time_ns >> (8 * i));
  if (e->beat_fd >= 0 && pwrite (e->beat_fd, b, sizeof b, 0) != (ssize_t) sizeof b)
    (void) 0; /* a lost beat record costs only the precision of a later FinishedAt */
  if (e->v->unresponsive)
    {
      e->v->unresponsive = false;
      ep_log ("the guest answers again (heartbeat %llu)", (unsigned long long) hb->seq);
      ep_save ();
    }
}

/* Beats missed: say so in the state (once), the VM may be hung. */
void ep_check_beats (int64_t now)
{
  int interval = (int) config_heartbeat_ms (ep.v->cfg);
  if (!ep.guest_ready || ep.beat_mono_ms == 0 || ep.v->unresponsive || ep.has_exit
      || now - ep.beat_mono_ms <= (int64_t) EP_MISSED_BEATS * interval)
    return;
  ep.v->unresponsive = true;
  ep_log ("no heartbeat for %lld ms: the guest is unresponsive", (long long) (now - ep.beat_mono_ms));
  ep_save ();
}

void ep_on_stop (struct ep *e, int timeout_s)
{
  const ContainerConfig *c = e->v->cfg;
  int t = timeout_s > 0 ? timeout_s : c->stop_timeout_s >= 0 ? c->stop_timeout_s : 10;
  int64_t now = now_mono_ms ();
  int64_t dl = now + (int64_t) t * 1000 + EP_STOP_GRACE_MS;
  if (e->stop_deadline_ms == 0 || dl < e->stop_deadline_ms)
    e->stop_deadline_ms = dl;
  e->powerdown_next_ms = now + (int64_t) t * 1000 + 2000;
}

/* ---- ending ---- */

void ep_kill_qemu (void)
{
  struct terr err;
  if (ep.qemu_gone)
    return;
  if (qmp_once (ep.v->qmp_sock, "quit", NULL, EP_QMP_MS, &err) < 0)
    ep_log ("quit: %s", err.msg);
  struct pollfd p = { .fd = ep.pidfd, .events = POLLIN };
  if (ep.pidfd >= 0 && poll (&p, 1, EP_KILL_WAIT_MS) > 0)
    {
      ep.qemu_gone = true;
      return;
    }
  ep_log ("QEMU did not quit: SIGKILL");
  if (ep.pidfd >= 0)
    syscall (SYS_pidfd_send_signal, ep.pidfd, SIGKILL, NULL, 0);
  else if (ep.v->qemu_pid > 0)
    kill (ep.v->qemu_pid, SIGKILL);
  if (ep.pidfd >= 0)
    poll (&p, 1, EP_KILL_WAIT_MS);
  ep.qemu_gone = true;
}

static void flush_clients (int64_t deadline)
{
  for (;;)
    {
      struct pollfd p[EP_MAX_CLIENTS];
      int n = 0;
      for (int i = 0; i < EP_MAX_CLIENTS; i++)
        if (ep.clients[i].used && !ep.clients[i].l.dead && link_has_out (&ep.clients[i].l))
          {
            link_flush (&ep.clients[i].l);
            if (link_has_out (&ep.clients[i].l) && !ep.clients[i].l.dead)
              p[n++] = (struct pollfd){ .fd = ep.clients[i].l.fd, .events = POLLOUT };
          }
      int64_t left = deadline - now_mono_ms ();
      if (n == 0 || left <= 0)
        return;
      poll (p, (nfds_t) n, (int) left);
    }
}

_Noreturn void ep_finish (void)
{
  if (!ep.has_exit)
    ep_save ();
  flush_clients (now_mono_ms () + EP_FINAL_FLUSH_MS);
  if (ep.listen_fd >= 0)
    close (ep.listen_fd);
  unlink (ep.v->ctl_sock);
  unlink (ep.v->qmp_sock);
  unlink (ep.v->chan_sock);
  rmdir (ep.v->rundir);
  proxy_log_garbage_total ();
  if (ep.has_exit && ep.v->cfg->auto_remove)
    {
      /* docker's --rm (HostConfig.AutoRemove): the endpoint removes the container
       * at its end, with or without tetherd; wait condition=removed sees it go */
      ep_log ("done: removing the container (AutoRemove)");
      vm_auto_remove (ep.v, ep.v->info.exit_code);
      exit (0);
    }
  ep_log ("done");
  exit (0);
}

/* The container ends 125 with the reason and the console tail. */
_Noreturn void ep_fail (const char *why)
{
  char tail[1200];
  proxy_log_garbage_total ();
  ep_log ("failed: %s", why);
  ep.failed = true;
  ep_kill_qemu ();
  vm_console_tail (ep.v, tail, sizeof tail);
  snprintf (ep.v->error, sizeof ep.v->error, "%s%s%s", why, tail[0] ? "; console:\n" : "", tail);
  ContainerInfo *i = &ep.v->info;
  i->exit_code = 125;
  i->pid = 0;
  if (i->started_ns == 0)
    i->started_ns = now_real_ns ();
  /* a VM that stopped without reporting ended after its last heartbeat and
   * before the next one: that beat dates it (VIC dated it by when it looked) */
  i->finished_ns = ep.qemu_gone && ep.v->beat_ns > i->started_ns ? ep.v->beat_ns : now_real_ns ();
  if (i->run == 0)
    i->run = 1;
  set_status ("exited");
  ep_save ();
  ep.has_exit = true;
  proxy_fail_all (&ep, why);
  ep_finish ();
}

static bool console_says_panic (void)
{
  char tail[4096];
  vm_console_tail (ep.v, tail, sizeof tail);
  return strstr (tail, "Kernel panic") != NULL;
}

/* ---- the restart policy when the VM dies ---- */

static struct timer reboot_timer;

static void reboot_fire (struct timer *t)
{
  (void) t;
  ep.rebooting = false;
  const char *bt = getenv ("TETHER_BOOT_TIMEOUT_S");
  ep.boot_deadline_ms = now_mono_ms () + 1000LL * (bt && atoi (bt) > 0 ? atoi (bt) : EP_BOOT_TIMEOUT_S);
  ep_boot_vm (ep.v, -1);
}

/* The VM died under a running container (QEMU killed, quit, a guest panic)
 * whose policy is always or unless-stopped and that nobody stopped: as docker
 * restarts a container whose process was killed, another VM boots from the same
 * disks (the top disk keeps the container's changes), after docker's back-off.
 * Its tether goes on where the log stands (config resume_*): logs continue, runs
 * and RestartCount count on. Returns false when the policy does not apply. */
static bool reboot_by_policy (void)
{
  enum restart_mode mode = restart_mode_of (ep.v->cfg);
  if ((mode != RESTART_ALWAYS && mode != RESTART_UNLESS_STOPPED) || ep.stop_deadline_ms || ep.failed
      || !(ep.guest_ready || ep.v->hello_ns))
    return false; /* a VM that never came up would only fail again */
  ContainerInfo *i = &ep.v->info;
  uint32_t count = i->restart_count;
  int64_t delay = restart_decide (mode, 0, &count, &ep.vm_backoff_ms, 137, false, now_mono_ms () - ep.vm_up_ms);
  if (delay < 0)
    return false;
  ContainerConfig *c = ep.v->cfg;
  c->resume_stdout = ep.log.next[STREAM_STDOUT];
  c->resume_stderr = ep.log.next[STREAM_STDERR];
  c->resume_run = i->run > 0 ? i->run : 1;
  c->resume_restart_count = count;
  struct terr err;
  terr_clear (&err);
  if (vm_config_write (ep.v, &err) < 0)
    {
      ep_log ("restart policy: %s", err.msg);
      return false;
    }
  snprintf (ep.v->error, sizeof ep.v->error,
            "the VM stopped without reporting the container's end (FinishedAt: its last heartbeat); "
            "restart policy %s: another VM boots", c->restart_policy->name);
  i->exit_code = 137; /* its process was killed with the VM */
  i->signal = 0;
  i->pid = 0;
  i->finished_ns = ep.v->beat_ns > i->started_ns ? ep.v->beat_ns : now_real_ns ();
  i->restart_count = count;
  set_status ("restarting");
  ep_log ("the VM died under run %u: restart %u in %lld ms (policy %s)", i->run, count, (long long) delay,
          c->restart_policy->name);
  ep_guest_reset ();
  if (ep.pidfd >= 0)
    close (ep.pidfd);
  ep.pidfd = -1;
  ep.qemu_gone = ep.guest_gone = false;
  ep.beat_mono_ms = 0;
  ep.v->unresponsive = false;
  ep.v->hello_ns = 0;
  ep.v->qemu_pid = 0;
  ep.rebooting = true;
  ep_save ();
  timer_arm (&reboot_timer, delay, reboot_fire);
  return true;
}

void ep_on_qemu_gone (void)
{
  ep.qemu_gone = true;
  /* whatever the guest sent before it went is still in the socket */
  if (ep.guest_connected && !ep.guest.dead)
    {
      struct frame f;
      while (link_read (&ep.guest) > 0)
        while (link_next (&ep.guest, &f) > 0)
          proxy_guest_frame (&ep, &f);
    }
  if (ep.has_exit)
    ep_finish ();
  if (reboot_by_policy ())
    return;
  if (console_says_panic ())
    ep_fail ("guest panic");
  ep_fail (ep.guest_ready || ep.v->hello_ns
            ? "the VM stopped without reporting the container's end (FinishedAt: its last heartbeat)"
            : "the VM stopped before it was reachable");
}

/* ---- the loop ---- */

/* A clone of the shape's template if there is one (#12): false with why in
 * start_note when the VM must boot cold. */
static bool try_clone (struct vm_ctr *v)
{
  v->cloned = false;
  v->template_key[0] = '\0';
  if (v->no_template)
    return snprintf (v->start_note, sizeof v->start_note, "the run asked for a cold boot (--no-template)"), false;
  if (!tpl_enabled ())
    return snprintf (v->start_note, sizeof v->start_note, "templates are off (TETHER_TEMPLATES=off)"), false;
  struct terr err;
  terr_clear (&err);
  char key[TPL_KEY_LEN];
  int r = clone_boot (v, key, &err);
  if (r == 0)
    {
      v->cloned = true;
      snprintf (v->template_key, sizeof v->template_key, "%s", key);
      v->start_note[0] = '\0';
      return true;
    }
  snprintf (v->start_note, sizeof v->start_note, "%s%.200s", r < 0 ? "the restore failed, booted cold: " : "",
            err.msg);
  if (r < 0)
    ep_log ("%s", v->start_note);
  return false;
}

/* A fresh VM: QEMU started (a clone, or a cold boot), its pidfd, the disks plugged. */
void ep_boot_vm (struct vm_ctr *v, int ready_fd)
{
  struct terr err;
  terr_clear (&err);
  int64_t t0 = now_mono_ms ();
  /* docker's start fails at once on a published port taken on the host, and
   * picks the ports -p left open; QEMU binds them when the NIC is plugged */
  if (port_reserve (v->cfg, &err) < 0)
    {
      if (ready_fd >= 0)
        close (ready_fd);
      char why[sizeof err.msg + 200];
      snprintf (why, sizeof why, "driver failed programming external connectivity on endpoint %s (%s): %s",
                v->cfg->name && v->cfg->name[0] ? v->cfg->name : v->id, v->id, err.msg);
      ep_fail (why);
    }
  if (!try_clone (v) && qemu_spawn (v, &err) < 0)
    {
      if (ready_fd >= 0)
        close (ready_fd);
      ep_fail (err.msg);
    }
  ep.vm_up_ms = now_mono_ms ();
  ep.pidfd = (int) syscall (SYS_pidfd_open, v->qemu_pid, 0);
  if (ep.pidfd < 0)
    {
      close (ready_fd);
      ep_fail ("QEMU exited at once (see the console)");
    }
  ep_log ("QEMU pid %d (%s, %s%.12s%s%s), clients on %s", v->qemu_pid, v->accel,
          v->cloned ? "a clone of template " : "cold boot", v->cloned ? v->template_key : "",
          v->cloned ? "" : ": ", v->cloned ? "" : v->start_note, v->ctl_sock);
  ep_save ();
  if (ready_fd >= 0 && write (ready_fd, "R", 1) < 0)
    (void) 0; /* the run may have gone: it does not matter */
  if (ready_fd >= 0)
    close (ready_fd);
  int64_t t1 = now_mono_ms ();
  if (qemu_plug_disks (v, &err) < 0 || qemu_plug_nics (v, &err) < 0)
    {
      struct pollfd p = { .fd = ep.pidfd, .events = POLLIN };
      if (poll (&p, 1, 0) > 0)
        ep_on_qemu_gone ();
      ep_fail (err.msg);
    }
  ep_log ("%s in %lld ms, %zu disks plugged in %lld ms", v->cloned ? "restored" : "QEMU started",
          (long long) (t1 - t0), v->n_disks, (long long) (now_mono_ms () - t1));
}

/* A VM whose endpoint died: the QEMU it recorded, if that process still runs.
 * The guest is reached again through the channel socket and a new hello; the log
 * resumes at the length of the files. A VM that went meanwhile is recorded as
 * ended without its status, with how much of its output is kept. */
void ep_adopt_vm (struct vm_ctr *v, int ready_fd)
{
  struct terr err;
  terr_clear (&err);
  ep.has_exit = vm_info_final (&v->info);
  ep.pidfd = qemu_find (v, &err);
  if (ep.pidfd < 0)
    {
      close (ready_fd);
      ep.qemu_gone = true;
      if (ep.has_exit)
        ep_finish ();
      char why[512];
      snprintf (why, sizeof why,
                "the VM stopped while no endpoint was attached (%s); the logs hold stdout to byte %llu, "
                "stderr to byte %llu",
                err.msg, (unsigned long long) ep.log.next[STREAM_STDOUT],
                (unsigned long long) ep.log.next[STREAM_STDERR]);
      ep_fail (why);
    }
  ep_log ("adopted QEMU pid %d; logs resume at stdout %llu, stderr %llu", v->qemu_pid,
          (unsigned long long) ep.log.next[STREAM_STDOUT], (unsigned long long) ep.log.next[STREAM_STDERR]);
  ep_save ();
  if (write (ready_fd, "R", 1) < 0)
    (void) 0;
  close (ready_fd);
}

