/* VM templates (#12, docs/clone.md): a guest booted to the point where its
 * tether waits for a container, paused and saved, that container VMs restore
 * instead of booting. One per machine shape, under
 * $TETHER_STATE_DIR/templates/KEY/ (ram, state, meta.json, console.log), KEY
 * the SHA-256 of everything a clone must match. Published by a rename and never
 * written again: clones map its RAM file for their whole life. */
#ifndef TETHER_CTL_TEMPLATE_H
#define TETHER_CTL_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "digest.h"
#include "terr.h"
#include "vmstate.h"

#define TPL_KEY_LEN SHA256_HEX_LEN
#define TPL_READY_TIMEOUT_MS 180000 /* template boot to "template ready", TCG under load */

/* The machine shape a template is made for and a clone must have. */
struct tpl_shape {
  unsigned mem_mib;
  unsigned cpus;
  bool serial_channel;
  bool vmgenid;            /* the VM Generation ID device ($TETHER_VMGENID=off: without) */
  char accel[8];
};

/* Whether templates are in use at all: $TETHER_TEMPLATES=off turns them off. */
bool tpl_enabled (void);
/* A shape of the given size with this host's defaults ($TETHER_VMGENID) and
 * accel ("kvm" or "tcg": qemu_pick_accel's answer). */
void tpl_shape_default (struct tpl_shape *s, unsigned mem_mib, unsigned cpus, const char *accel);
/* v's shape; false if v cannot be a clone (an ISO boot). */
bool tpl_shape_of (const struct vm_ctr *v, struct tpl_shape *s);
/* KEY of a shape with the guest assets and QEMU of now; inputs (may be NULL)
 * gets the text hashed, for meta.json. */
int tpl_key (const struct tpl_shape *s, char key[TPL_KEY_LEN], char *inputs, size_t cap, struct terr *err);
/* $STATE/templates (made if missing) and a path inside one template's dir. */
int tpl_root (char *out, size_t cap, struct terr *err);
int tpl_file (const char *key, const char *name, char *out, size_t cap, struct terr *err);
/* Whether a published template KEY exists. */
bool tpl_exists (const char *key);
/* flock on templates/KEY.lock (LOCK_SH to use, LOCK_EX to make or remove),
 * waiting at most wait_ms. Returns the fd (close to release) or -1. */
int tpl_lock (const char *key, int how, int wait_ms, struct terr *err);
/* Makes the template of s unless it exists (0 either way; *made says which).
 * Boots a VM, waits for its tether, saves it: a cold boot's time. */
int tpl_create (const struct tpl_shape *s, char key[TPL_KEY_LEN], bool *made, struct terr *err);
/* Unpublishes KEY (renamed away, then removed): a clone running from it keeps
 * its mapping. Under the exclusive lock unless the caller holds it. */
int tpl_remove (const char *key, bool locked, struct terr *err);
/* Calls fn for every published template with its meta.json (may be NULL). */
struct json_t;
int tpl_each (int (*fn) (const char *key, struct json_t *meta, void *ctx), void *ctx, struct terr *err);
/* Whether a template's key, from its meta.json's shape, is still the key of
 * that shape with the assets and QEMU of now (false: stale, never used). */
bool tpl_current (const char *key, struct json_t *meta);
/* A run of shape s found no template: templates/wanted/ says so, for tetherd's
 * maker (tetherctl alone makes none). */
void tpl_want (const struct tpl_shape *s);
/* The shapes wanted: fn for each (its marker removed when fn returns 1). */
void tpl_each_wanted (int (*fn) (const struct tpl_shape *s, void *ctx), void *ctx);
/* A path the migration's shell command can take as it is ([A-Za-z0-9/._+-]). */
bool tpl_path_plain (const char *path);

#endif
