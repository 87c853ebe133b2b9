/* VMware's backdoor and its RPCI channel ("guest RPC"), which the VMX answers
 * with its guestinfo variables (docs/vsphere.md).
 *
 * The backdoor is port I/O that the hypervisor traps: `inl` on port 0x5658
 * with EAX = the magic 0x564D5868, CX = the command (30: a message), the
 * upper half of ECX = the message step, DX = the port with the channel id
 * in its upper half, and the other registers carrying arguments; the answer
 * comes back in the same registers. The "high-bandwidth" port 0x5659 moves
 * a whole buffer with `rep outsb` / `rep insb`. A message is:
 *   open (protocol "RPCI")              -> channel id, cookies (ESI, EDI)
 *   send size, then the request, 4 bytes per call (or one HB transfer)
 *   receive size                        -> reply length (EBX), DORECV bit
 *   the reply, 4 bytes per call (or one HB transfer), receive status
 *   close
 * Status bits come back in the upper half of ECX (EBX for HB transfers).
 *
 * The port I/O sits behind struct bdoor_ops: the guest's is bdoor_io.c
 * (ioperm, inline asm); unit tests put a fake hypervisor there. Nothing the
 * hypervisor answers is trusted: lengths are checked against the caller's
 * buffer before a byte is stored, and every loop is bounded by them. */
#ifndef TETHER_BDOOR_H
#define TETHER_BDOOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "terr.h"

#define BDOOR_MAGIC 0x564D5868u
#define BDOOR_PORT 0x5658
#define BDOOR_HB_PORT 0x5659
#define BDOOR_CMD_GETVERSION 10
#define BDOOR_CMD_MESSAGE 30
#define BDOOR_HB_CMD_MESSAGE 0

/* Message steps (ECX's upper half). */
enum bdoor_msg
{
  BDOOR_MSG_OPEN = 0,
  BDOOR_MSG_SENDSIZE = 1,
  BDOOR_MSG_SENDPAYLOAD = 2,
  BDOOR_MSG_RECVSIZE = 3,
  BDOOR_MSG_RECVPAYLOAD = 4,
  BDOOR_MSG_RECVSTATUS = 5,
  BDOOR_MSG_CLOSE = 6,
};

/* Status bits of a message step. */
#define BDOOR_ST_SUCCESS 0x0001u
#define BDOOR_ST_DORECV 0x0002u /* RECVSIZE: a reply is there */
#define BDOOR_ST_CPT 0x0010u    /* a checkpoint (snapshot, vMotion) interrupted it: start again */
#define BDOOR_ST_HB 0x0080u     /* the high-bandwidth port may be used */

#define RPCI_PROTOCOL 0x49435052u /* "RPCI" */
#define RPCI_FLAG_COOKIE 0x80000000u

/* The registers of one backdoor call, in and out. */
struct bdoor_regs
{
  uint32_t ax, bx, cx, dx, si, di, bp;
};

struct bdoor_ops
{
  /* `inl (%dx)` on the low-bandwidth port with every register. */
  void (*call) (void *ctx, struct bdoor_regs *r);
  /* `rep outsb` of r->cx bytes of buf to the HB port (ESI is buf; EDI and
   * EBP carry the cookies). */
  void (*hb_out) (void *ctx, struct bdoor_regs *r, const uint8_t *buf);
  /* `rep insb` of r->cx bytes into buf (EDI is buf; ESI and EBP the cookies). */
  void (*hb_in) (void *ctx, struct bdoor_regs *r, uint8_t *buf);
  void *ctx;
};

/* An open RPCI channel. */
struct rpci
{
  const struct bdoor_ops *ops;
  uint32_t id; /* channel id, already shifted into DX's upper half */
  uint32_t cookie_hi, cookie_lo;
  bool is_open;
};

/* The hypervisor answers GETVERSION with the magic in EBX. */
bool bdoor_present (const struct bdoor_ops *ops);
int rpci_open (struct rpci *ch, const struct bdoor_ops *ops, struct terr *err);
/* Sends req (req_len bytes) and reads the reply into out (NUL-terminated;
 * at most cap - 1 bytes). Returns the reply's length, or -1: no reply, the
 * hypervisor refused a step, or the reply would not fit. */
long rpci_call (struct rpci *ch, const char *req, size_t req_len, char *out, size_t cap, struct terr *err);
void rpci_close (struct rpci *ch);

/* The guest's port I/O (bdoor_io.c). bdoor_io_enable grants this process
 * the ports (ioperm: CAP_SYS_RAWIO); call it only where DMI says
 * VMware (vmguestinfo.c). */
extern const struct bdoor_ops bdoor_io_ops;
int bdoor_io_enable (struct terr *err);

#endif
