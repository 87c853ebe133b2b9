#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "mkdirp.h"
#include "report.h"
#include "secprofile.h"
#include "security.h"
#include "user.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define ENV_MAX 4096

int close_from (unsigned first, unsigned flags)
{
  return (int) syscall (SYS_close_range, first, ~0U, flags);
}

int dup_to (int fd, int target)
{
  /* dup2 onto itself keeps FD_CLOEXEC: the fd would vanish at execve. */
  if (fd == target)
    return fcntl (fd, F_SETFD, 0);
  return dup2 (fd, target) < 0 ? -1 : 0;
}

void close_fds_except (const int *keep, int n)
{
  unsigned from = 0;
  for (;;)
    {
      /* the smallest kept fd at or above `from` */
      int next = -1;
      for (int i = 0; i < n; i++)
        if (keep[i] >= (int) from && (next < 0 || keep[i] < next))
          next = keep[i];
      if (next < 0)
        {
          syscall (SYS_close_range, from, ~0U, 0);
          return;
        }
      if ((unsigned) next > from)
        syscall (SYS_close_range, from, (unsigned) next - 1, 0);
      from = (unsigned) next + 1;
    }
}

static int64_t real_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

_Noreturn void launch_fail (int report_fd, int exit_code, const char *fmt, ...)
{
  char text[240];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (text, sizeof text, fmt, ap);
  va_end (ap);
  report_send (report_fd, REPORT_FAIL, exit_code, real_ns (), text);
  _exit (exit_code);
}

static const char *env_get (char **env, size_t n, const char *key)
{
  size_t kl = strlen (key);
  for (size_t i = n; i-- > 0;)
    if (strncmp (env[i], key, kl) == 0 && env[i][kl] == '=')
      return env[i] + kl + 1;
  return NULL;
}

/* Container env, exec env on top (later keys replace earlier), then docker's defaults. */
static char **build_env (const struct launch_spec *ls, const struct user_ids *u, size_t *count)
{
  static char *env[ENV_MAX + 5];
  static char path_kv[] = "PATH=" DEFAULT_PATH, term_kv[] = "TERM=xterm";
  static char host_kv[300], home_kv[sizeof ((struct user_ids *) 0)->home + 8];
  size_t n = 0;
  char **srcs[2] = { ls->env, ls->env_extra };
  size_t lens[2] = { ls->n_env, ls->n_env_extra };
  for (int s = 0; s < 2; s++)
    for (size_t i = 0; i < lens[s] && n < ENV_MAX; i++)
      {
        const char *eq = strchr (srcs[s][i], '=');
        size_t kl = eq ? (size_t) (eq - srcs[s][i]) : strlen (srcs[s][i]);
        size_t j;
        for (j = 0; j < n; j++)
          if (strncmp (env[j], srcs[s][i], kl) == 0 && env[j][kl] == '=')
            break;
        env[j] = srcs[s][i];
        if (j == n)
          n++;
      }
  if (!env_get (env, n, "PATH"))
    env[n++] = path_kv;
  if (!env_get (env, n, "HOSTNAME") && ls->hostname && *ls->hostname)
    {
      snprintf (host_kv, sizeof host_kv, "HOSTNAME=%s", ls->hostname);
      env[n++] = host_kv;
    }
  if (!env_get (env, n, "HOME"))
    {
      snprintf (home_kv, sizeof home_kv, "HOME=%s", u->home);
      env[n++] = home_kv;
    }
  if (ls->tty && !env_get (env, n, "TERM"))
    env[n++] = term_kv;
  env[n] = NULL;
  *count = n;
  return env;
}

static void reset_signals (void)
{
  struct sigaction sa = { .sa_handler = SIG_DFL };
  sigemptyset (&sa.sa_mask);
  for (int sig = 1; sig < NSIG; sig++)
    sigaction (sig, &sa, NULL); /* fails harmlessly for SIGKILL, SIGSTOP and reserved ones */
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
}

/* execvpe with docker's messages; returns only on failure, with the exit code. */
static int exec_on_path (const struct launch_spec *ls, char **env, size_t n_env, char *why, size_t why_len)
{
  const char *file = ls->argv[0];
  if (strchr (file, '/'))
    {
      execve (file, ls->argv, env);
      int e = errno;
      snprintf (why, why_len, "exec: \"%s\": %s", file, strerror (e));
      return e == ENOENT || e == ENOTDIR ? 127 : 126;
    }
  const char *path = env_get (env, n_env, "PATH");
  if (!path)
    path = DEFAULT_PATH;
  int denied = 0;
  char full[4096];
  for (const char *p = path;; p++)
    {
      const char *end = strchrnul (p, ':');
      size_t dl = (size_t) (end - p);
      if (dl + 1 + strlen (file) < sizeof full)
        {
          snprintf (full, sizeof full, "%.*s%s%s", (int) dl, p, dl ? "/" : "", file);
          execve (full, ls->argv, env);
          if (errno == EACCES || errno == EPERM)
            denied = errno;
          else if (errno != ENOENT && errno != ENOTDIR)
            {
              snprintf (why, why_len, "exec: \"%.180s\": %s", full, strerror (errno));
              return 126;
            }
        }
      if (!*end)
        break;
      p = end;
    }
  if (denied)
    {
      snprintf (why, why_len, "exec: \"%s\": %s", file, strerror (denied));
      return 126;
    }
  snprintf (why, why_len, "exec: \"%s\": executable file not found in $PATH", file);
  return 127;
}

