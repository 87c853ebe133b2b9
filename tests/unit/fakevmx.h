/* A fake VMware hypervisor behind struct bdoor_ops: it answers the backdoor's
 * GETVERSION and the RPCI message steps as the VMX does (tether/bdoor.h), with
 * guestinfo keys to serve, and can be told to misbehave: refuse the open,
 * checkpoint a send, send garbage, announce a length it does not keep.
 * Header-only: test_bdoor.c and test_guestinfo.c both play it. */
#ifndef TETHER_TEST_FAKEVMX_H
#define TETHER_TEST_FAKEVMX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdoor.h"

#define FAKE_KEYS 24
#define FAKE_CHAN 7u
#define FAKE_COOKIE_HI 0x1234abcdu
#define FAKE_COOKIE_LO 0x5678ef01u

enum fake_mode
{
  FAKE_VMWARE = 0,
  FAKE_QEMU_VMPORT, /* QEMU's vmport: GETVERSION answered, message commands left as they came */
  FAKE_NOTHING,     /* no device on the port: reads give all ones */
};

struct fakevmx
{
  enum fake_mode mode;
  bool hb;          /* offer the high-bandwidth port */
  bool refuse_open;
  int cpt_sends;    /* this many SENDSIZE steps answer "checkpoint" */
  int cpt_recvs;    /* this many RECVSIZE steps answer "checkpoint" */
  const char *raw_reply;  /* the reply to every request, verbatim (garbage) */
  size_t raw_len;         /* its length (it may hold NULs) */
  uint32_t lie_size;      /* RECVSIZE announces this, whatever the reply is */
  int payload_words;      /* RECVPAYLOAD fails after this many words (-1: never) */
  uint32_t payload_type;  /* RECVPAYLOAD's type in DX, if not SENDPAYLOAD */
  const char *keys[FAKE_KEYS], *vals[FAKE_KEYS];

  /* state */
  bool is_open;
  char req[512];
  uint32_t req_len, req_at;
  char *reply;
  uint32_t reply_len, reply_at;
  bool has_reply;
  long calls, hb_ins, bad_cookies;
};

/* A VMware host that tells the truth. */
#define FAKEVMX_INIT { .payload_words = -1 }

static inline void fake_set (struct fakevmx *f, const char *key, const char *val)
{
  for (int i = 0; i < FAKE_KEYS; i++)
    if (!f->keys[i] || strcmp (f->keys[i], key) == 0)
      {
        f->keys[i] = key;
        f->vals[i] = val;
        return;
      }
  abort ();
}

static inline void fake_reply (struct fakevmx *f, const char *data, size_t len)
{
  free (f->reply);
  f->reply = malloc (len + 1);
  memcpy (f->reply, data, len);
  f->reply_len = (uint32_t) len;
  f->reply_at = 0;
  f->has_reply = true;
}

/* The VMX's side of one request: "info-get guestinfo.KEY". */
static inline void fake_process (struct fakevmx *f)
{
  if (f->raw_reply)
    {
      fake_reply (f, f->raw_reply, f->raw_len);
      return;
    }
  static const char get[] = "info-get guestinfo.";
  char key[512];
  if (f->req_len < sizeof get - 1 || memcmp (f->req, get, sizeof get - 1) != 0)
    {
      fake_reply (f, "0 Unknown command", 17);
      return;
    }
  memcpy (key, f->req + sizeof get - 1, f->req_len - (sizeof get - 1));
  key[f->req_len - (sizeof get - 1)] = '\0';
  for (int i = 0; i < FAKE_KEYS && f->keys[i]; i++)
    if (strcmp (f->keys[i], key) == 0)
      {
        size_t n = strlen (f->vals[i]);
        char *r = malloc (n + 3);
        r[0] = '1', r[1] = ' ';
        memcpy (r + 2, f->vals[i], n + 1);
        fake_reply (f, r, n + 2);
        free (r);
        return;
      }
  fake_reply (f, "0 No value found", 16);
}

