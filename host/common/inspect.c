#include "inspect.h"

#include <stdio.h>
#include <string.h>

#include "hardspec.h"
#include "netinspect.h"
#include "sig.h"
#include "timefmt.h"

#define DEFAULT_STOP_TIMEOUT_S 10

static const char *container_name (const ContainerInfo *ci, char *buf, size_t cap)
{
  const ContainerConfig *c = ci->config;
  snprintf (buf, cap, "/%s", c && c->name ? c->name : "");
  return buf;
}

/* State.Health as docker's: {Status, FailingStreak, Log:[{Start, End, ExitCode, Output}]}. */
static void health_write (struct json *j, const Health *h)
{
  char t[RFC3339_LEN];
  json_key (j, "Health");
  json_obj_begin (j);
  json_kstr (j, "Status", h->status);
  json_kint (j, "FailingStreak", h->failing_streak);
  json_key (j, "Log");
  json_arr_begin (j);
  for (size_t i = 0; i < h->n_log; i++)
    {
      const HealthResult *r = h->log[i];
      json_obj_begin (j);
      json_kstr (j, "Start", fmt_rfc3339 (r->start_ns, t));
      json_kstr (j, "End", fmt_rfc3339 (r->end_ns, t));
      json_kint (j, "ExitCode", r->exit_code);
      json_kstr (j, "Output", r->output);
      json_obj_end (j);
    }
  json_arr_end (j);
  json_obj_end (j);
}

/* Config.Healthcheck as docker's: Test, then the durations (ns) and Retries that are set. */
static void healthcheck_write (struct json *j, const Healthcheck *hc)
{
  json_key (j, "Healthcheck");
  json_obj_begin (j);
  json_kstrv (j, "Test", hc->test, hc->n_test, 1);
  static const char *const names[] = { "Interval", "Timeout", "StartPeriod", "StartInterval" };
  const int64_t v[] = { hc->interval_ns, hc->timeout_ns, hc->start_period_ns, hc->start_interval_ns };
  for (size_t i = 0; i < 4; i++)
    if (v[i] != 0)
      json_kint (j, names[i], v[i]);
  if (hc->retries != 0)
    json_kint (j, "Retries", hc->retries);
  json_obj_end (j);
}

/* docker prints an unlimited rlimit as -1 (go-units' Ulimit is int64). */
static int64_t rlim_value (uint64_t v)
{
  return v > (uint64_t) INT64_MAX ? -1 : (int64_t) v;
}

static void paths_write (struct json *j, const char *key, const ContainerConfig *c, char *const *given, size_t n,
                         const char *const *def, size_t n_def)
{
  if (c->paths_given)
    json_kstrv (j, key, given, n, false);
  else if (c->privileged)
    json_kstrv (j, key, NULL, 0, true); /* dockerd leaves them unset for --privileged */
  else
    json_kstrv (j, key, (char *const *) def, n_def, false);
}

/* HostConfig's security and hardening fields as dockerd 20.10 shows them:
 * SecurityOpt as the client gave it (dockerd adds label=disable for
 * --privileged), Ulimits [] when none, Tmpfs and Sysctls only when given,
 * ShmSize with docker's 64 MiB default, and the masked and read-only paths:
 * docker's defaults, none for --privileged, [] with systempaths=unconfined. */
