/* The routes tetherd serves now: system (sysroutes.c) and containers
 * (ctrroutes.c). Each answers req in rep. */
#ifndef TETHER_DOCKER_ROUTES_H
#define TETHER_DOCKER_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "router.h"
#include "tether.pb-c.h"
#include "terr.h"

/* Reads (or creates) the engine ID in the state dir, as dockerd's engine-id:
 * `docker info` prints it, and it must not change across restarts. */
int sys_init (struct terr *err);

void route_ping (struct api_req *req, struct api_reply *rep);
void route_version (struct api_req *req, struct api_reply *rep);
void route_info (struct api_req *req, struct api_reply *rep);
void route_ctr_list (struct api_req *req, struct api_reply *rep);
void route_ctr_inspect (struct api_req *req, struct api_reply *rep);
/* The container the path's {id} names, as dockerd resolves it (a leading '/'
 * dropped; 404 No such container, 400 for an ambiguous prefix, answered in rep),
 * and its record in *ci (NULL: not read; freed by the caller). */
bool ctr_lookup (struct api_req *req, struct api_reply *rep, char id[65], ContainerInfo **ci);
/* ctrlife.c */
void route_ctr_start (struct api_req *req, struct api_reply *rep);
void route_ctr_stop (struct api_req *req, struct api_reply *rep);
void route_ctr_kill (struct api_req *req, struct api_reply *rep);
void route_ctr_remove (struct api_req *req, struct api_reply *rep);
void route_ctr_wait (struct api_req *req, struct api_reply *rep);
void route_ctr_restart (struct api_req *req, struct api_reply *rep);
/* execroutes.c */
void route_exec_create (struct api_req *req, struct api_reply *rep);
void route_exec_start (struct api_req *req, struct api_reply *rep);
void route_exec_inspect (struct api_req *req, struct api_reply *rep);
/* The container whose execs/ holds the exec id, and its record's path. */
bool exec_find (const char *eid, char cid[65], char *path, size_t cap);
/* imgroutes.c */
/* The tags the built-in busybox goes by (busybox, busybox:latest, docker.io/library/...). */
bool image_builtin_named (const char *ref);
/* ref names the built-in image and no loaded image has that name. */
bool image_builtin_used (const char *ref);
/* Its layer disk, built once per tetherd (NULL with err). */
const char *image_builtin_layer (struct terr *err);
void route_img_list (struct api_req *req, struct api_reply *rep);
void route_img_inspect (struct api_req *req, struct api_reply *rep);
/* imgstore.c: what docker load, import, tag and rmi do to the image store */
void route_img_load (struct api_req *req, struct api_reply *rep);
void route_img_create (struct api_req *req, struct api_reply *rep);
void route_img_tag (struct api_req *req, struct api_reply *rep);
void route_img_remove (struct api_req *req, struct api_reply *rep);
/* volroutes.c */
void route_vol_list (struct api_req *req, struct api_reply *rep);
void route_vol_inspect (struct api_req *req, struct api_reply *rep);
void route_vol_create (struct api_req *req, struct api_reply *rep);
void route_vol_remove (struct api_req *req, struct api_reply *rep);
/* netroutes.c */
void route_net_list (struct api_req *req, struct api_reply *rep);
void route_net_inspect (struct api_req *req, struct api_reply *rep);
void route_net_create (struct api_req *req, struct api_reply *rep);
void route_net_remove (struct api_req *req, struct api_reply *rep);
/* resize.c */
void route_ctr_resize (struct api_req *req, struct api_reply *rep);
void route_exec_resize (struct api_req *req, struct api_reply *rep);
/* ctrnew.c */
void route_ctr_create (struct api_req *req, struct api_reply *rep);
/* ctrrename.c */
void route_ctr_rename (struct api_req *req, struct api_reply *rep);
/* ctrtop.c */
void route_ctr_top (struct api_req *req, struct api_reply *rep);
/* ctrattach.c */
void route_ctr_attach (struct api_req *req, struct api_reply *rep);
/* ctrlogs.c */
void route_ctr_logs (struct api_req *req, struct api_reply *rep);

#endif
