/* /_ping, /version, /info: what the docker CLI asks before anything else, and
 * what `docker version` and `docker info` print. */
#include "routes.h"
#include "store.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ctrlist.h"
#include "fdio.h"
#include "json.h"
#include "statedir.h"

#define ENGINE_ID_LEN 36 /* a UUID, as dockerd's engine-id file */

static char engine_id[ENGINE_ID_LEN + 1];

static int read_engine_id (const char *path)
{
  char buf[ENGINE_ID_LEN + 2];
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = fd_read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n < ENGINE_ID_LEN)
    return -1;
  buf[ENGINE_ID_LEN] = '\0';
  if (strspn (buf, "0123456789abcdef-") != ENGINE_ID_LEN)
    return -1;
  memcpy (engine_id, buf, sizeof engine_id);
  return 0;
}

int sys_init (struct terr *err)
{
  char path[4096], tmp[4200];
  if (state_dir_make (err) < 0)
    return -1;
  snprintf (path, sizeof path, "%s/engine-id", state_dir ());
  if (read_engine_id (path) == 0)
    return 0;
  unsigned char r[16];
  if (getrandom (r, sizeof r, 0) != (ssize_t) sizeof r)
    return terr_set (err, errno, "getrandom");
  r[6] = (unsigned char) ((r[6] & 0x0f) | 0x40); /* version 4 */
  r[8] = (unsigned char) ((r[8] & 0x3f) | 0x80); /* RFC 4122 variant */
  snprintf (engine_id, sizeof engine_id,
            "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4],
            r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
  /* written once, atomically: a second tetherd must read the same id */
  snprintf (tmp, sizeof tmp, "%s.tmp.%d", path, (int) getpid ());
  int fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return terr_set (err, errno, "create %s", tmp);
  char line[ENGINE_ID_LEN + 2];
  snprintf (line, sizeof line, "%s\n", engine_id);
  int bad = fd_write_all (fd, line, strlen (line)) < 0 || fsync (fd) < 0;
  close (fd);
  if (bad || rename (tmp, path) < 0)
    {
      terr_set (err, errno, "write %s", path);
      unlink (tmp);
      return -1;
    }
  return 0;
}

/* Go's GOARCH for uname's machine, as dockerd reports Arch. */
static const char *go_arch (const char *machine)
{
  if (strcmp (machine, "x86_64") == 0)
    return "amd64";
  if (strcmp (machine, "aarch64") == 0)
    return "arm64";
  return machine;
}

/* A value of /etc/os-release (quotes dropped), or fallback. */
static const char *os_release (const char *key, char *out, size_t cap, const char *fallback)
{
  char buf[4096];
  snprintf (out, cap, "%s", fallback);
  int fd = open ("/etc/os-release", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return out;
  ssize_t n = fd_read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return out;
  buf[n] = '\0';
  size_t kl = strlen (key);
  for (char *line = buf; line && *line; line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL)
    if (strncmp (line, key, kl) == 0 && line[kl] == '=')
      {
        char *v = line + kl + 1;
        size_t vl = strcspn (v, "\n");
        if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0])
          v++, vl -= 2;
        snprintf (out, cap, "%.*s", (int) vl, v);
        break;
      }
  return out;
}

void route_ping (struct api_req *req, struct api_reply *rep)
{
  /* HEAD: dockerd sends Content-Length 0 and no body */
  api_reply_text (rep, 200, strcmp (req->method, "HEAD") == 0 ? "" : "OK");
  rep->is_ping = true;
}

