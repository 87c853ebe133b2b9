/* A bridge network in docker's shape (netrec.h): `docker network inspect`'s
 * object for a bridge network of the "default" IPAM driver. */
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "netrec.h"
#include "netspec.h"
#include "timefmt.h"

json_t *netrec_docker_json (const struct netrec *n)
{
  char created[RFC3339_LEN];
  json_t *ctrs = json_object ();
  for (size_t i = 0; ctrs && i < n->n_ctrs; i++)
    {
      char mac[18];
      net_mac_from_id (n->ctrs[i].id, mac);
      json_object_set_new (ctrs, n->ctrs[i].id,
                           json_pack ("{s:s, s:s, s:s, s:s, s:s}", "Name", "", "EndpointID", "", "MacAddress", mac,
                                      "IPv4Address", n->ctrs[i].address, "IPv6Address", ""));
    }
  json_t *cfg = n->dhcp ? json_array () : json_pack ("[{s:s, s:s}]", "Subnet", n->subnet, "Gateway", n->gateway);
  json_t *opts = json_pack ("{s:s}", "com.docker.network.bridge.name", n->bridge);
  if (n->netns[0])
    json_object_set_new (opts, "org.tether.netns", json_string (n->netns));
  if (n->dhcp)
    json_object_set_new (opts, "org.tether.dhcp", json_string ("true"));
  return json_pack ("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:n, s:o}, s:b, s:b, s:b, s:{s:s}, s:b, s:o, s:o, s:{}}",
                    "Name", n->name, "Id", n->id, "Created", fmt_rfc3339 (n->created_ns, created), "Scope", "local",
                    "Driver", "bridge", "EnableIPv6", 0, "IPAM", "Driver", "default", "Options", "Config", cfg,
                    "Internal", 0, "Attachable", 0, "Ingress", 0, "ConfigFrom", "Network", "", "ConfigOnly", 0,
                    "Containers", ctrs, "Options", opts, "Labels");
}

/* docker's predefined networks as tetherd has them: "bridge" is the default
 * network (QEMU's user network in each VM, netspec.h), "none" loopback only.
 * Their ids are fixed (a hash of the name): there is no daemon state to keep
 * one in, and a client may hold an id across tetherd restarts. */
json_t *netrec_predefined_json (const char *name)
{
  static const struct { const char *name, *id, *driver; } pre[] = {
    { "bridge", "3fec8a8b9a65748b51091dbf72515c2a2d965bd8b1dafa4487f565aa0bcc430d", "bridge" },
    { "none", "bba65a4452ebf9d34a01e69a6833c887939c6d7be6ab8047613435cfda8aa571", "null" },
  };
  for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
    {
      size_t n = strlen (name);
      if (strcmp (name, pre[i].name) != 0 && (n < 12 || strncmp (pre[i].id, name, n) != 0))
        continue;
      bool user = strcmp (pre[i].name, "bridge") == 0;
      json_t *cfg = user ? json_pack ("[{s:s, s:s}]", "Subnet", NET_USER_NET, "Gateway", NET_USER_GATEWAY)
                         : json_array ();
      return json_pack ("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:n, s:o}, s:b, s:b, s:b, s:{s:s}, s:b, s:{}, "
                        "s:{}, s:{}}",
                        "Name", pre[i].name, "Id", pre[i].id, "Created", "0001-01-01T00:00:00Z", "Scope", "local",
                        "Driver", pre[i].driver, "EnableIPv6", 0, "IPAM", "Driver", "default", "Options", "Config",
                        cfg, "Internal", 0, "Attachable", 0, "Ingress", 0, "ConfigFrom", "Network", "",
                        "ConfigOnly", 0, "Containers", "Options", "Labels");
    }
  return NULL;
}
