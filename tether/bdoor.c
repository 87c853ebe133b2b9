/* The RPCI client over VMware's backdoor (bdoor.h has the protocol). */
#include "bdoor.h"

#include <string.h>

/* A checkpoint (snapshot, vMotion) that lands in a message makes the VMX
 * drop it: the message is sent again, a few times at most. */
#define RPCI_TRIES 4

bool bdoor_present (const struct bdoor_ops *ops)
{
  struct bdoor_regs r = { .ax = BDOOR_MAGIC, .bx = ~BDOOR_MAGIC, .cx = BDOOR_CMD_GETVERSION, .dx = BDOOR_PORT };
  ops->call (ops->ctx, &r);
  return r.bx == BDOOR_MAGIC && r.ax != 0xffffffffu;
}

/* One low-bandwidth message step; returns its status bits, r holds the answer. */
static uint32_t step (const struct rpci *ch, enum bdoor_msg what, uint32_t bx, struct bdoor_regs *r)
{
  *r = (struct bdoor_regs) { .ax = BDOOR_MAGIC,
                             .bx = bx,
                             .cx = BDOOR_CMD_MESSAGE | (uint32_t) what << 16,
                             .dx = BDOOR_PORT | ch->id,
                             .si = ch->cookie_hi,
                             .di = ch->cookie_lo };
  ch->ops->call (ch->ops->ctx, r);
  return r->cx >> 16;
}

int rpci_open (struct rpci *ch, const struct bdoor_ops *ops, struct terr *err)
{
  *ch = (struct rpci) { .ops = ops };
  struct bdoor_regs r;
  uint32_t st = step (ch, BDOOR_MSG_OPEN, RPCI_PROTOCOL | RPCI_FLAG_COOKIE, &r);
  if (!(st & BDOOR_ST_SUCCESS))
    return terr_set (err, 0, "VMware backdoor: the hypervisor refused to open an RPCI channel (status 0x%x)", st);
  ch->id = r.dx & 0xffff0000u;
  ch->cookie_hi = r.si;
  ch->cookie_lo = r.di;
  ch->is_open = true;
  return 0;
}

void rpci_close (struct rpci *ch)
{
  if (!ch->is_open)
    return;
  struct bdoor_regs r;
  step (ch, BDOOR_MSG_CLOSE, 0, &r);
  ch->is_open = false;
}

enum
{
  SENT = 0,
  FAILED = -1,
  AGAIN = -2, /* a checkpoint: start the message again */
};

static int outcome (uint32_t st)
{
  if (st & BDOOR_ST_SUCCESS)
    return SENT;
  return st & BDOOR_ST_CPT ? AGAIN : FAILED;
}

static int send_once (struct rpci *ch, const char *req, size_t len)
{
  struct bdoor_regs r;
  uint32_t st = step (ch, BDOOR_MSG_SENDSIZE, (uint32_t) len, &r);
  if (outcome (st) != SENT || len == 0)
    return outcome (st);
  if ((st & BDOOR_ST_HB) && ch->ops->hb_out)
    {
      r = (struct bdoor_regs) { .ax = BDOOR_MAGIC,
                                .bx = BDOOR_ST_SUCCESS << 16 | BDOOR_HB_CMD_MESSAGE,
                                .cx = (uint32_t) len,
                                .dx = BDOOR_HB_PORT | ch->id,
                                .di = ch->cookie_lo,
                                .bp = ch->cookie_hi };
      ch->ops->hb_out (ch->ops->ctx, &r, (const uint8_t *) req);
      return outcome (r.bx >> 16);
    }
  for (size_t at = 0; at < len; at += 4)
    {
      uint8_t word[4] = { 0 };
      memcpy (word, req + at, len - at < 4 ? len - at : 4);
      uint32_t bx = (uint32_t) word[0] | (uint32_t) word[1] << 8 | (uint32_t) word[2] << 16 | (uint32_t) word[3] << 24;
      int o = outcome (step (ch, BDOOR_MSG_SENDPAYLOAD, bx, &r));
      if (o != SENT)
        return o;
    }
  return SENT;
}

/* The reply into out; *len its length. The announced length is checked
 * against cap before a byte is read, and no more than it is ever read. */