void route_version (struct api_req *req, struct api_reply *rep)
{
  (void) req;
  struct utsname u;
  uname (&u);
  const char *arch = go_arch (u.machine);
  struct json j;
  json_init (&j, 0);
  json_obj_begin (&j);
  json_key (&j, "Platform");
  json_obj_begin (&j);
  json_kstr (&j, "Name", "tether");
  json_obj_end (&j);
  json_key (&j, "Components");
  json_arr_begin (&j);
  json_obj_begin (&j);
  json_kstr (&j, "Name", "Engine");
  json_kstr (&j, "Version", TETHERD_VERSION);
  json_key (&j, "Details");
  json_obj_begin (&j);
  json_kstr (&j, "ApiVersion", API_VERSION);
  json_kstr (&j, "Arch", arch);
  json_kstr (&j, "BuildTime", "");
  json_kstr (&j, "Experimental", "false");
  json_kstr (&j, "GitCommit", "");
  json_kstr (&j, "GoVersion", "");
  json_kstr (&j, "KernelVersion", u.release);
  json_kstr (&j, "MinAPIVersion", API_MIN_VERSION);
  json_kstr (&j, "Os", "linux");
  json_obj_end (&j);
  json_obj_end (&j);
  json_arr_end (&j);
  json_kstr (&j, "Version", TETHERD_VERSION);
  json_kstr (&j, "ApiVersion", API_VERSION);
  json_kstr (&j, "MinAPIVersion", API_MIN_VERSION);
  json_kstr (&j, "GitCommit", "");
  json_kstr (&j, "GoVersion", "");
  json_kstr (&j, "Os", "linux");
  json_kstr (&j, "Arch", arch);
  json_kstr (&j, "KernelVersion", u.release);
  json_kstr (&j, "BuildTime", "");
  json_obj_end (&j);
  api_reply_json (rep, 200, &j);
  json_free (&j);
}

static void empty_array (struct json *j, const char *key)
{
  json_key (j, key);
  json_arr_begin (j);
  json_arr_end (j);
}

static void commit_object (struct json *j, const char *key)
{
  json_key (j, key);
  json_obj_begin (j);
  json_kstr (j, "ID", "");
  json_obj_end (j);
}

/* The feature flags dockerd reports from cgroups. A container here is a VM:
 * memory and CPUs are the VM's size, nothing else is enforced. */
static void limits_write (struct json *j)
{
  static const char *const yes[] = { "MemoryLimit", "CpuCfsQuota" };
  static const char *const no[] = { "SwapLimit", "KernelMemoryTCP", "CpuCfsPeriod", "CPUShares", "CPUSet",
                                    "PidsLimit", "OomKillDisable", "IPv4Forwarding", "BridgeNfIptables",
                                    "BridgeNfIp6tables" };
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
    json_kbool (j, yes[i], 1);
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
    json_kbool (j, no[i], 0);
}

/* The store's images, and the built-in one unless a loaded busybox:latest hides it. */
static size_t image_count (void)
{
  return store_count () + (image_builtin_used ("busybox:latest") ? 1 : 0);
}

