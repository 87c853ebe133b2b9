/* Walking a directory tree for the image builder: a sorted walk, the size
 * estimate for mke2fs, the deterministic content hash, and recursive removal. */
#ifndef TETHER_CTL_TREE_H
#define TETHER_CTL_TREE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "digest.h"
#include "terr.h"

/* Called for every entry below the root (not the root), directories before their
 * contents, names in each directory in strcmp order. path is the full path, rel
 * the path below the root. The callback may remove or replace the entry it is
 * given or a sibling: the walker lists a directory before calling back and
 * lstat()s each entry only when it gets to it (a vanished entry is skipped). */
typedef int (*tree_fn) (void *arg, const char *path, const char *rel, const struct stat *st,
                        struct terr *err);
int tree_walk (const char *root, tree_fn fn, void *arg, struct terr *err);

struct tree_stats {
  uint64_t bytes;       /* apparent sizes rounded up to 4 KiB blocks */
  uint64_t inodes;      /* entries, the root included */
  bool has_whiteouts;   /* some name starts with ".wh." */
  bool has_lost_found;  /* /lost+found exists at the root */
};
int tree_measure (const char *root, struct tree_stats *st, struct terr *err);

/* SHA-256 over a stream that depends only on the content: for each entry in walk
 * order its relative path, mode (type included), uid, gid, size, rdev, symlink
 * target, xattrs (sorted by name) and file bytes; never times or inode numbers. */
int tree_hash (const char *root, unsigned char out[SHA256_LEN], struct terr *err);
/* SHA-256 of a file's bytes. */
int file_hash (const char *path, unsigned char out[SHA256_LEN], struct terr *err);

/* rm -rf without crossing into other file systems; errors ignored (cleanup). */
void tree_remove (const char *root);

#endif
