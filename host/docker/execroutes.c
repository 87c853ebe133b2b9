/* docker exec: create (POST /containers/{id}/exec) writes the exec's request
 * under containers/ID/execs/EID.json (tetherd keeps nothing that is not on
 * disk); start (POST /exec/{eid}/start) runs it through the container's
 * endpoint with tetherctl's exec session in a job, hijacked unless detached;
 * inspect (GET /exec/{eid}/json) reads the file, whose ExitCode the job writes
 * before it closes the socket (the CLI asks for it at once). */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgcheck.h"
#include "cli.h"
#include "conn.h"
#include "epspawn.h"
#include "jobs.h"
#include "mkdirp.h"
#include "routes.h"
#include "runopts.h"
#include "statedir.h"
#include "vmrun.h"
#include "vmstate.h"

#define CT_MUX "application/vnd.docker.multiplexed-stream"
#define CT_RAW "application/vnd.docker.raw-stream"
#define EXEC_MAX_ARGS 4096

static int exec_path (char *buf, size_t cap, const char *cid, const char *eid)
{
  int n = snprintf (buf, cap, "%s/containers/%s/execs/%s.json", state_dir (), cid, eid);
  return n > 0 && (size_t) n < cap ? 0 : -1;
}

/* Written whole or not at all (tmp, rename). */
static int exec_save (const char *path, json_t *o)
{
  char tmp[VM_PATH_MAX + 200];
  snprintf (tmp, sizeof tmp, "%s.tmp", path);
  if (json_dump_file (o, tmp, JSON_COMPACT) < 0)
    return -1;
  return rename (tmp, path);
}

/* The container an exec id belongs to: the one whose execs/ holds it. */
bool exec_find (const char *eid, char cid[65], char *path, size_t cap)
{
  if (strlen (eid) != 64 || strspn (eid, "0123456789abcdef") != 64)
    return false;
  char dir[VM_PATH_MAX];
  snprintf (dir, sizeof dir, "%s/containers", state_dir ());
  DIR *d = opendir (dir);
  if (d == NULL)
    return false;
  bool found = false;
  struct dirent *de;
  while (!found && (de = readdir (d)) != NULL)
    if (strlen (de->d_name) == 64 && exec_path (path, cap, de->d_name, eid) == 0 && access (path, F_OK) == 0)
      {
        memcpy (cid, de->d_name, 65); /* 64 hex and the NUL, checked above */
        found = true;
      }
  closedir (d);
  return found;
}

static bool str_array (json_t *a, size_t max)
{
  if (a == NULL || json_is_null (a))
    return true;
  if (!json_is_array (a) || json_array_size (a) > max)
    return false;
  size_t i;
  json_t *v;
  json_array_foreach (a, i, v)
  if (!json_is_string (v))
    return false;
  return true;
}

