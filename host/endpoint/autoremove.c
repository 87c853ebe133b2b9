/* docker's --rm at a container's end (autoremove.h). */
#include "autoremove.h"

#include "netrec.h"
#include "tree.h"

void vm_auto_remove (const struct vm_ctr *v, int exit_code)
{
  vm_removed_note (v->id, exit_code);
  vm_anon_volumes_remove (v->cfg); /* docker's --rm takes them too */
  netrec_detach_all (v->id);       /* its bridge network address is free */
  tree_remove (v->dir);
}