void route_info (struct api_req *req, struct api_reply *rep)
{
  (void) req;
  struct ctr_list l;
  struct terr err;
  if (ctr_list_load (&l, &err) < 0)
    {
      api_reply_error (rep, 500, "%s", err.msg);
      return;
    }
  size_t running = 0;
  for (size_t i = 0; i < l.n; i++)
    running += ctr_is_running (l.items[i]) != 0;
  struct utsname u;
  uname (&u);
  struct sysinfo si;
  int64_t mem = sysinfo (&si) == 0 ? (int64_t) si.totalram * si.mem_unit : 0;
  char os[256], osver[64];
  struct json j;
  json_init (&j, 0);
  json_obj_begin (&j);
  json_kstr (&j, "ID", engine_id);
  json_kint (&j, "Containers", (int64_t) l.n);
  json_kint (&j, "ContainersRunning", (int64_t) running);
  json_kint (&j, "ContainersPaused", 0);
  json_kint (&j, "ContainersStopped", (int64_t) (l.n - running));
  json_kint (&j, "Images", (int64_t) image_count ());
  json_kstr (&j, "Driver", "tether-vmdk");
  json_key (&j, "DriverStatus");
  json_arr_begin (&j);
  json_arr_begin (&j);
  json_str (&j, "Layers");
  json_str (&j, "one read-only ext4 VMDK per layer");
  json_arr_end (&j);
  json_arr_end (&j);
  json_key (&j, "Plugins");
  json_obj_begin (&j);
  empty_array (&j, "Volume");
  empty_array (&j, "Network");
  json_key (&j, "Authorization");
  json_write_null (&j);
  empty_array (&j, "Log");
  json_obj_end (&j);
  limits_write (&j);
  json_kbool (&j, "Debug", 0);
  json_kint (&j, "NFd", 0);
  json_kint (&j, "NGoroutines", 0);
  json_kstr (&j, "SystemTime", "");
  json_kstr (&j, "LoggingDriver", "tether");
  json_kstr (&j, "CgroupDriver", "none");
  json_kstr (&j, "CgroupVersion", "");
  json_kint (&j, "NEventsListener", 0);
  json_kstr (&j, "KernelVersion", u.release);
  json_kstr (&j, "OperatingSystem", os_release ("PRETTY_NAME", os, sizeof os, "Linux"));
  json_kstr (&j, "OSVersion", os_release ("VERSION_ID", osver, sizeof osver, ""));
  json_kstr (&j, "OSType", "linux");
  json_kstr (&j, "Architecture", u.machine);
  json_kstr (&j, "IndexServerAddress", "https://index.docker.io/v1/");
  json_kint (&j, "NCPU", sysconf (_SC_NPROCESSORS_ONLN));
  json_kint (&j, "MemTotal", mem);
  json_kstr (&j, "DockerRootDir", state_dir ());
  json_kstr (&j, "HttpProxy", "");
  json_kstr (&j, "HttpsProxy", "");
  json_kstr (&j, "NoProxy", "");
  json_kstr (&j, "Name", u.nodename);
  empty_array (&j, "Labels");
  json_kbool (&j, "ExperimentalBuild", 0);
  json_kstr (&j, "ServerVersion", TETHERD_VERSION);
  json_key (&j, "Runtimes");
  json_obj_begin (&j);
  json_key (&j, "tether-vm");
  json_obj_begin (&j);
  json_kstr (&j, "path", "qemu-system-x86_64");
  json_obj_end (&j);
  json_obj_end (&j);
  json_kstr (&j, "DefaultRuntime", "tether-vm");
  json_key (&j, "Swarm");
  json_obj_begin (&j);
  json_kstr (&j, "NodeID", "");
  json_kstr (&j, "NodeAddr", "");
  json_kstr (&j, "LocalNodeState", "inactive");
  json_kbool (&j, "ControlAvailable", 0);
  json_kstr (&j, "Error", "");
  json_key (&j, "RemoteManagers");
  json_write_null (&j);
  json_obj_end (&j);
  /* a restarted tetherd finds its containers running: they belong to their endpoints */
  json_kbool (&j, "LiveRestoreEnabled", 1);
  json_kstr (&j, "Isolation", "");
  json_kstr (&j, "InitBinary", "");
  commit_object (&j, "ContainerdCommit");
  commit_object (&j, "RuncCommit");
  commit_object (&j, "InitCommit");
  /* dockerd's form: each container gets docker's default profile unless told otherwise */
  json_key (&j, "SecurityOptions");
  json_arr_begin (&j);
  json_str (&j, "name=seccomp,profile=default");
  json_arr_end (&j);
  /* Not empty on purpose: the CLI prints dockerd's legacy cgroup warnings when
   * Warnings is empty; this one says what is true here. */
  json_key (&j, "Warnings");
  json_arr_begin (&j);
  json_str (&j, "WARNING: tetherd serves part of the Engine API: containers, exec, logs, volumes and "
                "images (load, import, tag, rmi; no registry, no build), no networks");
  if (l.unreadable || l.over_cap)
    {
      char w[160];
      snprintf (w, sizeof w, "WARNING: %zu container records unreadable, %zu past the cap of %d", l.unreadable,
                l.over_cap, API_MAX_CONTAINERS);
      json_str (&j, w);
    }
  json_arr_end (&j);
  json_obj_end (&j);
  ctr_list_free (&l);
  api_reply_json (rep, 200, &j);
  json_free (&j);
}
