/* tetherd's template maker (#12, docs/clone.md): the default shape's template
 * at start and again whenever its key changes (new guest assets or QEMU), and
 * the shape of any run that found no template (templates/wanted/), for next
 * time. One maker child at a time, a cold boot's work; stale templates are
 * removed when the default key changes. `--no-templates` (TETHER_TEMPLATES=off)
 * turns it all off: nothing is made or used. */
#ifndef TETHER_DOCKER_TPLMAKER_H
#define TETHER_DOCKER_TPLMAKER_H

#define TPLMAKER_EVERY_MS 2000
#define TPLMAKER_RETRY_MS 60000    /* after a failed make of a shape */
#define TPLMAKER_MAX_MEM_MIB 8192  /* larger shapes boot cold, no template made */
#define TPLMAKER_MAX_CPUS 16

void tplmaker_start (void);

#endif
