/* Making a template: boot a VM of the shape with its RAM in a file and no
 * container config, wait for its tether to say "template ready", stop it, save
 * its device state (the RAM stays in the file: x-ignore-shared), quit, publish
 * the directory by renaming it into place (docs/clone.md). */
#include "template.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "qemu.h"
#include "qmp.h"
#include "timefmt.h"
#include "tree.h"

#define TPL_READY_LINE "template ready"
#define TPL_QMP_MS 10000
#define TPL_SAVE_MS 60000
#define TPL_QUIT_MS 5000

struct maker {
  struct vm_ctr v;
  ContainerConfig cfg;
  char tmp[PATH_MAX];
  pid_t pid;
};

static bool console_has (const char *dir, const char *needle)
{
  char p[PATH_MAX + 32];
  snprintf (p, sizeof p, "%s/console.log", dir);
  FILE *f = fopen (p, "re");
  if (!f)
    return false;
  char line[1024];
  bool found = false;
  while (!found && fgets (line, sizeof line, f))
    found = strstr (line, needle) != NULL;
  fclose (f);
  return found;
}

/* Bounded: QEMU dead or not answering is killed. */
static void reap (pid_t pid, int wait_ms)
{
  int64_t deadline = now_mono_ms () + wait_ms;
  while (waitpid (pid, NULL, WNOHANG) == 0)
    {
      if (now_mono_ms () >= deadline)
        {
          kill (pid, SIGKILL);
          waitpid (pid, NULL, 0);
          return;
        }
      nanosleep (&(struct timespec) { 0, 20 * 1000 * 1000 }, NULL);
    }
}

static int wait_ready (struct maker *m, struct terr *err)
{
  int64_t deadline = now_mono_ms () + TPL_READY_TIMEOUT_MS;
  while (!console_has (m->tmp, TPL_READY_LINE))
    {
      if (waitpid (m->pid, NULL, WNOHANG) == m->pid)
        {
          m->pid = 0;
          char tail[800];
          vm_console_tail (&m->v, tail, sizeof tail);
          return terr_set (err, 0, "the template VM stopped before its tether was ready; console:\n%s", tail);
        }
      if (now_mono_ms () >= deadline)
        return terr_set (err, ETIMEDOUT, "the template VM's tether was not ready within %d s",
                         TPL_READY_TIMEOUT_MS / 1000);
      nanosleep (&(struct timespec) { 0, 50 * 1000 * 1000 }, NULL);
    }
  return 0;
}

static int save (struct maker *m, struct terr *err)
{
  char uri[PATH_MAX + 32];
  snprintf (uri, sizeof uri, "exec:cat > %s/state", m->tmp);
  int fd = qmp_open (m->v.qmp_sock, TPL_QMP_MS, err);
  if (fd < 0)
    return -1;
  json_t *caps = json_pack ("{s:[{s:s, s:b}]}", "capabilities", "capability", "x-ignore-shared", "state", 1);
  int r = qmp_exec (fd, "stop", NULL, TPL_QMP_MS, err);
  if (r == 0)
    r = qmp_exec (fd, "migrate-set-capabilities", caps, TPL_QMP_MS, err);
  else
    json_decref (caps);
  if (r == 0)
    r = qmp_exec (fd, "migrate", json_pack ("{s:s}", "uri", uri), TPL_QMP_MS, err);
  if (r == 0)
    r = qmp_migration_wait (fd, TPL_SAVE_MS, err);
  struct terr qerr;
  qmp_exec (fd, "quit", NULL, TPL_QMP_MS, &qerr);
  close (fd);
  reap (m->pid, TPL_QUIT_MS);
  m->pid = 0;
  return r;
}

static int write_meta (struct maker *m, const struct tpl_shape *s, const char *key, const char *inputs,
                       int64_t boot_ms, struct terr *err)
{
  char t[RFC3339_LEN], p[PATH_MAX + 32];
  json_t *j = json_pack ("{s:s, s:s, s:i, s:i, s:s, s:b, s:s, s:I, s:s}", "Key", key, "Created",
                         fmt_rfc3339 (now_real_ns (), t), "MemoryMiB", (int) s->mem_mib, "Cpus", (int) s->cpus,
                         "Channel", s->serial_channel ? "16550" : "virtio-serial", "VMGenID", s->vmgenid, "Accel",
                         s->accel, "BootMs", (json_int_t) boot_ms, "Inputs", inputs);
  snprintf (p, sizeof p, "%s/meta.json", m->tmp);
  int r = j ? json_dump_file (j, p, JSON_INDENT (2)) : -1;
  json_decref (j);
  if (r < 0)
    return terr_set (err, errno, "write %s", p);
  static const char *const files[] = { "ram", "state", "meta.json", "console.log" };
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
    {
      snprintf (p, sizeof p, "%s/%s", m->tmp, files[i]);
      if (chmod (p, 0444) < 0)
        return terr_set (err, errno, "chmod %s", p);
    }
  return 0;
}

