/* A container VM started as a clone of its shape's template (#12, docs/clone.md). */
#ifndef TETHER_CTL_CLONE_H
#define TETHER_CTL_CLONE_H

#include "template.h"
#include "terr.h"
#include "vmstate.h"

/* QEMU with the template's machine and -incoming defer, its state loaded
 * through QMP, resumed: 0, v->qemu_pid set, the disks still to plug and the
 * config still to send over the channel. 1: no usable template (err says why),
 * nothing started. -1: the restore failed (err), its QEMU killed and reaped;
 * a template that would not load is removed, to be made again. */
int clone_boot (struct vm_ctr *v, char key[TPL_KEY_LEN], struct terr *err);

#endif
