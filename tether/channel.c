#include "channel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "log.h"
#include "tether.h"

static struct watch listen_w;
static char listen_path[sizeof ((struct sockaddr_un *) 0)->sun_path];
static bool listen_is_vsock;
static struct conn *vsock_peer;

static void accept_event (struct watch *w, uint32_t events)
{
  (void) events;
  for (int round = 0; round < READS_PER_EVENT; round++)
    {
      int fd = accept4 (w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0)
        {
          if (errno != EAGAIN && errno != EINTR)
            log_warn ("accept: %s", strerror (errno));
          return;
        }
      if (listen_is_vsock && vsock_peer && !vsock_peer->closed)
        conn_close (vsock_peer); /* one endpoint: a new connection replaces the old */
      if (!listen_is_vsock && stats.conns >= MAX_CONNS)
        {
          static const char msg[] = "tether: too many connections\n";
          if (write (fd, msg, sizeof msg - 1) < 0)
            (void) 0;
          close (fd);
          log_warn ("refused a client: %d connections already", MAX_CONNS);
          continue;
        }
      struct terr err = { 0 };
      struct conn *c = conn_new (fd, false, &err);
      struct ucred cr;
      socklen_t crl = sizeof cr;
      if (c && getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cr, &crl) == 0)
        c->peer_pid = cr.pid, c->peer_uid = cr.uid;
      if (!c)
        {
          close (fd);
          log_warn ("%s", err.msg);
          continue;
        }
      if (listen_is_vsock)
        vsock_peer = c;
    }
}

static int listen_on (int fd, const struct sockaddr *sa, socklen_t len, const char *what, struct terr *err)
{
  if (bind (fd, sa, len) < 0)
    return terr_set (err, errno, "bind %s", what);
  if (listen (fd, 128) < 0)
    return terr_set (err, errno, "listen %s", what);
  return loop_add (&listen_w, fd, EPOLLIN, accept_event, err);
}

int channel_listen (const char *spec, struct terr *err)
{
  if (strncmp (spec, "unix:", 5) != 0)
    return terr_set (err, 0, "--listen takes unix:PATH, not %s", spec);
  const char *path = spec + 5;
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof sa.sun_path)
    return terr_set (err, 0, "socket path longer than %zu bytes: %s", sizeof sa.sun_path - 1, path);
  strcpy (sa.sun_path, path);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return terr_set (err, errno, "socket");
  struct stat st;
  if (lstat (path, &st) == 0 && S_ISSOCK (st.st_mode))
    unlink (path); /* a stale socket from an earlier tether */
  /* 0600 from the start: the socket grants root exec. */
  mode_t old = umask (077);
  int r = listen_on (fd, (struct sockaddr *) &sa, sizeof sa, path, err);
  umask (old);
  if (r < 0)
    {
      close (fd);
      return -1;
    }
  snprintf (listen_path, sizeof listen_path, "%s", path);
  return 0;
}

static int open_vsock (unsigned port, struct terr *err)
{
  int fd = socket (AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return terr_set (err, errno, "socket AF_VSOCK");
  struct sockaddr_vm sa = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = port };
  char what[32];
  snprintf (what, sizeof what, "vsock port %u", port);
  if (listen_on (fd, (struct sockaddr *) &sa, sizeof sa, what, err) < 0)
    {
      close (fd);
      return -1;
    }
  listen_is_vsock = true;
  return 0;
}

int channel_open (const char *spec, struct terr *err)
{
  if (strncmp (spec, "vsock:", 6) == 0)
    {
      char *end;
      unsigned long port = strtoul (spec + 6, &end, 10);
      if (*end || port == 0 || port > 0xffffffffUL)
        return terr_set (err, 0, "bad vsock port in %s", spec);
      return open_vsock ((unsigned) port, err);
    }
  int fd = open (spec, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return terr_set (err, errno, "open channel %s", spec);
  if (isatty (fd))
    {
      /* Raw: no echo, no line discipline, 8 bits, no flow control characters. */
      struct termios t;
      if (tcgetattr (fd, &t) == 0)
        {
          cfmakeraw (&t);
          t.c_cflag |= CLOCAL | CREAD;
          t.c_cflag &= ~(tcflag_t) CRTSCTS;
          cfsetispeed (&t, B115200);
          cfsetospeed (&t, B115200);
          if (tcsetattr (fd, TCSANOW, &t) < 0)
            log_warn ("raw mode on %s: %s", spec, strerror (errno));
        }
    }
  if (!conn_new (fd, true, err))
    {
      close (fd);
      return -1;
    }
  return 0;
}

void channel_cleanup (void)
{
  if (listen_path[0])
    unlink (listen_path);
}
