/* tetherctl verbs without -H: containers in their own VMs (DESIGN §1, §5). */
#ifndef TETHER_CTL_VMRUN_H
#define TETHER_CTL_VMRUN_H

#include <stdbool.h>

#include "conn.h"
#include "runopts.h"
#include "session.h"

int vm_cli_run (int argc, char **argv);
int vm_cli_exec (int argc, char **argv);
int vm_cli_ping (int argc, char **argv);
int vm_cli_health (int argc, char **argv);
int vm_cli_logs (int argc, char **argv);
int vm_cli_ps (int argc, char **argv);
int vm_cli_inspect (int argc, char **argv);
int vm_cli_wait (int argc, char **argv);
int vm_cli_kill (int argc, char **argv);
int vm_cli_stop (int argc, char **argv);
int vm_cli_rm (int argc, char **argv);

/* cli_vmctl.c: the full id of a container by id, prefix or name (false after
 * saying why); whether it ended: 0 exited (*code its exit code), 1 not yet, -1
 * its state is unreadable (said). */
bool vm_resolve (const char *ref, char id[65]);
int vm_load_exit (const char *id, int *code);

/* cli_run.c, exec for either mode: parses exec's options and returns the index of
 * its CONTAINER operand, the command's in *cmd_at (0: --help printed; -1: an error
 * said); then runs the session over c (closed after) and returns its exit code. */
int exec_parse (int argc, char **argv, struct run_opts *o, int *cmd_at);
/* cli_run.c: attach's options (either mode); returns the container operand's
 * index, 0 after --help, -1 after an error message. */
struct attach_opts {
  const char *keys;          /* --detach-keys (NULL: the default) */
  bool no_stdin;
  uint64_t off_out, off_err; /* --stdout-offset, --stderr-offset */
  bool have_offsets;         /* one of them was given: resume there */
};
int attach_parse (int argc, char **argv, struct attach_opts *o);
int vm_cli_attach (int argc, char **argv);
/* cli_template.c: template create|ls|rm */
int vm_cli_template (int argc, char **argv);
/* cli_network.c: network create|ls|rm|inspect. */
int vm_cli_network (int argc, char **argv);
/* cli_run.c: the detach keys an attach uses (-1: spec is not docker's form). */
int attach_keys (struct session_opts *so, const char *spec);
int exec_over (struct conn *c, const struct run_opts *o, char *cid, char **cmd, size_t n);
/* cli_ps.c: prints a list as the table or JSON. */
void ps_print (const ContainerList *cl, bool as_json);

#endif
