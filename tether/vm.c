/* VM mode flow: channel -> hello (clock) -> config -> disks -> mounts -> run ->
 * exit acked -> sync, unmount, power off. Everything is driven by the loop;
 * every wait is bounded (VM_*_MS in vm.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdio.h"
#include "guestinfo.h"
#include "health.h"
#include "log.h"
#include "msg.h"
#include "vm.h"

#define FW_CFG_CONFIG "/sys/firmware/qemu_fw_cfg/by_name/opt/org.tether/config/raw"

bool vm_mode;
extern const char *run_rootfs;

static struct container *vm_c;
static bool have_hello, hello_waited, started, exit_acked;
static bool template_mode, template_announced;
static int64_t disk_deadline_ms, scan_deadline_ms, finished_ms;
static struct timer scan_timer, hello_timer, disk_timer, off_timer;

static void try_start (void);

/* The config may shorten (or lengthen) the disk wait; 0 keeps the default. */
static int disk_wait_ms (void)
{
  uint32_t s = vm_c && vm_c->cfg ? vm_c->cfg->disk_wait_s : 0;
  return s > 0 && s <= 3600 ? (int) s * 1000 : VM_DISK_WAIT_MS;
}

/* Ends the run before it began: the endpoint gets exit 125 with the reason. */
static void fail_start (const char *why)
{
  struct session *s = &vm_c->primary;
  log_warn ("container cannot start: %s", why);
  started = true;
  s->run++;
  session_set_life (s, LIFE_RUNNING);
  session_set_life (s, LIFE_DRAINING);
  s->status_known = true;
  s->exit_code = 125;
  s->started_ns = s->finished_ns = now_real_ns ();
  snprintf (s->error, sizeof s->error, "%s", why);
  s->launch_code = 125;
  vm_c->state = C_RUNNING;
  session_start_settled (s);
  session_check_finished (s);
}

/* How long output and exit are held for an endpoint after the run ends. */
static int hold_ms (void)
{
  uint32_t s = vm_c && vm_c->cfg ? vm_c->cfg->hold_s : 0;
  return s > 0 && s <= 24 * 3600 ? (int) s * 1000 : VM_HOLD_MS;
}

static int64_t nic_deadline_ms, lease_deadline_ms;
static int nic_wait_ms (void)
{
  uint32_t ms = vm_c && vm_c->cfg ? vm_c->cfg->nic_wait_ms : 0;
  return ms > 0 && ms <= 600000 ? (int) ms : VM_NIC_WAIT_MS;
}

static void disk_tick (struct timer *t)
{
  (void) t;
  try_start ();
}

static void try_start (void)
{
  if (!vm_c || started || !(have_hello || hello_waited))
    return;
  const char *missing = vmdisk_missing (vm_c->cfg);
  if (missing)
    {
      if (now_mono_ms () < disk_deadline_ms)
        {
          timer_arm (&disk_timer, 50, disk_tick); /* hot-plugged disks show up ~0.2 s after device_add */
          return;
        }
      char why[160];
      snprintf (why, sizeof why, "disk %s did not appear within %d s", missing, disk_wait_ms () / 1000);
      fail_start (why);
      return;
    }
  /* the NICs come after the disks (qemu_plug_nics): their wait starts now */
  if (nic_deadline_ms == 0)
    nic_deadline_ms = now_mono_ms () + nic_wait_ms ();
  const char *nic = vmnet_missing (vm_c->cfg);
  if (nic)
    {
      if (now_mono_ms () < nic_deadline_ms)
        {
          timer_arm (&disk_timer, 50, disk_tick);
          return;
        }
      char why[160];
      snprintf (why, sizeof why, "NIC %s did not appear within %d ms", nic, nic_wait_ms ());
      fail_start (why);
      return;
    }
  struct terr err = { 0 };
  if (lease_deadline_ms == 0)
    {
      if (vmdisk_mount_all (vm_c->cfg, &err) < 0 || vmnet_setup (vm_c->cfg, &err) < 0)
        {
          fail_start (err.msg);
          return;
        }
      lease_deadline_ms = now_mono_ms () + VM_LEASE_WAIT_MS;
    }
  /* DHCP NICs: the first lease before the start (/etc/hosts names it) */
  const char *unleased = vmnet_unleased (vm_c->cfg);
  if (unleased)
    {
      if (now_mono_ms () < lease_deadline_ms)
        {
          timer_arm (&disk_timer, 50, disk_tick);
          return;
        }
      char why[160];
      snprintf (why, sizeof why, "no DHCP lease on NIC %s within %d s", unleased, VM_LEASE_WAIT_MS / 1000);
      fail_start (why);
      return;
    }
  if (vmetc_write (vm_c->cfg, vm_c->id, &err) < 0)
    {
      fail_start (err.msg);
      return;
    }
  run_rootfs = VM_ROOT;
  started = true;
  if (container_start (vm_c, &err) < 0)
    {
      started = false;
      fail_start (err.msg);
      return;
    }
  vm_c->restart_count = vm_c->cfg->resume_restart_count; /* container_start counted afresh */
}

