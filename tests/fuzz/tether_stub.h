/* The stub process table behind tests/fuzz/tether.c: the tether's clone,
 * pidfd_open, pidfd_send_signal, setns, kill and waitpid are wrapped at link
 * time (-Wl,--wrap, mk/fuzz.mk), so a run or an exec makes a stub: no process,
 * only the child's ends of the pipes and of the report socket, which the fuzz
 * input then uses as the process would. The loop's epoll_wait never blocks and
 * its clock (now_mono_ms) is virtual: only TIME operations move it. */
#ifndef TETHER_FUZZ_STUB_H
#define TETHER_FUZZ_STUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a stub process does (stub_act's act, modulo the count):
 *   0/1 write the bytes to stdout/stderr (its pty with a tty)   2/3 close them
 *   4 read what stdin holds   5 close stdin
 *   6 report its exec   7 report a launch failure (code arg, the bytes its text)
 *   8 report an exit (raw status arg)   9 report launched
 *   10 pass a pty master (a socket standing in; tty only)   11 close the report socket
 *   12 exit with raw status arg   13 act on the signals it was sent (a PID 1 with
 *      handlers, a container init forwarding them): exit by the last one */
#define STUB_ACTS 14
bool stub_act_takes_bytes (unsigned act);
void stub_act (unsigned k, unsigned act, unsigned arg, const uint8_t *p, size_t n);

/* loop_init, the SIGCHLD stand-in watched by the loop, the clock. */
void stub_init (void);
void stub_advance_ms (int64_t ms);
/* Stub processes not yet reaped. */
unsigned stub_live (void);
/* Forgets every stub and closes its fds (between inputs). */
void stub_reset (void);
/* Grows with every epoll event the loop dispatched: the loop is idle when it stops. */
extern unsigned stub_events;

#endif
