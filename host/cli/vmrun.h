/* tetherctl verbs without -H: containers in their own VMs (DESIGN §1, §5). */
#ifndef TETHER_CTL_VMRUN_H
#define TETHER_CTL_VMRUN_H

int vm_cli_run (int argc, char **argv);
int vm_cli_exec (int argc, char **argv);
int vm_cli_ping (int argc, char **argv);
int vm_cli_logs (int argc, char **argv);
int vm_cli_ps (int argc, char **argv);
int vm_cli_inspect (int argc, char **argv);
int vm_cli_wait (int argc, char **argv);
int vm_cli_kill (int argc, char **argv);
int vm_cli_stop (int argc, char **argv);
int vm_cli_rm (int argc, char **argv);

/* cli_run.c: index of exec's CONTAINER operand after its options, or -1 / 0 (help). */
int cli_exec_operand (int argc, char **argv);
/* cli_ps.c: prints a list as the table or JSON. */
void ps_print (const ContainerList *cl, bool as_json);

#endif
