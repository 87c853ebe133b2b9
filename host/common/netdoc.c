/* A bridge network in docker's shape (netrec.h): `docker network inspect`'s
 * object for a bridge network of the "default" IPAM driver. */
#include <jansson.h>

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