static void hardening_write (struct json *j, const ContainerConfig *c)
{
  json_key (j, "SecurityOpt");
  if (c->n_security_opt == 0 && !c->privileged)
    json_write_null (j);
  else
    {
      json_arr_begin (j);
      for (size_t i = 0; i < c->n_security_opt; i++)
        json_str (j, c->security_opt[i]);
      if (c->privileged)
        json_str (j, "label=disable");
      json_arr_end (j);
    }
  json_kbool (j, "ReadonlyRootfs", c->readonly_rootfs);
  size_t listed = 0;
  for (size_t i = 0; i < c->n_tmpfs; i++)
    listed += c->tmpfs[i]->listed;
  if (listed)
    {
      json_key (j, "Tmpfs");
      json_obj_begin (j);
      for (size_t i = 0; i < c->n_tmpfs; i++)
        if (c->tmpfs[i]->listed)
          json_kstr (j, c->tmpfs[i]->path, c->tmpfs[i]->opts);
      json_obj_end (j);
    }
  json_key (j, "Ulimits");
  json_arr_begin (j);
  for (size_t i = 0; i < c->n_rlimits; i++)
    {
      const char *name = hard_ulimit_name ((int) c->rlimits[i]->resource);
      json_obj_begin (j);
      json_kstr (j, "Name", name ? name : "");
      json_kint (j, "Hard", rlim_value (c->rlimits[i]->hard));
      json_kint (j, "Soft", rlim_value (c->rlimits[i]->soft));
      json_obj_end (j);
    }
  json_arr_end (j);
  if (c->n_sysctls)
    {
      json_key (j, "Sysctls");
      json_obj_begin (j);
      for (size_t i = 0; i < c->n_sysctls; i++)
        {
          const char *eq = strchr (c->sysctls[i], '=');
          char key[HARD_SYSCTL_MAX];
          snprintf (key, sizeof key, "%.*s", eq ? (int) (eq - c->sysctls[i]) : (int) strlen (c->sysctls[i]),
                    c->sysctls[i]);
          json_kstr (j, key, eq ? eq + 1 : "");
        }
      json_obj_end (j);
    }
  json_kint (j, "ShmSize", (int64_t) (c->shm_size ? c->shm_size : HARD_SHM_DEFAULT));
  paths_write (j, "MaskedPaths", c, c->masked_paths, c->n_masked_paths, hard_default_masked, HARD_N_DEFAULT_MASKED);
  paths_write (j, "ReadonlyPaths", c, c->readonly_paths, c->n_readonly_paths, hard_default_readonly,
               HARD_N_DEFAULT_READONLY);
}

/* HostConfig: only what tether has of it, the restart policy ("no" when unset),
 * Init (docker's *bool: absent unless --init), and the groups and capability
 * options as the client gave them (null when none, as docker). */
static void host_config_write (struct json *j, const ContainerConfig *c)
{
  const RestartPolicy *rp = c->restart_policy;
  json_key (j, "HostConfig");
  json_obj_begin (j);
  json_key (j, "RestartPolicy");
  json_obj_begin (j);
  json_kstr (j, "Name", rp && rp->name && *rp->name ? rp->name : "no");
  json_kint (j, "MaximumRetryCount", rp ? rp->maximum_retry_count : 0);
  json_obj_end (j);
  if (c->init)
    json_kbool (j, "Init", true);
  if (net_inspect_has (c))
    {
      json_kstr (j, "NetworkMode", strcmp (c->network, "bridge") == 0 ? "bridge" : c->network);
      net_inspect_port_bindings (j, c);
      json_kbool (j, "PublishAllPorts", false);
      json_kstrv (j, "Dns", c->dns, c->n_dns, 0);
      json_kstrv (j, "ExtraHosts", c->extra_hosts, c->n_extra_hosts, 1);
    }
  json_kstrv (j, "CapAdd", c->cap_add, c->n_cap_add, true);
  json_kstrv (j, "CapDrop", c->cap_drop, c->n_cap_drop, true);
  json_kstrv (j, "GroupAdd", c->group_add, c->n_group_add, true);
  json_kbool (j, "Privileged", c->privileged);
  hardening_write (j, c);
  json_obj_end (j);
}

static void state_write (struct json *j, const ContainerInfo *ci)
{
  char t[RFC3339_LEN];
  const char *st = ci->status ? ci->status : "";
  /* docker counts a restarting container as running (Running and Restarting both true) */
  int restarting = strcmp (st, "restarting") == 0;
  int running = strcmp (st, "running") == 0 || restarting;
  json_key (j, "State");
  json_obj_begin (j);
  json_kstr (j, "Status", st);
  json_kbool (j, "Running", running);
  json_kbool (j, "Paused", 0);
  json_kbool (j, "Restarting", restarting);
  json_kbool (j, "OOMKilled", 0);
  json_kbool (j, "Dead", strcmp (st, "dead") == 0);
  json_kint (j, "Pid", running && !restarting ? ci->pid : 0);
  json_kint (j, "ExitCode", ci->exit_code);
  json_kstr (j, "Error", ci->error);
  json_kstr (j, "StartedAt", fmt_rfc3339 (ci->started_ns, t));
  json_kstr (j, "FinishedAt", fmt_rfc3339 (ci->finished_ns, t));
  if (ci->health != NULL)
    health_write (j, ci->health);
  json_obj_end (j);
}

void inspect_labels_write (struct json *j, const ContainerConfig *c)
{
  json_key (j, "Labels");
  json_obj_begin (j);
  for (size_t i = 0; i < c->n_labels; i++)
    {
      const char *kv = c->labels[i], *eq = strchr (kv, '=');
      char key[256];
      snprintf (key, sizeof key, "%.*s", eq ? (int) (eq - kv) : (int) strlen (kv), kv);
      json_kstr (j, key, eq ? eq + 1 : "");
    }
  json_obj_end (j);
}

