/* docker's NetworkSettings, HostConfig.PortBindings and ps's Ports for a
 * container VM, from its config (NICs, published ports) and what the guest
 * reported of each NIC (ContainerInfo.nets). */
#ifndef TETHER_CTL_NETINSPECT_H
#define TETHER_CTL_NETINSPECT_H

#include "json.h"
#include "tether.pb-c.h"

/* Whether the container has a network record to show (a VM's; host mode has
 * none: its containers share the host's network). */
bool net_inspect_has (const ContainerConfig *c);
/* "NetworkSettings": {IPAddress, Gateway, IPPrefixLen, MacAddress, Ports,
 * Networks{NAME: {...}}, ...} as docker 20.10 fills them. */
void net_inspect_settings (struct json *j, const ContainerInfo *ci);
/* "PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]} */
void net_inspect_port_bindings (struct json *j, const ContainerConfig *c);
/* ps's "Ports": [{"IP", "PrivatePort", "PublicPort", "Type"}] */
void net_inspect_ps_ports (struct json *j, const ContainerInfo *ci);
/* docker's network name for the config: "bridge" (the default) or "none". */
const char *net_inspect_name (const ContainerConfig *c);

#endif
