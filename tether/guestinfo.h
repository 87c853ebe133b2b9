/* The container's config from VMware guestinfo (docs/vsphere.md): the packed
 * ContainerConfig that fw_cfg's opt/org.tether/config holds under QEMU,
 * base64 in guestinfo.tether.config. One guestinfo value is at most 64 KiB
 * (a guest's RPC message is, with its overhead) and a config may be 64 KiB,
 * 87,384 bytes in base64: so it may be split over
 *   guestinfo.tether.config.parts = N            (1 to GUESTINFO_PARTS_MAX)
 *   guestinfo.tether.config.0 ... .N-1           (concatenated in order)
 * ASCII whitespace in the base64 text is ignored (line-wrapped encoders). */
#ifndef TETHER_GUESTINFO_H
#define TETHER_GUESTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bdoor.h"
#include "terr.h"

#define GUESTINFO_CONFIG_KEY "tether.config"
#define GUESTINFO_PARTS_MAX 16
/* The base64 text of the largest config (a frame payload) with room for
 * line breaks; all parts together. */
#define GUESTINFO_TEXT_MAX (96 * 1024)
/* The smallest buffer guestinfo_get takes. */
#define GUESTINFO_REPLY_MIN 64
#define GUESTINFO_DMI_VENDOR "/sys/class/dmi/id/sys_vendor"

/* "info-get guestinfo.KEY": 1 and the value in out (NUL-terminated, at most
 * cap - 3 bytes; cap >= GUESTINFO_REPLY_MIN), 0 when the key is not set, -1 on a channel error or a
 * reply that is neither "1 value" nor "0 reason". */
int guestinfo_get (struct rpci *ch, const char *key, char *out, size_t cap, size_t *len, struct terr *err);

/* The decoded config into cfg (cap bytes): 1 with *len set; 0 when no config
 * key is set, or when the VMX refuses an RPCI channel (err->msg then says
 * so); -1 with err when a config key is there but cannot be used (a channel
 * error, a missing part, bad base64, too large). Opens and closes its own
 * channel. */
int guestinfo_config (const struct bdoor_ops *ops, uint8_t *cfg, size_t cap, size_t *len, struct terr *err);

/* True when the DMI vendor file (GUESTINFO_DMI_VENDOR) says VMware: only
 * then is the backdoor probed. */
bool guestinfo_on_vmware (const char *vendor_path);

#endif
