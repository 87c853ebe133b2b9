#include "apisock.h"

#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "apicaps.h"
#include "mkdirp.h"

/* A daemon answers on path? The probe is non-blocking: a live daemon whose
 * backlog is full answers EAGAIN, and that still counts as live. */
static int answers (const struct sockaddr_un *a, struct terr *err)
{
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return terr_set (err, errno, "socket");
  int r = connect (fd, (const struct sockaddr *) a, sizeof *a);
  int e = errno;
  close (fd);
  if (r == 0 || e == EAGAIN || e == EINPROGRESS)
    return 1;
  if (e == ECONNREFUSED || e == ENOENT)
    return 0;
  return terr_set (err, e, "probe %s", a->sun_path);
}

int api_sock_listen (struct api_sock *s, const char *path, struct terr *err)
{
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  s->fd = -1;
  s->lock_fd = -1;
  if (strlen (path) >= sizeof a.sun_path)
    return terr_set (err, ENAMETOOLONG, "socket path %.60s...", path);
  snprintf (a.sun_path, sizeof a.sun_path, "%s", path);
  snprintf (s->path, sizeof s->path, "%s", path);
  char dir[sizeof a.sun_path];
  snprintf (dir, sizeof dir, "%s", path);
  if (mkdir_p (dirname (dir), 0755) < 0)
    return terr_set (err, errno, "mkdir %s", dir);

  char lock[sizeof a.sun_path + 8];
  snprintf (lock, sizeof lock, "%s.lock", path);
  s->lock_fd = open (lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (s->lock_fd < 0)
    return terr_set (err, errno, "open %s", lock);
  if (flock (s->lock_fd, LOCK_EX | LOCK_NB) < 0)
    {
      int e = errno;
      close (s->lock_fd);
      s->lock_fd = -1;
      if (e == EWOULDBLOCK)
        return terr_set (err, 0, "%s: another tetherd is serving this socket (it holds %s)", path, lock);
      return terr_set (err, e, "flock %s", lock);
    }

  struct stat st;
  if (lstat (path, &st) == 0)
    {
      if (!S_ISSOCK (st.st_mode))
        return terr_set (err, 0, "%s exists and is not a socket", path);
      int live = answers (&a, err);
      if (live < 0)
        return -1;
      if (live)
        return terr_set (err, 0, "%s: another daemon is answering on this socket (is tetherd already running?)", path);
      if (unlink (path) < 0 && errno != ENOENT)
        return terr_set (err, errno, "remove the stale socket %s", path);
    }

  cleanup_close int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return terr_set (err, errno, "socket");
  /* bind under umask 0177: the file is never more open than 0600 before the
   * group and 0660 are set */
  mode_t old = umask (0177);
  int r = bind (fd, (struct sockaddr *) &a, sizeof a);
  int e = errno;
  umask (old);
  if (r < 0)
    return terr_set (err, e, "bind %s", path);
  struct group *g = getgrnam (API_SOCK_GROUP);
  if (g != NULL && chown (path, (uid_t) -1, g->gr_gid) < 0)
    return terr_set (err, errno, "chown %s to group %s", path, API_SOCK_GROUP);
  if (chmod (path, 0660) < 0)
    return terr_set (err, errno, "chmod %s", path);
  if (listen (fd, API_SOCK_BACKLOG) < 0)
    return terr_set (err, errno, "listen %s", path);
  if (stat (path, &st) < 0)
    return terr_set (err, errno, "stat %s", path);
  s->dev = st.st_dev;
  s->ino = st.st_ino;
  s->fd = take_fd (&fd);
  return 0;
}

void api_sock_close (struct api_sock *s)
{
  struct stat st;
  if (s->path[0] && stat (s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
    unlink (s->path);
  s->path[0] = '\0';
  if (s->fd >= 0)
    close (s->fd);
  s->fd = -1;
  if (s->lock_fd >= 0)
    close (s->lock_fd); /* the lock file stays: removing it would race a new tetherd */
  s->lock_fd = -1;
}
