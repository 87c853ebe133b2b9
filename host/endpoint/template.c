/* Templates on disk: their key, where they are, their lock, listing and removal
 * (making one is tplmake.c, restoring one clone.c). */
#include "template.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "qemu.h"
#include "statedir.h"
#include "tree.h"

/* Bumped whenever the machine a template holds changes in a way the inputs
 * below do not show (a device added to build_argv, a new tether protocol). */
#define TPL_FORMAT "tether-template 1"

bool tpl_enabled (void)
{
  const char *t = getenv ("TETHER_TEMPLATES");
  return !(t && strcmp (t, "off") == 0);
}

void tpl_shape_default (struct tpl_shape *s, unsigned mem_mib, unsigned cpus, const char *accel)
{
  memset (s, 0, sizeof *s);
  s->mem_mib = mem_mib ? mem_mib : 128;
  s->cpus = cpus ? cpus : 1;
  const char *g = getenv ("TETHER_VMGENID");
  s->vmgenid = !(g && strcmp (g, "off") == 0);
  snprintf (s->accel, sizeof s->accel, "%s", accel);
}

bool tpl_shape_of (const struct vm_ctr *v, struct tpl_shape *s)
{
  if (v->iso_boot)
    return false;
  tpl_shape_default (s, qemu_mem_mib (v), v->cfg->cpus, v->accel);
  s->serial_channel = v->serial_channel;
  return true;
}

/* A file's identity: a rebuilt or replaced file has another (a template of the
 * old one is stale). Content hashing would cost every run a read of the kernel. */