_Noreturn void launch_exec (const struct launch_spec *ls)
{
  int rfd = ls->report_fd;
  if (ls->argc == 0)
    launch_fail (rfd, 127, "no command given");

  /* docker's order: rlimits, groups, gid, uid, cwd, umask, fds, signals, exec. */
  struct rlimit nofile = { PROCESS_NOFILE, PROCESS_NOFILE };
  struct rlimit cur;
  if (getrlimit (RLIMIT_NOFILE, &cur) == 0 && cur.rlim_max < PROCESS_NOFILE)
    nofile.rlim_cur = nofile.rlim_max = cur.rlim_max;
  setrlimit (RLIMIT_NOFILE, &nofile);
  for (size_t i = 0; i < ls->n_rlimits; i++)
    {
      struct rlimit rl = { ls->rlimits[i]->soft, ls->rlimits[i]->hard };
      if (setrlimit ((int) ls->rlimits[i]->resource, &rl) < 0)
        launch_fail (rfd, 126, "setrlimit %u: %s", ls->rlimits[i]->resource, strerror (errno));
    }

  struct user_ids u;
  struct terr err = { 0 };
  /* docker + runc: a bad user is the daemon's error for run (125), runc's for exec (126) */
  if (user_resolve (ls->user, ls->group_add, ls->n_group_add, "/etc/passwd", "/etc/group", &u, &err) < 0)
    launch_fail (rfd, ls->is_exec ? 126 : 125, "%s", err.msg);
  /* runc's failures to apply the set are the daemon's 125 for run, 126 for exec */
  uint64_t caps;
  if (security_caps (&ls->confine, &caps, &err) < 0)
    launch_fail (rfd, ls->is_exec ? 126 : 125, "%s", err.msg);

  const char *cwd = ls->cwd && *ls->cwd ? ls->cwd : "/";
  if (ls->create_cwd)
    {
      /* docker's daemon makes the directory before the start: its failures are 125 */
      struct stat cst;
      int made = mkdir_p (cwd, 0755);
      if ((made < 0 && (errno == ENOTDIR || errno == EEXIST))
          || (made == 0 && stat (cwd, &cst) == 0 && !S_ISDIR (cst.st_mode)))
        launch_fail (rfd, 125, "Cannot mkdir: %s is not a directory", cwd);
      if (made < 0)
        launch_fail (rfd, 125, "Cannot mkdir %s: %s", cwd, strerror (errno));
    }
  /* runc's order without no-new-privileges: the filter while CAP_SYS_ADMIN is still held */
  if (security_confine (&ls->confine, caps, &err) < 0)
    launch_fail (rfd, 126, "%s", err.msg);
  if (setgroups ((size_t) u.n_groups, u.groups) < 0)
    launch_fail (rfd, 126, "setgroups: %s", strerror (errno));
  if (setgid (u.gid) < 0)
    launch_fail (rfd, 126, "setgid %u: %s", (unsigned) u.gid, strerror (errno));
  if (setuid (u.uid) < 0)
    launch_fail (rfd, 126, "setuid %u: %s", (unsigned) u.uid, strerror (errno));
  if (security_set_caps (&ls->confine, caps, &err) < 0)
    launch_fail (rfd, 126, "%s", err.msg);
  if (ls->die_with_parent)
    prctl (PR_SET_PDEATHSIG, SIGKILL); /* the tether's death must not leave the container running */
  if (chdir (cwd) < 0)
    launch_fail (rfd, 126, "chdir to cwd (\"%s\") set in config failed: %s", cwd, strerror (errno));
  umask (022);
  /* The report socket is CLOEXEC already; this catches anything else inherited. */
  close_from (3, CLOSE_RANGE_CLOEXEC);

  size_t n_env;
  char **env = build_env (ls, &u, &n_env);
  reset_signals ();
  report_send (rfd, REPORT_EXEC, 0, real_ns (), NULL);
  char why[240];
  /* protobuf-c's repeated strings are counted, not NULL-terminated. */
  char **argv = calloc (ls->argc + 1, sizeof *argv);
  if (!argv)
    launch_fail (rfd, 126, "out of memory");
  memcpy (argv, ls->argv, ls->argc * sizeof *argv);
  struct launch_spec with_argv = *ls;
  with_argv.argv = argv;
  int code = exec_on_path (&with_argv, env, n_env, why, sizeof why);
  if (ls->is_exec && code == 127)
    code = 126; /* runc's exec reports a missing binary as 126 */
  report_send (rfd, REPORT_FAIL, code, real_ns (), why);
  _exit (code);
}
