/* The options of `run` and `exec`, one table for every mode: the process options
 * both verbs share, run's container options, and the VM-only ones on top (DESIGN §5).
 * One parser reads them, one function writes the config, and each mode's --help is
 * printed from the same table, so what a mode accepts is what it shows. */
#ifndef TETHER_CTL_RUNOPTS_H
#define TETHER_CTL_RUNOPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "disklimits.h"
#include "hardopts.h"
#include "healthopts.h"
#include "netopts.h"
#include "securityopt.h"
#include "tether.pb-c.h"

enum opts_verb {
  OPTS_RUN_HOST = 1 << 0, /* run -H: a container in that tether */
  OPTS_RUN_VM = 1 << 1,   /* run: a container VM */
  OPTS_EXEC = 1 << 2,     /* exec, either mode */
};


struct run_opts {
  /* process options (run and exec) */
  bool interactive, tty, detach;
  char **env;                /* "K=V"; -e K takes K from here, as docker */
  size_t n_env;
  char **owned;              /* the strings made for "-e K", freed with the options */
  size_t n_owned;
  const char *cwd, *user;
  bool privileged;           /* run: the container's; exec: every capability for the exec */
  /* run */
  char **group_add, **cap_add, **cap_drop; /* as given (docker keeps them so for inspect) */
  size_t n_group_add, n_cap_add, n_cap_drop;
  struct security_opts sec;  /* --security-opt no-new-privileges, seccomp=... */
  char **security_opt;       /* ... as given (a profile file's text inline), for inspect */
  size_t n_security_opt;
  const char *name;
  int stop_signal;           /* 0: the default (SIGTERM) */
  int stop_timeout;          /* -1: the default (10 s) */
  bool init;                 /* --init: the container init is PID 1 */
  bool docker_frames;        /* tetherd's exec: output in docker's frames (session.h) */
  unsigned rows, cols;       /* tetherd's exec: the tty's size (0: the local terminal's) */
  const char *exec_id;       /* tetherd's exec: docker's exec id (NULL: a random one) */
  /* run, VM only */
  bool serial;
  bool no_template;          /* --no-template: a cold boot */
  const char *accel;
  const char *images[VM_MAX_LAYERS]; /* more given: refused by run_opts_parse ("N layers: at most M") */
  size_t n_images;
  const char *volumes[VM_MAX_VOLUMES];
  size_t n_volumes;
  int memory_mib, cpus;      /* 0: the defaults */
  struct health_opts health; /* run: --health-*, --no-healthcheck, --restart */
  struct net_opts net;       /* run: --network, -p, --dns, --add-host, --hostname */
  struct hard_opts hard;     /* run: --ulimit, --read-only, --tmpfs, --sysctl, --shm-size */
  uint64_t log_max_size;     /* --log-opt max-size (0: unbounded, docker's default) */
  uint32_t log_max_file;     /* --log-opt max-file (0: 1) */
};

/* Parses the verb's options up to its first operand (argv[0] is the verb): for run
 * the command (after an optional "--"), for exec the container. Returns the
 * operand's index; 0 after printing --help; -1 after an error message. */
int run_opts_parse (enum opts_verb verb, int argc, char **argv, struct run_opts *o);
void run_opts_free (struct run_opts *o);

/* The container config run sends: the options and the command cmd[0..n). Points
 * into o and cmd; VM fields (memory, cpus, disks) are the caller's. -1 after
 * docker's message when options conflict (--no-healthcheck with --health-*). */
int run_opts_config (struct run_opts *o, char *id, char **cmd, size_t n, ContainerConfig *cfg);
/* The same for an exec request. */
void run_opts_exec (const struct run_opts *o, char *container_id, char *exec_id, char **cmd, size_t n,
                    Exec *ex);

#endif
