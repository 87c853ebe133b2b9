/* Image references as docker reads them (distribution/reference): NAME[:TAG][@DIGEST]
 * with an optional registry host. Stored normalised ("docker.io/library/busybox:latest"),
 * shown familiar ("busybox:latest"), as docker does. */
#ifndef TETHER_STORE_REF_H
#define TETHER_STORE_REF_H

#include <stdbool.h>
#include <stddef.h>

#define REF_MAX 512 /* a name is at most 255 bytes, a tag 128, a digest 71 */

struct image_ref {
  char name[REF_MAX];  /* normalised repository: "docker.io/library/busybox" */
  char tag[130];       /* "latest" when none was given and no digest */
  char digest[80];     /* "sha256:..." or "" */
};

/* Parses s; why gets docker's words on failure ("invalid reference format",
 * "... must be lowercase"). 0 or -1. */
int ref_parse (const char *s, struct image_ref *r, char *why, size_t why_len);
/* "docker.io/library/busybox:latest" */
void ref_full (const struct image_ref *r, char *out, size_t cap);
/* "busybox:latest": the docker.io/ and library/ prefixes dropped */
void ref_familiar (const struct image_ref *r, char *out, size_t cap);
/* Familiar name of a normalised full reference string. */
void ref_familiar_str (const char *full, char *out, size_t cap);
/* True if s is a 1..64 hex-digit string (an id or a prefix of one, "sha256:" allowed). */
bool ref_is_id_prefix (const char *s);

#endif
