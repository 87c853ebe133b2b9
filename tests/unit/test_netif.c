/* tether/netif.c: the rtnetlink messages it sends, read back with libnl, and the
 * interface lookup by MAC over a fake /sys/class/net. (tests/net runs the
 * requests against a kernel.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "netif.h"
#include "unit.h"

static struct in_addr ip (const char *s)
{
  struct in_addr a;
  assert_int_equal (inet_pton (AF_INET, s, &a), 1);
  return a;
}

static void link_up_sets_flag_and_mtu (void **state)
{
  (void) state;
  struct terr err = { 0 };
  struct nl_msg *m = netif_msg_link_up (3, 1400, &err);
  assert_non_null (m);
  struct nlmsghdr *h = nlmsg_hdr (m);
  assert_int_equal (h->nlmsg_type, RTM_NEWLINK);
  struct ifinfomsg *ifi = nlmsg_data (h);
  assert_int_equal (ifi->ifi_index, 3);
  assert_int_equal (ifi->ifi_flags & IFF_UP, IFF_UP);
  assert_int_equal (ifi->ifi_change, IFF_UP);
  struct nlattr *tb[IFLA_MAX + 1];
  assert_int_equal (nlmsg_parse (h, sizeof *ifi, tb, IFLA_MAX, NULL), 0);
  assert_non_null (tb[IFLA_MTU]);
  assert_int_equal (nla_get_u32 (tb[IFLA_MTU]), 1400);
  nlmsg_free (m);
  m = netif_msg_link_up (3, 0, &err); /* mtu 0: keep, no attribute */
  assert_int_equal (nlmsg_parse (nlmsg_hdr (m), sizeof *ifi, tb, IFLA_MAX, NULL), 0);
  assert_null (tb[IFLA_MTU]);
  nlmsg_free (m);
  assert_null (netif_msg_link_up (0, 0, &err));
  assert_int_equal (err.errnum, EINVAL);
}

static void address_has_local_and_broadcast (void **state)
{
  (void) state;
  struct terr err = { 0 };
  struct nl_msg *m = netif_msg_addr (4, ip ("10.1.2.3"), 20, true, &err);
  assert_non_null (m);
  struct nlmsghdr *h = nlmsg_hdr (m);
  assert_int_equal (h->nlmsg_type, RTM_NEWADDR);
  assert_int_equal (h->nlmsg_flags & (NLM_F_CREATE | NLM_F_REPLACE), NLM_F_CREATE | NLM_F_REPLACE);
  struct ifaddrmsg *ifa = nlmsg_data (h);
  assert_int_equal (ifa->ifa_family, AF_INET);
  assert_int_equal (ifa->ifa_prefixlen, 20);
  assert_int_equal (ifa->ifa_index, 4);
  struct nlattr *tb[IFA_MAX + 1];
  assert_int_equal (nlmsg_parse (h, sizeof *ifa, tb, IFA_MAX, NULL), 0);
  assert_int_equal (nla_get_u32 (tb[IFA_LOCAL]), ip ("10.1.2.3").s_addr);
  assert_int_equal (nla_get_u32 (tb[IFA_BROADCAST]), ip ("10.1.15.255").s_addr);
  nlmsg_free (m);
  m = netif_msg_addr (4, ip ("10.1.2.3"), 32, false, &err); /* delete: no broadcast */
  h = nlmsg_hdr (m);
  assert_int_equal (h->nlmsg_type, RTM_DELADDR);
  assert_int_equal (nlmsg_parse (h, sizeof *ifa, tb, IFA_MAX, NULL), 0);
  assert_null (tb[IFA_BROADCAST]);
  nlmsg_free (m);
  assert_null (netif_msg_addr (4, ip ("10.1.2.3"), 33, true, &err));
}

