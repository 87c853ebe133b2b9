#include "adopt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdio.h"

static int lock_path (const char *dir, char *p, size_t cap)
{
  return snprintf (p, cap, "%s/endpoint.lock", dir) < (int) cap ? 0 : -1;
}

int ep_lock (const char *dir, struct terr *err)
{
  char p[VM_PATH_MAX + 32];
  if (lock_path (dir, p, sizeof p) < 0)
    return terr_set (err, ENAMETOOLONG, "%s", dir);
  int fd = open (p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return terr_set (err, errno, "open %s", p);
  if (flock (fd, LOCK_EX | LOCK_NB) < 0)
    {
      int e = errno;
      close (fd);
      errno = e;
      return terr_set (err, e, e == EWOULDBLOCK ? "another endpoint owns this VM" : "lock %s", p);
    }
  return fd;
}

bool ep_lock_held (const char *dir)
{
  char p[VM_PATH_MAX + 32];
  if (lock_path (dir, p, sizeof p) < 0)
    return false;
  int fd = open (p, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  bool held = flock (fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
  close (fd);
  return held;
}

/* /proc/PID/stat: "pid (comm) state ppid ...": comm may hold spaces and
 * parentheses, so the fields are counted from the last ')'. */
static int read_stat (int pid, char comm[32], char *state, uint64_t *start)
{
  char p[64], buf[1024];
  snprintf (p, sizeof p, "/proc/%d/stat", pid);
  int fd = open (p, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = fd_read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  char *open_paren = strchr (buf, '('), *close_paren = strrchr (buf, ')');
  if (!open_paren || !close_paren || close_paren < open_paren)
    return -1;
  snprintf (comm, 32, "%.*s", (int) (close_paren - open_paren - 1), open_paren + 1);
  /* after ") " come field 3 (state) onwards: starttime is field 22 */
  char *f = close_paren + 2;
  *state = *f;
  for (int field = 3; field < 22 && f; field++)
    {
      f = strchr (f, ' ');
      if (f)
        f++;
    }
  if (f == NULL)
    return -1;
  *start = strtoull (f, NULL, 10);
  return 0;
}

uint64_t proc_start_ticks (int pid)
{
  char comm[32], state;
  uint64_t start = 0;
  return read_stat (pid, comm, &state, &start) == 0 ? start : 0;
}

int qemu_find (const struct vm_ctr *v, struct terr *err)
{
  if (v->qemu_pid <= 0 || v->qemu_start == 0)
    return terr_set (err, 0, "the state records no QEMU");
  int pidfd = (int) syscall (SYS_pidfd_open, v->qemu_pid, 0);
  if (pidfd < 0)
    return terr_set (err, errno, "QEMU (pid %d) is gone", v->qemu_pid);
  /* checked after the pidfd is held: the pid cannot be reused from here on */
  char comm[32], state;
  uint64_t start;
  if (read_stat (v->qemu_pid, comm, &state, &start) < 0 || start != v->qemu_start
      || strncmp (comm, "qemu-system", 11) != 0)
    {
      close (pidfd);
      return terr_set (err, 0, "QEMU (pid %d) is gone: the pid is another process now", v->qemu_pid);
    }
  /* a QEMU that exited after its parent died may wait unreaped (a zombie): gone */
  if (state == 'Z' || state == 'X')
    {
      close (pidfd);
      return terr_set (err, 0, "QEMU (pid %d) has exited", v->qemu_pid);
    }
  return pidfd;
}
