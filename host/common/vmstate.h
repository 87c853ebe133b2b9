/* A VM container's record under $TETHER_STATE_DIR/containers/ID/ (DESIGN §5,
 * docs/endpoint.md): state.json is the docker-shaped inspect object plus a "VM"
 * object (what `inspect` prints, verbatim); state.pb is the same ContainerInfo
 * packed, for the verbs that need fields back (ps, wait, name lookup). */
#ifndef TETHER_CTL_VMSTATE_H
#define TETHER_CTL_VMSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "disklimits.h"
#include "terr.h"
#include "tether.pb-c.h"

#define VM_PATH_MAX 4096
#define VM_SOCK_MAX 108           /* sun_path */

struct vm_disk {
  char serial[21];                /* <= 20 ASCII bytes: QEMU truncates longer ones */
  char file[VM_PATH_MAX];
  char format[8];                 /* "vmdk" or "raw" */
  bool read_only;
};

struct vm_ctr {
  char id[65];
  char dir[VM_PATH_MAX];          /* containers/ID */
  char rundir[VM_SOCK_MAX];       /* /run/tether/<first 12 of id> */
  char qmp_sock[VM_SOCK_MAX];
  char chan_sock[VM_SOCK_MAX];
  char ctl_sock[VM_SOCK_MAX];     /* the endpoint's client socket */
  ContainerConfig *cfg;           /* the boot config (owned, protobuf-c heap) */
  ContainerInfo info;             /* status, exit, times; info.config = cfg */
  char error[2048];               /* info.error points here */
  struct vm_disk disks[VM_MAX_DISKS];  /* parallel to cfg->disks */
  size_t n_disks;
  /* the VM object */
  int qemu_pid;
  uint64_t qemu_start;            /* its start time (/proc/PID/stat, clock ticks): a pid alone may be reused */
  int endpoint_pid;
  char accel[8];                  /* "tcg" or "kvm" */
  bool serial_channel;            /* 16550 ttyS1 instead of virtio-serial */
  bool iso_boot;
  /* how the VM started (#12): a clone of template_key, or a cold boot and why */
  bool no_template;               /* the run asked for a cold boot */
  bool cloned;
  char template_key[65];
  char start_note[240];
  int64_t boot_ns;                /* QEMU started */
  int64_t hello_ns;               /* the guest answered hello */
  int64_t beat_ns;                /* the guest's time in its last heartbeat */
  bool unresponsive;              /* heartbeats missed (EP_MISSED_BEATS) */
  ContainerInfo *loaded;          /* vm_ctr_load's: owns info's strings and cfg until the next load */
};

/* Removes the disks of cfg's anonymous volumes (volumes/NAME.img): rm -v and
 * --rm, as docker. Names that are not 64 hex digits are left alone. */
void vm_anon_volumes_remove (const ContainerConfig *cfg);
#define VM_NAME_MAX 128
/* docker rename: the container's name from now on (every loader reads it). */
int vm_rename (const char *id, const char *name, struct terr *err);
/* Where the runtime dirs of VMs go: $TETHER_RUN_DIR, else /run/tether. */
const char *vm_run_base (void);
/* Fills the paths for id (dir, rundir, sockets). */
int vm_ctr_paths (struct vm_ctr *v, const char *id, struct terr *err);
/* Writes state.json and state.pb atomically (rename). */
int vm_state_save (const struct vm_ctr *v, struct terr *err);
/* Writes dir/config.bin, the boot config QEMU gives the guest (fw_cfg),
 * atomically: a VM booted again reads the new one or the old one whole. */
int vm_config_write (const struct vm_ctr *v, struct terr *err);
/* The whole record back, for an endpoint that adopts a running VM: the info and
 * config from state.pb, QEMU and the disks from state.json's "VM" object. v is
 * zero before its first load (static): a later load frees the last one's record. */
int vm_ctr_load (struct vm_ctr *v, const char *id, struct terr *err);
/* The guest time of the last heartbeat the endpoint recorded in dir/heartbeat
 * (8 bytes, little-endian, rewritten in place each beat), or 0. */
int64_t vm_last_beat (const char *dir);
/* An AutoRemove container's exit code outlives its directory in
 * STATE/removed/ID, for a `wait condition=removed` that looks after the removal
 * (docker's daemon answers it from memory; tetherd keeps none). */
void vm_removed_note (const char *id, int exit_code);
/* That code: 0 and *code, or -1 when there is none. */
int vm_removed_code (const char *id, int *code);
/* Notes older than max_age_s go (a --rm run nobody waited for). */
void vm_removed_sweep (int max_age_s);
/* Whether the record is final: the run ended (exited), or its start failed
 * (created again, with a run number: docker's failed start). */
bool vm_info_final (const ContainerInfo *ci);
/* Reads containers/ID/state.pb. The result is freed with container_info__free_unpacked. */
ContainerInfo *vm_state_load (const char *id, struct terr *err);
/* Finds a container by full id, unique prefix or name; out gets the full id.
 * Returns 0, or -1 (not found, ambiguous). */
int vm_find (const char *ref, char out[65], struct terr *err);
/* The container whose name is exactly name (no id prefix matches): 0 and its id. */
int vm_name_owner (const char *name, char out[65]);
/* Calls fn for every container id in the state dir. */
int vm_each (int (*fn) (const char *id, void *ctx), void *ctx);
/* The last lines of console.log (at most cap-1 bytes), for error texts. */
void vm_console_tail (const struct vm_ctr *v, char *buf, size_t cap);
/* Whether a process with this pid is alive (kill 0). */
bool vm_pid_alive (int pid);

#endif
