/* rtnetlink requests through libnl-3's core (see netif.h). One socket per
 * call: these run a few times per interface and lease, and a fresh socket
 * can never read a reply meant for an earlier request that timed out. */
#include "netif.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <poll.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "base.h"
#include "clock.h"
#include "sysfs.h"

static void cleanup_nlmsg_fn (struct nl_msg **m)
{
  if (*m)
    nlmsg_free (*m);
}
#define cleanup_nlmsg __attribute__ ((cleanup (cleanup_nlmsg_fn)))

/* ---------------------------------------------------------------- by MAC */

/* "52:54:00:AB:cd:ef" -> 6 bytes; -1 unless exactly six hex pairs. */
static int parse_mac (const char *s, unsigned char out[6])
{
  for (int i = 0; i < 6; i++)
    {
      if (!isxdigit ((unsigned char) s[0]) || !isxdigit ((unsigned char) s[1]))
        return -1;
      char pair[3] = { s[0], s[1], 0 };
      out[i] = (unsigned char) strtoul (pair, NULL, 16);
      s += 2;
      if (*s != (i == 5 ? '\0' : ':'))
        return -1;
      s += i < 5;
    }
  return 0;
}

int netif_find_by_mac_in (const char *class_dir, const char *mac, char ifname[IFNAMSIZ], int *ifindex)
{
  unsigned char want[6], got[6];
  if (!mac || parse_mac (mac, want) < 0)
    return -1;
  DIR *d = opendir (class_dir);
  if (!d)
    return 1; /* no sysfs yet is "not there yet" */
  int found = 1;
  for (struct dirent *e; found == 1 && (e = readdir (d));)
    {
      if (e->d_name[0] == '.' || strlen (e->d_name) >= IFNAMSIZ)
        continue;
      char path[512], val[64];
      snprintf (path, sizeof path, "%s/%s/address", class_dir, e->d_name);
      if (sysfs_read (path, val, sizeof val) < 0 || parse_mac (val, got) < 0 || memcmp (got, want, 6) != 0)
        continue;
      snprintf (path, sizeof path, "%s/%s/ifindex", class_dir, e->d_name);
      char *end;
      if (sysfs_read (path, val, sizeof val) <= 0)
        continue;
      long idx = strtol (val, &end, 10);
      if (*end || idx <= 0 || idx > INT32_MAX)
        continue;
      memcpy (ifname, e->d_name, strlen (e->d_name) + 1); /* < IFNAMSIZ, checked above */
      *ifindex = (int) idx;
      found = 0;
    }
  closedir (d);
  return found;
}

int netif_find_by_mac (const char *mac, char ifname[IFNAMSIZ], int *ifindex)
{
  return netif_find_by_mac_in (NETIF_CLASS_DIR, mac, ifname, ifindex);
}

/* -------------------------------------------------------------- messages */

static struct nl_msg *msg_new (int type, int flags, const void *hdr, size_t len, struct terr *err)
{
  struct nl_msg *m = nlmsg_alloc_simple (type, flags);
  if (!m || nlmsg_append (m, (void *) hdr, len, NLMSG_ALIGNTO) < 0)
    {
      if (m)
        nlmsg_free (m);
      terr_set (err, ENOMEM, "netlink message");
      return NULL;
    }
  return m;
}

/* An attribute did not fit: the messages are a few dozen bytes in libnl's
 * default page, so only a broken allocator gets here. */
static struct nl_msg *msg_fail (struct nl_msg *m, struct terr *err)
{
  nlmsg_free (m);
  terr_set (err, ENOMEM, "netlink attribute");
  return NULL;
}

struct nl_msg *netif_msg_link_up (int ifindex, uint32_t mtu, struct terr *err)
{
  if (ifindex <= 0)
    return terr_set (err, EINVAL, "interface index %d", ifindex), NULL;
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex, .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
  struct nl_msg *m = msg_new (RTM_NEWLINK, 0, &ifi, sizeof ifi, err);
  if (m && mtu && nla_put_u32 (m, IFLA_MTU, mtu) < 0)
    return msg_fail (m, err);
  return m;
}