static inline void fake_call (void *ctx, struct bdoor_regs *r)
{
  struct fakevmx *f = ctx;
  f->calls++;
  if (f->mode == FAKE_NOTHING)
    {
      r->ax = 0xffffffffu;
      return;
    }
  if (r->ax != BDOOR_MAGIC)
    return;
  uint32_t cmd = r->cx & 0xffff, step = r->cx >> 16;
  if (cmd == BDOOR_CMD_GETVERSION)
    {
      r->ax = 6, r->bx = BDOOR_MAGIC, r->cx = 4;
      return;
    }
  if (cmd != BDOOR_CMD_MESSAGE || f->mode == FAKE_QEMU_VMPORT)
    return;
  uint32_t st = 0;
  if (step == BDOOR_MSG_OPEN)
    {
      if (!f->refuse_open && r->bx == (RPCI_PROTOCOL | RPCI_FLAG_COOKIE))
        {
          f->is_open = true;
          r->dx = FAKE_CHAN << 16;
          r->si = FAKE_COOKIE_HI, r->di = FAKE_COOKIE_LO;
          st = BDOOR_ST_SUCCESS;
        }
      r->cx = st << 16;
      return;
    }
  if (!f->is_open || r->dx >> 16 != FAKE_CHAN || r->si != FAKE_COOKIE_HI || r->di != FAKE_COOKIE_LO)
    {
      f->bad_cookies++;
      r->cx = 0;
      return;
    }
  uint32_t hb = f->hb ? BDOOR_ST_HB : 0;
  switch (step)
    {
    case BDOOR_MSG_SENDSIZE:
      if (f->cpt_sends > 0)
        {
          f->cpt_sends--;
          st = BDOOR_ST_CPT;
          break;
        }
      if (r->bx > sizeof f->req)
        break;
      f->req_len = r->bx, f->req_at = 0, f->has_reply = false;
      st = BDOOR_ST_SUCCESS | hb;
      if (f->req_len == 0)
        fake_process (f);
      break;
    case BDOOR_MSG_SENDPAYLOAD:
      if (f->req_at >= f->req_len)
        break;
      for (int i = 0; i < 4 && f->req_at < f->req_len; i++)
        f->req[f->req_at++] = (char) (r->bx >> (8 * i));
      if (f->req_at == f->req_len)
        fake_process (f);
      st = BDOOR_ST_SUCCESS;
      break;
    case BDOOR_MSG_RECVSIZE:
      if (f->cpt_recvs > 0)
        {
          f->cpt_recvs--;
          st = BDOOR_ST_CPT;
          break;
        }
      st = BDOOR_ST_SUCCESS;
      if (f->has_reply)
        {
          st |= BDOOR_ST_DORECV | hb;
          r->bx = f->lie_size ? f->lie_size : f->reply_len;
          r->dx = (uint32_t) BDOOR_MSG_SENDSIZE << 16;
          f->reply_at = 0;
        }
      break;
    case BDOOR_MSG_RECVPAYLOAD:
      if (!f->has_reply || f->reply_at >= f->reply_len || f->payload_words == 0)
        break;
      if (f->payload_words > 0)
        f->payload_words--;
      r->bx = 0;
      for (int i = 0; i < 4 && f->reply_at < f->reply_len; i++)
        r->bx |= (uint32_t) (uint8_t) f->reply[f->reply_at++] << (8 * i);
      r->dx = (f->payload_type ? f->payload_type : (uint32_t) BDOOR_MSG_SENDPAYLOAD) << 16;
      st = BDOOR_ST_SUCCESS;
      break;
    case BDOOR_MSG_RECVSTATUS:
      f->has_reply = false;
      st = BDOOR_ST_SUCCESS;
      break;
    case BDOOR_MSG_CLOSE:
      f->is_open = false;
      st = BDOOR_ST_SUCCESS;
      break;
    default:
      break;
    }
  r->cx = st << 16;
}

static inline bool fake_hb_ok (struct fakevmx *f, const struct bdoor_regs *r)
{
  return f->hb && f->is_open && r->ax == BDOOR_MAGIC && (r->dx & 0xffff) == BDOOR_HB_PORT && r->dx >> 16 == FAKE_CHAN
         && r->bp == FAKE_COOKIE_HI;
}

static inline void fake_hb_out (void *ctx, struct bdoor_regs *r, const uint8_t *buf)
{
  struct fakevmx *f = ctx;
  f->calls++;
  if (!fake_hb_ok (f, r) || r->di != FAKE_COOKIE_LO || r->cx != f->req_len)
    {
      r->bx = 0;
      return;
    }
  memcpy (f->req, buf, r->cx);
  f->req_at = r->cx;
  fake_process (f);
  r->bx = BDOOR_ST_SUCCESS << 16;
}

/* As `rep insb` does, writes exactly r->cx bytes: past a short reply, garbage. */
static inline void fake_hb_in (void *ctx, struct bdoor_regs *r, uint8_t *buf)
{
  struct fakevmx *f = ctx;
  f->calls++, f->hb_ins++;
  if (!fake_hb_ok (f, r) || r->si != FAKE_COOKIE_LO)
    {
      r->bx = 0;
      return;
    }
  for (uint32_t i = 0; i < r->cx; i++)
    buf[i] = i < f->reply_len ? (uint8_t) f->reply[i] : 'X';
  r->bx = BDOOR_ST_SUCCESS << 16;
}

static inline struct bdoor_ops fake_ops (struct fakevmx *f)
{
  return (struct bdoor_ops) { .call = fake_call, .hb_out = fake_hb_out, .hb_in = fake_hb_in, .ctx = f };
}

static inline void fake_free (struct fakevmx *f)
{
  free (f->reply);
  f->reply = NULL;
}

#endif
