/* dockerd's merge of an image's Config into a create request (daemon/commit.go
 * merge(), 20.10): the request's container.Config (the create body's top
 * level) gets from the image what it left unset. Pure: jansson objects only. */
#ifndef TETHER_DOCKER_IMGMERGE_H
#define TETHER_DOCKER_IMGMERGE_H

struct json_t;

/* body: the create request (modified); image: the image config's "config"
 * object, or NULL / null. 0, or -1 when body is not an object. The rules:
 *   User, WorkingDir, StopSignal: the image's when the request's is ""
 *   Env: the image's entries whose names the request does not set, after the request's
 *   Labels, ExposedPorts, Volumes: the union, the request's winning
 *   Entrypoint empty: Cmd from the image when the request has none, and the
 *     image's Entrypoint when the request's is null (not [""], --entrypoint "")
 *   Healthcheck: the image's when the request has none; else its zero fields
 *     (Test, Interval, Timeout, StartPeriod, Retries) from the image's */
int image_merge (struct json_t *body, const struct json_t *image);

#endif
