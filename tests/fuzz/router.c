/* libFuzzer target for tetherd's request router and handlers with their JSON
 * bodies, in process (host/docker/router.c and the routes; no HTTP library, no
 * socket): api_route as server.c calls it, with the method, path, query and
 * body from the input.
 *
 * Input: a byte choosing the method, the path up to '\n', the query
 * ("k=v&k=v", undecoded) up to '\n', then the body.
 *
 * The state dir is a private tmpfs directory with one image (busybox:latest,
 * one layer whose disk is an empty file), so create, run and the image routes get past "no such image" to
 * their own validation. Nothing is spawned: fork and posix_spawn fail (wrapped
 * at link time, mk/fuzz.mk), so a route that needs an endpoint, a VM or a tool
 * (mke2fs for a volume) ends in its error path, and a deferred job (jobs.h) is
 * released unstarted. After each input the containers and volumes made are
 * removed and the image store put back, so inputs do not see each other. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_tmpdir.h"
#include "jobs.h"
#include "loop.h"
#include "mkdirp.h"
#include "ref.h"
#include "router.h"
#include "routes.h"
#include "statedir.h"
#include "store.h"
#include "vmstate.h"

#define CHECK(cond) \
  do { \
    if (!(cond)) \
      abort (); \
  } while (0)

/* Only setup spawns (busybox and mke2fs build the built-in image's layer once). */
static bool spawn_allowed;

pid_t __real_fork (void);
pid_t __wrap_fork (void)
{
  if (spawn_allowed)
    return __real_fork ();
  errno = EAGAIN;
  return -1;
}

int __real_posix_spawn (pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                        const posix_spawnattr_t *at, char *const argv[], char *const envp[]);
int __wrap_posix_spawn (pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                        const posix_spawnattr_t *at, char *const argv[], char *const envp[])
{
  if (spawn_allowed)
    return __real_posix_spawn (pid, path, fa, at, argv, envp);
  return EAGAIN;
}

/* One layer, its disk an empty file: no route boots it. */
#define LAYER_HEX "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
static const char IMAGE_CONFIG[] =
  "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-02T03:04:05.123456789Z\","
  "\"config\":{\"Cmd\":[\"sh\"],\"Env\":[\"PATH=/usr/bin:/bin\"],\"WorkingDir\":\"/\","
  "\"Labels\":{\"a\":\"b\"},\"ExposedPorts\":{\"80/tcp\":{}},\"Volumes\":{\"/data\":{}}},"
  "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" LAYER_HEX "\"]}}";

static char top[64], tags_path[PATH_MAX], config_file[PATH_MAX], ctr_pb[VM_PATH_MAX + 16];
static char *tags_saved, *ctr_saved;
static size_t tags_saved_len, ctr_saved_len;

/* One exited container, "web", so the routes on a container get past "no such
 * container" (start and the like then fail to spawn its endpoint). */
#define CTR_ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* The file's bytes (malloc'd, its size from fstat: a big buffer per input
 * would cost ASan a fresh mapping each time). */
static char *slurp (const char *path, size_t *len)
{
  FILE *f = fopen (path, "re");
  if (f == NULL)
    return NULL;
  struct stat st;
  char *buf = fstat (fileno (f), &st) == 0 ? malloc ((size_t) st.st_size + 1) : NULL;
  *len = buf ? fread (buf, 1, (size_t) st.st_size, f) : 0;
  fclose (f);
  return buf;
}

static void put_image (void)
{
  char id[IMAGE_ID_LEN], old[IMAGE_ID_LEN], ref[REF_MAX + 140], why[256];
  struct terr err = { 0 };
  struct image_ref r;
  char dir[PATH_MAX], disk[PATH_MAX + 80];
  CHECK (state_images_dir (dir, sizeof dir, &err) == 0);
  snprintf (disk, sizeof disk, "%s/%s.vmdk", dir, LAYER_HEX);
  FILE *f = fopen (disk, "we");
  CHECK (f != NULL);
  fclose (f);
  CHECK (store_put_config (IMAGE_CONFIG, sizeof IMAGE_CONFIG - 1, id, &err) == 0);
  CHECK (ref_parse ("busybox:latest", &r, why, sizeof why) == 0);
  ref_full (&r, ref, sizeof ref);
  CHECK (store_tag (ref, id, old, &err) == 0);
  snprintf (tags_path, sizeof tags_path, "%s/tags.json", dir);
  snprintf (config_file, sizeof config_file, "%s/configs/%s.json", dir, id + 7);
}

