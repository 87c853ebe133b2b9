/* How many disks a container VM may have: one number for tetherctl, tetherd and
 * the tether (docs/vm.md "How many disks"). Every disk is a LUN of the VM's one
 * virtio-scsi controller, one SCSI target each; QEMU's virtio-scsi takes targets
 * 0..255, so the sum below must stay within 256. */
#ifndef TETHER_DISKLIMITS_H
#define TETHER_DISKLIMITS_H

/* The most layers an image may have. Docker's own bound: its layer store refuses
 * a chain deeper than 125 (moby layer/layer_store.go maxLayerDepth, "the 127 max
 * in some graphdrivers plus the 2 additional layers used to create a rwlayer"),
 * so no image docker made has more. It also fits the tether's overlayfs mount:
 * lowerdir names every layer's mount point in one page of mount options (4096
 * bytes, all mount(2) copies on Linux 6.1; tether/vmdisk.c asserts the sum). */
#define VM_MAX_LAYERS 125
#define VM_MAX_VOLUMES 16 /* named volumes of one container */
/* layers, the writable top disk, volumes */
#define VM_MAX_DISKS (VM_MAX_LAYERS + 1 + VM_MAX_VOLUMES)

#endif
