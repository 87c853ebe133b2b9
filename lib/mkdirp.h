/* mkdir -p: creates path and its missing parents with mode; an existing directory
 * is success. -1 with errno (ENAMETOOLONG past PATH_MAX). */
#ifndef TETHER_LIB_MKDIRP_H
#define TETHER_LIB_MKDIRP_H

#include <sys/types.h>

int mkdir_p (const char *path, mode_t mode);

#endif
