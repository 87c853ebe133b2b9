/* Signal names as docker takes them: "KILL", "SIGKILL", "kill", "9", "RTMIN+3". */
#ifndef TETHER_CTL_SIG_H
#define TETHER_CTL_SIG_H

/* Returns the signal number (1..SIGRTMAX), or -1 if s names no signal. */
int sig_parse (const char *s);
/* "SIGTERM"; "SIGRTMIN+3"; NULL for a number with no name. buf holds at least 16 bytes. */
const char *sig_name (int signo, char *buf, unsigned cap);

#endif
