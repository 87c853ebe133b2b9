#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include "report.h"
#include "terr.h"

int report_send (int fd, int type, int value, int64_t ns, const char *text)
{
  struct report r = { .type = type, .value = value, .ns = ns };
  if (text)
    strncpy (r.text, text, sizeof r.text - 1);
  ssize_t n;
  do
    n = send (fd, &r, sizeof r, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == (ssize_t) sizeof r ? 0 : -1;
}

int report_send_fd (int fd, int passed_fd)
{
  struct report r = { .type = REPORT_PTY };
  struct iovec iov = { .iov_base = &r, .iov_len = sizeof r };
  union {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  memset (&u, 0, sizeof u);
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf };
  struct cmsghdr *cm = CMSG_FIRSTHDR (&mh);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cm), &passed_fd, sizeof (int));
  ssize_t n;
  do
    n = sendmsg (fd, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == (ssize_t) sizeof r ? 0 : -1;
}

ssize_t report_recv (int fd, struct report *r, int *passed_fd)
{
  struct iovec iov = { .iov_base = r, .iov_len = sizeof *r };
  union {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf };
  *passed_fd = -1;
  memset (r, 0, sizeof *r);
  ssize_t n;
  do
    n = recvmsg (fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    return n;
  for (struct cmsghdr *cm = CMSG_FIRSTHDR (&mh); cm; cm = CMSG_NXTHDR (&mh, cm))
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
      memcpy (passed_fd, CMSG_DATA (cm), sizeof (int));
  r->text[sizeof r->text - 1] = '\0';
  return n;
}
