#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apicaps.h"
#include "base.h"
#include "clock.h"
#include "fdio.h"
#include "loglimit.h"
#include "jobs.h"
#include "router.h"
#include "statedir.h"
#include "unpack.h"

/* One request while MHD collects it: its body, or the fact that it is too big.
 * An upload (docker load, import: router.h's api_is_upload) goes to a file
 * instead, bounded by the space there is. */
struct pending {
  char *body;
  size_t len, cap;
  bool too_big;
  int spool_fd;               /* -1 unless an upload */
  char spool[PATH_MAX];
  uint64_t spool_len, spool_max;
  int spool_errno;            /* a write failed: the request gets it */
  bool answered;              /* a response is queued already (an early 413) */
  struct job *job;            /* a deferred or streamed reply (jobs.h) */
};

/* MHD says a line for every client that leaves mid-request or sends garbage:
 * at most one line per LOG_LIMIT_INTERVAL_MS, with the count of the others. */
static void mhd_log (void *cls, const char *fmt, va_list ap)
{
  (void) cls;
  static struct log_limit limit;
  uint64_t suppressed;
  if (!log_limit_hit (&limit, now_mono_ms (), &suppressed))
    return;
  if (suppressed)
    fprintf (stderr, "tetherd: http: %llu more messages not logged\n", (unsigned long long) suppressed);
  char msg[512];
  vsnprintf (msg, sizeof msg, fmt, ap);
  size_t n = strlen (msg);
  while (n > 0 && msg[n - 1] == '\n')
    msg[--n] = '\0';
  fprintf (stderr, "tetherd: http: %s\n", msg);
}

static const char *query_arg (void *ctx, const char *key)
{
  return MHD_lookup_connection_value (ctx, MHD_GET_ARGUMENT_KIND, key);
}

/* dockerd's headers on every reply (api/server/middleware: version and
 * experimental), ping's own, then the body. */