static int add_file (char *buf, size_t cap, size_t *len, const char *what, const char *path, struct terr *err)
{
  struct stat st;
  char real[PATH_MAX];
  if (realpath (path, real) == NULL || stat (real, &st) < 0)
    return terr_set (err, errno, "%s %s", what, path);
  int n = snprintf (buf + *len, cap - *len, "%s %s dev=%llu ino=%llu size=%lld mtime=%lld.%09ld\n", what, real,
                    (unsigned long long) st.st_dev, (unsigned long long) st.st_ino, (long long) st.st_size,
                    (long long) st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  if (n < 0 || (size_t) n >= cap - *len)
    return terr_set (err, 0, "template key inputs too long");
  *len += (size_t) n;
  return 0;
}

/* KVM's -cpu host is the host CPU: its flags belong in the key. */
static void add_host_cpu (char *buf, size_t cap, size_t *len)
{
  FILE *f = fopen ("/proc/cpuinfo", "re");
  char line[4096];
  while (f && fgets (line, sizeof line, f))
    if (strncmp (line, "flags", 5) == 0 || strncmp (line, "model name", 10) == 0)
      {
        int n = snprintf (buf + *len, cap - *len, "%s", line);
        if (n > 0 && (size_t) n < cap - *len)
          *len += (size_t) n;
        if (line[0] == 'f')
          break;
      }
  if (f)
    fclose (f);
}

int tpl_key (const struct tpl_shape *s, char key[TPL_KEY_LEN], char *inputs, size_t cap, struct terr *err)
{
  static char buf[16384];
  size_t len = 0;
  char assets[PATH_MAX], qemu[PATH_MAX], f[PATH_MAX + 32];
  if (qemu_assets (assets, sizeof assets, err) < 0 || qemu_binary (qemu, sizeof qemu, err) < 0)
    return -1;
  const char *append = getenv ("TETHER_KERNEL_APPEND");
  len = (size_t) snprintf (buf, sizeof buf,
                           TPL_FORMAT "\naccel %s\ncpu %s\nmachine q35 virtio-scsi-pci pcie-root-port*2\n"
                                      "memory %u MiB\ncpus %u\nchannel %s\nvmgenid %s\nappend %s\n",
                           s->accel, strcmp (s->accel, "kvm") == 0 ? "host" : "max", s->mem_mib, s->cpus,
                           s->serial_channel ? "16550" : "virtio-serial", s->vmgenid ? "on" : "off",
                           append ? append : "");
  if (add_file (buf, sizeof buf, &len, "qemu", qemu, err) < 0)
    return -1;
  snprintf (f, sizeof f, "%s/kernel/vmlinux", assets);
  if (add_file (buf, sizeof buf, &len, "kernel", f, err) < 0)
    return -1;
  snprintf (f, sizeof f, "%s/initramfs.cpio.gz", assets);
  if (add_file (buf, sizeof buf, &len, "initramfs", f, err) < 0)
    return -1;
  if (strcmp (s->accel, "kvm") == 0)
    add_host_cpu (buf, sizeof buf, &len);
  struct sha256 h;
  unsigned char d[SHA256_LEN];
  sha256_init (&h);
  sha256_update (&h, buf, len);
  sha256_final (&h, d);
  sha256_hex (d, key);
  if (inputs)
    snprintf (inputs, cap, "%s", buf);
  return 0;
}

int tpl_root (char *out, size_t cap, struct terr *err)
{
  return state_subdir ("templates", out, cap, err);
}

int tpl_file (const char *key, const char *name, char *out, size_t cap, struct terr *err)
{
  char root[PATH_MAX];
  if (tpl_root (root, sizeof root, err) < 0)
    return -1;
  if ((size_t) snprintf (out, cap, "%s/%s%s%s", root, key, name ? "/" : "", name ? name : "") >= cap)
    return terr_set (err, 0, "template path too long");
  return 0;
}

bool tpl_exists (const char *key)
{
  char p[PATH_MAX];
  struct terr err;
  struct stat st;
  return tpl_file (key, "state", p, sizeof p, &err) == 0 && stat (p, &st) == 0;
}

int tpl_lock (const char *key, int how, int wait_ms, struct terr *err)
{
  char root[PATH_MAX], p[PATH_MAX + 80];
  if (tpl_root (root, sizeof root, err) < 0)
    return -1;
  snprintf (p, sizeof p, "%s/%s.lock", root, key);
  int fd = open (p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return terr_set (err, errno, "open %s", p);
  int64_t deadline = now_mono_ms () + wait_ms;
  while (flock (fd, how | LOCK_NB) < 0)
    {
      if (errno != EWOULDBLOCK || now_mono_ms () >= deadline)
        {
          int e = errno;
          close (fd);
          return terr_set (err, e, "template %.12s is locked (being made or removed)", key);
        }
      nanosleep (&(struct timespec) { 0, 50 * 1000 * 1000 }, NULL);
    }
  return fd;
}

int tpl_remove (const char *key, bool locked, struct terr *err)
{
  int lk = locked ? -1 : tpl_lock (key, LOCK_EX, 5000, err);
  if (!locked && lk < 0)
    return -1;
  char dir[PATH_MAX], gone[PATH_MAX + 32];
  int r = tpl_file (key, NULL, dir, sizeof dir, err);
  if (r == 0)
    {
      /* away from its name first: no new clone finds it half removed */
      snprintf (gone, sizeof gone, "%s.gone-%d", dir, (int) getpid ());
      if (rename (dir, gone) < 0)
        r = terr_set (err, errno, errno == ENOENT ? "no template %.12s" : "rename %s", key);
      else
        tree_remove (gone);
    }
  if (lk >= 0)
    close (lk);
  return r;
}

bool tpl_current (const char *key, json_t *meta)
{
  if (!meta)
    return false;
  struct tpl_shape s;
  const char *ch = json_string_value (json_object_get (meta, "Channel"));
  const char *accel = json_string_value (json_object_get (meta, "Accel"));
  tpl_shape_default (&s, (unsigned) json_integer_value (json_object_get (meta, "MemoryMiB")),
                     (unsigned) json_integer_value (json_object_get (meta, "Cpus")), accel ? accel : "");
  s.serial_channel = ch && strcmp (ch, "16550") == 0;
  s.vmgenid = json_is_true (json_object_get (meta, "VMGenID"));
  char now[TPL_KEY_LEN];
  struct terr err;
  return tpl_key (&s, now, NULL, 0, &err) == 0 && strcmp (now, key) == 0;
}

/* templates/wanted/m128-c1-virtio-g1-tcg: the whole shape in the name, so a
 * shape is wanted once however many runs lacked it */
#define TPL_WANTED_MAX 16
void tpl_want (const struct tpl_shape *s)
{
  char root[PATH_MAX], p[PATH_MAX + 96];
  struct terr err;
  if (tpl_root (root, sizeof root, &err) < 0)
    return;
  snprintf (p, sizeof p, "%s/wanted", root);
  mkdir (p, 0700);
  snprintf (p, sizeof p, "%s/wanted/m%u-c%u-%s-g%d-%s", root, s->mem_mib, s->cpus,
            s->serial_channel ? "16550" : "virtio", s->vmgenid, s->accel);
  int fd = open (p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0)
    close (fd);
}

void tpl_each_wanted (int (*fn) (const struct tpl_shape *s, void *ctx), void *ctx)
{
  char root[PATH_MAX], p[PATH_MAX + 320];
  struct terr err;
  if (tpl_root (root, sizeof root, &err) < 0)
    return;
  snprintf (p, sizeof p, "%s/wanted", root);
  DIR *d = opendir (p);
  struct dirent *de;
  for (int n = 0; d && n < TPL_WANTED_MAX && (de = readdir (d));)
    {
      struct tpl_shape s;
      char ch[8], accel[8];
      int g;
      if (sscanf (de->d_name, "m%u-c%u-%7[a-z0-9]-g%d-%7[a-z]", &s.mem_mib, &s.cpus, ch, &g, accel) != 5)
        continue;
      n++;
      s.serial_channel = strcmp (ch, "16550") == 0;
      s.vmgenid = g != 0;
      snprintf (s.accel, sizeof s.accel, "%s", accel);
      if (s.mem_mib >= 16 && s.cpus >= 1 && s.cpus <= 255 && fn (&s, ctx) == 1)
        {
          snprintf (p, sizeof p, "%s/wanted/%s", root, de->d_name);
          unlink (p);
        }
    }
  if (d)
    closedir (d);
}

bool tpl_path_plain (const char *path)
{
  return path[strspn (path, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._+-")] == '\0';
}

int tpl_each (int (*fn) (const char *key, json_t *meta, void *ctx), void *ctx, struct terr *err)
{
  char root[PATH_MAX], p[PATH_MAX + 320];
  if (tpl_root (root, sizeof root, err) < 0)
    return -1;
  DIR *d = opendir (root);
  if (!d)
    return terr_set (err, errno, "opendir %s", root);
  struct dirent *de;
  int r = 0;
  while (r == 0 && (de = readdir (d)))
    {
      if (strlen (de->d_name) != TPL_KEY_LEN - 1 || strspn (de->d_name, "0123456789abcdef") != TPL_KEY_LEN - 1)
        continue; /* locks, unpublished and removed ones */
      snprintf (p, sizeof p, "%s/%s/meta.json", root, de->d_name);
      json_t *meta = json_load_file (p, JSON_REJECT_DUPLICATES, NULL);
      r = fn (de->d_name, meta, ctx);
      json_decref (meta);
    }
  closedir (d);
  return r;
}