static void put_container (void)
{
  static char *argv[] = { (char *) "sh", (char *) "-c", (char *) "exit 3" };
  static char *env[] = { (char *) "PATH=/bin", (char *) "A=b" };
  static char *labels[] = { (char *) "k=v" };
  ContainerConfig cfg = CONTAINER_CONFIG__INIT;
  cfg.id = (char *) CTR_ID;
  cfg.name = (char *) "web";
  cfg.n_argv = 3, cfg.argv = argv;
  cfg.n_env = 2, cfg.env = env;
  cfg.n_labels = 1, cfg.labels = labels;
  cfg.image = (char *) "busybox";
  static struct vm_ctr v;
  memset (&v, 0, sizeof v);
  struct terr err = { 0 };
  CHECK (vm_ctr_paths (&v, CTR_ID, &err) == 0);
  CHECK (mkdir_p (v.dir, 0700) == 0);
  v.cfg = &cfg;
  container_info__init (&v.info);
  v.info.config = &cfg;
  v.info.status = (char *) "exited";
  v.info.exit_code = 3;
  v.info.created_ns = 1700000000000000000;
  v.info.started_ns = 1700000001000000000;
  v.info.finished_ns = 1700000002000000000;
  v.info.run = 1;
  v.info.error = v.error;
  snprintf (v.accel, sizeof v.accel, "tcg");
  CHECK (vm_state_save (&v, &err) == 0);
  snprintf (ctr_pb, sizeof ctr_pb, "%s/state.pb", v.dir);
}

static void watch_paths (void);

static void setup (void)
{
  snprintf (top, sizeof top, "%s", fuzz_tmpdir ("router"));
  setenv ("TETHER_STATE_DIR", top, 1);
  setenv ("TETHER_RUN_DIR", top, 1);
  struct terr err = { 0 };
  CHECK (state_dir_make (&err) == 0);
  CHECK (loop_init (&err) == 0);
  put_image ();
  tags_saved = slurp (tags_path, &tags_saved_len);
  CHECK (tags_saved != NULL);
  put_container ();
  ctr_saved = slurp (ctr_pb, &ctr_saved_len);
  CHECK (ctr_saved != NULL);
  /* The built-in image's layer, built here once as tetherd builds it on first
   * use: otherwise every route naming busybox would copy busybox into the
   * store and fail to spawn its applet list, input after input (a third of
   * the target's time). Without busybox-static it fails fast instead. */
  spawn_allowed = true;
  if (image_builtin_layer (&err) == NULL)
    setenv ("TETHER_BUSYBOX", "/nonexistent/busybox", 1);
  spawn_allowed = false;
  watch_paths ();
}

/* Entries of the containers directory. */
static int count_entries (char *dir)
{
  struct terr err = { 0 };
  if (state_containers_dir (dir, PATH_MAX, &err) < 0)
    return -1;
  DIR *d = opendir (dir);
  int n = 0;
  for (struct dirent *e; d && (e = readdir (d)) != NULL;)
    n += e->d_name[0] != '.';
  if (d)
    closedir (d);
  return n;
}

/* stat of everything an input may change, to skip restore when nothing did
 * (a few stats instead of reading and comparing files). */
#define N_WATCHED 7
static char watched[N_WATCHED][PATH_MAX + 32];
static struct timespec fingerprint[N_WATCHED][2];

static bool unchanged (bool save)
{
  bool same = true;
  for (int i = 0; i < N_WATCHED; i++)
    {
      struct stat st;
      struct timespec now[2] = { { 0, 0 }, { 0, 0 } };
      if (stat (watched[i], &st) == 0)
        now[0] = st.st_mtim, now[1] = (struct timespec) { (time_t) st.st_ino, (long) (st.st_size & 0x3fffffff) };
      same &= memcmp (now, fingerprint[i], sizeof now) == 0;
      if (save)
        memcpy (fingerprint[i], now, sizeof now);
    }
  return same;
}

static void watch_paths (void)
{
  char d[PATH_MAX];
  struct terr err = { 0 };
  int i = 0;
  CHECK (state_containers_dir (d, sizeof d, &err) == 0);
  snprintf (watched[i++], sizeof watched[0], "%s", d);
  snprintf (watched[i++], sizeof watched[0], "%s/%s", d, CTR_ID);
  snprintf (watched[i++], sizeof watched[0], "%s", ctr_pb);
  CHECK (state_volumes_dir (d, sizeof d, &err) == 0);
  snprintf (watched[i++], sizeof watched[0], "%s", d);
  CHECK (state_images_dir (d, sizeof d, &err) == 0);
  snprintf (watched[i++], sizeof watched[0], "%s", d);
  snprintf (watched[i++], sizeof watched[0], "%s", tags_path);
  snprintf (watched[i++], sizeof watched[0], "%s", config_file);
  unchanged (true);
}

