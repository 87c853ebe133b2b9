/* --accel auto: KVM only if it really runs a guest. /dev/kvm can exist and still
 * not run ordinary guests (nested setups), so the probe runs one HLT in a tiny
 * real-mode VM, in a child process that is killed if it does not answer in time:
 * the probe never hangs the caller. */
#include "qemu.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROBE_TIMEOUT_MS 1500


/* Request numbers with the top bit set: glibc's ioctl takes an unsigned long, musl's
 * an int. Passing through a variable converts at run time, as the kernel (which
 * reads 32 bits) expects, without a constant overflow under -Wpedantic. */
static int ioctl_ul (int fd, unsigned long request, void *arg)
{
  return ioctl (fd, request, arg);
}

static int probe_child (void)
{
  int kvm = open ("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (kvm < 0 || ioctl (kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
    return 1;
  int vm = ioctl (kvm, KVM_CREATE_VM, 0);
  if (vm < 0)
    return 1;
  uint8_t *mem = mmap (NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED)
    return 1;
  /* real mode at 0x1000: a store, a locked cmpxchg on memory (what the kernel
   * trips on first where KVM cannot run guests), then hlt */
  static const uint8_t code[] = { 0xb8, 0x34, 0x12,                   /* mov ax, 0x1234 */
                                  0xa3, 0x00, 0x18,                   /* mov [0x1800], ax */
                                  0x31, 0xc0,                         /* xor ax, ax */
                                  0xbb, 0x78, 0x56,                   /* mov bx, 0x5678 */
                                  0xf0, 0x0f, 0xb1, 0x1e, 0x02, 0x18, /* lock cmpxchg [0x1802], bx */
                                  0xf4 };                             /* hlt */
  memcpy (mem, code, sizeof code);
  struct kvm_userspace_memory_region r = { .slot = 0, .guest_phys_addr = 0x1000, .memory_size = 0x1000,
                                           .userspace_addr = (uint64_t) (uintptr_t) mem };
  if (ioctl (vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
    return 1;
  int cpu = ioctl (vm, KVM_CREATE_VCPU, 0);
  int sz = ioctl (kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
  if (cpu < 0 || sz <= 0)
    return 1;
  struct kvm_run *run = mmap (NULL, (size_t) sz, PROT_READ | PROT_WRITE, MAP_SHARED, cpu, 0);
  struct kvm_sregs s;
  if (run == MAP_FAILED || ioctl_ul (cpu, KVM_GET_SREGS, &s) < 0)
    return 1;
  s.cs.base = 0;
  s.cs.selector = 0;
  if (ioctl (cpu, KVM_SET_SREGS, &s) < 0)
    return 1;
  struct kvm_regs regs = { .rip = 0x1000, .rflags = 2 };
  if (ioctl (cpu, KVM_SET_REGS, &regs) < 0 || ioctl (cpu, KVM_RUN, 0) < 0)
    return 1;
  return run->exit_reason == KVM_EXIT_HLT && mem[0x800] == 0x34 && mem[0x802] == 0x78 ? 0 : 1;
}

static bool kvm_works (void)
{
  if (access ("/dev/kvm", R_OK | W_OK) < 0)
    return false;
  pid_t pid = fork ();
  if (pid < 0)
    return false;
  if (pid == 0)
    _exit (probe_child ());
  for (int waited = 0; waited < PROBE_TIMEOUT_MS; waited += 10)
    {
      int st;
      pid_t r = waitpid (pid, &st, WNOHANG);
      if (r == pid)
        return WIFEXITED (st) && WEXITSTATUS (st) == 0;
      if (r < 0)
        return false;
      struct timespec ts = { 0, 10 * 1000000 };
      nanosleep (&ts, NULL);
    }
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  return false;
}

const char *qemu_pick_accel (const char *want)
{
  if (want && strcmp (want, "tcg") == 0)
    return "tcg";
  if (want && strcmp (want, "kvm") == 0)
    return "kvm";
  /* The probe passes on this host although real kernels hit "KVM internal error,
   * emulation failure" early in boot: until it is made stronger, auto runs it only
   * on request (TETHER_KVM_PROBE=1) and otherwise picks TCG, which always works. */
  const char *p = getenv ("TETHER_KVM_PROBE");
  return p && strcmp (p, "1") == 0 && kvm_works () ? "kvm" : "tcg";
}