static void routes_default_onlink_and_prohibit (void **state)
{
  (void) state;
  struct terr err = { 0 };
  struct in_addr none = { 0 };
  struct nl_msg *m = netif_msg_route (5, none, 0, ip ("10.0.0.1"), RTN_UNICAST, true, &err);
  assert_non_null (m);
  struct nlmsghdr *h = nlmsg_hdr (m);
  assert_int_equal (h->nlmsg_type, RTM_NEWROUTE);
  struct rtmsg *rt = nlmsg_data (h);
  assert_int_equal (rt->rtm_dst_len, 0);
  assert_int_equal (rt->rtm_flags & RTNH_F_ONLINK, RTNH_F_ONLINK);
  assert_int_equal (rt->rtm_type, RTN_UNICAST);
  struct nlattr *tb[RTA_MAX + 1];
  assert_int_equal (nlmsg_parse (h, sizeof *rt, tb, RTA_MAX, NULL), 0);
  assert_int_equal (nla_get_u32 (tb[RTA_GATEWAY]), ip ("10.0.0.1").s_addr);
  assert_int_equal (nla_get_u32 (tb[RTA_OIF]), 5);
  assert_null (tb[RTA_DST]);
  nlmsg_free (m);
  m = netif_msg_route (0, ip ("169.254.169.254"), 32, none, RTN_PROHIBIT, true, &err);
  h = nlmsg_hdr (m);
  rt = nlmsg_data (h);
  assert_int_equal (rt->rtm_type, RTN_PROHIBIT);
  assert_int_equal (rt->rtm_dst_len, 32);
  assert_int_equal (nlmsg_parse (h, sizeof *rt, tb, RTA_MAX, NULL), 0);
  assert_int_equal (nla_get_u32 (tb[RTA_DST]), ip ("169.254.169.254").s_addr);
  assert_null (tb[RTA_GATEWAY]);
  nlmsg_free (m);
}

static void put (const char *dir, const char *ifname, const char *file, const char *val)
{
  char path[256];
  snprintf (path, sizeof path, "%s/%s", dir, ifname);
  mkdir (path, 0755);
  snprintf (path, sizeof path, "%s/%s/%s", dir, ifname, file);
  FILE *f = fopen (path, "w");
  assert_non_null (f);
  fputs (val, f);
  fclose (f);
}

static void finds_interface_by_mac (void **state)
{
  (void) state;
  char dir[] = "/tmp/test_netif.XXXXXX";
  assert_non_null (mkdtemp (dir));
  put (dir, "lo", "address", "00:00:00:00:00:00\n");
  put (dir, "lo", "ifindex", "1\n");
  put (dir, "eth0", "address", "52:54:00:ab:cd:ef\n");
  put (dir, "eth0", "ifindex", "2\n");
  put (dir, "eth1", "address", "52:54:00:ab:cd:f0\n");
  put (dir, "eth1", "ifindex", "7\n");
  char name[IFNAMSIZ];
  int idx = 0;
  assert_int_equal (netif_find_by_mac_in (dir, "52:54:00:AB:CD:F0", name, &idx), 0);
  assert_string_equal (name, "eth1");
  assert_int_equal (idx, 7);
  assert_int_equal (netif_find_by_mac_in (dir, "52:54:00:ab:cd:01", name, &idx), 1);
  assert_int_equal (netif_find_by_mac_in (dir, "52:54:00:ab:cd", name, &idx), -1);
  assert_int_equal (netif_find_by_mac_in (dir, "52:54:00:ab:cd:ef:00", name, &idx), -1);
  assert_int_equal (netif_find_by_mac_in (dir, "52-54-00-ab-cd-ef", name, &idx), -1);
  assert_int_equal (netif_find_by_mac_in ("/nonexistent", "52:54:00:ab:cd:ef", name, &idx), 1);
  char cmd[300];
  snprintf (cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal (system (cmd), 0);
}

UNIT_MAIN (cmocka_unit_test (link_up_sets_flag_and_mtu), cmocka_unit_test (address_has_local_and_broadcast),
           cmocka_unit_test (routes_default_onlink_and_prohibit), cmocka_unit_test (finds_interface_by_mac))
