#include "clock.h"
#include "fdio.h"
#include "qmp.h"

#include <unistd.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>


/* Reads one line (QMP answers one JSON object per line). */
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
      if (len + 1 < cap)
        buf[len++] = ch;
    }
}

int qmp_exec (int fd, const char *cmd_json, int timeout_ms, struct terr *err)
{
  if (fd_write_all (fd, cmd_json, strlen (cmd_json)) < 0 || fd_write_all (fd, "\n", 1) < 0)
    return terr_set (err, errno, "QMP write");
  long long deadline = now_mono_ms () + timeout_ms;
  char line[4096];
  for (;;)
    {
      if (read_line (fd, line, sizeof line, deadline, err) < 0)
        return -1;
      if (strncmp (line, "{\"return\"", 9) == 0)
        return 0;
      if (strncmp (line, "{\"error\"", 8) == 0)
        {
          const char *d = strstr (line, "\"desc\": \"");
          return terr_set (err, 0, "QMP: %.200s", d ? d + 9 : line);
        }
      /* {"event": ...} and anything else: skip */
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
      int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0)
        return terr_set (err, errno, "socket");
      if (connect (fd, (struct sockaddr *) &sa, sizeof sa) == 0)
        {
          char line[4096];
          if (read_line (fd, line, sizeof line, deadline, err) < 0
              || qmp_exec (fd, "{\"execute\": \"qmp_capabilities\"}", (int) (deadline - now_mono_ms () + 1), err) < 0)
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

int qmp_once (const char *path, const char *cmd_json, int timeout_ms, struct terr *err)
{
  int fd = qmp_open (path, timeout_ms, err);
  if (fd < 0)
    return -1;
  int r = qmp_exec (fd, cmd_json, timeout_ms, err);
  close (fd);
  return r;
}
