/* The DHCP client's sockets, timer and netlink (see dhcpio.h). */
#include "dhcpio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base.h"
#include "caps.h"
#include "clock.h"
#include "fdio.h"
#include "netif.h"
#include "netspec.h"

static struct dhcpio *io_of (struct dhcp_client *c)
{
  return container_of (c, struct dhcpio, c);
}

/* -------------------------------------------------------------- sockets */

/* IPv4, not a fragment, UDP to port 68: everything else on the link stays in
 * the kernel instead of waking the loop. Offsets are into the IP header (a
 * SOCK_DGRAM packet socket has no link header). */
static struct sock_filter udp68[] = {
  BPF_STMT (BPF_LD | BPF_B | BPF_ABS, 9),                       /* protocol */
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 6),
  BPF_STMT (BPF_LD | BPF_H | BPF_ABS, 6),                       /* flags + fragment offset */
  BPF_JUMP (BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 4, 0),
  BPF_STMT (BPF_LDX | BPF_B | BPF_MSH, 0),                      /* x = header length */
  BPF_STMT (BPF_LD | BPF_H | BPF_IND, 2),                       /* UDP destination port */
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, DHCP_CLIENT_PORT, 0, 1),
  BPF_STMT (BPF_RET | BPF_K, 0xffff),
  BPF_STMT (BPF_RET | BPF_K, 0),
};

static int open_raw (struct dhcpio *io, struct terr *err)
{
  cleanup_close int fd = socket (AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons (ETH_P_IP));
  if (fd < 0)
    return terr_set (err, errno, "AF_PACKET socket");
  struct sock_fprog prog = { .len = ARRAY_LEN (udp68), .filter = udp68 };
  if (setsockopt (fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0)
    return terr_set (err, errno, "SO_ATTACH_FILTER");
  int one = 1; /* tp_status with each packet: is its checksum filled in yet? */
  if (setsockopt (fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0)
    return terr_set (err, errno, "PACKET_AUXDATA");
  struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons (ETH_P_IP), .sll_ifindex = io->ifindex };
  if (bind (fd, (struct sockaddr *) &sll, sizeof sll) < 0)
    return terr_set (err, errno, "bind AF_PACKET to %s", io->c.ifname);
  return take_fd (&fd);
}

static int open_udp (struct dhcpio *io, struct terr *err)
{
  cleanup_close int fd = socket (AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return terr_set (err, errno, "UDP socket");
  int one = 1;
  /* REUSEADDR: each NIC's client binds port 68, on its own device. */
  if (setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      setsockopt (fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) < 0 ||
      setsockopt (fd, SOL_SOCKET, SO_BINDTODEVICE, io->c.ifname, (socklen_t) strlen (io->c.ifname)) < 0)
    return terr_set (err, errno, "UDP socket options on %s", io->c.ifname);
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons (DHCP_CLIENT_PORT) };
  if (bind (fd, (struct sockaddr *) &sin, sizeof sin) < 0)
    return terr_set (err, errno, "bind UDP port %d on %s", DHCP_CLIENT_PORT, io->c.ifname);
  return take_fd (&fd);
}

static void close_watch (struct watch *w)
{
  int fd = w->fd;
  loop_del (w);
  if (fd >= 0)
    close (fd);
}

static void on_raw (struct watch *w, uint32_t events);
static void on_udp (struct watch *w, uint32_t events);

/* The raw socket while unbound, the UDP socket while bound. A socket that
 * cannot be opened now is tried again at the next event (the retransmission
 * timer brings one); the error goes out with the next report. */
static void sync_sockets (struct dhcpio *io)
{
  struct terr err = { 0 };
  bool stopped = io->c.state == DHCP_STOPPED;
  bool want_raw = !stopped && !io->c.bound, want_udp = !stopped && io->c.bound;
  if (!want_raw && io->raw.fd >= 0)
    close_watch (&io->raw);
  if (!want_udp && io->udp.fd >= 0)
    close_watch (&io->udp);
  int fd = -1;
  if (want_raw && io->raw.fd < 0)
    {
      if ((fd = open_raw (io, &err)) < 0 || loop_add (&io->raw, fd, EPOLLIN, on_raw, &err) < 0)
        goto fail;
    }
  if (want_udp && io->udp.fd < 0)
    {
      if ((fd = open_udp (io, &err)) < 0 || loop_add (&io->udp, fd, EPOLLIN, on_udp, &err) < 0)
        goto fail;
    }
  return;
fail:
  if (fd >= 0)
    close (fd);
  snprintf (io->c.error, sizeof io->c.error, "%s", err.msg);
}

static void on_packet (struct dhcpio *io, const uint8_t *p, size_t n)
{
  dhcp_on_packet (&io->c, p, n);
  sync_sockets (io);
}

static void on_raw (struct watch *w, uint32_t events)
{
  (void) events;
  struct dhcpio *io = container_of (w, struct dhcpio, raw);
  uint8_t frame[DHCP_MAX_LEN + 64];
  /* Capped: the filter passes only UDP to port 68, but a flood of it must
   * not starve the loop. The watch may close under us (bound: UDP now). */
  for (int i = 0; i < READS_PER_EVENT && io->raw.fd >= 0; i++)
    {
      union {
        struct cmsghdr h;
        char buf[CMSG_SPACE (sizeof (struct tpacket_auxdata))];
      } ctl;
      struct iovec iov = { frame, sizeof frame };
      struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = sizeof ctl };
      ssize_t n = recvmsg (io->raw.fd, &mh, MSG_TRUNC);
      if (n < 0)
        return; /* EAGAIN: drained; another error: the next DISCOVER retries */
      bool sum_ready = true;
      for (struct cmsghdr *cm = CMSG_FIRSTHDR (&mh); cm; cm = CMSG_NXTHDR (&mh, cm))
        if (cm->cmsg_level == SOL_PACKET && cm->cmsg_type == PACKET_AUXDATA)
          {
            struct tpacket_auxdata aux;
            memcpy (&aux, CMSG_DATA (cm), sizeof aux);
            sum_ready = !(aux.tp_status & TP_STATUS_CSUMNOTREADY);
          }
      size_t len;
      const uint8_t *p = (size_t) n <= sizeof frame ? dhcp_ip_unwrap (frame, (size_t) n, sum_ready, &len) : NULL;
      if (p)
        on_packet (io, p, len);
    }
}

