/* tether/netguard.c: the cgroup BPF programs that close the blocked
 * destinations. Loaded into this machine's kernel (the verifier must take
 * them: root) and run on packets with BPF_PROG_TEST_RUN: what is a new flow
 * to a blocked address is dropped, replies and everything else pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "netguard.h"

static int load (enum bpf_prog_type type, enum bpf_attach_type expected, const struct bpf_insn *insns, int n)
{
  static char log[65536];
  union bpf_attr a;
  memset (&a, 0, sizeof a);
  a.prog_type = type;
  a.expected_attach_type = expected;
  a.insns = (uintptr_t) insns;
  a.insn_cnt = (uint32_t) n;
  a.license = (uintptr_t) "GPL";
  a.log_buf = (uintptr_t) log;
  a.log_size = sizeof log;
  a.log_level = 1;
  int fd = (int) syscall (SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
  if (fd < 0)
    fail_msg ("the verifier refused the program (%s):\n%s", strerror (errno), log);
  return fd;
}

/* An ethernet frame with an IPv4 header to dst and a TCP or UDP header. */
static size_t frame (uint8_t *f, const char *dst, int proto, uint16_t sport, uint8_t tcp_flags)
{
  memset (f, 0, 128);
  f[12] = 0x08, f[13] = 0x00;
  uint8_t *ip = f + 14;
  ip[0] = 0x45;
  ip[9] = (uint8_t) proto;
  size_t l4 = proto == 6 ? 20 : 8;
  ip[2] = 0, ip[3] = (uint8_t) (20 + l4);
  ip[8] = 64;
  inet_pton (AF_INET, "10.0.2.15", ip + 12);
  inet_pton (AF_INET, dst, ip + 16);
  uint8_t *t = ip + 20;
  t[0] = (uint8_t) (sport >> 8), t[1] = (uint8_t) sport;
  t[2] = 0x1f, t[3] = 0x90;
  if (proto == 6)
    t[12] = 0x50, t[13] = tcp_flags;
  return 14 + 20 + l4;
}

static uint32_t run (int prog, const uint8_t *data, size_t len)
{
  union bpf_attr a;
  memset (&a, 0, sizeof a);
  a.test.prog_fd = (uint32_t) prog;
  a.test.data_in = (uintptr_t) data;
  a.test.data_size_in = (uint32_t) len;
  a.test.repeat = 1;
  if (syscall (SYS_bpf, BPF_PROG_TEST_RUN, &a, sizeof a) < 0)
    fail_msg ("BPF_PROG_TEST_RUN: %s", strerror (errno));
  return a.test.retval;
}

static void egress_drops_new_flows_only (void **state)
{
  (void) state;
  struct netguard_net nets[] = { { .prefix = 32 }, { .prefix = 24 } };
  inet_pton (AF_INET, "10.0.2.2", &nets[0].addr);
  inet_pton (AF_INET, "192.0.2.0", &nets[1].addr);
  uint16_t udp[] = { 5353 };
  struct bpf_insn insns[512];
  int n = netguard_prog_egress (nets, 2, udp, 1, insns, 512);
  assert_true (n > 0);
  int prog = load (BPF_PROG_TYPE_CGROUP_SKB, 0, insns, n);
  uint8_t f[128];
  static const struct { const char *dst; int proto; uint16_t sport; uint8_t flags; uint32_t want; } cases[] = {
    { "10.0.2.2", 6, 40000, 0x02, 0 },   /* SYN: a new connection to the host's loopback */
    { "10.0.2.2", 6, 80, 0x12, 1 },      /* SYN+ACK: a published port answering */
    { "10.0.2.2", 6, 80, 0x10, 1 },      /* ACK, data */
    { "10.0.2.2", 6, 40000, 0x04, 1 },   /* RST */
    { "10.0.2.2", 17, 40000, 0, 0 },     /* UDP to it */
    { "10.0.2.2", 17, 5353, 0, 1 },      /* UDP from a published UDP port: a reply */
    { "192.0.2.77", 6, 40000, 0x02, 0 }, /* in a blocked /24 */
    { "192.0.3.1", 6, 40000, 0x02, 1 },  /* outside it */
    { "10.0.2.3", 17, 40000, 0, 1 },     /* QEMU's DNS */
    { "10.0.2.3", 6, 40000, 0x02, 1 },
    { "10.213.7.2", 6, 40000, 0x02, 1 }, /* the world outside */
    { "10.0.2.2", 1, 0, 0, 1 },          /* ICMP: QEMU answers it */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      size_t len = frame (f, cases[i].dst, cases[i].proto, cases[i].sport, cases[i].flags);
      uint32_t got = run (prog, f, len);
      if (got != cases[i].want)
        fail_msg ("case %zu (%s proto %d flags %#x): %u, want %u", i, cases[i].dst, cases[i].proto, cases[i].flags, got,
                  cases[i].want);
    }
  /* IPv6 passes: nothing is routed there */
  size_t len = frame (f, "10.0.2.2", 6, 40000, 0x02);
  f[12] = 0x86, f[13] = 0xdd, f[14] = 0x60;
  assert_int_equal (run (prog, f, len), 1);
  close (prog);
}

static void sock_addr_programs_load (void **state)
{
  (void) state;
  struct netguard_net nets[NETGUARD_MAX_NETS];
  for (int i = 0; i < NETGUARD_MAX_NETS; i++)
    nets[i].prefix = 8 + i, inet_pton (AF_INET, "10.0.2.2", &nets[i].addr);
  struct bpf_insn insns[512];
  int n = netguard_prog_sock_addr (nets, NETGUARD_MAX_NETS, insns, 512);
  assert_true (n > 0);
  close (load (BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, insns, n));
  close (load (BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_SENDMSG, insns, n));
  /* the largest egress program fits and loads */
  uint16_t udp[NETGUARD_MAX_UDP_PORTS];
  for (int i = 0; i < NETGUARD_MAX_UDP_PORTS; i++)
    udp[i] = (uint16_t) (1000 + i);
  n = netguard_prog_egress (nets, NETGUARD_MAX_NETS, udp, NETGUARD_MAX_UDP_PORTS, insns, 512);
  assert_true (n > 0);
  close (load (BPF_PROG_TYPE_CGROUP_SKB, 0, insns, n));
  /* too small an output is refused, not overrun */
  assert_int_equal (netguard_prog_egress (nets, NETGUARD_MAX_NETS, udp, NETGUARD_MAX_UDP_PORTS, insns, 16), -1);
}

int main (void)
{
  const struct CMUnitTest tests[] = { cmocka_unit_test (egress_drops_new_flows_only),
                                      cmocka_unit_test (sock_addr_programs_load) };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
