/* Generated container names (names.h). The lists are our own, in the spirit of
 * moby's: adjectives and scientists or engineers, all [a-z] so the result
 * passes cfg_name_valid. */
#include "names.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

static const char *const adjectives[] = {
  "admiring", "adoring",  "agitated", "amazing",  "blissful", "bold",      "brave",    "busy",
  "calm",     "clever",   "cool",     "dazzling", "eager",    "ecstatic",  "elegant",  "epic",
  "fervent",  "focused",  "friendly", "gallant",  "gifted",   "happy",     "hopeful",  "jolly",
  "keen",     "kind",     "lucid",    "modest",   "nifty",    "optimistic", "peaceful", "quirky",
  "relaxed",  "serene",   "sharp",    "stoic",    "tender",   "upbeat",    "vibrant",  "zealous",
};

static const char *const surnames[] = {
  "agnesi",   "babbage",  "bardeen",   "bohr",     "cerf",     "curie",    "darwin",   "dijkstra",
  "einstein", "euler",    "faraday",   "fermat",   "feynman",  "gauss",    "hamilton", "hopper",
  "hypatia",  "johnson",  "kepler",    "knuth",    "lamarr",   "lovelace", "maxwell",  "meitner",
  "mirzakhani", "newton", "noether",   "pascal",   "perlman",  "ritchie",  "shannon",  "sinoussi",
  "tesla",    "thompson", "torvalds",  "turing",   "volta",    "wiles",    "wozniak",  "yonath",
};

#define N_ADJ (sizeof adjectives / sizeof adjectives[0])
#define N_SUR (sizeof surnames / sizeof surnames[0])

void names_from (unsigned long r, char *out, size_t cap)
{
  const char *a = adjectives[r % N_ADJ];
  const char *s = surnames[(r / N_ADJ) % N_SUR];
  snprintf (out, cap, "%s_%s", a, s);
}

int names_generate (char *out, size_t cap)
{
  if (cap < NAMES_MAX_LEN + 1)
    return -1;
  uint32_t r;
  /* a name need not be unpredictable: without entropy yet, the clock will do */
  if (getrandom (&r, sizeof r, GRND_NONBLOCK) != (ssize_t) sizeof r)
    {
      struct timespec ts;
      clock_gettime (CLOCK_MONOTONIC, &ts);
      r = (uint32_t) (ts.tv_nsec ^ (ts.tv_sec * 2654435761u));
    }
  names_from (r, out, cap);
  return 0;
}
