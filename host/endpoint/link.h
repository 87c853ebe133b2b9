/* One framed, non-blocking stream for the endpoint: the guest channel or a
 * client. Frames are decoded from what was read and re-encoded on the way out,
 * so the proxy can rewrite handles (docs/endpoint.md). */
#ifndef TETHER_CTL_LINK_H
#define TETHER_CTL_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "msg.h"

#define LINK_IN_CAP (64u * 1024u)
/* a client that does not read gets dropped rather than growing us without bound */
#define LINK_OUT_MAX (16u * 1024u * 1024u)

struct link {
  int fd;
  bool pcrc;                 /* payload CRC on what we send (agreed in hello) */
  bool dead;
  struct frame_decoder dec;
  uint8_t in[LINK_IN_CAP];
  size_t in_len, in_pos;
  uint8_t *out;
  size_t out_len, out_pos, out_cap;
};

void link_init (struct link *l, int fd);
void link_close (struct link *l);
/* One read(): 1 = bytes, 0 = nothing now, -1 = closed or error (l->dead). */
int link_read (struct link *l);
/* Next complete frame from what was read: 1 = *f set (valid until the next call), 0 = none. */
int link_next (struct link *l, struct frame *f);
/* Queue a control message / a frame with the given payload. -1 if too large or
 * the queue passed LINK_OUT_MAX (the link is marked dead). */
int link_send_msg (struct link *l, const Msg *m);
int link_send_frame (struct link *l, uint8_t type, uint32_t handle, const uint8_t *payload, uint32_t len);
/* Writes what the fd takes now; -1 if the peer is gone. */
int link_flush (struct link *l);
static inline bool link_has_out (const struct link *l) { return l->out_pos < l->out_len; }

#endif
