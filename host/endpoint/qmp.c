#include "clock.h"
#include "fdio.h"
#include "qmp.h"

#include <unistd.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>


/* QMP answers one JSON object per line. */
#define QMP_LINE_MAX 65536

/* Reads one line; a longer one is an error, not a truncated reply. */
static int read_line (int fd, char *buf, size_t cap, long long deadline, struct terr *err)
{
  size_t len = 0;
  for (;;)
    {
      long long left = deadline - now_mono_ms ();
      if (left <= 0)
        return terr_set (err, ETIMEDOUT, "QMP: no answer");
      struct pollfd p = { .fd = fd, .events = POLLIN };
      if (poll (&p, 1, (int) left) < 0 && errno != EINTR)
        return terr_set (err, errno, "QMP poll");
      if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      char ch;
      ssize_t n = fd_read (fd, &ch, 1);
      if (n <= 0)
        return terr_set (err, n < 0 ? errno : 0, "QMP connection closed");
      if (ch == '\n')
        {
          buf[len] = '\0';
          return 0;
        }
      if (len + 1 >= cap)
        return terr_set (err, 0, "QMP: a line longer than %zu bytes", cap);
      buf[len++] = ch;
    }
}

/* One reply line: 1 for "return", 0 for anything else (events), -1 for "error"
 * or a line that is not a JSON object. */
static int judge_reply (const char *line, json_t **ret, struct terr *err)
{
  json_error_t jerr;
  json_t *r = json_loads (line, JSON_REJECT_DUPLICATES, &jerr);
  if (!json_is_object (r))
    {
      json_decref (r);
      return terr_set (err, 0, "QMP: not a JSON object (%s): %.120s", jerr.text, line);
    }
  int verdict = 0;
  json_t *e = json_object_get (r, "error");
  if (json_object_get (r, "return"))
    {
      verdict = 1;
      if (ret)
        *ret = json_incref (json_object_get (r, "return"));
    }
  else if (e)
    {
      const char *desc = json_string_value (json_object_get (e, "desc"));
      verdict = terr_set (err, 0, "QMP: %.200s", desc ? desc : "error without a description");
    }
  json_decref (r);
  return verdict;
}

/* The command's text with pass_fd in SCM_RIGHTS on its first byte (QEMU takes
 * the fd for the command it reads next: getfd), the rest written plainly. */
static int send_with_fd (int fd, const char *text, size_t len, int pass_fd)
{
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE (sizeof (int))];
  } u;
  memset (&u, 0, sizeof u);
  struct iovec iov = { .iov_base = (void *) text, .iov_len = len };
  struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  struct cmsghdr *c = CMSG_FIRSTHDR (&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &pass_fd, sizeof (int));
  ssize_t n;
  do
    n = sendmsg (fd, &m, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -1;
  return fd_write_all (fd, text + n, len - (size_t) n);
}

static int exec_ret_fd (int fd, const char *command, json_t *args, int pass_fd, json_t **ret, int timeout_ms,
                        struct terr *err);

static int exec_ret (int fd, const char *command, json_t *args, json_t **ret, int timeout_ms, struct terr *err)
{
  return exec_ret_fd (fd, command, args, -1, ret, timeout_ms, err);
}

static int exec_ret_fd (int fd, const char *command, json_t *args, int pass_fd, json_t **ret, int timeout_ms,
                        struct terr *err)
{
  json_t *cmd = json_pack ("{s:s}", "execute", command);
  if (cmd && args)
    json_object_set_new (cmd, "arguments", args);
  else
    json_decref (args);
  char *text = cmd ? json_dumps (cmd, JSON_COMPACT) : NULL;
  json_decref (cmd);
  if (!text)
    return terr_set (err, ENOMEM, "QMP %s", command);
  int w = (pass_fd >= 0 ? send_with_fd (fd, text, strlen (text), pass_fd) : fd_write_all (fd, text, strlen (text))) < 0
                  || fd_write_all (fd, "\n", 1) < 0
              ? -1
              : 0;
  free (text);
  if (w < 0)
    return terr_set (err, errno, "QMP write");
  long long deadline = now_mono_ms () + timeout_ms;
  static char line[QMP_LINE_MAX];
  for (;;)
    {
      if (read_line (fd, line, sizeof line, deadline, err) < 0)
        return -1;
      int v = judge_reply (line, ret, err);
      if (v != 0)
        return v > 0 ? 0 : -1;
    }
}

