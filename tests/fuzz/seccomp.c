/* libFuzzer target for the seccomp profile parser and what the tether does
 * with its result: docker's JSON (--security-opt seccomp=FILE, HostConfig's
 * "seccomp=<json>") through seccomp_json_parse (host/common/seccompjson.c),
 * the rule list packed into the config message and unpacked as the tether
 * receives it, checked again there (proto/seccompcheck.c) and compiled to BPF
 * with libseccomp (tether/secprofile.c) for a capability set.
 *
 * Input: the JSON text. The capability set (docker's default, every one, or
 * none) follows from the input's length, so includes/excludes on caps go
 * both ways. A profile that parses must pack within SECCOMP_MAX_PACKED,
 * unpack to the same rule count and pass the tether's check; one of at most
 * COMPILE_NAMES names is compiled (libseccomp takes ~1 ms for docker's whole
 * profile, a small one ~50 us), and its program must fit the kernel's limit.
 * A refusal must carry a reason. Any violated property aborts. */
#include <linux/filter.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capnames.h"
#include "seccompcheck.h"
#include "seccompjson.h"
#include "secprofile.h"

#define CHECK(cond) \
  do { \
    if (!(cond)) \
      abort (); \
  } while (0)

#define COMPILE_NAMES 64
#define KERNEL_6_1 (6u << 8 | 1u)

static size_t names_of (const SeccompProfile *p)
{
  size_t n = 0;
  for (size_t i = 0; i < p->n_rules; i++)
    n += p->rules[i]->n_names;
  return n;
}

static void compile (const SeccompProfile *p, size_t len)
{
  uint64_t caps = len % 3 == 0 ? capset_default () : len % 3 == 1 ? ~0ull >> (64 - 41) : 0;
  struct sock_fprog prog = { 0 };
  struct terr err = { 0 };
  if (secprofile_compile (p, caps, KERNEL_6_1, &prog, &err) == 0)
    {
      CHECK (prog.filter != NULL && prog.len > 0 && prog.len <= BPF_MAXINSNS);
      free (prog.filter);
    }
  else
    CHECK (err.msg[0] != '\0');
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size > SECCOMP_JSON_MAX)
    return 0;
  SeccompMode mode = SECCOMP_MODE__SECCOMP_DEFAULT;
  SeccompProfile *p = NULL;
  char why[256] = "";
  if (seccomp_json_parse ((const char *) data, size, &mode, &p, why, sizeof why) < 0)
    {
      CHECK (why[0] != '\0' && p == NULL);
      return 0;
    }
  if (mode != SECCOMP_MODE__SECCOMP_CUSTOM)
    {
      CHECK (p == NULL);
      return 0;
    }
  CHECK (p != NULL);
  size_t packed_len = seccomp_profile__get_packed_size (p);
  CHECK (packed_len <= SECCOMP_MAX_PACKED);
  uint8_t *packed = malloc (packed_len ? packed_len : 1);
  CHECK (packed != NULL && seccomp_profile__pack (p, packed) == packed_len);
  SeccompProfile *got = seccomp_profile__unpack (NULL, packed_len, packed);
  free (packed);
  CHECK (got != NULL && got->n_rules == p->n_rules && got->n_arches == p->n_arches);
  CHECK (seccomp_profile_check (got, why, sizeof why) == 0);
  if (names_of (got) <= COMPILE_NAMES)
    compile (got, size);
  seccomp_profile__free_unpacked (got, NULL);
  seccomp_profile__free_unpacked (p, NULL);
  return 0;
}
