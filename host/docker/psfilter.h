/* `GET /containers/json?filters=...` as dockerd applies it (daemon/list.go):
 * the JSON is {"key":{"value":true,...}} or the older {"key":["value",...]};
 * values of one key are alternatives (label: all must hold), keys all apply.
 * id and name match as Go regular expressions after an exact try (here POSIX
 * extended ones, unanchored as Go's MatchString); status, exited and health by
 * value; before and since by the named container's creation time. */
#ifndef TETHER_DOCKER_PSFILTER_H
#define TETHER_DOCKER_PSFILTER_H

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>

#include "apicaps.h"
#include "terr.h"
#include "tether.pb-c.h"

enum ps_key { PS_ID, PS_NAME, PS_STATUS, PS_LABEL, PS_EXITED, PS_HEALTH, PS_BEFORE, PS_SINCE, PS_NETWORK,
              PS_PUBLISH, PS_EXPOSE, PS_IS_TASK, PS_NKEYS };

struct ps_term {
  enum ps_key key;
  char *value;
  regex_t re;                 /* id and name */
  bool has_re;                /* the value compiled (an invalid one matches only exactly) */
};

struct ps_filter {
  struct ps_term terms[API_MAX_FILTER_TERMS];
  int n;
  bool has[PS_NKEYS];
  int64_t before_ns, since_ns;
};

/* Parses filters (NULL or "" = none). On failure err->code holds the HTTP
 * status (400 bad JSON or an unknown key or value, 404 before/since naming no
 * container, 501 a key dockerd has and tetherd does not serve yet) and err->msg
 * dockerd's text. */
int ps_filter_parse (struct ps_filter *f, const char *text, struct terr *err);
bool ps_filter_match (const struct ps_filter *f, const ContainerInfo *ci);
void ps_filter_free (struct ps_filter *f);

#endif