static void restore (void)
{
  if (unchanged (false))
    return;
  char dir[PATH_MAX];
  struct terr err = { 0 };
  size_t len;
  char *now = slurp (ctr_pb, &len);
  bool same = now && len == ctr_saved_len && memcmp (now, ctr_saved, len) == 0;
  free (now);
  if (!same || count_entries (dir) != 1)
    {
      if (state_containers_dir (dir, sizeof dir, &err) == 0)
        fuzz_empty_dir (dir);
      put_container ();
    }
  if (state_volumes_dir (dir, sizeof dir, &err) == 0)
    fuzz_empty_dir (dir);
  now = slurp (tags_path, &len);
  struct stat st;
  if (now == NULL || len != tags_saved_len || memcmp (now, tags_saved, len) != 0 || stat (config_file, &st) < 0)
    put_image (), unlink (tags_path), put_image ();
  free (now);
  unchanged (true);
}

struct query {
  char buf[4096];
  const char *k[32], *v[32];
  int n;
};

static const char *arg (void *ctx, const char *key)
{
  struct query *q = ctx;
  for (int i = 0; i < q->n; i++)
    if (strcmp (q->k[i], key) == 0)
      return q->v[i];
  return NULL;
}

static void parse_query (struct query *q, const uint8_t *p, size_t n)
{
  if (n >= sizeof q->buf)
    n = sizeof q->buf - 1;
  memcpy (q->buf, p, n);
  q->buf[n] = '\0';
  q->n = 0;
  for (char *save, *kv = strtok_r (q->buf, "&", &save); kv && q->n < 32; kv = strtok_r (NULL, "&", &save))
    {
      char *eq = strchr (kv, '=');
      if (eq)
        *eq++ = '\0';
      q->k[q->n] = kv;
      q->v[q->n++] = eq ? eq : "";
    }
}

/* A line of the input up to '\n' as a string in out. */
static const uint8_t *line (const uint8_t *p, const uint8_t *end, char *out, size_t cap)
{
  const uint8_t *nl = memchr (p, '\n', (size_t) (end - p));
  size_t n = (size_t) ((nl ? nl : end) - p);
  size_t k = n < cap ? n : cap - 1;
  memcpy (out, p, k);
  out[k] = '\0';
  return nl ? nl + 1 : end;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static bool ready;
  if (!ready)
    {
      setup ();
      ready = true;
    }
  if (size < 1)
    return 0;
  static const char *const methods[] = { "GET", "POST", "DELETE", "HEAD", "PUT" };
  const uint8_t *p = data + 1, *end = data + size;
  char url[2048];
  p = line (p, end, url, sizeof url);
  const uint8_t *qs = p;
  const uint8_t *nl = memchr (p, '\n', (size_t) (end - p));
  p = nl ? nl + 1 : end;
  struct query q;
  parse_query (&q, qs, (size_t) ((nl ? nl : end) - qs));
  /* server.c bounds the body and hands it over without a terminator */
  size_t body_len = (size_t) (end - p);
  char *body = malloc (body_len ? body_len : 1);
  CHECK (body != NULL);
  memcpy (body, p, body_len);

  struct api_req req = { .method = methods[data[0] % 5], .url = url, .arg = arg, .arg_ctx = &q,
                         .body = body, .body_len = body_len };
  struct api_reply rep;
  memset (&rep, 0, sizeof rep);
  api_route (&req, &rep);
  CHECK (rep.job != NULL || (rep.status >= 100 && rep.status <= 599)); /* a job's comes when it ends */
  CHECK (rep.job != NULL || rep.content_type != NULL);
  if (getenv ("FUZZ_LOG"))
    fprintf (stderr, "%s %s -> %d%s %.*s\n", req.method, url, rep.status, rep.job ? " (job)" : "",
             (int) (rep.len < 300 ? rep.len : 300), rep.body ? rep.body : "");
  if (rep.job)
    {
      job_release (rep.job);
      loop_run_once (); /* its free is a 0 ms timer, as in tetherd's loop */
    }
  api_reply_free (&rep);
  free (body);
  restore ();
  return 0;
}