void vm_on_container_gone (struct container *c)
{
  if (c != vm_c)
    return;
  vm_c = NULL;
  timer_cancel (&disk_timer);
  timer_cancel (&off_timer);
}

/* The VM's container belongs to the boot flow until its run has begun: a client
 * must not start it without its root, or remove it while disks are awaited. */
bool vm_refuses (const char *verb, struct container *c, struct terr *err)
{
  if (!vm_mode || !vm_c || c != vm_c || started)
    return false;
  err->code = ERR_CONFLICT;
  terr_set (err, 0, "cannot %s container %.12s: the VM is still preparing it (disks, root)", verb, c->id);
  return true;
}

bool vm_owns_start (const struct container *c)
{
  return vm_mode && vm_c && c == vm_c;
}

void vm_on_config (struct conn *c, uint64_t rid, const ContainerConfig *cfg)
{
  struct terr err = { 0 };
  bool existed;
  if (vm_c && (!cfg || !cfg->id || strcmp (vm_c->id, cfg->id) != 0))
    {
      if (c)
        conn_send_error (c, rid, ERR_CONFLICT, "this VM already runs another container", 0);
      return;
    }
  struct container *ct = container_create (cfg, &existed, &err);
  if (!ct)
    {
      log_warn ("config: %s", err.msg);
      if (c)
        conn_send_error (c, rid, err.code ? err.code : ERR_BAD_REQUEST, err.msg, 0);
      return;
    }
  if (c)
    {
      Msg m = MSG__INIT;
      Ok ok = OK__INIT;
      ok.id = ct->id;
      m.request_id = rid;
      m.body_case = MSG__BODY_OK;
      m.ok = &ok;
      conn_send (c, &m);
    }
  if (!vm_c)
    {
      vm_c = ct;
      if (template_mode)
        {
          template_mode = false;
          conn_channel_retry_ms = CONN_CHANNEL_RETRY_MS;
          log_note ("config over the channel: this clone runs container %.12s", ct->id);
        }
      /* a VM booted again after the last one died: its container goes on where
       * the endpoint's log stands (nothing is buffered yet, so only the bases move) */
      vm_c->primary.out[0].base = cfg->resume_stdout;
      vm_c->primary.out[1].base = cfg->resume_stderr;
      vm_c->primary.run = cfg->resume_run;
      disk_deadline_ms = now_mono_ms () + disk_wait_ms ();
      try_start ();
    }
}

bool vm_is_template (void)
{
  return template_mode;
}

/* The host saves a template once this line is on the console: the tether has
 * its channel open and the power button watched, and nothing else will change
 * until a clone's endpoint connects. */
static void template_check_ready (bool channel_open, bool has_button)
{
  if (!template_mode || template_announced || !channel_open || !has_button)
    return;
  template_announced = true;
  log_note ("template ready: waiting for a config over the channel");
}

static void scan_tick (struct timer *t)
{
  (void) t;
  bool channel_open = have_hello || vmchan_scan ();
  bool has_button = vmpower_watch_button ();
  template_check_ready (channel_open, has_button);
  if ((!have_hello || !has_button) && now_mono_ms () < scan_deadline_ms)
    timer_arm (&scan_timer, VM_CHANNEL_SCAN_MS, scan_tick);
}

static void hello_timeout (struct timer *t)
{
  (void) t;
  if (have_hello)
    return;
  log_warn ("no hello within %d s: starting on the RTC clock", VM_HELLO_WAIT_MS / 1000);
  hello_waited = true;
  try_start ();
}

/* A heartbeat on every channel that said hello: the endpoint knows the guest
 * lives, and after a hard power-off its last beat bounds FinishedAt. */
static struct timer beat_timer;
static uint64_t beat_seq;

static int beat_ms (void)
{
  return (int) config_heartbeat_ms (vm_c ? vm_c->cfg : NULL);
}

static void beat (struct timer *t)
{
  Heartbeat hb = HEARTBEAT__INIT;
  hb.seq = ++beat_seq;
  hb.time_ns = now_real_ns ();
  hb.health_seq = vm_c && vm_c->health ? vm_c->health->seq : 0;
  Msg m = MSG__INIT;
  m.body_case = MSG__BODY_HEARTBEAT;
  m.heartbeat = &hb;
  for (struct conn *c = conns; c; c = c->next)
    if (c->is_channel && c->hello_done && !c->closed)
      conn_send (c, &m);
  timer_arm (t, beat_ms (), beat);
}

void vm_on_hello (void)
{
  have_hello = true;
  timer_cancel (&hello_timer);
  if (!timer_armed (&beat_timer))
    timer_arm (&beat_timer, beat_ms (), beat);
  vmnet_report (NULL); /* a new endpoint hears each NIC's state again */
  try_start ();
}

