#include "tool.h"

#include <unistd.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

extern char **environ;

static const char extra_path[] = "/usr/sbin:/sbin:/usr/bin:/bin";

int tool_search (const char *list, const char *name, char *out, size_t cap)
{
  for (const char *p = list; p != NULL && *p;)
    {
      const char *end = strchr (p, ':');
      size_t dl = end ? (size_t) (end - p) : strlen (p);
      if (dl > 0)
        {
          int n = snprintf (out, cap, "%.*s/%s", (int) dl, p, name);
          if (n > 0 && (size_t) n < cap && access (out, X_OK) == 0)
            return 0;
        }
      p = end ? end + 1 : NULL;
    }
  return -1;
}

static int find_tool (const char *name, char *out, size_t cap)
{
  if (strchr (name, '/') != NULL)
    return snprintf (out, cap, "%s", name) < (int) cap ? 0 : -1;
  if (tool_search (getenv ("PATH"), name, out, cap) == 0)
    return 0;
  return tool_search (extra_path, name, out, cap);
}

/* GNU tar's notices, printed before the real reason ("Member name contains
 * '..'") on the same failed run: not worth the one line an error gets. */
static bool is_notice (const char *line)
{
  return strstr (line, "Removing leading") != NULL;
}

/* The first non-empty line, not a notice, the tool wrote on stderr, into buf. */
static const char *first_line (int fd, char *buf, size_t cap)
{
  buf[0] = '\0';
  ssize_t n = pread (fd, buf, cap - 1, 0);
  if (n <= 0)
    return buf;
  buf[n] = '\0';
  const char *first = NULL;
  char *save = NULL;
  for (char *l = strtok_r (buf, "\n", &save); l != NULL; l = strtok_r (NULL, "\n", &save))
    {
      while (*l == ' ' || *l == '\t')
        l++;
      if (*l == '\0')
        continue;
      if (first == NULL)
        first = l;
      if (!is_notice (l))
        return l;
    }
  return first != NULL ? first : "";
}

int tool_run (const char *const argv[], int out_fd, struct terr *err)
{
  char path[PATH_MAX];
  if (find_tool (argv[0], path, sizeof path) < 0)
    return terr_set (err, ENOENT, "%s not found in PATH or %s", argv[0], extra_path);
  /* a memfd, not a pipe: the tool can write any amount without us reading */
  cleanup_close int err_fd = memfd_create ("tool-stderr", MFD_CLOEXEC);
  if (err_fd < 0)
    return terr_set (err, errno, "memfd_create");

  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  int rc = posix_spawn_file_actions_init (&fa);
  if (rc != 0)
    return terr_set (err, rc, "posix_spawn_file_actions_init");
  rc = posix_spawnattr_init (&at);
  if (rc != 0)
    {
      posix_spawn_file_actions_destroy (&fa);
      return terr_set (err, rc, "posix_spawnattr_init");
    }
  sigset_t def, none;
  sigemptyset (&def);
  sigaddset (&def, SIGPIPE);
  sigemptyset (&none);
  rc = posix_spawn_file_actions_addopen (&fa, 0, "/dev/null", O_RDONLY, 0);
  if (rc == 0)
    rc = out_fd >= 0 ? posix_spawn_file_actions_adddup2 (&fa, out_fd, 1)
                     : posix_spawn_file_actions_addopen (&fa, 1, "/dev/null", O_WRONLY, 0);
  if (rc == 0)
    rc = posix_spawn_file_actions_adddup2 (&fa, err_fd, 2);
  if (rc == 0)
    rc = posix_spawnattr_setsigdefault (&at, &def);
  if (rc == 0)
    rc = posix_spawnattr_setsigmask (&at, &none);
  if (rc == 0)
    rc = posix_spawnattr_setflags (&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  if (rc == 0)
    rc = posix_spawn (&pid, path, &fa, &at, (char *const *) argv, environ);
  posix_spawn_file_actions_destroy (&fa);
  posix_spawnattr_destroy (&at);
  if (rc != 0)
    return terr_set (err, rc, "spawn %s", path);

  int status;
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return terr_set (err, errno, "waitpid %s", argv[0]);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  char buf[512];
  const char *line = first_line (err_fd, buf, sizeof buf);
  if (WIFSIGNALED (status))
    return terr_set (err, 0, "%s killed by signal %d%s%s", argv[0], WTERMSIG (status), *line ? ": " : "",
                     line);
  return terr_set (err, 0, "%s exited %d%s%s", argv[0], WEXITSTATUS (status), *line ? ": " : "", line);
}
