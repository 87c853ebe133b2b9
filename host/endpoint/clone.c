/* The clone's start, as the endpoint does it before its loop (docs/clone.md):
 * a shared lock on the template so nobody removes it half-way through the load,
 * QEMU, the x-ignore-shared capability (the RAM is the template's file, mapped
 * private), migrate-incoming from the state file, cont. Every step bounded. */
#include "clone.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "qemu.h"
#include "qmp.h"

#define CLONE_QMP_MS 5000
#define CLONE_LOAD_MS 20000

static int restore (struct vm_ctr *v, const char *dir, struct terr *err)
{
  char uri[PATH_MAX + 32];
  snprintf (uri, sizeof uri, "exec:cat %s/state", dir);
  int64_t t0 = now_mono_ms ();
  int fd = qmp_open (v->qmp_sock, CLONE_QMP_MS, err);
  if (fd < 0)
    return -1;
  int64_t t1 = now_mono_ms ();
  json_t *caps = json_pack ("{s:[{s:s, s:b}]}", "capabilities", "capability", "x-ignore-shared", "state", 1);
  int r = qmp_exec (fd, "migrate-set-capabilities", caps, CLONE_QMP_MS, err);
  if (r == 0)
    r = qmp_exec (fd, "migrate-incoming", json_pack ("{s:s}", "uri", uri), CLONE_QMP_MS, err);
  if (r == 0)
    r = qmp_migration_wait (fd, CLONE_LOAD_MS, err);
  int64_t t2 = now_mono_ms ();
  if (r == 0)
    r = qmp_exec (fd, "cont", NULL, CLONE_QMP_MS, err);
  close (fd);
  if (r == 0)
    fprintf (stderr, "clone: QMP answered in %lld ms, state loaded in %lld ms, resumed in %lld ms\n",
             (long long) (t1 - t0), (long long) (t2 - t1), (long long) (now_mono_ms () - t2));
  return r;
}

/* QEMU says why a load failed on its stderr, the console log ("error while
 * loading state section ...", "load of migration failed: ..."): its last two
 * such lines say more than the QMP socket that closed. */
static void qemu_reason (const struct vm_ctr *v, struct terr *err)
{
  static const char tag[] = "qemu-system-x86_64: ";
  char tail[4096], why[200] = "";
  vm_console_tail (v, tail, sizeof tail);
  char *last = NULL, *prev = NULL;
  for (char *p = strstr (tail, tag); p; p = strstr (p + 1, tag))
    prev = last, last = p;
  for (char *p = prev ? prev : last; p; p = p == prev ? last : NULL)
    {
      size_t n = strcspn (p + sizeof tag - 1, "\n"), have = strlen (why);
      snprintf (why + have, sizeof why - have, "%s%.*s", have ? "; " : "", (int) n, p + sizeof tag - 1);
    }
  if (why[0])
    {
      char qmp[sizeof err->msg];
      snprintf (qmp, sizeof qmp, "%s", err->msg);
      snprintf (err->msg, sizeof err->msg, "QEMU: %.150s (%.60s)", why, qmp);
    }
}

int clone_boot (struct vm_ctr *v, char key[TPL_KEY_LEN], struct terr *err)
{
  struct tpl_shape s;
  if (!tpl_shape_of (v, &s))
    return terr_set (err, 0, "an ISO boot has no template"), 1;
  if (tpl_key (&s, key, NULL, 0, err) < 0)
    return 1;
  if (!tpl_exists (key))
    return tpl_want (&s), terr_set (err, 0, "no template for this shape (%u MiB, %u CPU%s%s)", s.mem_mib, s.cpus,
                     s.cpus == 1 ? "" : "s", s.vmgenid ? "" : ", no VMGenID"),
           1;
  char dir[PATH_MAX];
  if (tpl_file (key, NULL, dir, sizeof dir, err) < 0)
    return 1;
  if (!tpl_path_plain (dir))
    return terr_set (err, 0, "template path %s has characters QEMU's migration command cannot take", dir), 1;
  int lk = tpl_lock (key, LOCK_SH, 200, err);
  if (lk < 0)
    return 1;
  if (!tpl_exists (key)) /* removed while we looked */
    return close (lk), terr_set (err, 0, "template %.12s was removed", key), 1;
  const struct qemu_how how = { .start = QEMU_CLONE, .tpl_dir = dir, .vmgenid = s.vmgenid };
  if (qemu_spawn_how (v, &how, err) < 0)
    return close (lk), -1;
  if (restore (v, dir, err) == 0)
    return close (lk), 0;
  kill (v->qemu_pid, SIGKILL);
  waitpid (v->qemu_pid, NULL, 0);
  qemu_reason (v, err);
  v->qemu_pid = 0;
  v->qemu_start = 0;
  close (lk);
  struct terr rerr;
  if (tpl_remove (key, false, &rerr) == 0)
    terr_wrap (err, "template %.12s removed", key);
  return -1;
}
