/* docker's --rm (HostConfig.AutoRemove) at a container's end: its record goes,
 * with its anonymous volumes and its bridge address, and a note of its exit
 * code stays for a `wait condition=removed` that looks afterwards. The endpoint
 * calls it when the run ended; tetherd when a start failed before any endpoint
 * ran (dockerd removes an AutoRemove container whose start failed). */
#ifndef TETHER_CTL_AUTOREMOVE_H
#define TETHER_CTL_AUTOREMOVE_H

#include "vmstate.h"

void vm_auto_remove (const struct vm_ctr *v, int exit_code);

#endif
