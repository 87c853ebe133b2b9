/* What a `docker load` archive holds, read from its unpacked tree (a staging
 * directory): the images (config, tags, layers bottom first) and the layers
 * each once. Two layouts:
 *   docker save (docker 20.10): manifest.json [{Config, RepoTags, Layers}]
 *   OCI image layout: index.json -> manifests -> config + layers in blobs/sha256/
 * Everything in the tree is hostile: files are opened only inside it (openat2
 * RESOLVE_IN_ROOT), sizes bounded, every digest checked where the layout gives
 * one (OCI blobs; the configs' diff ids are checked by layer_convert). */
#ifndef TETHER_STORE_LOADPLAN_H
#define TETHER_STORE_LOADPLAN_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "terr.h"

#define LOAD_MAX_IMAGES 64
#define LOAD_MAX_LAYERS 128   /* layers of one image: the VM's bound is lower (VM_MAX_LAYERS) */
#define LOAD_MAX_UNIQUE 512   /* distinct layers in one archive */
#define LOAD_MAX_TAGS 32      /* per image */

struct load_layer {
  int fd;                     /* the layer's tar (maybe compressed), opened in the tree */
  char diff[IMAGE_ID_LEN];    /* the diff id the config claims */
  uint64_t size;              /* the file's bytes */
};

struct load_image {
  char *config;               /* the config's bytes (malloc'd) */
  size_t config_len;
  char tags[LOAD_MAX_TAGS][REF_MAX + 140]; /* full references */
  size_t n_tags;
  size_t layers[LOAD_MAX_LAYERS]; /* indexes into load_plan.layers */
  size_t n_layers;
};

struct load_plan {
  struct load_image imgs[LOAD_MAX_IMAGES];
  size_t n_imgs;
  struct load_layer layers[LOAD_MAX_UNIQUE];
  size_t n_layers;
};

/* Reads the tree at root_fd. 0, or -1 with err in docker's words where it has
 * them. load_plan_free after either. */
int load_plan_read (int root_fd, struct load_plan *p, struct terr *err);
void load_plan_free (struct load_plan *p);

#endif
