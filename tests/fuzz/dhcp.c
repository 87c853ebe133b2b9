/* libFuzzer target for the DHCP parser and the IPv4/UDP unwrapping
 * (tether/dhcpmsg.c): untrusted bytes from the link, before any address.
 *
 * Input: the bytes, taken both as a DHCP payload and as an IPv4 frame. A
 * payload that parses is built again and must parse to the same fields (the
 * builder writes every field the parser keeps); an unwrapped payload must lie
 * inside the frame. Any violated property aborts. */
#include <stdlib.h>
#include <string.h>

#include "dhcpmsg.h"

#define CHECK(cond) \
  do { \
    if (!(cond)) \
      abort (); \
  } while (0)

static void same (const struct dhcp_msg *a, const struct dhcp_msg *b)
{
  CHECK (a->op == b->op && a->xid == b->xid && a->secs == b->secs && a->flags == b->flags);
  CHECK (a->yiaddr.s_addr == b->yiaddr.s_addr && a->ciaddr.s_addr == b->ciaddr.s_addr);
  CHECK (memcmp (a->chaddr, b->chaddr, 6) == 0 && a->type == b->type);
  CHECK (a->has_lease == b->has_lease && a->lease_s == b->lease_s);
  CHECK (a->has_server_id == b->has_server_id && a->server_id.s_addr == b->server_id.s_addr);
  CHECK (a->n_routers == b->n_routers && a->n_dns == b->n_dns);
  CHECK (memcmp (a->dns, b->dns, sizeof a->dns) == 0 && strcmp (a->hostname, b->hostname) == 0);
  CHECK (a->n_params == b->n_params && a->client_id_len == b->client_id_len);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static uint8_t buf[DHCP_MAX_LEN];
  struct dhcp_msg m, again;
  const char *why = NULL;
  if (dhcp_parse (data, size, &m, &why) == 0)
    {
      size_t n = dhcp_build (&m, buf, sizeof buf);
      CHECK (n >= DHCP_MIN_LEN);
      CHECK (dhcp_parse (buf, n, &again, &why) == 0);
      same (&m, &again);
      (void) dhcp_mask_prefix (m.mask);
    }
  else
    CHECK (why != NULL);
  size_t len = 0;
  for (int check = 0; check < 2; check++)
    {
      const uint8_t *p = dhcp_ip_unwrap (data, size, check, &len);
      if (p)
        CHECK (p >= data && p + len <= data + size);
    }
  return 0;
}
