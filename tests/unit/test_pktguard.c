/* tether/pktguard.c: the seccomp filter that refuses AF_PACKET sockets on a
 * network whose gateway is the host's loopback. Loaded in a child (root, as
 * the suite runs): AF_PACKET fails with EPERM, every other socket is made. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdbool.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "pktguard.h"

/* In a child: 0 if the socket was made, else its errno. */
static int try_socket (bool guarded, int domain, int type, int proto)
{
  pid_t pid = fork ();
  if (pid == 0)
    {
      struct terr err;
      if (guarded && pktguard_install (&err) < 0)
        _exit (200);
      int fd = socket (domain, type, proto);
      _exit (fd >= 0 ? 0 : errno);
    }
  int st;
  waitpid (pid, &st, 0);
  return WIFEXITED (st) ? WEXITSTATUS (st) : 255;
}

static void packet_sockets_refused (void **state)
{
  (void) state;
  assert_int_equal (try_socket (false, AF_PACKET, SOCK_RAW, 0), 0); /* root may, without the guard */
  assert_int_equal (try_socket (true, AF_PACKET, SOCK_RAW, 0), EPERM);
  assert_int_equal (try_socket (true, AF_PACKET, SOCK_DGRAM, 0), EPERM);
  assert_int_equal (try_socket (true, AF_INET, SOCK_STREAM, 0), 0);
  assert_int_equal (try_socket (true, AF_INET, SOCK_RAW, IPPROTO_ICMP), 0);
  assert_int_equal (try_socket (true, AF_UNIX, SOCK_STREAM, 0), 0);
  assert_int_equal (try_socket (true, AF_INET6, SOCK_DGRAM, 0), 0);
}

static void program_fits (void **state)
{
  (void) state;
  struct sock_filter f[32];
  size_t n = pktguard_prog (f, 32);
  assert_true (n > 0 && n <= 32);
  /* every jump lands inside the program */
  for (size_t i = 0; i < n; i++)
    if (BPF_CLASS (f[i].code) == BPF_JMP)
      assert_true (i + 1 + f[i].jt < n && i + 1 + f[i].jf < n);
  assert_int_equal (BPF_CLASS (f[n - 1].code), BPF_RET);
}

int main (void)
{
  const struct CMUnitTest tests[] = { cmocka_unit_test (packet_sockets_refused), cmocka_unit_test (program_fits) };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