void route_exec_create (struct api_req *req, struct api_reply *rep)
{
  char cid[65];
  ContainerInfo *ci = NULL;
  if (!ctr_lookup (req, rep, cid, &ci))
    return;
  bool running = ci->status && strcmp (ci->status, "running") == 0;
  container_info__free_unpacked (ci, NULL);
  if (!running)
    {
      api_reply_error (rep, 409, "Container %s is not running", cid);
      return;
    }
  json_error_t je;
  json_t *b = json_loadb (req->body ? req->body : "", req->body_len, 0, &je);
  if (!json_is_object (b))
    {
      api_reply_error (rep, 400, "invalid exec request: %s", b ? "not a JSON object" : je.text);
      json_decref (b);
      return;
    }
  json_t *cmd = json_object_get (b, "Cmd"), *env = json_object_get (b, "Env");
  const char *user = json_string_value (json_object_get (b, "User"));
  const char *wd = json_string_value (json_object_get (b, "WorkingDir"));
  if (!str_array (cmd, EXEC_MAX_ARGS) || json_array_size (cmd) == 0)
    api_reply_error (rep, 400, "No exec command specified");
  else if (!str_array (env, EXEC_MAX_ARGS))
    api_reply_error (rep, 400, "invalid exec request: Env must be a list of strings");
  else if (wd && *wd && !cfg_cwd_valid (wd))
    api_reply_error (rep, 400, "the working directory '%s' is invalid, it needs to be an absolute path", wd);
  else
    {
      char eid[65], path[VM_PATH_MAX + 160];
      if (cli_random_id (eid) < 0 || exec_path (path, sizeof path, cid, eid) < 0)
        {
          api_reply_error (rep, 500, "no exec id");
          json_decref (b);
          return;
        }
      char dir[VM_PATH_MAX + 160];
      snprintf (dir, sizeof dir, "%s/containers/%s/execs", state_dir (), cid);
      mkdir_p (dir, 0700);
      json_t *rec = json_pack ("{s:s, s:s, s:O, s:O, s:s, s:s, s:b, s:b, s:b, s:o, s:b, s:i}", "ID", eid, "ContainerID",
                               cid, "Cmd", cmd, "Env", env ? env : json_null (), "User", user ? user : "",
                               "WorkingDir", wd ? wd : "", "Tty", json_is_true (json_object_get (b, "Tty")),
                               "OpenStdin", json_is_true (json_object_get (b, "AttachStdin")), "Running", 0,
                               "ExitCode", json_null (), "Started", 0, "Pid", 0);
      if (rec && json_is_true (json_object_get (b, "Privileged")))
        json_object_set_new (rec, "Privileged", json_true ()); /* exec --privileged: every capability */
      json_t *cs = json_object_get (b, "ConsoleSize");
      json_int_t rows = json_integer_value (json_array_get (cs, 0)), cols = json_integer_value (json_array_get (cs, 1));
      if (rec && json_is_array (cs) && json_array_size (cs) == 2 && rows >= 0 && rows <= 65535 && cols >= 0
          && cols <= 65535)
        json_object_set (rec, "ConsoleSize", cs);
      if (rec == NULL || exec_save (path, rec) < 0)
        api_reply_error (rep, 500, "cannot record the exec: %s", strerror (errno));
      else
        {
          struct json j;
          json_init (&j, 0);
          json_obj_begin (&j);
          json_kstr (&j, "Id", eid);
          json_obj_end (&j);
          api_reply_json (rep, 201, &j);
          json_free (&j);
        }
      json_decref (rec);
    }
  json_decref (b);
}

struct exec_arg {
  char cid[65], path[VM_PATH_MAX + 160];
  bool detach;
};

/* cli_err's lines in the client's stream, as docker writes an exec's launch
 * error there: a stdout frame, or raw bytes with a tty. */
static bool sink_frames;
static void err_to_stream (const char *line)
{
  char buf[600];
  int n = snprintf (buf, sizeof buf, "%s\n", line);
  if (n <= 0)
    return;
  if (sink_frames)
    {
      uint8_t h[8] = { 1, 0, 0, 0, 0, 0, (uint8_t) (n >> 8), (uint8_t) n };
      if (write (STDOUT_FILENO, h, sizeof h) < 0)
        return;
    }
  if (write (STDOUT_FILENO, buf, (size_t) n) < 0)
    return;
}

static int exec_run (void *p)
{
  struct exec_arg *a = p;
  json_error_t je;
  json_t *rec = json_load_file (a->path, 0, &je);
  if (rec == NULL)
    return fprintf (stderr, "exec: %s\n", je.text), 1;
  struct run_opts o;
  memset (&o, 0, sizeof o);
  json_t *cmd = json_object_get (rec, "Cmd"), *env = json_object_get (rec, "Env");
  size_t n = json_array_size (cmd), ne = json_array_size (env);
  char **argv = calloc (n + 1, sizeof *argv), **envv = calloc (ne + 1, sizeof *envv);
  if (argv == NULL || envv == NULL)
    return fprintf (stderr, "exec: out of memory\n"), 1;
  for (size_t i = 0; i < n; i++)
    argv[i] = (char *) json_string_value (json_array_get (cmd, i));
  for (size_t i = 0; i < ne; i++)
    envv[i] = (char *) json_string_value (json_array_get (env, i));
  o.env = envv;
  o.n_env = ne;
  o.user = json_string_value (json_object_get (rec, "User"));
  o.cwd = json_string_value (json_object_get (rec, "WorkingDir"));
  if (o.cwd && *o.cwd == '\0')
    o.cwd = NULL;
  o.tty = json_is_true (json_object_get (rec, "Tty"));
  o.interactive = json_is_true (json_object_get (rec, "OpenStdin")) && !a->detach;
  o.detach = a->detach;
  o.privileged = json_is_true (json_object_get (rec, "Privileged"));
  o.docker_frames = !o.tty;
  o.exec_id = json_string_value (json_object_get (rec, "ID")); /* so a resize can name the session */
  json_t *cs = json_object_get (rec, "ConsoleSize");
  o.rows = (unsigned) json_integer_value (json_array_get (cs, 0));
  o.cols = (unsigned) json_integer_value (json_array_get (cs, 1));
  sink_frames = o.docker_frames;
  cli_err_sink = a->detach ? NULL : err_to_stream;
  json_object_set_new (rec, "Running", json_true ());
  json_object_set_new (rec, "Started", json_true ());
  exec_save (a->path, rec);
  char addr[200];
  int code = 126;
  struct conn *c = endpoint_ensure (a->cid, addr, sizeof addr) ? cli_connect (&(struct cli) { .host = addr }) : NULL;
  if (c == NULL)
    err_to_stream ("the container is not running");
  else
    code = exec_over (c, &o, a->cid, argv, n);
  /* the CLI asks for the code as soon as the stream ends: record it first */
  json_object_set_new (rec, "Running", json_false ());
  json_object_set_new (rec, "ExitCode", json_integer (code));
  exec_save (a->path, rec);
  json_decref (rec);
  fflush (stdout);
  shutdown (STDOUT_FILENO, SHUT_WR);
  return 0;
}

