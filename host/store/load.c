#include "load.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fdio.h"
#include "layer.h"
#include "loadplan.h"
#include "statedir.h"
#include "timefmt.h"
#include "tree.h"
#include "unpack.h"

#define PROGRESS_EVERY_MS 200 /* a progress line per layer at most 5 times a second */

/* ---- the message stream ---- */

/* One JSON message, one write: lines under PIPE_BUF from several children do
 * not interleave. */
static void emit (int fd, json_t *msg)
{
  char *s = json_dumps (msg, JSON_COMPACT);
  json_decref (msg);
  if (s == NULL)
    return;
  size_t n = strlen (s);
  char *line = realloc (s, n + 2);
  if (line == NULL)
    {
      free (s);
      return;
    }
  line[n] = '\r', line[n + 1] = '\n';
  (void) fd_write_all (fd, line, n + 2);
  free (line);
}

static void emit_stream (int fd, const char *text)
{
  emit (fd, json_pack ("{s:s}", "stream", text));
}

void load_write_error (int fd, const char *msg)
{
  emit (fd, json_pack ("{s:{s:s},s:s}", "errorDetail", "message", msg, "error", msg));
}

struct progress_ctx {
  int fd;
  const char *id;     /* the layer's short id: 12 hex digits of its diff id */
  int64_t last_ms;
  bool quiet;
};

static void on_progress (void *arg, uint64_t done, uint64_t total)
{
  struct progress_ctx *p = arg;
  int64_t now = now_mono_ms ();
  if (p->quiet || (done < total && now - p->last_ms < PROGRESS_EVERY_MS))
    return;
  p->last_ms = now;
  emit (p->fd, json_pack ("{s:s,s:{s:I,s:I},s:s}", "status", "Loading layer", "progressDetail", "current",
                          (json_int_t) done, "total", (json_int_t) total, "id", p->id));
}

/* ---- converting the layers, several at once ---- */