struct nl_msg *netif_msg_addr (int ifindex, struct in_addr a, int prefix, bool add, struct terr *err)
{
  if (ifindex <= 0 || prefix < 0 || prefix > 32)
    return terr_set (err, EINVAL, "interface index %d, prefix %d", ifindex, prefix), NULL;
  struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_prefixlen = (unsigned char) prefix,
                           .ifa_scope = RT_SCOPE_UNIVERSE, .ifa_index = (unsigned) ifindex };
  struct nl_msg *m = msg_new (add ? RTM_NEWADDR : RTM_DELADDR, add ? NLM_F_CREATE | NLM_F_REPLACE : 0,
                              &ifa, sizeof ifa, err);
  if (!m)
    return NULL;
  if (nla_put (m, IFA_LOCAL, 4, &a) < 0 || nla_put (m, IFA_ADDRESS, 4, &a) < 0)
    return msg_fail (m, err);
  if (add && prefix < 31) /* brd +: the host bits set (none on /31 and /32 links) */
    {
      struct in_addr brd = { a.s_addr | htonl (prefix ? ~0u >> prefix : ~0u) };
      if (nla_put (m, IFA_BROADCAST, 4, &brd) < 0)
        return msg_fail (m, err);
    }
  return m;
}

struct nl_msg *netif_msg_route (int ifindex, struct in_addr dst, int prefix, struct in_addr gw,
                                int type, bool add, struct terr *err)
{
  if (prefix < 0 || prefix > 32 || (type == RTN_UNICAST && ifindex <= 0))
    return terr_set (err, EINVAL, "interface index %d, prefix %d", ifindex, prefix), NULL;
  struct rtmsg rt = { .rtm_family = AF_INET, .rtm_dst_len = (unsigned char) prefix, .rtm_table = RT_TABLE_MAIN,
                      .rtm_protocol = RTPROT_BOOT, .rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = (unsigned char) type };
  if (type == RTN_UNICAST)
    rt.rtm_flags = RTNH_F_ONLINK;
  struct nl_msg *m = msg_new (add ? RTM_NEWROUTE : RTM_DELROUTE, add ? NLM_F_CREATE | NLM_F_REPLACE : 0,
                              &rt, sizeof rt, err);
  if (!m)
    return NULL;
  if (prefix > 0 && nla_put (m, RTA_DST, 4, &dst) < 0)
    return msg_fail (m, err);
  if (type == RTN_UNICAST && (nla_put (m, RTA_GATEWAY, 4, &gw) < 0 || nla_put_u32 (m, RTA_OIF, (uint32_t) ifindex) < 0))
    return msg_fail (m, err);
  return m;
}

/* -------------------------------------------------------------- requests */

int netif_ack_parse (const struct nlmsghdr *buf, size_t n, uint32_t seq, const char *what, struct terr *err)
{
  int len = n > NETIF_REPLY_MAX ? NETIF_REPLY_MAX : (int) n;
  for (const struct nlmsghdr *r = buf; nlmsg_ok (r, len); r = nlmsg_next ((struct nlmsghdr *) r, &len))
    {
      if (r->nlmsg_seq != seq || r->nlmsg_type != NLMSG_ERROR)
        continue;
      if (r->nlmsg_len < NLMSG_LENGTH (sizeof (struct nlmsgerr)))
        return terr_set (err, EPROTO, "%s: short netlink error message", what);
      const struct nlmsgerr *e = nlmsg_data (r);
      if (e->error > 0 || e->error < -4095)
        return terr_set (err, EPROTO, "%s: netlink error %d out of range", what, e->error);
      return e->error ? terr_set (err, -e->error, "%s", what) : 0;
    }
  return 1;
}

/* Sends m (freed here) and waits for its ack; what names the request in errors.
 * The socket is a plain NETLINK_ROUTE one: libnl builds the request and walks
 * the reply (nlmsg_ok/nlmsg_next), but its socket layer and receive loop pull
 * in ~30 KiB of caches and message dumpers the tether never uses (the whole
 * binary stays <= 300 KiB). */