static void exec_detached_done (void *p, int code, const char *out, size_t out_len, const char *err,
                                struct api_reply *rep)
{
  (void) p, (void) code, (void) out, (void) out_len, (void) err;
  api_reply_text (rep, 200, "");
}

void route_exec_start (struct api_req *req, struct api_reply *rep)
{
  struct exec_arg *a = calloc (1, sizeof *a);
  if (a == NULL)
    {
      api_reply_error (rep, 500, "out of memory");
      return;
    }
  if (!exec_find (req->param, a->cid, a->path, sizeof a->path))
    {
      api_reply_error (rep, 404, "No such exec instance: %s", req->param);
      free (a);
      return;
    }
  json_t *b = json_loadb (req->body ? req->body : "", req->body_len, 0, NULL);
  a->detach = json_is_true (json_object_get (b, "Detach"));
  json_decref (b);
  json_t *rec = json_load_file (a->path, 0, NULL);
  bool started = json_is_true (json_object_get (rec, "Started"));
  bool tty = json_is_true (json_object_get (rec, "Tty"));
  json_decref (rec);
  if (started)
    {
      api_reply_error (rep, 409, "Error: Exec command %s is already running", req->param);
      free (a);
      return;
    }
  /* taken now, in the loop: a second start right after must see it */
  json_t *mark = json_load_file (a->path, 0, NULL);
  if (mark)
    {
      json_object_set_new (mark, "Started", json_true ());
      exec_save (a->path, mark);
      json_decref (mark);
    }
  if (a->detach)
    {
      job_defer (rep, &(struct job_spec) { .run = exec_run, .done = exec_detached_done, .arg = a });
      return;
    }
  job_defer (rep, &(struct job_spec) { .run = exec_run, .arg = a, .hijack = true });
  if (rep->job)
    rep->status = 101, rep->content_type = tty ? CT_RAW : CT_MUX;
}

void route_exec_inspect (struct api_req *req, struct api_reply *rep)
{
  char cid[65], path[VM_PATH_MAX + 160];
  if (!exec_find (req->param, cid, path, sizeof path))
    {
      api_reply_error (rep, 404, "No such exec instance: %s", req->param);
      return;
    }
  json_t *rec = json_load_file (path, 0, NULL);
  if (rec == NULL)
    {
      api_reply_error (rep, 500, "cannot read the exec's record");
      return;
    }
  struct json j;
  json_init (&j, 0);
  json_obj_begin (&j);
  json_kstr (&j, "ID", req->param);
  json_kbool (&j, "Running", json_is_true (json_object_get (rec, "Running")));
  json_t *ec = json_object_get (rec, "ExitCode");
  json_key (&j, "ExitCode");
  if (json_is_integer (ec))
    json_int (&j, json_integer_value (ec));
  else
    json_write_null (&j);
  json_kbool (&j, "OpenStdin", json_is_true (json_object_get (rec, "OpenStdin")));
  json_kstr (&j, "ContainerID", cid);
  json_kint (&j, "Pid", 0);
  json_obj_end (&j);
  json_decref (rec);
  api_reply_json (rep, 200, &j);
  json_free (&j);
}