static unsigned parallel (void)
{
  long n = sysconf (_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 16 ? 16 : (unsigned) n;
}

/* The child's work: one layer; its error text on errfd. */
static int convert_child (const struct load_layer *l, bool quiet, int out_fd, int errfd)
{
  char src[64], diff[IMAGE_ID_LEN], path[PATH_MAX];
  snprintf (src, sizeof src, "/proc/self/fd/%d", l->fd);
  char id[13];
  snprintf (id, sizeof id, "%.12s", l->diff + 7);
  struct progress_ctx p = { .fd = out_fd, .id = id, .quiet = quiet };
  struct layer_limits lim = { 0, 0 };
  struct terr err;
  terr_clear (&err);
  if (layer_convert (src, l->diff, &lim, on_progress, &p, diff, path, sizeof path, &err) < 0)
    {
      (void) fd_write_all (errfd, err.msg, strlen (err.msg));
      return 1;
    }
  return 0;
}

struct worker {
  pid_t pid;
  int errfd;
  size_t layer;
};

/* Waits for one worker; its failure (the first) goes to err. */
static int reap_one (struct worker *w, size_t *n, struct terr *err, bool *failed)
{
  int st;
  pid_t pid;
  while ((pid = wait (&st)) < 0 && errno == EINTR)
    ;
  if (pid < 0)
    return terr_set (err, errno, "wait");
  for (size_t i = 0; i < *n; i++)
    if (w[i].pid == pid)
      {
        if (!(WIFEXITED (st) && WEXITSTATUS (st) == 0) && !*failed)
          {
            char msg[sizeof err->msg];
            ssize_t k = read (w[i].errfd, msg, sizeof msg - 1);
            msg[k > 0 ? k : 0] = '\0';
            terr_set (err, 0, "%s", k > 0 ? msg : "a layer conversion died");
            *failed = true;
          }
        close (w[i].errfd);
        w[i] = w[--*n];
        break;
      }
  return 0;
}

static int convert_all (const struct load_plan *p, bool quiet, int out_fd, struct terr *err)
{
  struct worker w[16];
  size_t running = 0, next = 0;
  unsigned max = parallel ();
  bool failed = false;
  while ((next < p->n_layers && !failed) || running > 0)
    {
      if (next < p->n_layers && !failed && running < max)
        {
          int ep[2];
          if (pipe2 (ep, O_CLOEXEC) < 0)
            return terr_set (err, errno, "pipe");
          pid_t pid = fork ();
          if (pid == 0)
            {
              close (ep[0]);
              _exit (convert_child (&p->layers[next], quiet, out_fd, ep[1]));
            }
          close (ep[1]);
          if (pid < 0)
            {
              close (ep[0]);
              return terr_set (err, errno, "fork");
            }
          w[running++] = (struct worker){ pid, ep[0], next++ };
          continue;
        }
      if (reap_one (w, &running, err, &failed) < 0)
        return -1;
    }
  return failed ? -1 : 0;
}

/* ---- the images ---- */

static int register_image (const struct load_image *img, int out_fd, struct terr *err)
{
  char id[IMAGE_ID_LEN], old[IMAGE_ID_LEN], line[REF_MAX + 400], fam[REF_MAX + 140];
  if (store_put_config (img->config, img->config_len, id, err) < 0)
    return -1;
  for (size_t t = 0; t < img->n_tags; t++)
    {
      if (store_tag (img->tags[t], id, old, err) < 0)
        return -1;
      ref_familiar_str (img->tags[t], fam, sizeof fam);
      if (old[0])
        {
          snprintf (line, sizeof line, "The image %s already exists, renaming the old one with ID %s to empty string\n",
                    fam, old);
          emit_stream (out_fd, line);
        }
      snprintf (line, sizeof line, "Loaded image: %s\n", fam);
      emit_stream (out_fd, line);
    }
  if (img->n_tags == 0)
    {
      snprintf (line, sizeof line, "Loaded image ID: %s\n", id);
      emit_stream (out_fd, line);
    }
  return 0;
}

/* A fresh directory under $TETHER_STATE_DIR/tmp (the images' file system). */
static int staging_dir (const char *what, char *out, size_t cap, struct terr *err)
{
  char tmp[PATH_MAX];
  if (state_subdir ("tmp", tmp, sizeof tmp, err) < 0)
    return -1;
  int n = snprintf (out, cap, "%.3900s/%.16s-XXXXXX", tmp, what);
  if (n < 0 || (size_t) n >= cap)
    return terr_set (err, ENAMETOOLONG, "%s", tmp);
  if (mkdtemp (out) == NULL)
    return terr_set (err, errno, "mkdtemp %s", out);
  return 0;
}

int store_load (const char *archive, bool quiet, int out_fd, struct terr *err)
{
  char stage[PATH_MAX];
  if (staging_dir ("load", stage, sizeof stage, err) < 0)
    return -1;
  static struct load_plan plan;
  int rc = -1;
  cleanup_close int root = -1; /* before the first goto: out closes it */
  if (unpack_outer (archive, stage, unpack_budget (stage), err) < 0)
    goto out;
  root = open (stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    {
      terr_set (err, errno, "open %s", stage);
      goto out;
    }
  if (load_plan_read (root, &plan, err) < 0 || convert_all (&plan, quiet, out_fd, err) < 0)
    goto out;
  for (size_t i = 0; i < plan.n_imgs; i++)
    if (register_image (&plan.imgs[i], out_fd, err) < 0)
      goto out;
  rc = 0;
out:
  load_plan_free (&plan);
  if (chdir ("/") < 0)
    (void) 0; /* unpack_outer moved into the stage; leave it before removing it */
  tree_remove (stage);
  return rc;
}

/* ---- import ---- */

int store_import (const char *archive, const char *config_json, const char *comment, const char *ref,
                  int out_fd, struct terr *err)
{
  char diff[IMAGE_ID_LEN], path[PATH_MAX], t[RFC3339_LEN];
  struct progress_ctx p = { .fd = out_fd, .id = "", .quiet = true };
  struct layer_limits lim = { 0, 0 };
  if (layer_convert (archive, NULL, &lim, on_progress, &p, diff, path, sizeof path, err) < 0)
    return -1;
  json_error_t je;
  json_t *cfg = config_json && *config_json ? json_loads (config_json, 0, &je) : json_null ();
  if (cfg == NULL)
    return terr_set (err, 0, "the image config: %s", je.text);
  fmt_rfc3339 (now_real_ns (), t);
  json_t *img = json_pack ("{s:s,s:s,s:s,s:o,s:s,s:{s:s,s:[s]},s:[{s:s,s:s}]}", "architecture", "amd64", "os",
                           "linux", "created", t, "config", cfg, "comment", comment ? comment : "", "rootfs",
                           "type", "layers", "diff_ids", diff, "history", "created", t, "comment",
                           comment && *comment ? comment : "Imported from -");
  char *bytes = img ? json_dumps (img, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref (img);
  if (bytes == NULL)
    return terr_set (err, ENOMEM, "the image config");
  char id[IMAGE_ID_LEN], old[IMAGE_ID_LEN];
  int rc = store_put_config (bytes, strlen (bytes), id, err);
  free (bytes);
  if (rc == 0 && ref && *ref)
    rc = store_tag (ref, id, old, err);
  if (rc == 0)
    emit (out_fd, json_pack ("{s:s}", "status", id));
  return rc;
}