int qmp_open (const char *path, int timeout_ms, struct terr *err)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof sa.sun_path)
    return terr_set (err, 0, "QMP socket path too long");
  strcpy (sa.sun_path, path);
  long long deadline = now_mono_ms () + timeout_ms;
  for (;;)
    {
      /* non-blocking: a QEMU that does not accept (frozen, or stuck) fills the
       * listen backlog, and a blocking connect would then wait for ever */
      int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      if (fd < 0)
        return terr_set (err, errno, "socket");
      if (connect (fd, (struct sockaddr *) &sa, sizeof sa) == 0 && fcntl (fd, F_SETFL, 0) == 0)
        {
          static char line[QMP_LINE_MAX];
          if (read_line (fd, line, sizeof line, deadline, err) < 0
              || qmp_exec (fd, "qmp_capabilities", NULL, (int) (deadline - now_mono_ms () + 1), err) < 0)
            {
              close (fd);
              return -1;
            }
          return fd;
        }
      int e = errno;
      close (fd);
      if (now_mono_ms () >= deadline)
        return terr_set (err, e, "QMP connect %s", path);
      struct timespec ts = { 0, 20 * 1000000 };
      nanosleep (&ts, NULL);
    }
}

int qmp_once (const char *path, const char *command, json_t *args, int timeout_ms, struct terr *err)
{
  int fd = qmp_open (path, timeout_ms, err);
  if (fd < 0)
    {
      json_decref (args);
      return -1;
    }
  int r = qmp_exec (fd, command, args, timeout_ms, err);
  close (fd);
  return r;
}

int qmp_exec_fd (int fd, const char *command, json_t *args, int pass_fd, int timeout_ms, struct terr *err)
{
  return exec_ret_fd (fd, command, args, pass_fd, NULL, timeout_ms, err);
}

int qmp_exec (int fd, const char *command, json_t *args, int timeout_ms, struct terr *err)
{
  return exec_ret (fd, command, args, NULL, timeout_ms, err);
}

json_t *qmp_exec_ret (int fd, const char *command, json_t *args, int timeout_ms, struct terr *err)
{
  json_t *ret = NULL;
  if (exec_ret (fd, command, args, &ret, timeout_ms, err) < 0)
    return NULL;
  return ret;
}

int qmp_migration_wait (int fd, int timeout_ms, struct terr *err)
{
  long long deadline = now_mono_ms () + timeout_ms;
  for (;;)
    {
      json_t *r = qmp_exec_ret (fd, "query-migrate", NULL, timeout_ms, err);
      if (r == NULL)
        return -1;
      const char *st = json_string_value (json_object_get (r, "status"));
      if (st && strcmp (st, "completed") == 0)
        return json_decref (r), 0;
      if (st && (strcmp (st, "failed") == 0 || strcmp (st, "cancelled") == 0))
        {
          const char *why = json_string_value (json_object_get (r, "error-desc"));
          terr_set (err, 0, "migration %s: %.300s", st, why ? why : "no reason given");
          return json_decref (r), -1;
        }
      json_decref (r);
      if (now_mono_ms () >= deadline)
        return terr_set (err, ETIMEDOUT, "migration not completed within %d ms (status %s)", timeout_ms,
                         st ? st : "none");
      nanosleep (&(struct timespec) { 0, 5 * 1000 * 1000 }, NULL);
    }
}

json_t *qmp_query (const char *path, const char *command, int timeout_ms, struct terr *err)
{
  int fd = qmp_open (path, timeout_ms, err);
  if (fd < 0)
    return NULL;
  json_t *ret = NULL;
  if (exec_ret (fd, command, NULL, &ret, timeout_ms, err) < 0)
    ret = NULL;
  close (fd);
  return ret;
}
