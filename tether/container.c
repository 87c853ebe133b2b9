/* The container table and the lifecycle: created -> running -> exited -> ... -> removed. */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "caps.h"
#include "capnames.h"
#include "cfgcheck.h"
#include "cmounts.h"
#include "health.h"
#include "log.h"
#include "tether.h"
#include "vm.h"


struct container *containers;

static bool is_hex_id (const char *s)
{
  if (strlen (s) != 64)
    return false;
  for (; *s; s++)
    if (!isxdigit ((unsigned char) *s) || isupper ((unsigned char) *s))
      return false;
  return true;
}

struct container *container_find (const char *ref, struct terr *err)
{
  if (!ref || !*ref)
    return (err->code = ERR_NOT_FOUND, terr_set (err, 0, "no container id given"), NULL);
  size_t rl = strlen (ref);
  struct container *match = NULL;
  int n = 0;
  for (struct container *c = containers; c; c = c->next)
    {
      if (strcmp (c->id, ref) == 0 || strcmp (c->name, ref) == 0)
        return c;
      if (rl < 64 && strncmp (c->id, ref, rl) == 0)
        {
          match = c;
          n++;
        }
    }
  if (n == 1)
    return match;
  err->code = ERR_NOT_FOUND;
  terr_set (err, 0, n ? "ambiguous container id prefix %s" : "no such container: %s", ref);
  return NULL;
}

struct container *container_create (const ContainerConfig *cfg, bool *existed, struct terr *err)
{
  *existed = false;
  err->code = ERR_BAD_REQUEST;
  if (!cfg || !cfg->id || !is_hex_id (cfg->id))
    return (terr_set (err, 0, "container id must be 64 lowercase hex digits"), NULL);
  if (cfg->n_argv == 0 || !cfg->argv[0][0])
    return (terr_set (err, 0, "no command given"), NULL);
  if (cfg->name && strlen (cfg->name) >= sizeof ((struct container *) 0)->name)
    return (terr_set (err, 0, "name too long"), NULL);
  char why[300];
  uint64_t caps;
  if (cfg_check (cfg, why, sizeof why) < 0 || cmounts_check (cfg, !vm_mode, why, sizeof why) < 0
      || capset_of (cfg->privileged, cfg->cap_add, cfg->n_cap_add, cfg->cap_drop, cfg->n_cap_drop, ~0ull, &caps, why,
                    sizeof why)
             < 0)
    return (terr_set (err, 0, "%s", why), NULL);
  size_t len = container_config__get_packed_size (cfg);
  uint8_t *packed = malloc (len ? len : 1);
  if (!packed)
    return (err->code = ERR_LIMIT, terr_set (err, ENOMEM, "create"), NULL);
  container_config__pack (cfg, packed);
  unsigned count = 0;
  for (struct container *c = containers; c; c = c->next, count++)
    {
      if (strcmp (c->id, cfg->id) == 0)
        {
          bool same = c->cfg_len == len && memcmp (c->cfg_packed, packed, len) == 0;
          free (packed);
          if (!same)
            return (err->code = ERR_CONFLICT, terr_set (err, 0, "container %s exists with another config", cfg->id),
                    NULL);
          *existed = true; /* a retried create: idempotent */
          return c;
        }
      if (cfg->name && cfg->name[0] && strcmp (c->name, cfg->name) == 0)
        {
          free (packed);
          return (err->code = ERR_CONFLICT, terr_set (err, 0, "the name %s is in use by %.12s", cfg->name, c->id),
                  NULL);
        }
    }
  if (count >= MAX_CONTAINERS)
    {
      free (packed);
      return (err->code = ERR_LIMIT, terr_set (err, 0, "too many containers (%d): remove some", MAX_CONTAINERS),
              NULL);
    }
  struct container *c = calloc (1, sizeof *c);
  ContainerConfig *own = container_config__unpack (NULL, len, packed);
  if (!c || !own || (c->cfg = own, health_attach (c) < 0))
    {
      free (c);
      free (packed);
      if (own)
        container_config__free_unpacked (own, NULL);
      return (err->code = ERR_LIMIT, terr_set (err, ENOMEM, "create"), NULL);
    }
  snprintf (c->id, sizeof c->id, "%s", cfg->id);
  snprintf (c->name, sizeof c->name, "%s", cfg->name && cfg->name[0] ? cfg->name : "");
  c->cfg_packed = packed;
  c->cfg_len = len;
  static uint64_t next_seq = 1;
  c->seq = next_seq++;
  c->state = C_CREATED;
  c->created_ns = now_real_ns ();
  session_init (&c->primary, SESSION_PRIMARY, c);
  c->next = containers;
  containers = c;
  stats.containers++;
  return c;
}

int container_begin_run (struct container *c, struct terr *err)
{
  if (run_start (c, err) < 0)
    return -1;
  c->state = C_RUNNING;
  c->stopping = false;
  c->run_mono_ms = now_mono_ms ();
  health_run_started (c);
  return 0;
}

/* A client's start: the policy counts afresh and may restart again (docker's
 * ContainerStart resets the restart manager and HasBeenManuallyStopped). */
