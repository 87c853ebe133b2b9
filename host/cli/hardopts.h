/* docker's hardening options for `run`: --ulimit, --read-only, --tmpfs,
 * --sysctl, --shm-size (and runopts.c's --security-opt systempaths=unconfined
 * sets systempaths_unconfined). runopts.c's table lists them and hands their
 * values to hard_opts_take, as it does the network options. */
#ifndef TETHER_CTL_HARDOPTS_H
#define TETHER_CTL_HARDOPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "hardspec.h"
#include "tether.pb-c.h"

enum {
  HARDOPT_ULIMIT = 500,
  HARDOPT_READ_ONLY,
  HARDOPT_TMPFS,
  HARDOPT_SYSCTL,
  HARDOPT_SHM_SIZE,
  HARDOPT_END,
};

/* What the options gave; the config's fields point here. */
struct hard_opts {
  Rlimit ulimits[HARD_MAX_ULIMITS];
  Rlimit *ulimit_ptrs[HARD_MAX_ULIMITS];
  size_t n_ulimits;
  bool read_only, systempaths_unconfined;
  TmpfsMount tmpfs[HARD_MAX_TMPFS];
  TmpfsMount *tmpfs_ptrs[HARD_MAX_TMPFS];
  char tmpfs_path[HARD_MAX_TMPFS][HARD_PATH_MAX];
  char tmpfs_data[HARD_MAX_TMPFS][HARD_TMPFS_DATA];
  size_t n_tmpfs;
  char *sysctls[HARD_MAX_SYSCTLS];
  size_t n_sysctls;
  uint64_t shm_size;
};

/* Takes one HARDOPT_ option: 0, or -1 after printing docker's message. */
int hard_opts_take (struct hard_opts *o, int opt, const char *arg);
void hard_opts_apply (struct hard_opts *o, ContainerConfig *cfg);

#endif
