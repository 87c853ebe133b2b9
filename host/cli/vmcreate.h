/* A container VM's record made before it boots (docker create): the state dir,
 * its disks (image layers, a writable top disk, volumes), config.bin and
 * state.json with status "created". Booting it is endpoint_spawn's (EP_BOOT). */
#ifndef TETHER_CTL_VMCREATE_H
#define TETHER_CTL_VMCREATE_H

#include <stdbool.h>
#include <stddef.h>

#include "terr.h"
#include "vmstate.h"

struct vm_create {
  const char *const *layers;  /* image refs (DIR, TAR, LAYER.vmdk), bottom first; none: the built-in image */
  size_t n_layers;
  const char *const *volumes; /* "NAME:/PATH" */
  size_t n_volumes;
  bool serial;                /* the channel over a 16550 */
  bool no_template;           /* boot cold even if a template fits */
  const char *accel;          /* "auto", "kvm", "tcg" */
};

#define VOLUME_NAME_MAX 128

/* STATE/volumes/NAME.img; -1 if it does not fit. */
int vm_volume_path (const char *name, char *path, size_t cap);
/* The named volume's disk, made (VOLUME_MB, ext4) if it is not there yet. */
int vm_volume_make (const char *name, char *path, size_t cap, struct terr *err);

/* Makes containers/ID/ for cfg (whose id is set) into v. The disks' protobuf
 * entries live in static storage: one container at a time, until the next call.
 * More than VM_MAX_LAYERS layers or VM_MAX_VOLUMES volumes: "N layers: at most
 * M" before anything is made. On failure after the state dir exists, the
 * container is recorded as ended 125 with the reason (docker's failed create
 * leaves nothing; here `rm` removes it). */
int vm_create (struct vm_ctr *v, ContainerConfig *cfg, const struct vm_create *o, struct terr *err);

#endif
