#include "vmrelay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "epspawn.h"
#include "logstore.h"
#include "session.h"

#define PRIMARY_HANDLE 1

/* After a lost connection or an endpoint that failed: the final state on disk. */
int vm_final_code (const struct vm_ctr *v)
{
  struct terr err;
  for (int i = 0; i < 100; i++)
    {
      ContainerInfo *ci = vm_state_load (v->id, &err);
      if (ci && vm_info_final (ci))
        {
          int code = ci->exit_code;
          if (code == 125 && ci->error && *ci->error)
            cli_err ("%s", ci->error);
          container_info__free_unpacked (ci, NULL);
          return code;
        }
      if (ci)
        container_info__free_unpacked (ci, NULL);
      usleep (100 * 1000);
    }
  cli_err ("%s: the container's endpoint went away", v->id);
  return CLI_FAIL_RUN;
}

/* Bytes [session's next, upto) of a stream, from the endpoint's log. */
static int fill_from_log (const struct vm_ctr *v, struct session *s, int stream, uint64_t upto, struct terr *err)
{
  uint8_t buf[65536];
  for (uint64_t at = session_out_next (s, stream); at < upto; at = session_out_next (s, stream))
    {
      size_t want = upto - at < sizeof buf ? (size_t) (upto - at) : sizeof buf;
      ssize_t n = logstore_pread (v->dir, (uint8_t) stream, at, buf, want, err);
      if (n < 0)
        return -1;
      if (n == 0)
        return terr_set (err, 0, "%s bytes %llu..%llu are not in the log (rotated away?)",
                         stream == STREAM_STDOUT ? "stdout" : "stderr", (unsigned long long) at,
                         (unsigned long long) upto);
      if (session_out_fill (s, stream, buf, (size_t) n, err) < 0)
        return -1;
    }
  return 0;
}

/* Attaches s on c, or (c NULL) on a new connection to the endpoint, found or
 * adopted again, from where s stands. Returns the connection, or NULL with err
 * set; *final when there is no endpoint to try again (the VM is gone). */
static struct conn *attach_at (const struct vm_ctr *v, struct session *s, bool interactive, struct conn *c,
                               const uint64_t *from, bool *final, struct terr *err)
{
  bool first = c != NULL;
  if (first && from != NULL)
    session_set_offsets (s, from[0], from[1], 0); /* resume as a client that had these */
  if (!first)
    {
      char addr[VM_SOCK_MAX + 8];
      if (endpoint_ensure (v->id, addr, sizeof addr) == NULL)
        return *final = true, terr_set (err, 0, "no endpoint"), NULL;
      if ((c = conn_open (addr, err)) == NULL)
        return NULL;
      session_rebind (s, c);
    }
  Attach at = ATTACH__INIT;
  at.id = (char *) v->id;
  at.handle = PRIMARY_HANDLE;
  at.want_stdin = interactive;
  bool resume = !first || from != NULL;
  at.stdout_offset = resume ? session_out_next (s, STREAM_STDOUT) : 0;
  at.stderr_offset = resume ? session_out_next (s, STREAM_STDERR) : 0;
  Msg am = MSG__INIT;
  am.body_case = MSG__BODY_ATTACH;
  am.attach = &at;
  Msg *r = conn_request (c, &am, session_dispatch, s, -1, err);
  if (r == NULL || conn_reply_error (r, MSG__BODY_ATTACHED, err) < 0)
    return conn_close (c), NULL;
  const Attached *a = r->attached;
  if (!resume)
    session_set_offsets (s, a->stdout_offset, a->stderr_offset, a->stdin_offset);
  else if (fill_from_log (v, s, STREAM_STDOUT, a->stdout_offset, err) < 0
           || fill_from_log (v, s, STREAM_STDERR, a->stderr_offset, err) < 0
           || session_resume (s, a->stdin_offset, err) < 0)
    return conn_close (c), NULL;
  return c;
}

int vm_relay (const struct vm_ctr *v, const struct session_opts *opts, const uint64_t *from)
{
  bool interactive = opts->relay_stdin;
  struct terr err;
  terr_clear (&err);
  char addr[VM_SOCK_MAX + 8];
  snprintf (addr, sizeof addr, "unix:%s", v->ctl_sock);
  struct conn *c = conn_open (addr, &err);
  if (c == NULL)
    return vm_final_code (v);
  struct session_opts so = *opts;
  so.handle = PRIMARY_HANDLE;
  so.signal_id = v->id;
  struct session *s = session_new (c, &so, &err);
  if (s == NULL)
    return cli_err ("%s", err.msg), conn_close (c), CLI_FAIL_RUN;
  bool final = false;
  c = attach_at (v, s, interactive, c, from, &final, &err);
  struct session_result res;
  int rc = -1;
  for (int attempt = 0;; attempt++)
    {
      if (c != NULL && (rc = session_run (s, &res, &err)) == 0)
        break;
      if (c != NULL)
        conn_close (c);
      c = NULL;
      if (final || attempt >= VM_RELAY_RECONNECTS)
        break;
      nanosleep (&(struct timespec) { 0, VM_RELAY_RETRY_MS * 1000000L }, NULL);
      c = attach_at (v, s, interactive, NULL, NULL, &final, &err);
    }
  session_free (s);
  if (c != NULL)
    conn_close (c);
  if (rc < 0)
    return vm_final_code (v);
  if (res.detached)
    return 0;
  if (res.error[0] != '\0')
    cli_err ("%s", res.error);
  return res.exit_code;
}
