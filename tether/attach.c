/* Attachments: a session's output rings into data frames per attached client,
 * acks freeing the rings, the exit after the last byte. Output is freed only
 * when every attached client has acked it. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tether.h"

void session_fill_exit (const struct session *s, Exit *e, uint64_t *finals)
{
  exit__init (e);
  e->id = (char *) (s->kind == SESSION_EXEC ? s->exec_id : s->c->id);
  e->run = s->run;
  e->exit_code = s->exit_code;
  e->signal = (uint32_t) s->signal;
  e->started_ns = s->started_ns;
  e->finished_ns = s->finished_ns;
  e->stdout_final = finals ? finals[0] : ostream_head (&s->out[0]);
  e->stderr_final = finals ? finals[1] : ostream_head (&s->out[1]);
  e->error = (char *) s->error;
  if (s->kind == SESSION_PRIMARY)
    {
      e->restarting = s->c->state == C_RESTARTING;
      e->restart_count = s->c->restart_count;
      e->not_started = !s->launched;
    }
}

void session_send_exit (struct session *s, struct conn *c, uint64_t request_id, uint32_t handle)
{
  Msg m = MSG__INIT;
  Exit e;
  session_fill_exit (s, &e, NULL);
  e.handle = handle;
  m.request_id = request_id;
  m.body_case = MSG__BODY_EXIT;
  m.exit = &e;
  conn_send (c, &m);
}

static void send_exit (struct attach *a)
{
  session_send_exit (a->s, a->conn, 0, a->handle);
  a->exit_sent = true;
}

static void attach_pump (struct attach *a)
{
  struct conn *c = a->conn;
  struct session *s = a->s;
  if (c->closed)
    return;
  for (int i = 0; i < 2; i++)
    {
      struct ostream *o = &s->out[i];
      uint64_t head = ostream_head (o);
      if (a->sent[i] < o->base)
        a->sent[i] = o->base;
      while (a->sent[i] < head)
        {
          uint64_t run;
          int64_t ns = ostream_mark_lookup (o, a->sent[i], &run);
          size_t n = head - a->sent[i];
          if (n > run)
            n = run;
          if (n > DATA_MAX)
            n = DATA_MAX;
          if (!conn_has_data_room (c, n))
            {
              c->want_pump = true;
              return;
            }
          size_t l1, l2 = 0;
          const uint8_t *p1 = ring_peek (&o->ring, a->sent[i] - o->base, &l1);
          const uint8_t *p2 = NULL;
          if (l1 > n)
            l1 = n;
          if (l1 < n)
            {
              p2 = ring_peek (&o->ring, a->sent[i] - o->base + l1, &l2);
              if (l2 > n - l1)
                l2 = n - l1;
            }
          conn_send_data (c, a->handle, i + 1, a->sent[i], ns, p1, l1, p2, l2);
          a->sent[i] += n;
        }
    }
  /* conn_send_data only queues: write now (and watch EPOLLOUT for the rest), or a
   * few bytes of output would wait for the next control message. */
  if (c->out.len > 0)
    conn_flush (c);
  if (session_finished (s) && !a->exit_sent)
    send_exit (a);
}

void session_pump (struct session *s)
{
  for (struct attach *a = s->attaches; a; a = a->next_in_session)
    attach_pump (a);
}

/* Frees output every attached client has acked; resumes a paused pipe. */
static void free_acked (struct session *s)
{
  if (!s->attaches)
    return;
  for (int i = 0; i < 2; i++)
    {
      struct ostream *o = &s->out[i];
      uint64_t low = UINT64_MAX;
      for (struct attach *a = s->attaches; a; a = a->next_in_session)
        if (a->acked[i] < low)
          low = a->acked[i];
      if (low <= o->base)
        continue;
      ring_consume (&o->ring, low - o->base);
      o->base = low;
      ostream_marks_drop_below (o);
      /* Under memory pressure a drained ring gives its buffer back. */
      if (o->ring.len == 0 && o->ring.cap > RING_START && ring_global_pressure ())
        ring_release (&o->ring);
      if (o->paused && o->w.fd >= 0)
        {
          o->paused = false;
          if (!o->coalescing)
            loop_mod (&o->w, EPOLLIN);
        }
    }
}

bool session_idle_for (const struct attach *a)
{
  const struct session *s = a->s;
  return session_finished (s) && a->exit_sent && a->acked[0] >= ostream_head (&s->out[0])
         && a->acked[1] >= ostream_head (&s->out[1]);
}

void session_ack (struct attach *a, uint64_t out_off, uint64_t err_off)
{
  uint64_t offs[2] = { out_off, err_off };
  for (int i = 0; i < 2; i++)
    {
      /* A client cannot ack what it was not sent. */
      if (offs[i] > a->sent[i])
        offs[i] = a->sent[i];
      if (offs[i] > a->acked[i])
        a->acked[i] = offs[i];
    }
  struct session *s = a->s;
  free_acked (s);
  /* a later ack of a delivered exec (the client's last, on its way out) changes nothing */
  if (s->kind == SESSION_EXEC && s->life != LIFE_DELIVERED && session_idle_for (a))
    {
      session_set_life (s, LIFE_DELIVERED);
      session_want_gc (s);
    }
}

struct attach *session_attach (struct session *s, struct conn *c, uint32_t handle, uint64_t out_off,
                               uint64_t err_off, bool want_stdin, struct terr *err)
{
  if (handle == 0)
    return (err->code = ERR_BAD_REQUEST, terr_set (err, 0, "handle 0 is the control channel"), NULL);
  struct attach *old = conn_find_handle (c, handle);
  if (old && old->s != s)
    return (err->code = ERR_CONFLICT, terr_set (err, 0, "handle %u is in use", handle), NULL);
  if (old)
    session_detach (old); /* re-attach on the same handle: new offsets */
  if (c->n_attaches >= MAX_ATTACH_PER_CONN)
    return (err->code = ERR_LIMIT, terr_set (err, 0, "too many handles on this connection"), NULL);
  struct attach *a = calloc (1, sizeof *a);
  if (!a)
    return (err->code = ERR_LIMIT, terr_set (err, ENOMEM, "attach"), NULL);
  uint64_t offs[2] = { out_off, err_off };
  for (int i = 0; i < 2; i++)
    {
      uint64_t v = offs[i];
      if (v < s->out[i].base)
        v = s->out[i].base; /* older bytes were acked and freed */
      if (v > ostream_head (&s->out[i]))
        v = ostream_head (&s->out[i]);
      a->sent[i] = a->acked[i] = v;
    }
  a->conn = c;
  a->s = s;
  a->handle = handle;
  a->since_ns = now_real_ns ();
  a->next_in_session = s->attaches;
  s->attaches = a;
  a->next_in_conn = c->attaches;
  c->attaches = a;
  c->n_attaches++;
  if (want_stdin)
    s->stdin_owner = a;
  return a;
}

void session_detach (struct attach *a)
{
  struct session *s = a->s;
  struct conn *c = a->conn;
  for (struct attach **p = &s->attaches; *p; p = &(*p)->next_in_session)
    if (*p == a)
      {
        *p = a->next_in_session;
        break;
      }
  for (struct attach **p = &c->attaches; *p; p = &(*p)->next_in_conn)
    if (*p == a)
      {
        *p = a->next_in_conn;
        c->n_attaches--;
        break;
      }
  if (s->stdin_owner == a)
    s->stdin_owner = NULL;
  free (a);
  free_acked (s);
  if (s->kind == SESSION_EXEC && session_finished (s) && !s->attaches && ((s->life == LIFE_DELIVERED) || s->detached))
    session_want_gc (s);
}