static int recv_once (struct rpci *ch, char *out, size_t cap, size_t *len, struct terr *err)
{
  struct bdoor_regs r;
  uint32_t st = step (ch, BDOOR_MSG_RECVSIZE, 0, &r);
  if (outcome (st) != SENT)
    return outcome (st) == AGAIN ? AGAIN : terr_set (err, 0, "VMware backdoor: receive size refused (status 0x%x)", st);
  *len = 0;
  if (!(st & BDOOR_ST_DORECV))
    return SENT; /* nothing to read: an empty reply */
  if (r.dx >> 16 != BDOOR_MSG_SENDSIZE)
    return terr_set (err, 0, "VMware backdoor: protocol error: a reply size of type %u", r.dx >> 16);
  uint32_t n = r.bx;
  if (n >= cap)
    return terr_set (err, 0, "VMware backdoor: a reply of %u bytes is larger than the %zu this reader takes", n, cap - 1);
  if ((st & BDOOR_ST_HB) && ch->ops->hb_in && n > 0)
    {
      r = (struct bdoor_regs) { .ax = BDOOR_MAGIC,
                                .bx = BDOOR_ST_SUCCESS << 16 | BDOOR_HB_CMD_MESSAGE,
                                .cx = n,
                                .dx = BDOOR_HB_PORT | ch->id,
                                .si = ch->cookie_lo,
                                .bp = ch->cookie_hi };
      ch->ops->hb_in (ch->ops->ctx, &r, (uint8_t *) out);
      int o = outcome (r.bx >> 16);
      if (o != SENT)
        return o == AGAIN ? AGAIN : terr_set (err, 0, "VMware backdoor: high-bandwidth receive failed");
    }
  else
    for (uint32_t at = 0; at < n; at += 4)
      {
        int o = outcome (step (ch, BDOOR_MSG_RECVPAYLOAD, BDOOR_ST_SUCCESS, &r));
        if (o != SENT)
          return o == AGAIN ? AGAIN
                            : terr_set (err, 0, "VMware backdoor: the reply ended at byte %u of the %u announced", at, n);
        if (r.dx >> 16 != BDOOR_MSG_SENDPAYLOAD)
          return terr_set (err, 0, "VMware backdoor: protocol error: reply payload of type %u", r.dx >> 16);
        uint8_t word[4] = { (uint8_t) r.bx, (uint8_t) (r.bx >> 8), (uint8_t) (r.bx >> 16), (uint8_t) (r.bx >> 24) };
        memcpy (out + at, word, n - at < 4 ? n - at : 4);
      }
  out[n] = '\0';
  *len = n;
  st = step (ch, BDOOR_MSG_RECVSTATUS, BDOOR_ST_SUCCESS, &r);
  if (outcome (st) != SENT)
    return outcome (st) == AGAIN ? AGAIN : terr_set (err, 0, "VMware backdoor: receive status refused (status 0x%x)", st);
  return SENT;
}

long rpci_call (struct rpci *ch, const char *req, size_t req_len, char *out, size_t cap, struct terr *err)
{
  if (!ch->is_open)
    return terr_set (err, 0, "VMware backdoor: no RPCI channel");
  if (cap == 0 || req_len > UINT32_MAX)
    return terr_set (err, 0, "VMware backdoor: bad request or buffer size");
  out[0] = '\0';
  /* After a checkpoint the VMX has dropped the step it interrupted: a send
   * starts again from its size, a receive from the reply's size. */
  int o = AGAIN;
  for (int i = 0; i < RPCI_TRIES && o == AGAIN; i++)
    o = send_once (ch, req, req_len);
  if (o == FAILED)
    return terr_set (err, 0, "VMware backdoor: the hypervisor refused the request");
  if (o == AGAIN)
    return terr_set (err, 0, "VMware backdoor: the request was interrupted by checkpoints %d times", RPCI_TRIES);
  o = AGAIN;
  size_t len = 0;
  for (int i = 0; i < RPCI_TRIES && o != FAILED; i++)
    if ((o = recv_once (ch, out, cap, &len, err)) == SENT)
      return (long) len;
  if (o == FAILED)
    return -1;
  return terr_set (err, 0, "VMware backdoor: the reply was interrupted by checkpoints %d times", RPCI_TRIES);
}
