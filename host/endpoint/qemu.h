/* Starting QEMU for a container VM (docs/vm.md's recipe) and plugging its
 * disks through QMP (DESIGN §4: always after start, even on a cold boot). */
#ifndef TETHER_CTL_QEMU_H
#define TETHER_CTL_QEMU_H

#include <stdbool.h>

#include "terr.h"
#include "vmstate.h"

/* Where vmlinux, initramfs.cpio.gz and bootstrap.iso are: $TETHER_ASSETS, else
 * the directory of the tetherctl binary (build/). */
int qemu_assets (char *out, size_t cap, struct terr *err);
/* "kvm" if a quick probe in a child process runs a guest instruction, else "tcg".
 * Bounded: the probe is killed after ~1 s. */
const char *qemu_pick_accel (const char *want);
/* Fork+exec qemu-system-x86_64 with its stdio on console.log; all other fds
 * closed. Returns the pid (v->qemu_pid is set too, and v->boot_ns, VM.BootAt,
 * just before the fork) or -1. */
int qemu_spawn (struct vm_ctr *v, struct terr *err);
/* How QEMU starts (docs/clone.md): a cold boot, the boot of a template (guest
 * RAM in tpl_dir/ram mapped shared, no container config), or a clone of one
 * (the same file mapped private, -incoming defer: the caller loads the state
 * through QMP). Template and clone have the same machine; vmgenid adds the
 * VM Generation ID device to both (a new id for each clone). */
enum qemu_start { QEMU_COLD, QEMU_TEMPLATE, QEMU_CLONE };
struct qemu_how {
  enum qemu_start start;
  const char *tpl_dir;
  bool vmgenid;
};
int qemu_spawn_how (struct vm_ctr *v, const struct qemu_how *how, struct terr *err);
/* The guest RAM QEMU gets for v: its memory and 512 KiB per disk past 24. */
unsigned qemu_mem_mib (const struct vm_ctr *v);
/* The qemu-system-x86_64 that would run, found on PATH (for a template's key). */
int qemu_binary (char *out, size_t cap, struct terr *err);
/* blockdev-add + device_add for every disk, one root port each. Env
 * TETHER_TEST_SKIP_DISK=SERIAL leaves that disk out (the test of the bounded
 * disk wait). */
int qemu_plug_disks (const struct vm_ctr *v, struct terr *err);
/* netdev_add + device_add for the config's NIC (qemunic.c): the default
 * network, QEMU's user-mode network with the published ports as host forwards,
 * on a spare root port. Env TETHER_TEST_SKIP_NIC=MAC leaves the device out (the
 * test of the guest's bounded NIC wait). */
int qemu_plug_nics (const struct vm_ctr *v, struct terr *err);

#endif
