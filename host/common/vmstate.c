#include "fdio.h"
#include "frame.h"
#include "vmstate.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "inspect.h"
#include "json.h"
#include "statedir.h"
#include "timefmt.h"

const char *vm_run_base (void)
{
  const char *d = getenv ("TETHER_RUN_DIR");
  return d && *d ? d : "/run/tether";
}

int vm_ctr_paths (struct vm_ctr *v, const char *id, struct terr *err)
{
  snprintf (v->id, sizeof v->id, "%s", id);
  if ((size_t) snprintf (v->dir, sizeof v->dir, "%s/containers/%s", state_dir (), id) >= sizeof v->dir)
    return terr_set (err, 0, "state dir path too long");
  int n = snprintf (v->rundir, sizeof v->rundir, "%s/%.12s", vm_run_base (), id);
  /* the longest socket name below is "/qmp.sock" */
  if (n < 0 || (size_t) n + 10 >= sizeof v->rundir)
    return terr_set (err, 0, "runtime dir %s too long for unix sockets", v->rundir);
  int r = snprintf (v->qmp_sock, sizeof v->qmp_sock, "%.98s/qmp.sock", v->rundir);
  r |= snprintf (v->chan_sock, sizeof v->chan_sock, "%.98s/ch0.sock", v->rundir);
  r |= snprintf (v->ctl_sock, sizeof v->ctl_sock, "%.98s/ctl.sock", v->rundir);
  (void) r;
  return 0;
}

static void vm_object (struct json *j, const struct vm_ctr *v)
{
  char t[RFC3339_LEN], p[VM_PATH_MAX + 32];
  json_key (j, "VM");
  json_obj_begin (j);
  json_kint (j, "QemuPid", v->qemu_pid);
  json_kint (j, "QemuStartTime", (int64_t) v->qemu_start);
  json_kint (j, "EndpointPid", v->endpoint_pid);
  json_kstr (j, "StateDir", v->dir);
  snprintf (p, sizeof p, "%s/console.log", v->dir);
  json_kstr (j, "ConsoleLog", p);
  json_kstr (j, "RuntimeDir", v->rundir);
  json_kstr (j, "QmpSocket", v->qmp_sock);
  json_kstr (j, "ChannelSocket", v->chan_sock);
  json_kstr (j, "EndpointSocket", v->ctl_sock);
  json_kstr (j, "Channel", v->serial_channel ? "16550" : "virtio-serial");
  json_kstr (j, "Accel", v->accel);
  json_kstr (j, "Boot", v->iso_boot ? "iso" : "kernel");
  json_kstr (j, "Start", v->cloned ? "clone" : "cold");
  json_kstr (j, "Template", v->cloned ? v->template_key : "");
  json_kstr (j, "StartNote", v->start_note);
  json_kbool (j, "NoTemplate", v->no_template);
  json_kstr (j, "BootAt", fmt_rfc3339 (v->boot_ns, t));
  json_kstr (j, "HelloAt", fmt_rfc3339 (v->hello_ns, t));
  json_kstr (j, "LastHeartbeatAt", fmt_rfc3339 (v->beat_ns, t));
  json_kbool (j, "Unresponsive", v->unresponsive);
  json_kint (j, "MemoryMiB", (int64_t) (v->cfg ? v->cfg->memory_bytes >> 20 : 0));
  json_kint (j, "Cpus", v->cfg ? v->cfg->cpus : 0);
  json_key (j, "Disks");
  json_arr_begin (j);
  for (size_t i = 0; i < v->n_disks && v->cfg && i < v->cfg->n_disks; i++)
    {
      static const char *const roles[] = { "none", "layer", "top", "volume" };
      const Disk *d = v->cfg->disks[i];
      json_obj_begin (j);
      json_kstr (j, "Serial", v->disks[i].serial);
      json_kstr (j, "Role", d->role <= 3 ? roles[d->role] : "?");
      json_kstr (j, "File", v->disks[i].file);
      json_kstr (j, "Format", v->disks[i].format);
      json_kbool (j, "ReadOnly", v->disks[i].read_only);
      if (d->path && *d->path)
        json_kstr (j, "Path", d->path);
      json_obj_end (j);
    }
  json_arr_end (j);
  json_obj_end (j);
}

static void vm_object_cb (struct json *j, const void *ctx)
{
  vm_object (j, ctx);
}

