/* libFuzzer target for the netlink replies the tether reads (tether/netif.c:
 * netif_ack_parse, walking one recv's messages with libnl's nlmsg_ok and
 * nlmsg_next) and the requests it builds from a config's values
 * (netif_msg_link_up, netif_msg_addr, netif_msg_route: ifindex, prefix, MTU
 * and route type as a hostile config could give them).
 *
 * Input: 4 bytes of sequence number, 16 bytes of request arguments, then the
 * reply bytes (copied into a buffer of exactly their size, aligned as the
 * kernel's are, so a read past them is ASan's). The answer must be 0, 1 or
 * -1, and -1 must carry a message and an errno in the kernel's range. */
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netif.h"

#define CHECK(cond) \
  do { \
    if (!(cond)) \
      abort (); \
  } while (0)

static uint32_t u32 (const uint8_t *p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

/* A built request is a well-formed netlink message of its own length. */
static void built (struct nl_msg *m, struct terr *err)
{
  if (m == NULL)
    {
      CHECK (err->msg[0] != '\0');
      return;
    }
  struct nlmsghdr *h = nlmsg_hdr (m);
  CHECK (h->nlmsg_len >= NLMSG_HDRLEN && nlmsg_ok (h, (int) h->nlmsg_len));
  nlmsg_free (m);
}

static void requests (const uint8_t *a)
{
  int ifindex = (int) u32 (a), prefix = (int8_t) a[8], type = a[9] % 16;
  uint32_t mtu = u32 (a + 4);
  struct in_addr addr = { .s_addr = u32 (a + 10) }, gw = { .s_addr = u32 (a + 12) };
  struct terr err = { 0 };
  built (netif_msg_link_up (ifindex, mtu, &err), &err);
  built (netif_msg_addr (ifindex, addr, prefix, a[14] & 1, &err), &err);
  built (netif_msg_route (ifindex, addr, prefix, gw, type, a[15] & 1, &err), &err);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 20 || size - 20 > NETIF_REPLY_MAX)
    return 0;
  uint32_t seq = u32 (data);
  requests (data + 4);
  size_t n = size - 20;
  struct nlmsghdr *buf = malloc (n ? n : 1); /* malloc's alignment is the kernel's */
  CHECK (buf != NULL);
  memcpy (buf, data + 20, n);
  struct terr err = { 0 };
  int rc = netif_ack_parse (buf, n, seq, "fuzzed request", &err);
  CHECK (rc == 0 || rc == 1 || rc == -1);
  if (rc == -1)
    CHECK (err.msg[0] != '\0' && err.errnum > 0 && err.errnum <= 4095);
  free (buf);
  return 0;
}
