/* Image layers as disks (DESIGN §4, §5): each image layer becomes one read-only
 * ext4 VMDK, cached in $TETHER_STATE_DIR/images/<sha256>.vmdk; the writable top
 * disk and volumes are raw sparse ext4 files. The builders shell out to tar, cp,
 * mke2fs, debugfs and qemu-img (argv, never a shell) and run as root: extraction
 * keeps owners and device nodes, whiteouts need mknod and trusted.* xattrs. */
#ifndef TETHER_CTL_IMAGE_H
#define TETHER_CTL_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "terr.h"

/* Path of the cached layer VMDK for spec: a directory, a tar file (plain, .gz,
 * .xz, .zst as tar -a can read), or an existing .vmdk file (used as is, no copy;
 * out gets its absolute path). Builds into $TETHER_STATE_DIR/images/<sha256>.vmdk
 * once; later calls with the same content return the cached file. Progress lines
 * on stderr ("image: ..."). */
/* Progress lines on stderr: only `tetherctl image` turns them on (DESIGN §5:
 * other verbs write to stderr only for their own errors). */
extern bool image_progress;
int image_layer_resolve (const char *spec, char *out, size_t out_len, struct terr *err);
/* The built-in default image: one layer made from Debian's busybox-static
 * (/bin/busybox, or $TETHER_BUSYBOX, + a symlink per applet from
 * `busybox --list-full`, /etc/passwd and /etc/group with root and nobody, /tmp
 * 1777, /root, /home, /dev, /proc, /sys, /run, /etc/hostname placeholder...),
 * built on first use and cached like any layer. */
int image_default_layer (char *out, size_t out_len, struct terr *err);
/* A writable ext4 disk (raw, sparse) of size_mb at path with each of dirs (a
 * NULL-terminated list of single names, or NULL) created at its root, owned by
 * root, mode 0755 (the top disk: "upper", "work"; volumes: none). Refuses to
 * overwrite an existing file. */
int image_make_rw_disk (const char *path, unsigned size_mb, const char *const *dirs, struct terr *err);
/* tetherctl image build DIR|TAR -o OUT.vmdk : prints OUT path on stdout (progress
 * on stderr), exit 0/1. Also `image build SPEC` (no -o: into the cache, prints the
 * cached path) and `image default` (prints the default layer's path). */
int cmd_image (int argc, char **argv);

/* Builds spec (a directory or a tar file) into the VMDK out_path, atomically:
 * everything happens in a work directory next to out_path, renamed into place at
 * the end. Used by image_layer_resolve and `image build -o`. */
int image_layer_build (const char *spec, const char *out_path, struct terr *err);
/* Builds the already-extracted tree at root (a private copy: its whiteouts are
 * converted in place, see whiteout.h) into the VMDK out_path, through a work
 * directory beside out_path. may_replace: an existing out_path is replaced
 * (rename); otherwise it is kept and the call succeeds, as for a content-addressed
 * cache where a concurrent builder of the same content got there first (link). */
int image_layer_build_tree (const char *root, const char *out_path, bool may_replace, struct terr *err);

#endif