static int write_atomic (const char *dir, const char *name, const void *buf, size_t len, struct terr *err)
{
  char tmp[VM_PATH_MAX + 64], dst[VM_PATH_MAX + 64];
  snprintf (tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
  snprintf (dst, sizeof dst, "%s/%s", dir, name);
  int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return terr_set (err, errno, "open %s", tmp);
  if (fd_write_all (fd, buf, len) < 0 || fsync (fd) < 0)
    {
      terr_set (err, errno, "write %s", tmp);
      close (fd);
      return -1;
    }
  close (fd);
  if (rename (tmp, dst) < 0)
    return terr_set (err, errno, "rename %s", dst);
  return 0;
}

int vm_state_save (const struct vm_ctr *v, struct terr *err)
{
  ContainerInfo info = v->info;
  info.config = v->cfg;
  info.error = (char *) v->error;
  struct json j;
  json_init (&j, 4);
  inspect_write_extra (&j, &info, vm_object_cb, v);
  char *text = j.oom ? NULL : malloc (j.len + 2);
  if (text == NULL)
    return json_free (&j), terr_set (err, ENOMEM, "state.json");
  memcpy (text, j.buf, j.len);
  text[j.len] = '\n';
  int r = write_atomic (v->dir, "state.json", text, j.len + 1, err);
  free (text);
  json_free (&j);
  if (r < 0)
    return -1;
  size_t n = container_info__get_packed_size (&info);
  uint8_t *buf = malloc (n ? n : 1);
  if (buf == NULL)
    return terr_set (err, ENOMEM, "state.pb");
  container_info__pack (&info, buf);
  r = write_atomic (v->dir, "state.pb", buf, n, err);
  free (buf);
  return r;
}

/* docker rename: containers/ID/name, when there, is the name. A file of its
 * own because a running container's endpoint rewrites state.pb from the
 * config it booted with. */
static void rename_apply (const char *id, ContainerInfo *ci)
{
  char path[VM_PATH_MAX + 100], name[VM_NAME_MAX + 2];
  snprintf (path, sizeof path, "%s/containers/%s/name", state_dir (), id);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ci->config == NULL)
    {
      if (fd >= 0)
        close (fd);
      return;
    }
  ssize_t n = fd_read (fd, name, sizeof name - 1);
  close (fd);
  if (n <= 0 || (size_t) n > VM_NAME_MAX)
    return;
  name[n] = '\0';
  char *copy = strdup (name);
  if (copy == NULL)
    return;
  /* protobuf-c's default allocator is malloc, but an empty string unpacks to
   * its static protobuf_c_empty_string, which must never be freed */
  if (ci->config->name != protobuf_c_empty_string)
    free (ci->config->name);
  ci->config->name = copy;
}

int vm_rename (const char *id, const char *name, struct terr *err)
{
  char dir[VM_PATH_MAX];
  snprintf (dir, sizeof dir, "%s/containers/%s", state_dir (), id);
  if (strlen (name) > VM_NAME_MAX)
    return terr_set (err, 0, "a name of at most %d bytes", VM_NAME_MAX);
  return write_atomic (dir, "name", name, strlen (name), err);
}

ContainerInfo *vm_state_load (const char *id, struct terr *err)
{
  char path[VM_PATH_MAX + 100];
  snprintf (path, sizeof path, "%s/containers/%s/state.pb", state_dir (), id);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      terr_set (err, errno, "%s", path);
      return NULL;
    }
  struct stat st;
  uint8_t *buf = NULL;
  ContainerInfo *ci = NULL;
  if (fstat (fd, &st) == 0 && st.st_size < (1 << 24) && (buf = malloc ((size_t) st.st_size + 1)))
    {
      size_t got = 0;
      ssize_t n;
      while (got < (size_t) st.st_size && (n = fd_read (fd, buf + got, (size_t) st.st_size - got)) > 0)
        got += (size_t) n;
      ci = container_info__unpack (NULL, got, buf);
    }
  close (fd);
  free (buf);
  if (ci == NULL)
    terr_set (err, 0, "%s: unreadable", path);
  else
    rename_apply (id, ci);
  return ci;
}

int vm_each (int (*fn) (const char *id, void *ctx), void *ctx)
{
  char path[VM_PATH_MAX];
  snprintf (path, sizeof path, "%s/containers", state_dir ());
  DIR *d = opendir (path);
  if (d == NULL)
    return 0;
  struct dirent *de;
  int r = 0;
  while (r == 0 && (de = readdir (d)) != NULL)
    if (strlen (de->d_name) == 64)
      r = fn (de->d_name, ctx);
  closedir (d);
  return r;
}

struct find_ctx {
  const char *ref;
  char found[65];
  int n_prefix;
  bool by_name;
};

static int find_one (const char *id, void *ctx)
{
  struct find_ctx *f = ctx;
  if (strcmp (id, f->ref) == 0)
    {
      snprintf (f->found, sizeof f->found, "%s", id);
      f->n_prefix = 1;
      return 1;
    }
  struct terr e;
  ContainerInfo *ci = vm_state_load (id, &e);
  if (ci && ci->config && ci->config->name && *ci->config->name && strcmp (ci->config->name, f->ref) == 0)
    {
      snprintf (f->found, sizeof f->found, "%s", id);
      f->by_name = true;
      container_info__free_unpacked (ci, NULL);
      return 1;
    }
  if (ci)
    container_info__free_unpacked (ci, NULL);
  if (strncmp (id, f->ref, strlen (f->ref)) == 0)
    {
      if (f->n_prefix++ == 0)
        snprintf (f->found, sizeof f->found, "%s", id);
    }
  return 0;
}