static int make (struct maker *m, const struct tpl_shape *s, const char *key, const char *inputs, struct terr *err)
{
  char root[PATH_MAX];
  if (tpl_root (root, sizeof root, err) < 0)
    return -1;
  if ((size_t) snprintf (m->tmp, sizeof m->tmp, "%s/.new-%.12s-XXXXXX", root, key) >= sizeof m->tmp - 80)
    return terr_set (err, ENAMETOOLONG, "templates dir %s", root);
  if (!tpl_path_plain (m->tmp))
    return terr_set (err, 0, "templates need a state dir path of [A-Za-z0-9/._+-] only (QEMU's migration command "
                             "takes it): %s", root);
  if (mkdtemp (m->tmp) == NULL)
    return terr_set (err, errno, "mkdtemp %s", m->tmp);
  container_config__init (&m->cfg);
  m->cfg.memory_bytes = (uint64_t) s->mem_mib << 20;
  m->cfg.cpus = s->cpus;
  m->v.cfg = &m->cfg;
  snprintf (m->v.dir, sizeof m->v.dir, "%s", m->tmp);
  snprintf (m->v.accel, sizeof m->v.accel, "%s", s->accel);
  m->v.serial_channel = s->serial_channel;
  mkdir (vm_run_base (), 0700);
  snprintf (m->v.rundir, sizeof m->v.rundir, "%.90s/tpl-XXXXXX", vm_run_base ());
  if (mkdtemp (m->v.rundir) == NULL)
    return terr_set (err, errno, "mkdtemp %s", m->v.rundir);
  snprintf (m->v.qmp_sock, sizeof m->v.qmp_sock, "%.98s/qmp.sock", m->v.rundir);
  snprintf (m->v.chan_sock, sizeof m->v.chan_sock, "%.98s/ch0.sock", m->v.rundir);
  const struct qemu_how how = { .start = QEMU_TEMPLATE, .tpl_dir = m->tmp, .vmgenid = s->vmgenid };
  int64_t t0 = now_mono_ms ();
  int pid = qemu_spawn_how (&m->v, &how, err);
  if (pid < 0)
    return -1;
  m->pid = pid;
  if (wait_ready (m, err) < 0 || save (m, err) < 0)
    return -1;
  if (write_meta (m, s, key, inputs, now_mono_ms () - t0, err) < 0)
    return -1;
  char dst[PATH_MAX + 80];
  snprintf (dst, sizeof dst, "%s/%s", root, key);
  if (rename (m->tmp, dst) < 0) /* the publish */
    return terr_set (err, errno, "rename to %s", dst);
  m->tmp[0] = '\0';
  return 0;
}

/* What a maker or remover of KEY that was killed left (.new-KEY12-*, KEY.gone-*):
 * called under KEY's exclusive lock, so none of it is in use. */
static void sweep_leftovers (const char *key)
{
  char root[PATH_MAX], p[PATH_MAX + 300], pre_new[32], pre_gone[80];
  struct terr err;
  if (tpl_root (root, sizeof root, &err) < 0)
    return;
  snprintf (pre_new, sizeof pre_new, ".new-%.12s-", key);
  snprintf (pre_gone, sizeof pre_gone, "%s.gone-", key);
  DIR *d = opendir (root);
  struct dirent *de;
  while (d && (de = readdir (d)))
    if (strncmp (de->d_name, pre_new, strlen (pre_new)) == 0 || strncmp (de->d_name, pre_gone, strlen (pre_gone)) == 0)
      {
        snprintf (p, sizeof p, "%s/%s", root, de->d_name);
        tree_remove (p);
      }
  if (d)
    closedir (d);
}

int tpl_create (const struct tpl_shape *s, char key[TPL_KEY_LEN], bool *made, struct terr *err)
{
  static char inputs[16384];
  *made = false;
  if (tpl_key (s, key, inputs, sizeof inputs, err) < 0)
    return -1;
  if (tpl_exists (key))
    return 0;
  /* another maker of this key may be booting it: wait for it, then use its work */
  int lk = tpl_lock (key, LOCK_EX, TPL_READY_TIMEOUT_MS + 30000, err);
  if (lk < 0)
    return -1;
  if (tpl_exists (key))
    return close (lk), 0;
  sweep_leftovers (key);
  static struct maker m;
  memset (&m, 0, sizeof m);
  int r = make (&m, s, key, inputs, err);
  if (m.pid > 0)
    {
      kill (m.pid, SIGKILL);
      reap (m.pid, TPL_QUIT_MS);
    }
  if (m.tmp[0])
    tree_remove (m.tmp);
  if (m.v.rundir[0])
    {
      unlink (m.v.qmp_sock);
      unlink (m.v.chan_sock);
      rmdir (m.v.rundir);
    }
  close (lk);
  *made = r == 0;
  return r;
}
