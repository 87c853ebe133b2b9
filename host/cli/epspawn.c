#include "epspawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "adopt.h"
#include "cli.h"

int endpoint_spawn (struct vm_ctr *v, enum ep_start how, struct terr *err)
{
  int pfd[2];
  if (pipe2 (pfd, O_CLOEXEC) < 0)
    return terr_set (err, errno, "pipe");
  fflush (NULL);
  pid_t pid = fork ();
  if (pid < 0)
    return terr_set (err, errno, "fork");
  if (pid == 0)
    {
      close (pfd[0]);
      if (setsid () < 0 || fork () != 0)
        _exit (0);
      char log[VM_PATH_MAX + 32];
      snprintf (log, sizeof log, "%s/endpoint.log", v->dir);
      int lfd = open (log, O_WRONLY | O_CREAT | O_APPEND, 0600);
      int nul = open ("/dev/null", O_RDONLY);
      if (lfd < 0 || nul < 0 || dup2 (nul, 0) < 0 || dup2 (lfd, 1) < 0 || dup2 (lfd, 2) < 0)
        _exit (125);
      int ready = fcntl (pfd[1], F_DUPFD, 3);
      /* every inherited fd but the ready pipe goes */
      for (int fd = 3; fd < 1024; fd++)
        if (fd != ready)
          close (fd);
      if (chdir ("/") < 0)
        _exit (125);
      sigset_t none;
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      signal (SIGINT, SIG_IGN);
      signal (SIGHUP, SIG_IGN);
      setvbuf (stderr, NULL, _IOLBF, 0);
      endpoint_main (v, ready, how);
    }
  close (pfd[1]);
  waitpid (pid, NULL, 0);
  char b;
  ssize_t n;
  while ((n = read (pfd[0], &b, 1)) < 0 && errno == EINTR)
    ;
  close (pfd[0]);
  if (n != 1)
    return terr_set (err, 0, how == EP_ADOPT ? "the endpoint could not take the VM over" : "the VM did not start");
  return 0;
}

/* Whether something accepts on the endpoint's socket. */
static bool answers (const char *path)
{
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  snprintf (sa.sun_path, sizeof sa.sun_path, "%s", path);
  bool ok = fd >= 0 && connect (fd, (struct sockaddr *) &sa, sizeof sa) == 0;
  if (fd >= 0)
    close (fd);
  return ok;
}

static const char *addr_of (const struct vm_ctr *v, char *addr, size_t cap)
{
  snprintf (addr, cap, "unix:%s", v->ctl_sock);
  return addr;
}

/* Another endpoint holds the lock (starting, or adopting for another verb). */
static const char *wait_for_socket (const struct vm_ctr *v, char *addr, size_t cap)
{
  for (int t = 0; t < EP_ADOPT_WAIT_MS; t += 50)
    {
      if (answers (v->ctl_sock))
        return addr_of (v, addr, cap);
      if (!ep_lock_held (v->dir))
        return NULL;
      nanosleep (&(struct timespec) { 0, 50 * 1000 * 1000 }, NULL);
    }
  return NULL;
}

const char *endpoint_ensure (const char *id, char *addr, size_t cap)
{
  static struct vm_ctr v; /* large; the adopting endpoint keeps its copy */
  struct terr err;
  terr_clear (&err);
  if (vm_ctr_paths (&v, id, &err) < 0)
    return NULL;
  if (answers (v.ctl_sock))
    return addr_of (&v, addr, cap);
  if (ep_lock_held (v.dir))
    return wait_for_socket (&v, addr, cap);
  if (vm_ctr_load (&v, id, &err) < 0)
    return NULL; /* created but never started, or not ours: nothing to adopt */
  bool exited = vm_info_final (&v.info);
  if (v.qemu_pid == 0 && v.info.status && strcmp (v.info.status, "created") == 0)
    return NULL; /* created, never started (docker create): no VM to adopt */
  int pidfd = qemu_find (&v, &err);
  if (pidfd >= 0)
    close (pidfd);
  if (pidfd < 0 && exited)
    return NULL; /* final, and no VM to power off */
  if (endpoint_spawn (&v, EP_ADOPT, &err) < 0 && !ep_lock_held (v.dir))
    {
      /* an adopter that found the VM gone recorded its end and left: final now */
      ContainerInfo *ci = vm_state_load (id, &err);
      bool final = ci && vm_info_final (ci);
      if (ci)
        container_info__free_unpacked (ci, NULL);
      if (!final)
        cli_err ("%s: %s", id, err.msg);
      return NULL;
    }
  /* the adopter, or another verb's that won the lock, is up (or it recorded the
   * VM's end and left: then the state is final) */
  return answers (v.ctl_sock) ? addr_of (&v, addr, cap) : wait_for_socket (&v, addr, cap);
}
