/* The per-VM endpoint (DESIGN §1, docs/endpoint.md): owns QEMU, its QMP socket
 * and the guest channel, keeps containers/ID/ current, and serves clients on
 * its own socket with the protocol of `tether --listen`, by proxying. */
#ifndef TETHER_CTL_EP_H
#define TETHER_CTL_EP_H

#include <stdbool.h>
#include <stdint.h>

#include "link.h"
#include "logstore.h"
#include "vmstate.h"

#define EP_GUEST_BACKLOG (1024u * 1024u) /* stop reading clients past this much queued for the guest */
#define EP_MAX_CLIENTS 64
#define EP_MAX_HANDLES 512
#define EP_MAX_REQUESTS 1024
#define EP_LOG_HANDLE 1            /* the endpoint's own attachment (the log, logstore.h) */
#define EP_HELLO_EVERY_MS 250
#define EP_CLIENT_WAIT_MS 10000    /* foreground run: hold the guest's hello for its attach */
#define EP_BOOT_TIMEOUT_S 60       /* hello_reply bound; $TETHER_BOOT_TIMEOUT_S */
#define EP_POWEROFF_GRACE_MS 15000 /* exit acked, VM still up: QMP quit */
#define EP_STOP_GRACE_MS 10000     /* DESIGN §4: quit at stop timeout + 10 s */
#define EP_FINAL_FLUSH_MS 2000     /* the last replies to clients, at most */
#define EP_KILL_WAIT_MS 5000       /* QEMU after quit, and after SIGKILL */
#define EP_QMP_MS 2000             /* one QMP exchange */
#define EP_MISSED_BEATS 3
#define EP_ATTACHED_LISTED 32      /* attached clients inspect lists */          /* heartbeats missed before the VM is unresponsive */

struct ep_client {
  bool used;
  bool hello_done;
  int32_t peer_pid;          /* SO_PEERCRED, for ps and inspect's attached clients */
  uint32_t peer_uid;
  char name[32];             /* its hello's client name */
  struct link l;
  /* a frame that arrived before the guest was ready, replayed once it is */
  bool has_held;
  uint8_t held_type;
  uint32_t held_handle, held_len;
  uint8_t *held;
};

struct ep_hmap {
  bool used;
  int cl;
  uint32_t ch, gh;
  bool primary;              /* an attach to the container (not an exec) */
  bool attached;             /* ... that the guest accepted: inspect lists it */
  bool feeds_stdin;
  int64_t since_ns;
};
struct ep_rmap { bool used; int cl; uint64_t crid, grid; int body; };

struct ep {
  struct vm_ctr *v;
  bool wait_client;          /* a foreground run will attach: hold the guest's hello */
  bool client_attach_seen;
  struct link guest;
  bool guest_connected, guest_ready, guest_gone;
  int64_t start_ms, last_hello_ms, boot_deadline_ms;
  int listen_fd, pidfd, lock_fd;
  int beat_fd;               /* containers/ID/heartbeat: the last beat's guest time, for a later endpoint */
  int64_t beat_mono_ms;      /* when the last heartbeat arrived (0: none yet) */
  bool qemu_gone;
  struct ep_client clients[EP_MAX_CLIENTS];
  struct ep_hmap hmap[EP_MAX_HANDLES];
  struct ep_rmap rmap[EP_MAX_REQUESTS];
  uint32_t next_gh;
  uint64_t next_grid;
  uint64_t config_grid;      /* the config sent to a clone: an error answer ends the run */
  bool config_sent;          /* ... on this connection to the guest */
  /* the endpoint's own attachment */
  struct logstore log;        /* log.next: what is written, so what may be acked */
  uint64_t log_acked[3];
  bool has_exit;             /* the run ended and state.json says so */
  bool run_known;            /* info.run is what the guest said on this connection (ep_on_exit) */
  bool failed;               /* ended 125 by the endpoint */
  int64_t poweroff_deadline_ms, stop_deadline_ms, powerdown_next_ms;
  bool quit_now;             /* --rm, nothing kept: QEMU quits without the guest's power-off */
  char guest_version[64];
  /* the restart policy when the VM itself dies (eplife.c) */
  int64_t vm_up_ms;          /* when this VM was booted (monotonic) */
  int64_t vm_backoff_ms;     /* docker's back-off, carried from VM to VM */
  bool rebooting;            /* between a dead VM and the next one */
  uint64_t health_seq;       /* the guest's health results that state.json shows */
  bool nets_owned[2];        /* info.nets[i] is ep_on_net_state's copy (NET_MAX_NICS) */
};

/* proxy.c */
/* Handles one frame from a client; returns 1 if it must wait for the guest (held). */
int proxy_client_frame (struct ep *e, int cl, uint8_t type, uint32_t handle, const uint8_t *payload, uint32_t len);
void proxy_guest_frame (struct ep *e, const struct frame *f);
/* One closing line: how much unusable input the guest sent in all. */
void proxy_log_garbage_total (void);
void proxy_client_gone (struct ep *e, int cl);
/* Ends every pending request and attached session of clients with exit 125. */
void proxy_fail_all (struct ep *e, const char *why);
/* The logger acks what it has written. */
void proxy_log_ack (struct ep *e, uint32_t exit_run);
void proxy_guest_ready (struct ep *e);
/* A clone's container config, once per connection to the guest (proxy.c). */
void proxy_send_config (struct ep *e);
/* Asks the guest for the container's info; ep_on_info gets the reply. */
void proxy_ask_info (struct ep *e);

/* endpoint.c: the one endpoint of this process */
extern struct ep ep;
/* eplife.c */
void ep_save (void);                           /* state.json and state.pb now */
void ep_check_beats (int64_t now);
void ep_kill_qemu (void);
/* Records how the VM ended, then exits; returns only when the restart policy
 * boots another VM for the container. */
void ep_on_qemu_gone (void);
_Noreturn void ep_finish (void);
_Noreturn void ep_fail (const char *why);      /* the container ends 125 with why */
void ep_boot_vm (struct vm_ctr *v, int ready_fd); /* ready_fd -1: none to tell */
void ep_adopt_vm (struct vm_ctr *v, int ready_fd);
/* endpoint.c */
/* The guest link and every client dropped (clients reconnect and resume): the
 * channel was lost, or the VM is replaced. */
void ep_guest_reset (void);
void ep_on_exit (struct ep *e, const Exit *x);
void ep_on_info (struct ep *e, const ContainerInfo *ci);
void ep_on_started (struct ep *e, const Started *st);
void ep_on_stop (struct ep *e, int timeout_s);
void ep_on_heartbeat (struct ep *e, const Heartbeat *hb);
void ep_on_net_state (struct ep *e, const NetState *ns);
void ep_log (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

enum ep_start {
  EP_BOOT,                   /* start QEMU for a new container */
  EP_BOOT_ATTACHED,          /* the same; a foreground run will attach: hold the guest's hello */
  EP_ADOPT,                  /* take over the running QEMU of an endpoint that died */
};
/* Runs the endpoint for v (set up on disk; for EP_ADOPT loaded by vm_ctr_load)
 * and never returns. ready_fd gets one byte once clients may connect (closed
 * without one on failure, or when another endpoint owns the VM). */
_Noreturn void endpoint_main (struct vm_ctr *v, int ready_fd, enum ep_start how);

#endif