static void off_check (struct timer *t)
{
  (void) t;
  if (exit_acked)
    vmpower_off ("the container exited and the endpoint has its status");
  /* The bound counts from the exit: an endpoint that had nothing to say while the
   * container was quiet is not gone, only perhaps slow to read the last bytes. */
  int64_t quiet_since = stats.last_rx_ms > finished_ms ? stats.last_rx_ms : finished_ms;
  if (now_mono_ms () - quiet_since > hold_ms ())
    {
      log_warn ("the container exited and no endpoint acked its output and exit for %d s: powering off, "
                "what was not acked is lost",
                hold_ms () / 1000);
      vmpower_off ("held the output past the bound");
    }
  timer_arm (&off_timer, 100, off_check);
}

void vm_on_run_finished (struct container *c)
{
  if (c != vm_c)
    return;
  /* Called only once the restart policy has settled it: the VM's work is done. */
  finished_ms = now_mono_ms ();
  timer_arm (&off_timer, 0, off_check);
}

void vm_on_ack (struct attach *a, uint32_t exit_run)
{
  struct session *s = a->s;
  /* The exit of a run the policy restarts is not the end: the VM stays up. */
  if (vm_mode && s->kind == SESSION_PRIMARY && s->c == vm_c && session_finished (s) && exit_run == s->run && exit_run
      && (s->c->state == C_EXITED || s->c->state == C_CREATED))
    {
      exit_acked = true;
      timer_arm (&off_timer, 0, off_check);
    }
}

/* A boot config (fw_cfg's or guestinfo's): a packed ContainerConfig. */
static void take_boot_config (const uint8_t *buf, size_t len, const char *source)
{
  ContainerConfig *cfg = container_config__unpack (NULL, len, buf);
  if (!cfg)
    {
      log_warn ("%s config is not a ContainerConfig: ignored", source);
      return;
    }
  vm_on_config (NULL, 0, cfg);
  container_config__free_unpacked (cfg, NULL);
}

/* The boot config from fw_cfg. False when there is none. */
static bool read_fw_cfg (void)
{
  int fd = open (FW_CFG_CONFIG, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  static uint8_t buf[FRAME_MAX_PAYLOAD + 1];
  size_t len = 0;
  ssize_t n;
  while (len < sizeof buf && (n = fd_read (fd, buf + len, sizeof buf - len)) > 0)
    len += (size_t) n;
  close (fd);
  if (len > FRAME_MAX_PAYLOAD)
    {
      log_warn ("fw_cfg config larger than %u bytes: ignored", FRAME_MAX_PAYLOAD);
      return true;
    }
  take_boot_config (buf, len, "fw_cfg");
  return true;
}

/* On VMware (and only there: DMI says so before a port is touched), the
 * config from guestinfo.tether.config through the backdoor. False when there
 * is none. */
static bool read_guestinfo (void)
{
  if (!guestinfo_on_vmware (GUESTINFO_DMI_VENDOR))
    return false;
  struct terr err = { 0 };
  if (bdoor_io_enable (&err) < 0)
    {
      log_warn ("VMware guestinfo not read: %s", err.msg);
      return false;
    }
  if (!bdoor_present (&bdoor_io_ops))
    {
      log_warn ("DMI says VMware but the backdoor does not answer: no guestinfo config");
      return false;
    }
  static uint8_t buf[FRAME_MAX_PAYLOAD];
  size_t len = 0;
  int r = guestinfo_config (&bdoor_io_ops, buf, sizeof buf, &len, &err);
  if (r < 0)
    log_warn ("guestinfo config ignored: %s", err.msg);
  else if (r == 0 && err.msg[0])
    log_warn ("no guestinfo config: %s", err.msg);
  if (r <= 0)
    return r < 0; /* a config that is there but broken is no template's boot */
  log_note ("config from VMware guestinfo.%s (%zu bytes)", GUESTINFO_CONFIG_KEY, len);
  take_boot_config (buf, len, "guestinfo");
  return true;
}

void vm_start (void)
{
  vm_mode = true;
  mkdir ("/run/tether", 0700);
  scan_deadline_ms = now_mono_ms () + VM_CHANNEL_SCAN_MAX_MS;
  bool channel_open = vmchan_scan ();
  bool has_button = vmpower_watch_button ();
  timer_arm (&scan_timer, VM_CHANNEL_SCAN_MS, scan_tick);
  if (read_fw_cfg () || read_guestinfo ())
    {
      timer_arm (&hello_timer, VM_HELLO_WAIT_MS, hello_timeout);
      return;
    }
  /* A template: no bound runs while it waits (its clones would inherit the
   * timers of the save, as CLOCK_MONOTONIC goes on from there); the channel is
   * looked at often, for the clone's endpoint that connects right after resume. */
  template_mode = true;
  conn_channel_retry_ms = CONN_CHANNEL_RETRY_TEMPLATE_MS;
  template_check_ready (channel_open, has_button);
}