static void config_write (struct json *j, const ContainerInfo *ci)
{
  const ContainerConfig *c = ci->config;
  char sb[32];
  const char *id = c->id ? c->id : "";
  char host[13];
  /* docker's default hostname is the first 12 characters of the id */
  snprintf (host, sizeof host, "%s", id);
  json_key (j, "Config");
  json_obj_begin (j);
  json_kstr (j, "Hostname", c->hostname && *c->hostname ? c->hostname : host);
  json_kstr (j, "User", c->user);
  json_kbool (j, "Tty", c->tty);
  json_kbool (j, "OpenStdin", c->open_stdin);
  json_kstrv (j, "Env", c->env, c->n_env, 1);
  /* docker's Entrypoint and Cmd: the first entrypoint_len of argv, the rest */
  size_t ep = c->entrypoint_len <= c->n_argv ? c->entrypoint_len : 0;
  json_kstrv (j, "Cmd", c->argv + ep, c->n_argv - ep, 1);
  json_kstr (j, "Image", c->image);
  json_kstrv (j, "Entrypoint", c->argv, ep, 1);
  inspect_labels_write (j, c);
  if (c->healthcheck != NULL)
    healthcheck_write (j, c->healthcheck);
  if (c->n_exposed_ports || c->n_ports)
    {
      /* docker: every published port is exposed too */
      json_key (j, "ExposedPorts");
      json_obj_begin (j);
      char key[32];
      for (size_t i = 0; i < c->n_exposed_ports; i++)
        json_key (j, c->exposed_ports[i]), json_obj_begin (j), json_obj_end (j);
      for (size_t i = 0; i < c->n_ports; i++)
        {
          snprintf (key, sizeof key, "%u/%s", c->ports[i]->ctr_port, c->ports[i]->proto);
          bool dup = false;
          for (size_t k = 0; k < c->n_exposed_ports; k++)
            dup |= strcmp (c->exposed_ports[k], key) == 0;
          for (size_t k = 0; k < i; k++)
            dup |= c->ports[k]->ctr_port == c->ports[i]->ctr_port && strcmp (c->ports[k]->proto, c->ports[i]->proto) == 0;
          if (!dup)
            json_key (j, key), json_obj_begin (j), json_obj_end (j);
        }
      json_obj_end (j);
    }
  json_kstr (j, "WorkingDir", c->cwd);
  const char *sn = sig_name (c->stop_signal ? (int) c->stop_signal : 15, sb, sizeof sb);
  if (sn == NULL)
    snprintf (sb, sizeof sb, "%u", c->stop_signal), sn = sb;
  json_kstr (j, "StopSignal", sn);
  json_kint (j, "StopTimeout", c->stop_timeout_s < 0 ? DEFAULT_STOP_TIMEOUT_S : c->stop_timeout_s);
  json_obj_end (j);
}

void inspect_write (struct json *j, const ContainerInfo *ci)
{
  inspect_write_extra (j, ci, NULL, NULL);
}

/* Not docker's: who holds attach sessions of the primary (a host's maintenance
 * waits for them); AttachedTotal counts those past the listed ones too. */
static void attached_write (struct json *j, const ContainerInfo *ci)
{
  char t[RFC3339_LEN];
  json_key (j, "AttachedClients");
  json_arr_begin (j);
  for (size_t i = 0; i < ci->n_attached; i++)
    {
      const AttachedClient *a = ci->attached[i];
      json_obj_begin (j);
      json_kint (j, "Pid", a->pid);
      json_kint (j, "Uid", a->uid);
      json_kstr (j, "Client", a->client);
      json_kstr (j, "Since", fmt_rfc3339 (a->since_ns, t));
      json_kbool (j, "Stdin", a->feeds_stdin);
      json_obj_end (j);
    }
  json_arr_end (j);
  if (ci->attached_total > ci->n_attached)
    json_kint (j, "AttachedTotal", ci->attached_total);
}

