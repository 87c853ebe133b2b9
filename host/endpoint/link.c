#include "fdio.h"
#include "link.h"

#include "terr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void link_init (struct link *l, int fd)
{
  l->fd = fd;
  l->pcrc = false;
  l->dead = false;
  frame_decoder_init (&l->dec);
  l->in_len = l->in_pos = 0;
  l->out = NULL;
  l->out_len = l->out_pos = l->out_cap = 0;
}

void link_close (struct link *l)
{
  if (l->fd >= 0)
    close (l->fd);
  l->fd = -1;
  free (l->out);
  l->out = NULL;
  l->out_len = l->out_pos = l->out_cap = 0;
  l->dead = true;
}

int link_read (struct link *l)
{
  if (l->in_pos < l->in_len)
    return 1;
  ssize_t n = fd_read (l->fd, l->in, sizeof l->in);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    return 0;
  if (n <= 0)
    {
      l->dead = true;
      return -1;
    }
  l->in_len = (size_t) n;
  l->in_pos = 0;
  return 1;
}

int link_next (struct link *l, struct frame *f)
{
  while (l->in_pos < l->in_len)
    {
      size_t used = 0;
      enum frame_status st = frame_decoder_feed (&l->dec, l->in + l->in_pos, l->in_len - l->in_pos, &used, f);
      l->in_pos += used;
      if (st == FRAME_READY)
        return 1;
      if (st == FRAME_NEED_MORE && used == 0)
        l->in_pos = l->in_len;
    }
  l->in_pos = l->in_len = 0;
  return 0;
}

static uint8_t *reserve (struct link *l, size_t n)
{
  if (l->out_pos > 0 && l->out_pos == l->out_len)
    l->out_pos = l->out_len = 0;
  if (l->out_len + n > l->out_cap)
    {
      if (l->out_pos > 0)
        {
          memmove (l->out, l->out + l->out_pos, l->out_len - l->out_pos);
          l->out_len -= l->out_pos;
          l->out_pos = 0;
        }
      if (l->out_len + n > LINK_OUT_MAX)
        {
          l->dead = true;
          return NULL;
        }
      size_t cap = l->out_cap ? l->out_cap : 128 * 1024;
      while (cap < l->out_len + n)
        cap *= 2;
      uint8_t *p = realloc (l->out, cap);
      if (p == NULL)
        {
          /* not dead: the send fails and its caller holds, refuses or drops a
           * client, but a guest link (and the VM) outlives a failed allocation */
          errno = ENOMEM;
          return NULL;
        }
      l->out = p;
      l->out_cap = cap;
    }
  return l->out + l->out_len;
}

int link_send_msg (struct link *l, const Msg *m)
{
  if (l->dead)
    return -1;
  size_t cap = FRAME_HDR_LEN + FRAME_MAX_PAYLOAD + FRAME_PCRC_LEN;
  uint8_t *p = reserve (l, cap);
  if (p == NULL)
    return -1;
  ssize_t n = msg_frame_pack (m, l->pcrc, p, cap);
  if (n < 0)
    return -1;
  l->out_len += (size_t) n;
  return 0;
}

int link_send_frame (struct link *l, uint8_t type, uint32_t handle, const uint8_t *payload, uint32_t len)
{
  if (l->dead)
    return -1;
  if (len > FRAME_MAX_PAYLOAD)
    return -1;
  uint8_t *p = reserve (l, FRAME_HDR_LEN + len + FRAME_PCRC_LEN);
  if (p == NULL)
    return -1;
  frame_header_encode (p, type, l->pcrc ? FRAME_F_PCRC : 0, handle, len);
  memcpy (p + FRAME_HDR_LEN, payload, len);
  size_t n = FRAME_HDR_LEN + len;
  if (l->pcrc)
    {
      uint32_t crc = crc32c (0, payload, len);
      for (int i = 0; i < 4; i++)
        p[n++] = (uint8_t) (crc >> (8 * i));
    }
  l->out_len += n;
  return 0;
}

int link_flush (struct link *l)
{
  while (!l->dead && l->out_pos < l->out_len)
    {
      ssize_t n = send (l->fd, l->out + l->out_pos, l->out_len - l->out_pos, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
      if (n < 0)
        {
          l->dead = true;
          return -1;
        }
      l->out_pos += (size_t) n;
    }
  return l->dead ? -1 : 0;
}
