/* VM mode: the tether as PID 1 of a container VM (DESIGN §4). */
#ifndef TETHER_VM_H
#define TETHER_VM_H

#include <stdbool.h>

#include "tether.h"

#define VM_HELLO_WAIT_MS 10000   /* first hello (host time) before the first exec */
#define VM_DISK_WAIT_MS 30000    /* disks named by the config */
#define VM_NIC_WAIT_MS 10000     /* NICs named by the config, once the disks are there */
#define VM_LEASE_WAIT_MS 15000   /* the first DHCP lease of each DHCP NIC, once it is there */
#define VM_HOLD_MS (600 * 1000) /* DESIGN §4: exit not acked and no endpoint heard: then power off anyway */
#define VM_CHANNEL_SCAN_MS 100
#define VM_CHANNEL_SCAN_MAX_MS 30000
#define VM_ROOT "/run/tether/root"
/* The guest channel's device nodes (vmchan.c): never in a container's /dev. */
#define VM_CHANNEL_PORT_NAME "org.tether.0"
#define VM_CHANNEL_SERIAL "/dev/ttyS1"

/* Sets up VM mode; main's loop then runs it. */
void vm_start (void);
void vm_on_hello (void);
/* A VM booted without a config is a template (#12, docs/clone.md): it waits,
 * with no bound, for a config over the channel; its clones' first hello is the
 * restore. True until that config arrives. */
bool vm_is_template (void);

/* vmchan.c: open every channel candidate present now (virtio-serial port named
 * org.tether.0, vsock if a real CID, ttyS1); later calls add ports that appeared. */
bool vmchan_scan (void); /* true once some channel is open */
/* vmdisk.c */
/* Looks for every disk of cfg; returns the serial of the first missing one, or NULL. */
const char *vmdisk_missing (const ContainerConfig *cfg);
int vmdisk_mount_all (const ContainerConfig *cfg, struct terr *err);
/* A mount made elsewhere, unmounted with the disks' (before them: last in, first out). */
void vmdisk_track_mount (const char *target);
/* vmetc.c: /etc/hostname, /etc/hosts and /etc/resolv.conf of the container,
 * written outside its root and bind-mounted over the image's (docker's way: a
 * read-only root still gets them, and an address change rewrites them). */
int vmetc_write (const ContainerConfig *cfg, const char *id, struct terr *err);
/* /etc/hosts again after a NIC's address changed (DHCP): the bound file is rewritten in place. */
void vmetc_hosts_update (const ContainerConfig *cfg);
void vmdisk_unmount_all (void);
/* vmnet.c: the NICs (found by MAC, configured, reported as NetState) */
const char *vmnet_missing (const ContainerConfig *cfg); /* the first NIC not there yet, or NULL */
int vmnet_setup (const ContainerConfig *cfg, struct terr *err);
const char *vmnet_unleased (const ContainerConfig *cfg); /* the first DHCP NIC without a lease yet, or NULL */
const char *vmnet_address (const char *mac);             /* its address now ("A.B.C.D/N"), or "" */
size_t vmnet_dns (const char *mac, const char **out, size_t cap); /* its lease's DNS servers */
void vmnet_report (struct conn *only);                   /* every NIC's state again (NULL: every channel) */
void vmnet_fill_info (ContainerInfo *info);
/* Whether a NIC of cfg has blocked destinations (the AF_PACKET guard, pktguard.h). */
bool vmnet_blocks (const ContainerConfig *cfg);
/* vmpower.c */
/* Watches the ACPI power button once its input device exists; true when watched. */
bool vmpower_watch_button (void);
_Noreturn void vmpower_off (const char *why);
/* vm.c: called by the dispatcher for a config message (VM mode only). */
void vm_on_config (struct conn *c, uint64_t rid, const ContainerConfig *cfg);
/* vm.c: the primary's run ended (tether.h's container_run_finished calls it). */
void vm_on_run_finished (struct container *c);
/* vm.c: an ack from the endpoint, to see when the final exit was received. */
void vm_on_ack (struct attach *a, uint32_t exit_run);
/* container.c: c is being removed. */
void vm_on_container_gone (struct container *c);
/* dispatch.c: may a client start, create or remove this container now? */
bool vm_refuses (const char *verb, struct container *c, struct terr *err);
/* The VM's own container is started by the boot flow: a client's start of it
 * only waits for that start's outcome. */
bool vm_owns_start (const struct container *c);
extern bool vm_mode;

#endif