int container_start (struct container *c, struct terr *err)
{
  if (c->state == C_RUNNING)
    return (err->code = ERR_CONFLICT, terr_set (err, 0, "container %.12s is already running", c->id));
  if (c->state == C_RESTARTING)
    return (err->code = ERR_CONFLICT, terr_set (err, 0, "container %.12s is restarting", c->id));
  if (c->removing)
    return (err->code = ERR_CONFLICT, terr_set (err, 0, "container %.12s is being removed", c->id));
  if (container_begin_run (c, err) < 0)
    return -1;
  c->user_stopped = false;
  c->restart_count = 0;
  c->restart_backoff_ms = 0;
  return 0;
}

int container_signal (struct container *c, int signo, struct terr *err)
{
  if (c->state == C_RESTARTING && signo > 0 && signo < 65)
    {
      /* docker kill of a restarting container: no next run, nothing to signal. */
      c->user_stopped = true;
      restart_cancel (c);
      return 0;
    }
  if (c->state != C_RUNNING || !session_running (&c->primary))
    return (err->code = ERR_CONFLICT, terr_set (err, 0, "container %.12s is not running", c->id));
  if (signo <= 0 || signo >= 65)
    return (err->code = ERR_BAD_REQUEST, terr_set (err, 0, "bad signal %d", signo));
  if (run_request_signal (&c->primary, signo) < 0)
    return (err->code = ERR_CONFLICT,
            terr_set (err, 0, "container %.12s is not running: its process has exited", c->id));
  c->user_stopped = true; /* docker's HasBeenManuallyStopped: the policy does not restart it */
  return 0;
}

static void kill_fallback (struct timer *t)
{
  struct container *c = container_of (t, struct container, kill_timer);
  /* The container init did not act on SIGKILL: end the whole namespace. */
  if (session_running (&c->primary) && session_kill (&c->primary, SIGKILL) == 0)
    log_warn ("container %.12s: init silent after SIGKILL, killing its namespace", c->id);
}

static void stop_timeout (struct timer *t)
{
  struct container *c = container_of (t, struct container, stop_timer);
  if (!session_running (&c->primary))
    return;
  run_request_signal (&c->primary, SIGKILL);
  timer_arm (&c->kill_timer, KILL_FALLBACK_MS, kill_fallback);
}

int container_stop (struct container *c, int signo, int timeout_s)
{
  c->user_stopped = true;
  if (!session_running (&c->primary))
    {
      restart_cancel (c); /* in the back-off: no next run */
      return 0;
    }
  if (signo <= 0)
    signo = c->cfg->stop_signal ? (int) c->cfg->stop_signal : SIGTERM;
  if (timeout_s <= 0)
    timeout_s = c->cfg->stop_timeout_s >= 0 && c->cfg->stop_timeout_s != 0 ? c->cfg->stop_timeout_s
                                                                           : STOP_TIMEOUT_DEFAULT_S;
  c->stopping = true;
  run_request_signal (&c->primary, signo);
  if (signo == SIGKILL)
    timer_arm (&c->kill_timer, KILL_FALLBACK_MS, kill_fallback);
  else
    timer_arm (&c->stop_timer, (int64_t) timeout_s * 1000, stop_timeout);
  return 0;
}

/* Containers die in two steps: container_bury, inside a callback, unlinks the
 * container and closes everything it watches (their watch fds become -1, so
 * events already fetched in this round are skipped); container_reap_dead, between
 * rounds, frees the memory those pending events still point at. */
static struct container *graveyard;

static void container_bury (struct container *c)
{
  for (struct container **p = &containers; *p; p = &(*p)->next)
    if (*p == c)
      {
        *p = c->next;
        break;
      }
  if (vm_mode)
    vm_on_container_gone (c);
  for (struct session *s = c->execs; s; s = s->next)
    {
      reap_forget (s);
      session_release (s);
    }
  reap_forget (&c->primary);
  timer_cancel (&c->stop_timer);
  timer_cancel (&c->kill_timer);
  timer_cancel (&c->restart_timer);
  health_cancel (c);
  session_release (&c->primary);
  c->next = graveyard;
  graveyard = c;
  stats.containers--;
}

void container_reap_dead (void)
{
  while (graveyard)
    {
      struct container *c = graveyard;
      graveyard = c->next;
      while (c->execs)
        {
          struct session *s = c->execs;
          c->execs = s->next;
          free (s);
        }
      health_free (c);
      free (c->attached_pb);
      free (c->attached_ptrs);
      container_config__free_unpacked (c->cfg, NULL);
      free (c->cfg_packed);
      free (c);
    }
}

static void answer_removers (struct container *c)
{
  Msg m = MSG__INIT;
  Ok ok = OK__INIT;
  ok.id = c->id;
  m.body_case = MSG__BODY_OK;
  m.ok = &ok;
  while (c->primary.waiters)
    {
      struct waiter *w = c->primary.waiters;
      if (w->what == WAIT_EXIT)
        session_send_exit (&c->primary, w->conn, w->request_id, 0); /* a wait queued behind rm -f */
      else if (w->what == WAIT_START)
        conn_send_error (w->conn, w->request_id, ERR_CONFLICT, "the container was removed before it started", 0);
      else
        {
          m.request_id = w->request_id;
          conn_send (w->conn, &m);
        }
      waiter_remove (w);
    }
}

