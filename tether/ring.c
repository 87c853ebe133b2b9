#include "ring.h"

#include <stdlib.h>
#include <string.h>

#include "caps.h"

static size_t global_cap = 64u * 1024u * 1024u;
static size_t global_bytes;

void ring_set_global_cap (size_t bytes) { global_cap = bytes; }
size_t ring_global_bytes (void) { return global_bytes; }
bool ring_global_pressure (void) { return global_bytes > global_cap / 2; }

void ring_init (struct ring *r, uint32_t max)
{
  memset (r, 0, sizeof *r);
  r->max = max;
}

void ring_release (struct ring *r)
{
  free (r->buf);
  if (!r->uncapped)
    global_bytes -= r->cap;
  r->buf = NULL;
  r->cap = r->head = r->len = 0;
}

/* Doubles the buffer and makes its contents contiguous from index 0. */
static int ring_grow (struct ring *r)
{
  uint32_t want = r->cap ? r->cap * 2 : RING_START;
  if (want > r->max)
    want = r->max;
  if (want <= r->cap || (!r->uncapped && global_bytes + (want - r->cap) > global_cap))
    return -1;
  uint8_t *nb = malloc (want);
  if (!nb)
    return -1;
  size_t first = r->cap - r->head < r->len ? r->cap - r->head : r->len;
  if (r->len)
    {
      memcpy (nb, r->buf + r->head, first);
      memcpy (nb + first, r->buf, r->len - first);
    }
  free (r->buf);
  if (!r->uncapped)
    global_bytes += want - r->cap;
  r->buf = nb;
  r->cap = want;
  r->head = 0;
  return 0;
}

uint8_t *ring_write_ptr (struct ring *r, size_t *avail)
{
  if (r->len == r->cap && ring_grow (r) < 0)
    {
      *avail = 0;
      return NULL;
    }
  if (r->len == 0)
    {
      /* Empty: restart at 0 so the whole buffer is one contiguous run. */
      r->head = 0;
      *avail = r->cap;
      return r->buf;
    }
  uint32_t tail = (r->head + r->len) % r->cap;
  *avail = tail > r->head ? r->cap - tail : r->head - tail;
  return r->buf + tail;
}

void ring_commit (struct ring *r, size_t n)
{
  r->len += (uint32_t) n;
}

size_t ring_put (struct ring *r, const void *p, size_t n)
{
  size_t done = 0;
  while (done < n)
    {
      size_t avail;
      uint8_t *w = ring_write_ptr (r, &avail);
      if (!w)
        break;
      size_t k = n - done < avail ? n - done : avail;
      memcpy (w, (const uint8_t *) p + done, k);
      ring_commit (r, k);
      done += k;
    }
  return done;
}

const uint8_t *ring_peek (const struct ring *r, size_t at, size_t *avail)
{
  if (at >= r->len)
    {
      *avail = 0;
      return NULL;
    }
  uint32_t i = (uint32_t) ((r->head + at) % r->cap);
  size_t left = r->len - at;
  size_t run = r->cap - i;
  *avail = left < run ? left : run;
  return r->buf + i;
}

void ring_consume (struct ring *r, size_t n)
{
  if (n > r->len)
    n = r->len;
  r->len -= (uint32_t) n;
  r->head = r->len ? (uint32_t) ((r->head + n) % r->cap) : 0;
}