static int request (struct nl_msg *m_in, const char *what, struct terr *err)
{
  cleanup_nlmsg struct nl_msg *m = m_in;
  if (!m)
    return terr_wrap (err, "%s", what);
  cleanup_close int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0)
    return terr_set (err, errno, "%s: netlink socket", what);
  struct nlmsghdr *h = nlmsg_hdr (m);
  static uint32_t seq;
  h->nlmsg_seq = ++seq;
  h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  if (sendto (fd, h, h->nlmsg_len, 0, (struct sockaddr *) &kernel, sizeof kernel) < 0)
    return terr_set (err, errno, "%s: netlink send", what);
  int64_t deadline = now_mono_ms () + NETIF_ACK_TIMEOUT_MS;
  for (;;)
    {
      int64_t left = deadline - now_mono_ms ();
      struct pollfd p = { .fd = fd, .events = POLLIN };
      int pr = left > 0 ? poll (&p, 1, (int) left) : 0;
      if (pr < 0 && errno == EINTR)
        continue;
      if (pr <= 0)
        return terr_set (err, ETIMEDOUT, "%s: no netlink ack within %d ms", what, NETIF_ACK_TIMEOUT_MS);
      union {
        struct nlmsghdr h;
        char b[NETIF_REPLY_MAX];
      } buf;
      ssize_t n = recv (fd, buf.b, sizeof buf.b, 0);
      if (n < 0)
        return terr_set (err, errno, "%s: netlink receive", what);
      int rc = netif_ack_parse (&buf.h, (size_t) n, seq, what, err);
      if (rc <= 0)
        return rc;
    }
}

int netif_set_up (int ifindex, uint32_t mtu, struct terr *err)
{
  char what[64];
  snprintf (what, sizeof what, "set if %d up (mtu %u)", ifindex, mtu);
  return request (netif_msg_link_up (ifindex, mtu, err), what, err);
}

int netif_lo_up (struct terr *err)
{
  unsigned idx = if_nametoindex ("lo");
  if (idx == 0)
    return terr_set (err, errno, "lo");
  return netif_set_up ((int) idx, 0, err);
}

static int addr_req (int ifindex, struct in_addr a, int prefix, bool add, struct terr *err)
{
  char what[80], ip[INET_ADDRSTRLEN];
  inet_ntop (AF_INET, &a, ip, sizeof ip);
  snprintf (what, sizeof what, "%s %s/%d on if %d", add ? "add" : "delete", ip, prefix, ifindex);
  return request (netif_msg_addr (ifindex, a, prefix, add, err), what, err);
}

int netif_addr_add (int ifindex, struct in_addr a, int prefix, struct terr *err)
{
  return addr_req (ifindex, a, prefix, true, err);
}

int netif_addr_del (int ifindex, struct in_addr a, int prefix, struct terr *err)
{
  return addr_req (ifindex, a, prefix, false, err);
}

int netif_route_default (int ifindex, struct in_addr gw, bool add, struct terr *err)
{
  char what[80], ip[INET_ADDRSTRLEN];
  inet_ntop (AF_INET, &gw, ip, sizeof ip);
  snprintf (what, sizeof what, "%s default route via %s on if %d", add ? "add" : "delete", ip, ifindex);
  struct in_addr any = { 0 };
  return request (netif_msg_route (ifindex, any, 0, gw, RTN_UNICAST, add, err), what, err);
}

int netif_route_block (struct in_addr dst, int prefix, struct terr *err)
{
  char what[80], ip[INET_ADDRSTRLEN];
  inet_ntop (AF_INET, &dst, ip, sizeof ip);
  snprintf (what, sizeof what, "block %s/%d", ip, prefix);
  struct in_addr none = { 0 };
  return request (netif_msg_route (0, dst, prefix, none, RTN_PROHIBIT, true, err), what, err);
}
