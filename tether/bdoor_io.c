/* The backdoor's port I/O in the guest. Used only where DMI says VMware
 * (vmguestinfo.c): elsewhere the ports belong to whatever the machine has
 * there (under QEMU, vmport answers a few commands and ignores the rest).
 * ioperm() first, so the `in`/`out` never fault, whoever owns the port: a
 * fault here would kill PID 1.
 *
 * EBP carries a cookie in the high-bandwidth calls. The compiler may use
 * rbp as a frame pointer (the sanitizer builds do), so it is never named as
 * clobbered: the asm saves it in r9 and loads the value from r8 (register
 * variables pin both), with no stack use (the red zone stays intact). */
#include "bdoor.h"

#include <errno.h>
#include <sys/io.h>

/* A 32-bit `inl` on 0x5658 reads ports 0x5658-0x565b, and the CPU checks
 * each one's bit in the I/O bitmap: granting only 0x5658-0x5659 makes it
 * fault (#GP, SIGSEGV: a panic as PID 1; tests/vm/vmware.sh saw it). */
#define BDOOR_IO_PORTS 4

int bdoor_io_enable (struct terr *err)
{
  if (ioperm (BDOOR_PORT, BDOOR_IO_PORTS, 1) < 0)
    return terr_set (err, errno, "ioperm 0x%x-0x%x", BDOOR_PORT, BDOOR_PORT + BDOOR_IO_PORTS - 1);
  return 0;
}

static void io_call (void *ctx, struct bdoor_regs *r)
{
  (void) ctx;
  register uint64_t bp __asm__ ("r8") = r->bp;
  register uint64_t saved __asm__ ("r9");
  __asm__ volatile ("mov %%rbp, %%r9\n\t"
                    "mov %%r8, %%rbp\n\t"
                    "inl %%dx, %%eax\n\t"
                    "mov %%rbp, %%r8\n\t"
                    "mov %%r9, %%rbp"
                    : "+a"(r->ax), "+b"(r->bx), "+c"(r->cx), "+d"(r->dx), "+S"(r->si), "+D"(r->di), "+r"(bp),
                      "=&r"(saved)
                    :
                    : "memory", "cc");
  r->bp = (uint32_t) bp;
}

static void io_hb_out (void *ctx, struct bdoor_regs *r, const uint8_t *buf)
{
  (void) ctx;
  uint64_t cx = r->cx, di = r->di;
  const uint8_t *si = buf;
  register uint64_t bp __asm__ ("r8") = r->bp;
  register uint64_t saved __asm__ ("r9");
  __asm__ volatile ("mov %%rbp, %%r9\n\t"
                    "mov %%r8, %%rbp\n\t"
                    "cld\n\t"
                    "rep outsb\n\t"
                    "mov %%rbp, %%r8\n\t"
                    "mov %%r9, %%rbp"
                    : "+a"(r->ax), "+b"(r->bx), "+c"(cx), "+d"(r->dx), "+S"(si), "+D"(di), "+r"(bp), "=&r"(saved)
                    :
                    : "memory", "cc");
  r->cx = (uint32_t) cx;
  r->di = (uint32_t) di;
  r->bp = (uint32_t) bp;
}

static void io_hb_in (void *ctx, struct bdoor_regs *r, uint8_t *buf)
{
  (void) ctx;
  uint64_t cx = r->cx, si = r->si;
  uint8_t *di = buf;
  register uint64_t bp __asm__ ("r8") = r->bp;
  register uint64_t saved __asm__ ("r9");
  __asm__ volatile ("mov %%rbp, %%r9\n\t"
                    "mov %%r8, %%rbp\n\t"
                    "cld\n\t"
                    "rep insb\n\t"
                    "mov %%rbp, %%r8\n\t"
                    "mov %%r9, %%rbp"
                    : "+a"(r->ax), "+b"(r->bx), "+c"(cx), "+d"(r->dx), "+S"(si), "+D"(di), "+r"(bp), "=&r"(saved)
                    :
                    : "memory", "cc");
  r->cx = (uint32_t) cx;
  r->si = (uint32_t) si;
  r->bp = (uint32_t) bp;
}

const struct bdoor_ops bdoor_io_ops = { .call = io_call, .hb_out = io_hb_out, .hb_in = io_hb_in };
