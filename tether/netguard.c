/* cgroup BPF programs that close the blocked destinations to new flows
 * (netguard.h). The programs are a few dozen instructions, assembled here:
 * no compiler or loader library is in the guest. */
#include "netguard.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mkdirp.h"

/* A tiny assembler: instructions, and forward jumps patched to labels. */
enum { L_ALLOW, L_DENY, L_CHECK, L_TCP, L_UDP, L_MAX };
struct as {
  struct bpf_insn *v;
  size_t n, cap;
  int label[L_MAX];
  struct { size_t at; int label; } fix[2 * NETGUARD_MAX_NETS + NETGUARD_MAX_UDP_PORTS + 16];
  size_t n_fix;
  bool over;
};

static void emit (struct as *a, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
  if (a->n >= a->cap)
    {
      a->over = true;
      return;
    }
  a->v[a->n++] = (struct bpf_insn) { .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

/* A jump to label (patched in finish). */
static void jump (struct as *a, uint8_t code, uint8_t dst, int32_t imm, int label)
{
  if (a->n_fix >= sizeof a->fix / sizeof a->fix[0])
    {
      a->over = true;
      return;
    }
  a->fix[a->n_fix].at = a->n;
  a->fix[a->n_fix++].label = label;
  emit (a, code, dst, 0, 0, imm);
}

static void here (struct as *a, int label)
{
  a->label[label] = (int) a->n;
}

static int finish (struct as *a)
{
  for (size_t i = 0; i < a->n_fix && !a->over; i++)
    {
      int to = a->label[a->fix[i].label];
      if (to < 0)
        return -1;
      a->v[a->fix[i].at].off = (int16_t) (to - (int) a->fix[i].at - 1);
    }
  return a->over ? -1 : (int) a->n;
}

static void as_init (struct as *a, struct bpf_insn *out, size_t cap)
{
  memset (a, 0, sizeof *a);
  a->v = out, a->cap = cap;
  for (int i = 0; i < L_MAX; i++)
    a->label[i] = -1;
}

/* The address in r_ip (a u32 as memory holds an in_addr) matching a blocked
 * net jumps to label. */
static void match_nets (struct as *a, uint8_t r_ip, const struct netguard_net *nets, size_t n, int label)
{
  for (size_t i = 0; i < n; i++)
    {
      uint32_t mask = nets[i].prefix ? htonl (~0u << (32 - nets[i].prefix)) : 0;
      emit (a, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, r_ip, 0, 0);
      emit (a, BPF_ALU | BPF_AND | BPF_K, BPF_REG_3, 0, 0, (int32_t) mask);
      jump (a, BPF_JMP32 | BPF_JEQ | BPF_K, BPF_REG_3, (int32_t) (nets[i].addr.s_addr & mask), label);
    }
}

static void returns (struct as *a)
{
  here (a, L_ALLOW);
  emit (a, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
  emit (a, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  here (a, L_DENY);
  emit (a, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
  emit (a, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

int netguard_prog_sock_addr (const struct netguard_net *nets, size_t n, struct bpf_insn *out, size_t cap)
{
  struct as a;
  as_init (&a, out, cap);
  emit (&a, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, offsetof (struct bpf_sock_addr, user_ip4), 0);
  match_nets (&a, BPF_REG_2, nets, n, L_DENY);
  jump (&a, BPF_JMP | BPF_JA, 0, 0, L_ALLOW);
  returns (&a);
  return finish (&a);
}

/* r2 = the IP header's length in bytes, from the copy at fp-24. */
static void ihl_bytes (struct as *a)
{
  emit (a, BPF_LDX | BPF_MEM | BPF_B, BPF_REG_2, BPF_REG_10, -24, 0);
  emit (a, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0x0f);
  emit (a, BPF_ALU64 | BPF_LSH | BPF_K, BPF_REG_2, 0, 0, 2);
}

/* bpf_skb_load_bytes (skb, r2 (+add), fp-32, len); a failure denies. */
static void load_transport (struct as *a, int add, int len)
{
  emit (a, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_6, 0, 0);
  if (add)
    emit (a, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, add);
  emit (a, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_10, 0, 0);
  emit (a, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, -32);
  emit (a, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, len);
  emit (a, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_skb_load_bytes);
  jump (a, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, L_DENY);
}

int netguard_prog_egress (const struct netguard_net *nets, size_t n, const uint16_t *udp_ports, size_t n_udp,
                          struct bpf_insn *out, size_t cap)
{
  struct as a;
  as_init (&a, out, cap);
  emit (&a, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0);
  /* IPv4 only: the networks hand out nothing else */
  emit (&a, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_6, offsetof (struct __sk_buff, protocol), 0);
  jump (&a, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, htons (0x0800), L_ALLOW);
  /* the IP header (from the network header on: cgroup skb programs start there) to fp-24 */
  emit (&a, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_6, 0, 0);
  emit (&a, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, 0);
  emit (&a, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_10, 0, 0);
  emit (&a, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, -24);
  emit (&a, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, 20);
  emit (&a, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_skb_load_bytes);
  jump (&a, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, L_ALLOW);
  emit (&a, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_7, BPF_REG_10, -24 + 16, 0); /* daddr */
  match_nets (&a, BPF_REG_7, nets, n, L_CHECK);
  jump (&a, BPF_JMP | BPF_JA, 0, 0, L_ALLOW);
  here (&a, L_CHECK);
  emit (&a, BPF_LDX | BPF_MEM | BPF_B, BPF_REG_2, BPF_REG_10, -24 + 9, 0); /* protocol */
  jump (&a, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_2, IPPROTO_TCP, L_TCP);
  jump (&a, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_2, IPPROTO_UDP, L_UDP);
  jump (&a, BPF_JMP | BPF_JA, 0, 0, L_ALLOW); /* ICMP: QEMU answers it itself */
  here (&a, L_TCP);
  ihl_bytes (&a);
  load_transport (&a, 13, 1); /* the flags byte */
  emit (&a, BPF_LDX | BPF_MEM | BPF_B, BPF_REG_2, BPF_REG_10, -32, 0);
  emit (&a, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0x12); /* SYN | ACK */
  jump (&a, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_2, 0x02, L_DENY); /* a new connection */
  jump (&a, BPF_JMP | BPF_JA, 0, 0, L_ALLOW);
  here (&a, L_UDP);
  ihl_bytes (&a);
  load_transport (&a, 0, 2); /* the source port */
  emit (&a, BPF_LDX | BPF_MEM | BPF_H, BPF_REG_2, BPF_REG_10, -32, 0);
  for (size_t i = 0; i < n_udp; i++)
    jump (&a, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_2, htons (udp_ports[i]), L_ALLOW);
  jump (&a, BPF_JMP | BPF_JA, 0, 0, L_DENY);
  returns (&a);
  return finish (&a);
}

static int load (enum bpf_prog_type type, enum bpf_attach_type expected, const struct bpf_insn *insns, int n,
                 struct terr *err)
{
  static char log[4096];
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.prog_type = type;
  attr.expected_attach_type = expected;
  attr.insns = (uintptr_t) insns;
  attr.insn_cnt = (uint32_t) n;
  attr.license = (uintptr_t) "GPL";
  attr.log_buf = (uintptr_t) log;
  attr.log_size = sizeof log;
  attr.log_level = 1;
  log[0] = '\0';
  int fd = (int) syscall (SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
  if (fd < 0)
    {
      /* the verifier's last line says why */
      size_t len = strlen (log);
      while (len && log[len - 1] == '\n')
        log[--len] = '\0';
      const char *last = strrchr (log, '\n');
      return terr_set (err, errno, "loading the network guard: %.200s", last ? last + 1 : log);
    }
  return fd;
}

static int attach (int cg, int prog, enum bpf_attach_type type, struct terr *err)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t) cg;
  attr.attach_bpf_fd = (uint32_t) prog;
  attr.attach_type = type;
  attr.attach_flags = 0; /* nothing below may attach its own */
  if (syscall (SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof attr) < 0)
    return terr_set (err, errno, "attaching the network guard");
  return 0;
}

int netguard_install (const struct netguard_net *nets, size_t n, const uint16_t *udp_ports, size_t n_udp,
                      struct terr *err)
{
  static bool installed;
  if (installed || n == 0)
    return 0;
  if (n > NETGUARD_MAX_NETS || n_udp > NETGUARD_MAX_UDP_PORTS)
    return terr_set (err, E2BIG, "network guard: %zu blocked nets, %zu UDP ports", n, n_udp);
  if (mkdir_p (NETGUARD_CGROUP, 0700) < 0)
    return terr_set (err, errno, "mkdir " NETGUARD_CGROUP);
  struct stat st;
  if (mount ("cgroup2", NETGUARD_CGROUP, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 && errno != EBUSY)
    return terr_set (err, errno, "mount cgroup2 on " NETGUARD_CGROUP);
  cleanup_close int cg = open (NETGUARD_CGROUP, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0 || fstat (cg, &st) < 0)
    return terr_set (err, errno, "open " NETGUARD_CGROUP);
  static struct bpf_insn prog[512];
  int len = netguard_prog_sock_addr (nets, n, prog, 512);
  cleanup_close int connect4 = len < 0 ? -1 : load (BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, prog, len, err);
  cleanup_close int sendmsg4 = len < 0 ? -1 : load (BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_SENDMSG, prog, len, err);
  if (connect4 < 0 || sendmsg4 < 0)
    return len < 0 ? terr_set (err, E2BIG, "network guard: program too long") : -1;
  len = netguard_prog_egress (nets, n, udp_ports, n_udp, prog, 512);
  if (len < 0)
    return terr_set (err, E2BIG, "network guard: program too long");
  cleanup_close int egress = load (BPF_PROG_TYPE_CGROUP_SKB, 0, prog, len, err);
  if (egress < 0 || attach (cg, connect4, BPF_CGROUP_INET4_CONNECT, err) < 0
      || attach (cg, sendmsg4, BPF_CGROUP_UDP4_SENDMSG, err) < 0 || attach (cg, egress, BPF_CGROUP_INET_EGRESS, err) < 0)
    return -1;
  installed = true;
  return 0;
}