int container_remove (struct container *c, bool force, struct terr *err)
{
  if (c->state == C_RESTARTING)
    {
      if (!force)
        return (err->code = ERR_CONFLICT,
                terr_set (err, 0, "container %.12s is restarting: stop it first or use -f", c->id));
      c->user_stopped = true;
      restart_cancel (c);
    }
  if (session_running (&c->primary))
    {
      if (!force)
        return (err->code = ERR_CONFLICT,
                terr_set (err, 0, "container %.12s is running: stop it first or use -f", c->id));
      c->removing = true;
      session_discard_output (&c->primary);
      run_request_signal (&c->primary, SIGKILL);
      timer_arm (&c->kill_timer, KILL_FALLBACK_MS, kill_fallback);
      return 1; /* answered when it is gone */
    }
  for (struct session *s = c->execs; s; s = s->next)
    session_kill (s, SIGKILL);
  answer_removers (c);
  container_bury (c);
  return 0;
}

void container_run_ending (struct container *c)
{
  timer_cancel (&c->stop_timer);
  timer_cancel (&c->kill_timer);
  health_run_ended (c);
  /* a start that failed is not a run the policy restarts (docker's: no start, no restart) */
  if (!c->removing && c->primary.launched && restart_schedule (c))
    c->state = C_RESTARTING;
}

void container_run_finished (struct container *c)
{
  if (c->state != C_RESTARTING)
    container_settle (c);
}

void container_settle (struct container *c)
{
  /* docker: a failed start leaves the container created, with the code and why */
  c->state = c->primary.launched ? C_EXITED : C_CREATED;
  if (vm_mode)
    vm_on_run_finished (c);
  if (c->removing)
    {
      struct terr err = { 0 };
      container_remove (c, true, &err);
    }
}

static const char *state_name (const struct container *c)
{
  switch (c->state)
    {
    case C_CREATED:
      return "created";
    case C_RUNNING:
      return "running";
    case C_RESTARTING:
      return "restarting";
    case C_EXITED:
      return "exited";
    }
  return "unknown";
}

/* The primary's attached clients, at most ATTACHED_LISTED of them (the total
 * says how many). Storage is the container's, reused from fill to fill. */
static void fill_attached (struct container *c, ContainerInfo *info)
{
  const struct session *s = &c->primary;
  unsigned n = 0;
  for (const struct attach *a = s->attaches; a; a = a->next_in_session)
    n++;
  info->attached_total = n;
  if (n > ATTACHED_LISTED)
    n = ATTACHED_LISTED;
  if (n == 0)
    return;
  if (c->attached_pb == NULL)
    {
      c->attached_pb = calloc (ATTACHED_LISTED, sizeof *c->attached_pb);
      c->attached_ptrs = calloc (ATTACHED_LISTED, sizeof *c->attached_ptrs);
      if (c->attached_pb == NULL || c->attached_ptrs == NULL)
        return; /* the total still says it */
    }
  unsigned k = 0;
  for (const struct attach *a = s->attaches; a && k < n; a = a->next_in_session, k++)
    {
      AttachedClient *ac = &c->attached_pb[k];
      attached_client__init (ac);
      ac->pid = a->conn->peer_pid;
      ac->uid = a->conn->peer_uid;
      ac->client = (char *) a->conn->client;
      ac->since_ns = a->since_ns;
      ac->feeds_stdin = s->stdin_owner == a;
      c->attached_ptrs[k] = ac;
    }
  info->attached = c->attached_ptrs;
  info->n_attached = k;
}

void container_fill_info (struct container *c, ContainerInfo *info, char *status_buf)
{
  (void) status_buf;
  container_info__init (info);
  const struct session *s = &c->primary;
  info->config = c->cfg;
  info->status = (char *) state_name (c);
  if (c->state == C_RUNNING && !s->start_settled)
    info->status = (char *) "created"; /* docker's: running once the command has begun */
  info->pid = session_running (s) && !session_process_gone (s) ? s->pid : 0;
  info->exit_code = s->exit_code;
  info->error = (char *) s->error;
  info->created_ns = c->created_ns;
  info->started_ns = s->started_ns;
  info->finished_ns = session_running (s) ? 0 : s->finished_ns;
  if (c->state == C_CREATED)
    info->started_ns = info->finished_ns = 0; /* docker's zero times for a start that failed */
  info->run = s->run;
  info->signal = (uint32_t) s->signal;
  info->rtc_clock = vm_mode && !tether_clock_stepped; /* times come from the guest's RTC */
  info->stdout_offset = ostream_head (&s->out[0]);
  info->stderr_offset = ostream_head (&s->out[1]);
  info->exec_records_dropped = c->exec_records_dropped;
  info->restart_count = c->restart_count;
  health_fill (c, info, true);
  fill_attached (c, info);
  if (vm_mode)
    vmnet_fill_info (info);
}
