/* Running the external tools the image builder needs (tar, cp, mke2fs, debugfs,
 * qemu-img, busybox): posix_spawn with an argv, never a shell. */
#ifndef TETHER_CTL_TOOL_H
#define TETHER_CTL_TOOL_H

#include <stddef.h>

#include "terr.h"

/* Runs argv (argv[0] searched in $PATH, then /usr/sbin, /sbin, /usr/bin, /bin: a
 * non-root PATH often lacks the sbin directories mke2fs lives in) and waits.
 * stdin is /dev/null; stdout goes to out_fd if >= 0, else /dev/null (tetherctl's
 * stdout carries only results). stderr is captured: on a non-zero exit err reads
 * "NAME exited N: <its first stderr line>". SIGPIPE is reset to default in the
 * child (tetherctl ignores it). */
int tool_run (const char *const argv[], int out_fd, struct terr *err);
/* Finds an executable name in one colon-separated list of directories (NULL:
 * none): 0 and its path in out, or -1. */
int tool_search (const char *list, const char *name, char *out, size_t cap);

#endif
