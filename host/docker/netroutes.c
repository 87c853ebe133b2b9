/* docker network create|ls|inspect|rm: named bridge networks, the records
 * tetherctl network keeps too (host/common/netrec.h). The bridge driver only;
 * tether's own settings travel as driver options: org.tether.netns=NAME (the
 * network namespace of the bridge) and org.tether.dhcp=true (addresses from a
 * DHCP server on the bridge). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "netrec.h"
#include "routes.h"

static struct netrec rec;

void route_net_list (struct api_req *req, struct api_reply *rep)
{
  (void) req;
  static char names[NETREC_MAX_CTRS][NETREC_NAME_MAX + 1];
  struct terr err;
  int k = netrec_list (names, NETREC_MAX_CTRS, &err);
  if (k < 0)
    {
      api_reply_error (rep, 500, "%s", err.msg);
      return;
    }
  json_t *all = json_array ();
  json_array_append_new (all, netrec_predefined_json ("bridge"));
  json_array_append_new (all, netrec_predefined_json ("none"));
  for (int i = 0; all && i < k; i++)
    if (netrec_load (names[i], &rec, &err) == 0)
      json_array_append_new (all, netrec_docker_json (&rec));
  api_reply_jansson (rep, 200, all);
}

void route_net_inspect (struct api_req *req, struct api_reply *rep)
{
  struct terr err;
  json_t *pre = netrec_predefined_json (req->param);
  if (pre)
    api_reply_jansson (rep, 200, pre);
  else if (netrec_load (req->param, &rec, &err) < 0)
    api_reply_error (rep, err.errnum == ENOENT ? 404 : 500, "%s", err.msg);
  else
    api_reply_jansson (rep, 200, netrec_docker_json (&rec));
}

/* IPAM.Config's first entry: its Subnet and Gateway (NULL when absent). */
static int take_ipam (const json_t *b, const char **subnet, const char **gateway, struct api_reply *rep)
{
  const json_t *ipam = json_object_get (b, "IPAM"), *cfg = json_object_get (ipam, "Config");
  const char *drv = json_string_value (json_object_get (ipam, "Driver"));
  if (drv && drv[0] && strcmp (drv, "default") != 0)
    return api_reply_error (rep, 501, "IPAM driver %.64s is not supported by tetherd (default only)", drv), -1;
  if (json_array_size (cfg) > 1)
    return api_reply_error (rep, 501, "more than one IPAM config (IPv4 subnet) is not supported by tetherd"), -1;
  const json_t *c0 = json_array_get (cfg, 0);
  *subnet = json_string_value (json_object_get (c0, "Subnet"));
  *gateway = json_string_value (json_object_get (c0, "Gateway"));
  if (*subnet && !**subnet)
    *subnet = NULL;
  if (*gateway && !**gateway)
    *gateway = NULL;
  if (*gateway && !*subnet)
    return api_reply_error (rep, 400, "the gateway needs a subnet (--subnet)"), -1;
  return 0;
}

void route_net_create (struct api_req *req, struct api_reply *rep)
{
  json_t *b = json_loadb (req->body ? req->body : "", req->body_len, 0, NULL);
  const char *name = json_string_value (json_object_get (b, "Name"));
  const char *driver = json_string_value (json_object_get (b, "Driver"));
  const json_t *opts = json_object_get (b, "Options");
  const char *netns = json_string_value (json_object_get (opts, "org.tether.netns"));
  const char *dhcp = json_string_value (json_object_get (opts, "org.tether.dhcp"));
  const char *subnet = NULL, *gateway = NULL, *k;
  json_t *v;
  struct terr err;
  bool bad_opt = false;
  json_object_foreach ((json_t *) opts, k, v)
    bad_opt |= strcmp (k, "org.tether.netns") != 0 && strcmp (k, "org.tether.dhcp") != 0;
  if (!json_is_object (b) || !name)
    api_reply_error (rep, 400, "a network needs a Name");
  else if (driver && driver[0] && strcmp (driver, "bridge") != 0)
    api_reply_error (rep, 501, "network driver %.64s is not supported by tetherd (bridge only)", driver);
  else if (bad_opt)
    api_reply_error (rep, 501, "network options other than org.tether.netns and org.tether.dhcp are not supported "
                               "by tetherd");
  else if (json_is_true (json_object_get (b, "EnableIPv6")) || json_is_true (json_object_get (b, "Internal")))
    api_reply_error (rep, 501, "IPv6 and internal networks are not supported by tetherd");
  else if (take_ipam (b, &subnet, &gateway, rep) < 0)
    ;
  else if (netrec_create (&rec, name, subnet, gateway, dhcp && strcmp (dhcp, "true") == 0, netns ? netns : "",
                          &err)
           < 0)
    api_reply_error (rep, err.errnum == EEXIST ? 409 : err.errnum == EINVAL ? 400 : 500, "%s", err.msg);
  else
    api_reply_jansson (rep, 201, json_pack ("{s:s, s:s}", "Id", rec.id, "Warning", ""));
  json_decref (b);
}

void route_net_remove (struct api_req *req, struct api_reply *rep)
{
  struct terr err;
  if (netrec_predefined (req->param))
    api_reply_error (rep, 403, "%s is a pre-defined network and cannot be removed", req->param);
  else if (netrec_remove (req->param, &err) < 0)
    api_reply_error (rep, err.errnum == ENOENT ? 404 : err.errnum == EBUSY ? 403 : 500, "%s", err.msg);
  else
    api_reply_text (rep, 204, "");
}
