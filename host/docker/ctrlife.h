/* ctrlife.c's job arguments. */
#ifndef TETHER_DOCKER_CTRLIFE_H
#define TETHER_DOCKER_CTRLIFE_H

#include <stdbool.h>

#include "apicaps.h"

struct life_arg {
  char id[65];
  char ref[API_MAX_PARAM];    /* as the client named it */
  char verb[8];               /* "stop", "kill", "rm" */
  int timeout;                /* stop's t; -1: the container's own */
  char signal[40];
  bool force;
  bool volumes;               /* rm ?v= */
  char cond[16];              /* wait's condition */
  bool running;               /* restart: it was running (stop it first) */
};

#endif
