/* The tether's DHCP client (RFC 2131), one per NIC that asks for DHCP. This
 * file is the state machine alone: no sockets, no clock of its own, no netlink;
 * what it needs comes through struct dhcp_ops, so unit tests drive it with a
 * fake clock and fake packets (tests/unit/test_dhcp.c) and dhcpio.c runs it in
 * the tether's loop.
 *
 *   INIT ──(back-off, then DISCOVER broadcast)──► SELECTING ──OFFER──► REQUESTING
 *     ▲  (REQUEST broadcast, retried DHCP_REQUEST_TRIES times, then INIT)   │ ACK
 *     │                                                                     ▼
 *     ├──NAK (address removed, back-off)──── RENEWING ◄──T1── BOUND ◄──ACK──┤
 *     │                                      │ T2  (REQUEST unicast to the server)
 *     └──lease expired (address removed)─── REBINDING (REQUEST broadcast)
 *
 * Retransmissions: DISCOVER and REQUEST after 1, 2, 4, 8, 16, 16 ... s; a
 * renewal or rebinding REQUEST after half the time left to T2 or to the
 * expiry, at least DHCP_RENEW_RETRY_MIN_MS. Restarts after a NAK or a failed
 * REQUESTING wait 1, 2, 4 ... DHCP_BACKOFF_MAX_MS; being bound resets that.
 * Not done: the ARP probe of an offered address (DECLINE), INIT-REBOOT with a
 * remembered lease, RELEASE at stop. */
#ifndef TETHER_DHCP_H
#define TETHER_DHCP_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "dhcpmsg.h"
#include "terr.h"

#define DHCP_RETRANS_MIN_MS 1000
#define DHCP_RETRANS_MAX_MS 16000
#define DHCP_REQUEST_TRIES 4
#define DHCP_BACKOFF_MIN_MS 1000
#define DHCP_BACKOFF_MAX_MS 32000
#define DHCP_RENEW_RETRY_MIN_MS 1000
#define DHCP_LEASE_MIN_S 2        /* a shorter lease is taken as this */

enum dhcp_state { DHCP_INIT, DHCP_SELECTING, DHCP_REQUESTING, DHCP_BOUND, DHCP_RENEWING, DHCP_REBINDING,
                  DHCP_STOPPED };

struct dhcp_lease {
  struct in_addr addr, gateway, server; /* gateway 0.0.0.0: the server gave no router */
  int prefix;
  struct in_addr dns[DHCP_MAX_DNS];
  unsigned n_dns;
  uint32_t lease_s;                      /* DHCP_INFINITE: never expires */
  int64_t t1_ms, t2_ms, end_ms;          /* CLOCK_MONOTONIC deadlines (0: infinite) */
  int64_t end_real_ns;                   /* the same end on CLOCK_REALTIME, for reports; 0: infinite */
};

/* What the callback (NetState, in the glue) is told at each state or address
 * change. Pointers are valid during the call only. */
struct dhcp_event {
  const char *mac, *ifname, *state;
  bool has_lease;                /* address, prefix, gateway, dns, lease_end_ns valid */
  struct in_addr address, gateway;
  int prefix;
  const struct in_addr *dns;
  unsigned n_dns;
  int64_t lease_end_ns;          /* CLOCK_REALTIME; 0 = infinite */
  const char *error;             /* what just went wrong, or NULL */
};

enum dhcp_send_to {
  DHCP_TO_RAW_BROADCAST,  /* no address yet: AF_PACKET, 0.0.0.0 -> 255.255.255.255 */
  DHCP_TO_SERVER,         /* renewing: UDP unicast to the lease's server */
  DHCP_TO_BROADCAST,      /* rebinding: UDP broadcast from our address */
};

struct dhcp_client;
struct dhcp_ops {
  int (*send) (struct dhcp_client *c, enum dhcp_send_to to, const uint8_t *p, size_t n, struct terr *err);
  /* Puts the interface from lease old to lease now (either may be NULL):
   * addresses and the default route. */
  int (*apply) (struct dhcp_client *c, const struct dhcp_lease *old, const struct dhcp_lease *now,
                struct terr *err);
  void (*arm) (struct dhcp_client *c, int64_t at_ms); /* the one timer, CLOCK_MONOTONIC; 0 cancels */
  void (*report) (struct dhcp_client *c, const struct dhcp_event *ev);
  int64_t (*now_ms) (void);
  int64_t (*now_real_ns) (void);
  uint32_t (*random) (void); /* xids */
};

struct dhcp_client {
  const struct dhcp_ops *ops;
  void *ctx;                      /* the caller's */
  char mac_text[18];
  uint8_t mac[6];
  char ifname[IFNAMSIZ];
  char hostname[DHCP_MAX_HOSTNAME + 1]; /* sent as option 12 when set */
  enum dhcp_state state;
  uint32_t xid;
  int64_t txn_start_ms;           /* the transaction's first packet (secs) */
  int64_t sent_ms;                /* the last REQUEST: a lease counts from it */
  int64_t retrans_ms;             /* the current retransmission interval */
  int64_t backoff_ms;             /* the next restart's wait; 0 = none yet */
  unsigned tries;
  struct in_addr offered, offer_server;
  bool bound;                     /* lease is on the interface */
  struct dhcp_lease lease;
  char error[300];                /* reported with the next event, then cleared */
};

/* Sets up c for the interface with mac (text and bytes) and name; INIT, no timer. */
void dhcp_init (struct dhcp_client *c, const struct dhcp_ops *ops, void *ctx, const char *mac_text,
                const uint8_t mac[6], const char *ifname, const char *hostname);
/* INIT -> SELECTING: the first DISCOVER now. */
void dhcp_start (struct dhcp_client *c);
/* The armed time has come. */
void dhcp_on_timer (struct dhcp_client *c);
/* A DHCP payload that arrived on either socket (not ours: ignored). */
void dhcp_on_packet (struct dhcp_client *c, const uint8_t *p, size_t n);
/* Stops: the timer cancelled, the address removed, STOPPED reported. */
void dhcp_stop (struct dhcp_client *c);
const char *dhcp_state_name (enum dhcp_state s);

#endif