void inspect_write_extra (struct json *j, const ContainerInfo *ci,
                          void (*extra) (struct json *j, const void *ctx), const void *ctx)
{
  static const ContainerConfig empty = CONTAINER_CONFIG__INIT;
  const ContainerConfig *c = ci->config ? ci->config : &empty;
  ContainerInfo tmp = *ci;
  tmp.config = (ContainerConfig *) c;
  char t[RFC3339_LEN];
  char name[300];
  json_obj_begin (j);
  json_kstr (j, "Id", c->id);
  json_kstr (j, "Created", fmt_rfc3339 (ci->created_ns, t));
  json_kstr (j, "Path", c->n_argv > 0 ? c->argv[0] : "");
  json_kstrv (j, "Args", c->n_argv > 1 ? c->argv + 1 : NULL, c->n_argv > 1 ? c->n_argv - 1 : 0, 0);
  state_write (j, &tmp);
  json_kstr (j, "Name", container_name (&tmp, name, sizeof name));
  json_kint (j, "RestartCount", ci->restart_count);
  json_kstrv (j, "ExecIDs", ci->exec_ids, ci->n_exec_ids, 1);
  if (ci->exec_records_dropped) /* not docker's: finished execs whose exit nobody took */
    json_kint (j, "ExecRecordsDropped", ci->exec_records_dropped);
  attached_write (j, ci);
  host_config_write (j, c);
  config_write (j, &tmp);
  if (extra != NULL)
    extra (j, ctx);
  if (net_inspect_has (c))
    net_inspect_settings (j, &tmp);
  json_obj_end (j);
}

const char *ps_command (char *const *argv, size_t argc, size_t max_chars, char *buf, size_t cap)
{
  char joined[1024];
  size_t len = 0;
  joined[0] = '\0';
  for (size_t i = 0; i < argc && len < sizeof joined - 1; i++)
    {
      int n = snprintf (joined + len, sizeof joined - len, "%s%s", i ? " " : "", argv[i]);
      if (n < 0)
        break;
      len += (size_t) n; /* may pass the end: the loop test stops it, strlen fixes len */
    }
  len = strlen (joined);
  /* docker's Ellipsis: more than max_chars characters become max_chars - 1 and "…" */
  size_t chars = 0, cut_at = 0;
  for (size_t i = 0; i < len; i++)
    if (((unsigned char) joined[i] & 0xc0) != 0x80)
      {
        if (chars == (max_chars ? max_chars - 1 : 0))
          cut_at = i;
        chars++;
      }
  if (max_chars > 0 && chars > max_chars)
    {
      memcpy (joined + cut_at, "\xe2\x80\xa6", 4); /* "…" and its NUL */
      len = cut_at + 3;
    }
  /* Go's strconv.Quote: escape quotes, backslashes and control characters */
  size_t o = 0;
  if (cap < 3)
    return "";
  buf[o++] = '"';
  for (size_t i = 0; i < len && o + 7 < cap; i++)
    {
      unsigned char c = (unsigned char) joined[i];
      if (c == '"' || c == '\\')
        buf[o++] = '\\', buf[o++] = (char) c;
      else if (c == '\n')
        buf[o++] = '\\', buf[o++] = 'n';
      else if (c == '\t')
        buf[o++] = '\\', buf[o++] = 't';
      else if (c < 0x20 || c == 0x7f)
        o += (size_t) snprintf (buf + o, cap - o, "\\x%02x", c);
      else
        buf[o++] = (char) c;
    }
  buf[o++] = '"';
  buf[o] = '\0';
  return buf;
}

void ps_json_write (struct json *j, const ContainerInfo *ci, int64_t now_ns)
{
  static const ContainerConfig empty = CONTAINER_CONFIG__INIT;
  const ContainerConfig *c = ci->config ? ci->config : &empty;
  char t[RFC3339_LEN], cmd[600], st[96], age[48], ago[64];
  snprintf (ago, sizeof ago, "%s ago", fmt_human_duration (now_ns - ci->created_ns, age, sizeof age));
  json_obj_begin (j);
  json_kstr (j, "ID", c->id);
  json_kstr (j, "Names", c->name);
  json_kstr (j, "Command", ps_command (c->argv, c->n_argv, 512, cmd, sizeof cmd));
  json_kstr (j, "CreatedAt", fmt_rfc3339 (ci->created_ns, t));
  json_kstr (j, "RunningFor", ago);
  json_kstr (j, "State", ci->status);
  json_kstr (j, "Status", fmt_ps_status (ci->status ? ci->status : "", ci->health ? ci->health->status : NULL,
                                         ci->exit_code, ci->started_ns, ci->finished_ns, now_ns, st, sizeof st));
  json_kint (j, "Attached", ci->attached_total);
  json_obj_end (j);
}
