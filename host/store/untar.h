/* Confined extraction of a layer's tar stream (lstream.h) into a directory,
 * under limits. What is refused, and what docker does with the same input:
 *   - names are cleaned as docker's UnpackLayer does (filepath.Join(dest,
 *     filepath.Clean(name))): a leading "/" is dropped, so "/etc/x" lands at
 *     ROOT/etc/x, as in docker and containerd (never at the host's /etc/x), and
 *     "a/../b" is "b"; a name that climbs above the root ("../x", "a/../../x") is
 *     refused, as docker refuses it ("is outside of"). Hardlink targets likewise
 *     (docker: "invalid hardlink"): "/etc/passwd" is the layer's own etc/passwd.
 *   - a path through a symlink ("a -> /etc", then "a/passwd"; a hardlink to
 *     "a/passwd") is refused (libarchive's ARCHIVE_EXTRACT_SECURE_SYMLINKS).
 *     docker would follow the link inside its chroot to the layer's own /etc; a
 *     layer that relies on that is rare, and refusing needs no chroot.
 *   - entry types: regular files, directories, symlinks, hardlinks, character
 *     and block devices (layers carry /dev nodes and whiteouts), fifos; anything
 *     else (a socket) is refused. An entry that is not a directory may not name
 *     the root.
 *   - a name or link target longer than the tree can hold.
 * Kept: owners (numeric, as docker), modes, times, xattrs (trusted.* and the
 * layer's own) and ACLs; a failure to keep one fails the layer rather than
 * silently changing it. Never file flags: an immutable file would make the work
 * directory unremovable. */
#ifndef TETHER_STORE_UNTAR_H
#define TETHER_STORE_UNTAR_H

#include <stdbool.h>
#include <stdint.h>

#include "lstream.h"
#include "terr.h"

struct untar_limits {
  uint64_t max_bytes;   /* sum of entry sizes (sparse: apparent) */
  uint64_t max_entries;
  const char *why_bytes; /* appended to the "unpacks to more than" message, or NULL */
};

/* Extracts every entry of s into root (an empty directory, given as an absolute
 * path), then reads the rest of s (lstream_drain). Changes the working directory
 * to root and the umask to 022 while it runs, restores both. */
int untar_stream (struct lstream *s, const char *root, const struct untar_limits *lim, struct terr *err);

#endif
