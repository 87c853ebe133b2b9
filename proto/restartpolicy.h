/* docker's restart policy rules (moby's restartmanager ShouldRestart) as pure
 * functions: the tether applies them between runs inside a VM, the endpoint when
 * the VM itself dies. */
#ifndef TETHER_RESTARTPOLICY_H
#define TETHER_RESTARTPOLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "tether.pb-c.h"

/* Back-off as moby's: 100 ms doubling up to 1 min, back to 100 ms after a run
 * that lasted 10 s. */
#define RESTART_DELAY_FIRST_MS 100
#define RESTART_DELAY_MAX_MS 60000
#define RESTART_RESET_AFTER_MS 10000

enum restart_mode { RESTART_NO, RESTART_ALWAYS, RESTART_ON_FAILURE, RESTART_UNLESS_STOPPED };
enum restart_mode restart_mode_of (const ContainerConfig *cfg);
/* docker's ShouldRestart: the delay in ms before the next run, or -1 for none.
 * *backoff_ms carries the back-off from call to call, *count the restarts. */
int64_t restart_decide (enum restart_mode mode, int32_t max, uint32_t *count, int64_t *backoff_ms, int exit_code,
                        bool user_stopped, int64_t ran_ms);

#endif
