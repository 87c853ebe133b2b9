#include "sig.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct
{
  const char *name;
  int signo;
} sig_table[] = {
  { "HUP", SIGHUP },       { "INT", SIGINT },       { "QUIT", SIGQUIT },   { "ILL", SIGILL },
  { "TRAP", SIGTRAP },     { "ABRT", SIGABRT },     { "IOT", SIGIOT },     { "BUS", SIGBUS },
  { "FPE", SIGFPE },       { "KILL", SIGKILL },     { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },
  { "USR2", SIGUSR2 },     { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },   { "TERM", SIGTERM },
  { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },     { "CLD", SIGCHLD },    { "CONT", SIGCONT },
  { "STOP", SIGSTOP },     { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN },   { "TTOU", SIGTTOU },
  { "URG", SIGURG },       { "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ },   { "VTALRM", SIGVTALRM },
  { "PROF", SIGPROF },     { "WINCH", SIGWINCH },   { "IO", SIGIO },       { "POLL", SIGPOLL },
  { "PWR", SIGPWR },       { "SYS", SIGSYS },
};

/* Parses a decimal in [lo, hi]; -1 otherwise. */
static int parse_small (const char *s, int lo, int hi)
{
  if (*s == '\0' || strlen (s) > 3)
    return -1;
  int v = 0;
  for (; *s; s++)
    {
      if (!isdigit ((unsigned char) *s))
        return -1;
      v = v * 10 + (*s - '0');
    }
  return v >= lo && v <= hi ? v : -1;
}

int sig_parse (const char *s)
{
  if (s == NULL || *s == '\0')
    return -1;
  if (isdigit ((unsigned char) *s))
    return parse_small (s, 1, SIGRTMAX);
  if (strncasecmp (s, "SIG", 3) == 0)
    s += 3;
  for (size_t i = 0; i < sizeof sig_table / sizeof sig_table[0]; i++)
    if (strcasecmp (s, sig_table[i].name) == 0)
      return sig_table[i].signo;
  if (strncasecmp (s, "RTMIN", 5) == 0)
    {
      if (s[5] == '\0')
        return SIGRTMIN;
      int n = s[5] == '+' ? parse_small (s + 6, 0, SIGRTMAX - SIGRTMIN) : -1;
      return n < 0 ? -1 : SIGRTMIN + n;
    }
  if (strncasecmp (s, "RTMAX", 5) == 0)
    {
      if (s[5] == '\0')
        return SIGRTMAX;
      int n = s[5] == '-' ? parse_small (s + 6, 0, SIGRTMAX - SIGRTMIN) : -1;
      return n < 0 ? -1 : SIGRTMAX - n;
    }
  return -1;
}

const char *sig_name (int signo, char *buf, unsigned cap)
{
  for (size_t i = 0; i < sizeof sig_table / sizeof sig_table[0]; i++)
    if (sig_table[i].signo == signo)
      {
        snprintf (buf, cap, "SIG%s", sig_table[i].name);
        return buf;
      }
  if (signo >= SIGRTMIN && signo <= SIGRTMAX)
    {
      if (signo == SIGRTMIN)
        snprintf (buf, cap, "SIGRTMIN");
      else
        snprintf (buf, cap, "SIGRTMIN+%d", signo - SIGRTMIN);
      return buf;
    }
  return NULL;
}
