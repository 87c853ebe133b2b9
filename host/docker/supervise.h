/* Endpoints that died are started again (DESIGN §1, issue #10): every
 * SUPERVISE_EVERY_MS tetherd looks at the container VMs whose record is not
 * final; one whose endpoint lock is free (its endpoint is gone) gets a new
 * endpoint that adopts the running QEMU, as any tetherctl verb would. */
#ifndef TETHER_DOCKER_SUPERVISE_H
#define TETHER_DOCKER_SUPERVISE_H

#define SUPERVISE_EVERY_MS 500
#define SUPERVISE_FINAL_MAX 8192   /* ids known final, not looked at again */
#define SUPERVISE_SWEEP_TICKS 7200 /* an hour: removed containers' notes swept */
#define SUPERVISE_REMOVED_KEEP_S 3600

/* Arms the timer; the first look is at once. */
void supervise_start (void);
/* id is started again (docker start, restart): no longer known final. */
void supervise_forget (const char *id);

#endif