static enum MHD_Result send_reply (struct MHD_Connection *c, struct api_reply *rep)
{
  struct MHD_Response *resp = MHD_create_response_from_buffer (
      rep->len, rep->body, rep->body_static ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
  if (resp == NULL)
    {
      api_reply_free (rep);
      return MHD_NO; /* out of memory: MHD closes the connection */
    }
  rep->body = NULL; /* the response owns it now */
  rep->body_static = true;
  bool ok = MHD_add_response_header (resp, MHD_HTTP_HEADER_CONTENT_TYPE, rep->content_type) == MHD_YES
            && MHD_add_response_header (resp, "Api-Version", API_VERSION) == MHD_YES
            && MHD_add_response_header (resp, "Docker-Experimental", "false") == MHD_YES
            && MHD_add_response_header (resp, "Ostype", "linux") == MHD_YES
            && MHD_add_response_header (resp, MHD_HTTP_HEADER_SERVER, "tetherd/" TETHERD_VERSION " (linux)") == MHD_YES;
  if (ok && rep->is_ping)
    ok = MHD_add_response_header (resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache, no-store, must-revalidate") == MHD_YES
         && MHD_add_response_header (resp, MHD_HTTP_HEADER_PRAGMA, "no-cache") == MHD_YES
         && MHD_add_response_header (resp, "Swarm", "inactive") == MHD_YES;
  enum MHD_Result r = ok ? MHD_queue_response (c, (unsigned) rep->status, resp) : MHD_NO;
  MHD_destroy_response (resp);
  return r;
}

/* A streamed job: 200 now, the body as the child writes it. */
static void stream_gone (void *cls)
{
  job_release (cls);
}

static enum MHD_Result send_stream (struct MHD_Connection *c, struct pending *p, struct api_reply *rep)
{
  p->answered = true;
  struct MHD_Response *resp = MHD_create_response_from_callback (MHD_SIZE_UNKNOWN, JOB_STREAM_CHUNK,
                                                                 job_stream_read, p->job, stream_gone);
  if (resp == NULL)
    {
      job_release (p->job); /* the response's reference */
      return MHD_NO;
    }
  bool ok = MHD_add_response_header (resp, MHD_HTTP_HEADER_CONTENT_TYPE, rep->content_type) == MHD_YES
            && MHD_add_response_header (resp, "Api-Version", API_VERSION) == MHD_YES
            && MHD_add_response_header (resp, "Docker-Experimental", "false") == MHD_YES
            && MHD_add_response_header (resp, "Ostype", "linux") == MHD_YES;
  enum MHD_Result r = ok ? MHD_queue_response (c, (unsigned) rep->status, resp) : MHD_NO;
  MHD_destroy_response (resp);
  return r;
}

/* attach: docker's hijack, 101 and then the raw socket, which the job's child
 * takes (jobs.h). */
static void on_upgraded (void *cls, struct MHD_Connection *c, void *req_cls, const char *extra_in,
                         size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
  (void) c, (void) req_cls;
  struct job *j = cls;
  if (extra_in_size > 0)
    {
      /* the CLI writes stdin only after the 101: bytes already read would be
       * stdin that no one can take back, so the attach is refused rather than
       * losing them */
      fprintf (stderr, "tetherd: attach: %zu bytes arrived before the upgrade: closing\n", extra_in_size);
      (void) extra_in;
      MHD_upgrade_action (urh, MHD_UPGRADE_ACTION_CLOSE);
      return;
    }
  job_start_hijack (j, sock, urh);
}

static enum MHD_Result send_upgrade (struct MHD_Connection *c, struct pending *p, struct api_reply *rep)
{
  p->answered = true;
  struct MHD_Response *resp = MHD_create_response_for_upgrade (on_upgraded, p->job);
  if (resp == NULL)
    return MHD_NO;
  bool ok = MHD_add_response_header (resp, MHD_HTTP_HEADER_CONTENT_TYPE, rep->content_type) == MHD_YES
            && MHD_add_response_header (resp, MHD_HTTP_HEADER_UPGRADE, "tcp") == MHD_YES
            && MHD_add_response_header (resp, "Api-Version", API_VERSION) == MHD_YES;
  enum MHD_Result r = ok ? MHD_queue_response (c, MHD_HTTP_SWITCHING_PROTOCOLS, resp) : MHD_NO;
  MHD_destroy_response (resp);
  return r;
}

static enum MHD_Result send_too_big (struct MHD_Connection *c, struct pending *p)
{
  struct api_reply rep = { 0 };
  api_reply_error (&rep, 413, "request body too large: at most %d bytes", API_MAX_BODY);
  p->answered = true;
  return send_reply (c, &rep);
}

/* The body as it arrives: kept up to API_MAX_BODY, past it dropped (the request
 * gets 413 once it is read). */
static void take_body (struct pending *p, const char *data, size_t n)
{
  if (p->too_big)
    return;
  if (n > API_MAX_BODY - p->len)
    {
      p->too_big = true;
      free (p->body);
      p->body = NULL;
      p->len = p->cap = 0;
      return;
    }
  if (p->len + n > p->cap)
    {
      size_t cap = p->cap ? p->cap : 4096;
      while (cap < p->len + n)
        cap *= 2;
      char *nb = realloc (p->body, cap);
      if (nb == NULL)
        {
          p->too_big = true; /* answered as too big: no memory for it */
          return;
        }
      p->body = nb;
      p->cap = cap;
    }
  memcpy (p->body + p->len, data, n);
  p->len += n;
}

/* An upload's file, in the state dir's tmp/ (the file system the layers go to). */
static enum MHD_Result spool_open (struct MHD_Connection *c, struct pending *p)
{
  struct terr err;
  terr_clear (&err);
  char dir[PATH_MAX];
  if (state_subdir ("tmp", dir, sizeof dir, &err) == 0)
    {
      snprintf (p->spool, sizeof p->spool, "%.4000s/upload-XXXXXX", dir);
      p->spool_fd = mkostemp (p->spool, O_CLOEXEC);
      p->spool_max = unpack_budget (dir);
    }
  if (p->spool_fd >= 0)
    return MHD_YES;
  struct api_reply rep = { 0 };
  api_reply_error (&rep, 500, "no room for the upload: %s", err.msg[0] ? err.msg : strerror (errno));
  p->answered = true;
  return send_reply (c, &rep);
}

/* Past the bound the bytes are read and dropped: the reply says why. */
static void spool_write (struct pending *p, const char *data, size_t n)
{
  p->spool_len += n;
  if (p->spool_errno || p->spool_len > p->spool_max)
    return;
  if (fd_write_all (p->spool_fd, data, n) < 0)
    p->spool_errno = errno ? errno : EIO;
}

static enum MHD_Result send_spool_error (struct MHD_Connection *c, struct pending *p)
{
  struct api_reply rep = { 0 };
  if (p->spool_errno)
    api_reply_error (&rep, 500, "writing the upload: %s", strerror (p->spool_errno));
  else
    api_reply_error (&rep, 413, "the upload is larger than the %llu MiB there is room for",
                     (unsigned long long) (p->spool_max >> 20));
  p->answered = true;
  return send_reply (c, &rep);
}

/* MHD calls this once when the headers are in (*con_cls still NULL), once per
 * piece of body, and once more with nothing left (*upload_size == 0): that last
 * call answers. */
static enum MHD_Result on_request (void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                   const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
  (void) cls;
  (void) version;
  struct pending *p = *con_cls;
  if (p == NULL)
    {
      p = calloc (1, sizeof *p);
      if (p == NULL)
        return MHD_NO;
      *con_cls = p;
      p->spool_fd = -1;
      if (api_is_upload (method, url, query_arg, c))
        return spool_open (c, p);
      const char *cl = MHD_lookup_connection_value (c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
      if (cl && strtoull (cl, NULL, 10) > API_MAX_BODY)
        {
          p->too_big = true;
          return send_too_big (c, p); /* early: MHD then reads no body and closes after it */
        }
      return MHD_YES;
    }
  if (*upload_size > 0 && p->spool_fd >= 0)
    {
      spool_write (p, upload, *upload_size);
      *upload_size = 0;
      return MHD_YES;
    }
  if (*upload_size > 0)
    {
      take_body (p, upload, *upload_size);
      *upload_size = 0;
      return MHD_YES;
    }
  if (p->answered)
    return MHD_YES;
  if (p->too_big)
    return send_too_big (c, p);
  if (p->spool_fd >= 0 && !p->job && (p->spool_errno || p->spool_len > p->spool_max))
    return send_spool_error (c, p);
  if (p->job)
    {
      /* resumed: the job's reply is ready (a spurious resume parks it again) */
      struct api_reply *jr = job_reply (p->job);
      if (jr == NULL && job_client_gone (p->job))
        return MHD_NO; /* nobody to answer: MHD closes the connection */
      if (jr == NULL)
        return job_park (p->job), MHD_YES;
      p->answered = true;
      struct api_reply copy = *jr;
      memset (jr, 0, sizeof *jr); /* the response takes the body */
      return send_reply (c, &copy);
    }
  struct api_req req = {
    .method = method, .url = url, .arg = query_arg, .arg_ctx = c, .body = p->body, .body_len = p->len,
    .upload_path = p->spool_fd >= 0 ? p->spool : NULL, .upload_len = p->spool_len,
  };
  struct api_reply rep = { 0 };
  api_route (&req, &rep);
  if (rep.job && job_is_hijack (rep.job))
    {
      p->job = rep.job;
      return send_upgrade (c, p, &rep);
    }
  if (rep.job && job_start (&rep, c) == 0)
    {
      p->job = rep.job;
      if (job_reply (p->job) == NULL && rep.content_type == NULL)
        return MHD_YES; /* suspended until the job is done */
      return send_stream (c, p, &rep);
    }
  p->answered = true;
  return send_reply (c, &rep);
}

static void on_done (void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
  (void) cls;
  (void) c;
  (void) toe;
  struct pending *p = *con_cls;
  if (p)
    {
      job_release (p->job);
      free (p->body);
      if (p->spool_fd >= 0)
        {
          close (p->spool_fd);
          unlink (p->spool); /* a job still reading it holds its own descriptor */
        }
    }
  free (p);
  *con_cls = NULL;
}

static void on_tick (struct timer *t);

static unsigned connections (struct server *s)
{
  const union MHD_DaemonInfo *di = MHD_get_daemon_info (s->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
  return di ? di->num_connections : 0;
}

/* MHD's work, then the next timeout it needs (0 when it holds work already
 * read: its own epoll is edge-triggered).
 * A second run when connections were freed: MHD takes its listening socket out
 * of its epoll set while at the connection limit and puts it back only at the
 * start of a run, but frees closed connections at the end of one; with no
 * connection left nothing would wake us for that next run, and tetherd would
 * never accept again (seen with 64 idle clients that all left). */
static void pump (struct server *s)
{
  unsigned before = connections (s);
  MHD_run (s->mhd);
  if (connections (s) < before)
    MHD_run (s->mhd);
  MHD_UNSIGNED_LONG_LONG ms;
  if (MHD_get_timeout (s->mhd, &ms) == MHD_YES)
    timer_arm (&s->tick, ms > 60000 ? 60000 : (int64_t) ms, on_tick);
  else
    timer_cancel (&s->tick);
}

static struct server *the_server;
static void pump_the_server (void)
{
  if (the_server && the_server->mhd)
    pump (the_server);
}

static void on_tick (struct timer *t)
{
  pump (container_of (t, struct server, tick));
}

static void on_epoll (struct watch *w, uint32_t events)
{
  (void) events;
  pump (container_of (w, struct server, epoll_watch));
}

int server_start (struct server *s, int listen_fd, struct terr *err)
{
  memset (s, 0, sizeof *s);
  s->epoll_watch.fd = -1;
  /* No MHD_USE_INTERNAL_POLLING_THREAD: MHD runs only inside MHD_run, on our loop. */
  s->mhd = MHD_start_daemon (MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME | MHD_ALLOW_UPGRADE, 0,
                             NULL, NULL,
                             on_request, s,
                             MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s, /* first: MHD says so */
                             MHD_OPTION_LISTEN_SOCKET, (MHD_socket) listen_fd,
                             MHD_OPTION_CONNECTION_LIMIT, (unsigned) API_MAX_CONNECTIONS,
                             MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) API_CONN_MEMORY,
                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) API_CONN_TIMEOUT_S,
                             MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
                             MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1, /* main ignores SIGPIPE */
                             MHD_OPTION_END);
  if (s->mhd == NULL)
    return terr_set (err, 0, "libmicrohttpd did not start (see its message above)");
  const union MHD_DaemonInfo *di = MHD_get_daemon_info (s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
  if (di == NULL || di->epoll_fd < 0)
    {
      server_stop (s);
      return terr_set (err, 0, "libmicrohttpd has no epoll fd");
    }
  if (loop_add (&s->epoll_watch, di->epoll_fd, EPOLLIN, on_epoll, err) < 0)
    {
      server_stop (s);
      return -1;
    }
  the_server = s;
  job_set_pump (pump_the_server);
  pump (s);
  return 0;
}

void server_stop (struct server *s)
{
  jobs_shutdown ();
  loop_del (&s->epoll_watch);
  timer_cancel (&s->tick);
  if (s->mhd)
    MHD_stop_daemon (s->mhd);
  s->mhd = NULL;
}
