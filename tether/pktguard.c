/* AF_PACKET sockets refused with EPERM (pktguard.h): a classic BPF seccomp
 * filter, a dozen instructions, assembled here (libseccomp would compile a
 * second whole context for one rule). x86-64 and x32 socket(2) by its first
 * argument; i386's socket(2) the same, and its socketcall(SYS_SOCKET), whose
 * arguments are in memory a filter cannot read, refused whole (libcs call
 * socket(2) directly on kernels since 4.3). */
#include "pktguard.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#define X32_BIT 0x40000000u
#define NR_SOCKET_X86_64 41u
#define NR_SOCKET_I386 359u
#define NR_SOCKETCALL_I386 102u
#define SYS_SOCKET_CALL 1u

#define LD(off) BPF_STMT (BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, t, f) BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define RET(k) BPF_STMT (BPF_RET | BPF_K, (k))

size_t pktguard_prog (struct sock_filter *out, size_t cap)
{
  const struct sock_filter prog[] = {
    /* 0 */ LD (offsetof (struct seccomp_data, arch)),
    /* 1 */ JEQ (AUDIT_ARCH_X86_64, 0, 7),
    /* 2 */ LD (offsetof (struct seccomp_data, nr)),
    /* 3 */ JEQ (NR_SOCKET_X86_64, 2, 0),
    /* 4 */ JEQ (NR_SOCKET_X86_64 | X32_BIT, 1, 0),
    /* 5 */ RET (SECCOMP_RET_ALLOW),
    /* 6 */ LD (offsetof (struct seccomp_data, args[0])), /* the low half: the domain */
    /* 7 */ JEQ (AF_PACKET, 11, 0),
    /* 8 */ RET (SECCOMP_RET_ALLOW),
    /* 9 */ JEQ (AUDIT_ARCH_I386, 0, 8),
    /* 10 */ LD (offsetof (struct seccomp_data, nr)),
    /* 11 */ JEQ (NR_SOCKET_I386, 2, 0),
    /* 12 */ JEQ (NR_SOCKETCALL_I386, 3, 0),
    /* 13 */ RET (SECCOMP_RET_ALLOW),
    /* 14 */ LD (offsetof (struct seccomp_data, args[0])),
    /* 15 */ JEQ (AF_PACKET, 3, 2),
    /* 16 */ LD (offsetof (struct seccomp_data, args[0])), /* socketcall's call number */
    /* 17 */ JEQ (SYS_SOCKET_CALL, 1, 0),
    /* 18 */ RET (SECCOMP_RET_ALLOW),
    /* 19 */ RET (SECCOMP_RET_ERRNO | EPERM),
  };

  size_t n = sizeof prog / sizeof prog[0];
  for (size_t i = 0; i < n && i < cap; i++)
    out[i] = prog[i];
  return n;
}

int pktguard_install (struct terr *err)
{
  struct sock_filter f[32];
  struct sock_fprog p = { .len = (unsigned short) pktguard_prog (f, 32), .filter = f };
  if (prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p, 0, 0) < 0)
    return terr_set (err, errno, "loading the AF_PACKET guard");
  return 0;
}
