/* Small sysfs reads the guest does: an attribute's value, and the device node of
 * the device whose attribute has a value (a port's name, a disk's serial).
 * No allocation; shared by the tether and the guest-side test and bench fixtures. */
#ifndef TETHER_LIB_SYSFS_H
#define TETHER_LIB_SYSFS_H

#include <stddef.h>

/* Reads path into buf (NUL-terminated, trailing newlines and spaces cut).
 * Returns the length, or -1 with errno. */
int sysfs_read (const char *path, char *buf, size_t cap);

/* The device whose sysfs entry under class_dir has attribute attr equal to value
 * ("/sys/block", "serial", "top0"): writes "/dev/NAME" into dev. Returns 0, or -1
 * if none has it (yet: devices appear after their module loads). */
int sysfs_find (const char *class_dir, const char *attr, const char *value, char *dev, size_t cap);

/* A disk's serial: virtio-blk's /sys/block/NAME/serial, else SCSI's VPD page
 * 0x80 (Unit Serial Number) in /sys/block/NAME/device/vpd_pg80, which QEMU's
 * scsi-hd fills from serial= and VMware from the disk's UUID. Returns the
 * length, or -1 (no serial, not yet: sd reads the page while it probes). */
int sysfs_disk_serial (const char *block_dir, const char *name, char *out, size_t cap);

/* The serial in a VPD page 0x80 of n bytes (4 bytes of header: page code 0x80
 * at byte 1, the length big-endian at bytes 2-3), spaces and NULs around it cut
 * (SPC pads the field with spaces). Returns the length, or -1 if it is not
 * such a page or the serial does not fit cap (with its NUL). */
int sysfs_vpd80 (const unsigned char *page, size_t n, char *out, size_t cap);

/* Which vsock transports have their device bound under the sysfs root sys
 * ("/sys"): virtio-vsock (QEMU's vhost-vsock-pci; driver
 * vmw_vsock_virtio_transport on the virtio bus) and VMware's VMCI (driver
 * vmw_vmci on the PCI bus). A driver directory holds files (bind, unbind,
 * uevent, new_id, remove_id), a "module" symlink and one symlink per bound
 * device. */
#define SYSFS_VSOCK_VIRTIO 1u
#define SYSFS_VSOCK_VMCI 2u
unsigned sysfs_vsock_transports (const char *sys);

/* The virtio-serial port named name (QEMU's `virtserialport name=`). */
#define VPORTS_DIR "/sys/class/virtio-ports"
#define vport_find(name, dev, cap) sysfs_find (VPORTS_DIR, "name", (name), (dev), (cap))

#endif