static void on_udp (struct watch *w, uint32_t events)
{
  (void) events;
  struct dhcpio *io = container_of (w, struct dhcpio, udp);
  uint8_t buf[DHCP_MAX_LEN];
  for (int i = 0; i < READS_PER_EVENT && io->udp.fd >= 0; i++)
    {
      ssize_t n = recv (io->udp.fd, buf, sizeof buf, MSG_TRUNC);
      if (n < 0)
        return;
      if ((size_t) n <= sizeof buf)
        on_packet (io, buf, (size_t) n);
    }
}

/* ------------------------------------------------------------------ ops */

static int op_send (struct dhcp_client *c, enum dhcp_send_to to, const uint8_t *p, size_t n, struct terr *err)
{
  struct dhcpio *io = io_of (c);
  sync_sockets (io);
  if (to == DHCP_TO_RAW_BROADCAST)
    {
      if (io->raw.fd < 0)
        return terr_set (err, 0, "no AF_PACKET socket");
      uint8_t frame[DHCP_MAX_LEN + 64];
      struct in_addr any = { INADDR_ANY }, all = { INADDR_BROADCAST };
      size_t len = dhcp_ip_wrap (any, all, p, n, frame, sizeof frame);
      struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons (ETH_P_IP),
                                 .sll_ifindex = io->ifindex, .sll_halen = 6 };
      memset (sll.sll_addr, 0xff, 6);
      if (len == 0 || sendto (io->raw.fd, frame, len, 0, (struct sockaddr *) &sll, sizeof sll) < 0)
        return terr_set (err, len ? errno : EMSGSIZE, "send on %s", c->ifname);
      return 0;
    }
  if (io->udp.fd < 0)
    return terr_set (err, 0, "no UDP socket");
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons (DHCP_SERVER_PORT) };
  sin.sin_addr.s_addr = to == DHCP_TO_SERVER ? c->lease.server.s_addr : INADDR_BROADCAST;
  if (sendto (io->udp.fd, p, n, 0, (struct sockaddr *) &sin, sizeof sin) < 0)
    return terr_set (err, errno, "send to %s", inet_ntoa (sin.sin_addr));
  return 0;
}

