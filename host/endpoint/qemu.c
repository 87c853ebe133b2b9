#include "qemu.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "adopt.h"
#include "clock.h"
#include "qmp.h"
#include "tool.h"

#define QEMU_BIN "qemu-system-x86_64"
#define QEMU_MAX_ARGS 160
#define QEMU_SPARE_PORTS 2
#define QEMU_SCSI_ID "scsi0"
/* virtio-scsi's targets are 0..255 (QEMU VIRTIO_SCSI_MAX_TARGET); disk i is target i */
_Static_assert (VM_MAX_DISKS <= 256, "one virtio-scsi target per disk");
#define QMP_TIMEOUT_MS 10000

int qemu_assets (char *out, size_t cap, struct terr *err)
{
  const char *a = getenv ("TETHER_ASSETS");
  if (a && *a)
    {
      snprintf (out, cap, "%s", a);
      return 0;
    }
  char exe[PATH_MAX];
  ssize_t n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  if (n < 0)
    return terr_set (err, errno, "readlink /proc/self/exe");
  exe[n] = '\0';
  snprintf (out, cap, "%s", dirname (exe));
  return 0;
}

struct argv_buf {
  char *v[QEMU_MAX_ARGS];
  int n;
  char store[16384];
  size_t used;
};

static void add (struct argv_buf *a, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
static void add (struct argv_buf *a, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *p = a->store + a->used;
  int n = vsnprintf (p, sizeof a->store - a->used, fmt, ap);
  va_end (ap);
  if (n < 0 || (size_t) n + 1 > sizeof a->store - a->used || a->n + 1 >= QEMU_MAX_ARGS)
    abort (); /* sizes are fixed but for path limits */
  a->used += (size_t) n + 1;
  a->v[a->n++] = p;
  a->v[a->n] = NULL;
}

/* Each disk costs the guest kernel ~0.5 MiB (Linux 6.1: the SCSI device, its
 * mq-deadline queue of 256 requests, the ext4 mount), taken as it probes: 126
 * disks in 128 MiB ran out of memory while probing them (a guest panic). The
 * first QEMU_DISKS_IN_MEM come out of the container's memory as they always did
 * (a root port each allowed no more than 24); each one past them adds 512 KiB,
 * so a deep image neither starves the container nor panics the guest. */
#define QEMU_DISKS_IN_MEM 24
static unsigned disk_mem_mib (size_t n_disks)
{
  return n_disks > QEMU_DISKS_IN_MEM ? (unsigned) (n_disks - QEMU_DISKS_IN_MEM + 1) / 2 : 0;
}

unsigned qemu_mem_mib (const struct vm_ctr *v)
{
  const ContainerConfig *c = v->cfg;
  return (c->memory_bytes ? (unsigned) (c->memory_bytes >> 20) : 128) + disk_mem_mib (v->n_disks);
}

int qemu_binary (char *out, size_t cap, struct terr *err)
{
  /* $PATH alone, as execvp finds the QEMU that runs */
  if (tool_search (getenv ("PATH"), QEMU_BIN, out, cap) < 0)
    return terr_set (err, ENOENT, QEMU_BIN " is not on PATH");
  return 0;
}

static void build_argv (const struct vm_ctr *v, const struct qemu_how *how, const char *assets, struct argv_buf *a)
{
  const ContainerConfig *c = v->cfg;
  unsigned mem = qemu_mem_mib (v);
  add (a, QEMU_BIN);
  if (strcmp (v->accel, "kvm") == 0)
    add (a, "-accel"), add (a, "kvm"), add (a, "-cpu"), add (a, "host");
  else
    add (a, "-accel"), add (a, "tcg"), add (a, "-cpu"), add (a, "max");
  if (how->start == QEMU_COLD)
    add (a, "-machine"), add (a, "q35");
  else
    {
      /* The template's RAM is a file it writes through; each clone maps it
       * private (copy-on-write), so clones share what they only read and the
       * saved state leaves the RAM out (x-ignore-shared). The file must never
       * change once published: a clone reads pages from it for its whole life. */
      add (a, "-object"), add (a, "memory-backend-file,id=mem,size=%uM,mem-path=%s/ram,share=%s", mem, how->tpl_dir,
                                how->start == QEMU_TEMPLATE ? "on" : "off");
      add (a, "-machine"), add (a, "q35,memory-backend=mem");
    }
  add (a, "-m"), add (a, "%u", mem);
  add (a, "-smp"), add (a, "%u", c->cpus ? c->cpus : 1);
  add (a, "-nodefaults"), add (a, "-no-user-config"), add (a, "-nographic"), add (a, "-no-reboot");
  add (a, "-chardev"), add (a, "file,id=con,path=%s/console.log,append=on", v->dir);
  add (a, "-serial"), add (a, "chardev:con");
  add (a, "-monitor"), add (a, "none");
  add (a, "-qmp"), add (a, "unix:%s,server=on,wait=off", v->qmp_sock);
  /* The disks' controller is part of the machine, the disks are not (DESIGN §4:
   * all of them come through QMP after the start). One virtio-scsi controller
   * takes every disk as a LUN of its own target (plug_one): the machine is the
   * same whatever the container's disks, as a cloned template needs, and there
   * is no per-disk PCI slot to run out of (q35's root bus has 32: a root port
   * per disk stopped at 27 disks). Spare root ports stay for other hot-plugs. */
  add (a, "-device"), add (a, "virtio-scsi-pci,id=" QEMU_SCSI_ID);
  for (size_t i = 0; i < QEMU_SPARE_PORTS; i++)
    add (a, "-device"), add (a, "pcie-root-port,id=rp%zu,chassis=%zu,slot=%zu", i + 1, i + 1, i + 1);
  add (a, "-chardev"), add (a, "socket,id=ch0,path=%s,server=on,wait=off", v->chan_sock);
  if (v->serial_channel)
    add (a, "-serial"), add (a, "chardev:ch0"); /* the guest's ttyS1 */
  else
    {
      add (a, "-device"), add (a, "virtio-serial-pci,id=vser0");
      add (a, "-device"), add (a, "virtserialport,chardev=ch0,name=org.tether.0");
    }
  if (how->vmgenid)
    add (a, "-device"), add (a, "vmgenid,id=gen0,guid=auto");
  if (how->start == QEMU_CLONE)
    {
      /* the guest read fw_cfg at the template's boot and never will again: the
       * config comes over the channel; nor does it boot a kernel */
      add (a, "-incoming"), add (a, "defer");
      return;
    }
  if (how->start == QEMU_COLD)
    add (a, "-fw_cfg"), add (a, "name=opt/org.tether/config,file=%s/config.bin", v->dir);
  if (v->iso_boot)
    add (a, "-cdrom"), add (a, "%s/bootstrap.iso", assets);
  else
    {
      add (a, "-kernel"), add (a, "%s/kernel/vmlinux", assets);
      add (a, "-initrd"), add (a, "%s/initramfs.cpio.gz", assets);
      /* TETHER_KERNEL_APPEND: extra kernel arguments (debugging: rdinit=/bin/sh with DEBUG=1). */
      const char *extra = getenv ("TETHER_KERNEL_APPEND");
      add (a, "-append"), add (a, "console=ttyS0 panic=-1 quiet%s%s", extra && *extra ? " " : "", extra ? extra : "");
    }
}

int qemu_spawn (struct vm_ctr *v, struct terr *err)
{
  const struct qemu_how cold = { .start = QEMU_COLD };
  return qemu_spawn_how (v, &cold, err);
}

int qemu_spawn_how (struct vm_ctr *v, const struct qemu_how *how, struct terr *err)
{
  char assets[PATH_MAX], f[PATH_MAX + 64];
  if (qemu_assets (assets, sizeof assets, err) < 0)
    return -1;
  snprintf (f, sizeof f, v->iso_boot ? "%s/bootstrap.iso" : "%s/kernel/vmlinux", assets);
  if (access (f, R_OK) < 0)
    return terr_set (err, errno, "VM boot image %s (set TETHER_ASSETS)", f);
  static struct argv_buf a;
  memset (&a, 0, sizeof a);
  build_argv (v, how, assets, &a);
  char log[VM_PATH_MAX + 32];
  snprintf (log, sizeof log, "%s/console.log", v->dir);
  int log_fd = open (log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0)
    return terr_set (err, errno, "open %s", log);
  v->boot_ns = now_real_ns (); /* VM.BootAt: the spawn, before a clone's restore */
  pid_t pid = fork ();
  if (pid < 0)
    {
      close (log_fd);
      return terr_set (err, errno, "fork");
    }
  if (pid == 0)
    {
      int nul = open ("/dev/null", O_RDONLY);
      if (nul < 0 || dup2 (nul, 0) < 0 || dup2 (log_fd, 1) < 0 || dup2 (log_fd, 2) < 0)
        _exit (127);
      syscall (SYS_close_range, 3, ~0U, 0);
      setpgid (0, 0); /* a Ctrl-C at a terminal never reaches QEMU directly */
      /* a template's VM lives only as long as its maker: a maker killed
       * mid-boot must not leave a VM that waits for ever */
      if (how->start == QEMU_TEMPLATE)
        prctl (PR_SET_PDEATHSIG, SIGKILL);
      execvp (a.v[0], a.v);
      dprintf (2, "tetherctl: exec %s: %s\n", a.v[0], strerror (errno));
      _exit (127);
    }
  close (log_fd);
  v->qemu_pid = pid;
  v->qemu_start = proc_start_ticks (pid); /* an adopting endpoint checks it */
  return pid;
}

static int plug_one (int fd, const struct vm_ctr *v, size_t i, struct terr *err)
{
  const struct vm_disk *d = &v->disks[i];
  char node[32];
  snprintf (node, sizeof node, "d%zu", i);
  json_t *blk = json_pack ("{s:s, s:s, s:b, s:{s:s, s:s, s:b}}", "driver", d->format, "node-name", node,
                           "read-only", d->read_only, "file", "driver", "file", "filename", d->file, "read-only",
                           d->read_only);
  if (!blk || qmp_exec (fd, "blockdev-add", blk, QMP_TIMEOUT_MS, err) < 0)
    return blk ? terr_wrap (err, "blockdev-add %s", d->file) : terr_set (err, ENOMEM, "blockdev-add");
  const char *skip = getenv ("TETHER_TEST_SKIP_DISK");
  if (skip && strcmp (skip, d->serial) == 0)
    return 0;
  /* scsi-hd gives the guest the serial as VPD page 0x80 (tether/vmdisk.c reads
   * it); read-only comes from the node: the guest sees a write-protected disk.
   * The top disk and volumes go the same way: one path to plug and to find a
   * disk; the top disk writes about as fast as on virtio-blk (docs/vm.md). */
  char id[32];
  snprintf (id, sizeof id, "disk%zu", i);
  json_t *dev = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i}", "driver", "scsi-hd", "drive", node, "bus",
                           QEMU_SCSI_ID ".0", "id", id, "serial", d->serial, "channel", 0, "scsi-id", (int) i, "lun", 0);
  if (!dev || qmp_exec (fd, "device_add", dev, QMP_TIMEOUT_MS, err) < 0)
    return dev ? terr_wrap (err, "device_add %s", d->serial) : terr_set (err, ENOMEM, "device_add");
  return 0;
}

int qemu_plug_disks (const struct vm_ctr *v, struct terr *err)
{
  int fd = qmp_open (v->qmp_sock, QMP_TIMEOUT_MS, err);
  if (fd < 0)
    return -1;
  for (size_t i = 0; i < v->n_disks; i++)
    if (plug_one (fd, v, i, err) < 0)
      {
        close (fd);
        return -1;
      }
  close (fd);
  return 0;
}