int vm_find (const char *ref, char out[65], struct terr *err)
{
  struct find_ctx f = { .ref = ref };
  if (*ref == '\0' || strchr (ref, '/'))
    return terr_set (err, 0, "No such container: %s", ref), err->code = ERR_NOT_FOUND, -1;
  vm_each (find_one, &f);
  if (f.by_name || f.n_prefix == 1)
    {
      memcpy (out, f.found, 65);
      return 0;
    }
  /* err->code tells the two failures apart for tetherd (404 against 400) */
  if (f.n_prefix > 1)
    return terr_set (err, 0, "%s: ambiguous", ref), err->code = ERR_BAD_REQUEST, -1;
  return terr_set (err, 0, "No such container: %s", ref), err->code = ERR_NOT_FOUND, -1;
}

void vm_console_tail (const struct vm_ctr *v, char *buf, size_t cap)
{
  char path[VM_PATH_MAX + 32];
  snprintf (path, sizeof path, "%s/console.log", v->dir);
  buf[0] = '\0';
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  off_t end = lseek (fd, 0, SEEK_END);
  off_t start = end > (off_t) cap - 1 ? end - (off_t) cap + 1 : 0;
  ssize_t n = pread (fd, buf, cap - 1, start);
  close (fd);
  if (n < 0)
    n = 0;
  buf[n] = '\0';
  /* keep whole lines and drop bytes JSON would mangle */
  char *nl = start > 0 ? strchr (buf, '\n') : NULL;
  if (nl)
    memmove (buf, nl + 1, strlen (nl + 1) + 1);
  for (char *p = buf; *p; p++)
    if (*p == '\r' || (*p != '\n' && (unsigned char) *p < 0x20))
      *p = ' ';
}

bool vm_pid_alive (int pid)
{
  return pid > 0 && (kill (pid, 0) == 0 || errno == EPERM);
}

void vm_removed_note (const char *id, int exit_code)
{
  char dir[VM_PATH_MAX];
  snprintf (dir, sizeof dir, "%s/removed", state_dir ());
  mkdir (dir, 0700);
  char text[16];
  int n = snprintf (text, sizeof text, "%d\n", exit_code);
  struct terr err;
  if (write_atomic (dir, id, text, (size_t) n, &err) < 0)
    return; /* a lost note: a late waiter reads 0, as docker's after a daemon restart */
}

int vm_removed_code (const char *id, int *code)
{
  char path[VM_PATH_MAX + 80];
  snprintf (path, sizeof path, "%s/removed/%.64s", state_dir (), id);
  FILE *f = fopen (path, "re");
  if (f == NULL)
    return -1;
  int r = fscanf (f, "%d", code) == 1 ? 0 : -1;
  fclose (f);
  return r;
}

void vm_removed_sweep (int max_age_s)
{
  char dir[VM_PATH_MAX];
  snprintf (dir, sizeof dir, "%s/removed", state_dir ());
  DIR *d = opendir (dir);
  if (d == NULL)
    return;
  time_t now = time (NULL);
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      struct stat st;
      if (de->d_name[0] != '.' && fstatat (dirfd (d), de->d_name, &st, 0) == 0 && now - st.st_mtime > max_age_s)
        unlinkat (dirfd (d), de->d_name, 0);
    }
  closedir (d);
}

struct name_ctx {
  const char *name;
  char *out;
};

static int name_one (const char *id, void *ctx)
{
  struct name_ctx *n = ctx;
  struct terr err;
  ContainerInfo *ci = vm_state_load (id, &err);
  bool same = ci && ci->config && ci->config->name && strcmp (ci->config->name, n->name) == 0;
  if (ci)
    container_info__free_unpacked (ci, NULL);
  if (!same)
    return 0;
  snprintf (n->out, 65, "%s", id);
  return 1;
}

int vm_name_owner (const char *name, char out[65])
{
  struct name_ctx n = { name, out };
  return vm_each (name_one, &n) == 1 ? 0 : -1;
}

bool vm_info_final (const ContainerInfo *ci)
{
  const char *st = ci->status ? ci->status : "";
  return strcmp (st, "exited") == 0 || (strcmp (st, "created") == 0 && ci->run > 0);
}

int vm_config_write (const struct vm_ctr *v, struct terr *err)
{
  size_t n = container_config__get_packed_size (v->cfg);
  if (n > FRAME_MAX_PAYLOAD)
    return terr_set (err, 0, "config of %zu bytes is larger than %u", n, FRAME_MAX_PAYLOAD);
  uint8_t *buf = malloc (n ? n : 1);
  if (buf == NULL)
    return terr_set (err, ENOMEM, "config");
  container_config__pack (v->cfg, buf);
  int r = write_atomic (v->dir, "config.bin", buf, n, err);
  free (buf);
  return r;
}