static bool same_config (const struct dhcp_lease *a, const struct dhcp_lease *b)
{
  return a->addr.s_addr == b->addr.s_addr && a->prefix == b->prefix && a->gateway.s_addr == b->gateway.s_addr;
}

/* A renewal with the same address, prefix and gateway changes nothing. */
static int op_apply (struct dhcp_client *c, const struct dhcp_lease *old, const struct dhcp_lease *now,
                     struct terr *err)
{
  struct dhcpio *io = io_of (c);
  if (old && now && same_config (old, now))
    return 0;
  if (old)
    {
      struct terr ignored = { 0 }; /* the route goes with its address anyway */
      if (old->gateway.s_addr)
        netif_route_default (io->ifindex, old->gateway, false, &ignored);
      if (netif_addr_del (io->ifindex, old->addr, old->prefix, err) < 0 && err->errnum != EADDRNOTAVAIL)
        return -1;
    }
  if (!now)
    return 0;
  if (netif_addr_add (io->ifindex, now->addr, now->prefix, err) < 0)
    return -1;
  if (now->gateway.s_addr && netif_route_default (io->ifindex, now->gateway, true, err) < 0)
    return -1;
  return 0;
}

static void on_timer (struct timer *t)
{
  struct dhcpio *io = container_of (t, struct dhcpio, t);
  dhcp_on_timer (&io->c);
  sync_sockets (io);
}

static void op_arm (struct dhcp_client *c, int64_t at_ms)
{
  struct dhcpio *io = io_of (c);
  if (at_ms == 0)
    {
      timer_cancel (&io->t);
      return;
    }
  int64_t wait = at_ms - now_mono_ms ();
  timer_arm (&io->t, wait > 0 ? wait : 0, on_timer);
}

static void op_report (struct dhcp_client *c, const struct dhcp_event *ev)
{
  struct dhcpio *io = io_of (c);
  if (io->report)
    io->report (io->arg, ev);
}

/* xids need only differ between clients and transactions: a clone's RNG is
 * reseeded (rngseed.c), and before the pool is ready the time mixed with the
 * MAC does. */
static uint32_t op_random (void)
{
  uint32_t x;
  if (getrandom (&x, sizeof x, GRND_NONBLOCK) == (ssize_t) sizeof x)
    return x;
  uint64_t t = (uint64_t) now_real_ns ();
  return (uint32_t) (t ^ (t >> 32)) * 2654435761u;
}

static const struct dhcp_ops io_ops = {
  .send = op_send, .apply = op_apply, .arm = op_arm, .report = op_report,
  .now_ms = now_mono_ms, .now_real_ns = now_real_ns, .random = op_random,
};

int dhcpio_start (struct dhcpio *io, const char *mac, const char *hostname, uint32_t mtu, dhcpio_report_fn fn,
                  void *arg, struct terr *err)
{
  char ifname[IFNAMSIZ];
  int idx;
  uint8_t mac6[6];
  /* net_mac_parse, not sscanf: the tether links no scanf (its size) */
  if (net_mac_parse (mac, mac6) != 0 || netif_find_by_mac (mac, ifname, &idx) != 0)
    return terr_set (err, ENODEV, "no interface with MAC %s", mac);
  memset (io, 0, sizeof *io);
  io->raw.fd = io->udp.fd = -1;
  io->ifindex = idx;
  io->report = fn;
  io->arg = arg;
  dhcp_init (&io->c, &io_ops, NULL, mac, mac6, ifname, hostname);
  if (netif_set_up (idx, mtu, err) < 0)
    return -1;
  int fd = open_raw (io, err);
  if (fd < 0)
    return -1;
  if (loop_add (&io->raw, fd, EPOLLIN, on_raw, err) < 0)
    {
      close (fd);
      return -1;
    }
  dhcp_start (&io->c);
  sync_sockets (io);
  return 0;
}

void dhcpio_stop (struct dhcpio *io)
{
  dhcp_stop (&io->c);
  sync_sockets (io);
}
