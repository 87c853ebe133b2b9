/* libFuzzer target for the image manifest and config parsers: what
 * `docker load` reads from an archive's tree (host/store/loadplan.c: docker
 * save's manifest.json, or an OCI layout's index.json, manifests and configs,
 * the tags through ref_parse), then each image config merged into a create
 * request as tetherd does (host/docker/imgmerge.c).
 *
 * Input: parts separated by NUL bytes. Part 0 is manifest.json when it starts
 * with '[' (docker save), else index.json (OCI). Parts 1..9 are written as
 * blobs/sha256/<their digest>; in any part "@N" becomes part N's digest
 * ("sha256:<hex>"), "%N" its path (for docker save's file names) and "#N" its
 * size, so a fuzzed index or manifest can name real files (a part may refer
 * only to parts after it). The tree is a private tmpfs
 * directory (fuzz_tmpdir.c). */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "fuzz_tmpdir.h"
#include "imgmerge.h"
#include "loadplan.h"

#define CHECK(cond) \
  do { \
    if (!(cond)) \
      abort (); \
  } while (0)

#define MAX_PARTS 10
#define PART_MAX (256 * 1024)

static char top[64];
static int root_fd = -1;
static char written[MAX_PARTS][96];
static int n_written;

struct part {
  char *text; /* after substitution */
  size_t len;
  char digest[80];
};

static void setup (void)
{
  snprintf (top, sizeof top, "%s", fuzz_tmpdir ("image"));
  root_fd = open (top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK (root_fd >= 0);
  CHECK (mkdirat (root_fd, "blobs", 0700) == 0 || errno == EEXIST);
  CHECK (mkdirat (root_fd, "blobs/sha256", 0700) == 0 || errno == EEXIST);
}

static void put (const char *name, const char *p, size_t n);

/* The files of the last input stay: a blob's name is its digest, so one
 * already there holds these very bytes. Only what this input does not have is
 * removed, only what is new is written (most mutations change one part). */
static void sync_files (char names[][96], const struct part *parts, int n)
{
  for (int i = 0; i < n_written; i++)
    {
      bool keep = false;
      for (int k = 1; k < n && !keep; k++)
        keep = strcmp (written[i], names[k]) == 0;
      if (!keep)
        unlinkat (root_fd, written[i], 0);
    }
  for (int k = 1; k < n; k++)
    {
      bool have = false;
      for (int i = 0; i < n_written && !have; i++)
        have = strcmp (written[i], names[k]) == 0;
      for (int j = 1; j < k && !have; j++)
        have = strcmp (names[j], names[k]) == 0;
      if (!have)
        put (names[k], parts[k].text, parts[k].len);
    }
  for (int k = 1; k < n; k++)
    memcpy (written[k - 1], names[k], sizeof written[0]);
  n_written = n - 1;
}

static void put (const char *name, const char *p, size_t n)
{
  int fd = openat (root_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  CHECK (fd >= 0);
  CHECK (write (fd, p, n) == (ssize_t) n);
  close (fd);
}

/* raw with "@N" and "#N" replaced from the parts after it. */
/* Writes raw with its references replaced into dst (NULL: only counts). */
static size_t expand (char *dst, const uint8_t *raw, size_t n, const struct part *parts, int n_parts)
{
  char ref_text[96];
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    {
      int ref = i + 1 < n && raw[i + 1] >= '1' && raw[i + 1] <= '9' ? raw[i + 1] - '0' : 0;
      if ((raw[i] == '@' || raw[i] == '%' || raw[i] == '#') && ref && ref < n_parts && parts[ref].text)
        {
          int len;
          if (raw[i] == '@')
            len = snprintf (ref_text, sizeof ref_text, "%s", parts[ref].digest);
          else if (raw[i] == '%')
            len = snprintf (ref_text, sizeof ref_text, "blobs/sha256/%s", parts[ref].digest + 7);
          else
            len = snprintf (ref_text, sizeof ref_text, "%zu", parts[ref].len);
          if (dst)
            memcpy (dst + k, ref_text, (size_t) len);
          k += (size_t) len;
          i++;
          continue;
        }
      if (dst)
        dst[k] = (char) raw[i];
      k++;
    }
  return k;
}

/* Sized exactly (a first pass counts): n * 40 bytes per part went to ASan's
 * mmap'd allocator, and the run slowed tenfold as inputs grew. */
static void substitute (struct part *out, const uint8_t *raw, size_t n, const struct part *parts, int n_parts)
{
  size_t k = expand (NULL, raw, n, parts, n_parts);
  char *t = malloc (k + 1); /* out->text is set after both passes: a part may name itself */
  CHECK (t != NULL);
  CHECK (expand (t, raw, n, parts, n_parts) == k);
  t[k] = '\0';
  out->text = t;
  out->len = k;
  struct sha256 c;
  unsigned char d[SHA256_LEN];
  char hex[SHA256_HEX_LEN];
  sha256_init (&c);
  sha256_update (&c, out->text, k);
  sha256_final (&c, d);
  snprintf (out->digest, sizeof out->digest, "sha256:%s", sha256_hex (d, hex));
}

static const char CREATE_BODY[] = "{\"Image\":\"x\",\"Cmd\":null,\"Entrypoint\":null,\"Env\":[\"A=1\"],"
                                  "\"Labels\":{\"k\":\"v\"},\"User\":\"\",\"Healthcheck\":{\"Interval\":0}}";

static void merge_each (const struct load_plan *p)
{
  for (size_t i = 0; i < p->n_imgs; i++)
    {
      const struct load_image *img = &p->imgs[i];
      CHECK (img->n_layers >= 1 && img->n_layers <= LOAD_MAX_LAYERS);
      for (size_t k = 0; k < img->n_layers; k++)
        CHECK (img->layers[k] < p->n_layers);
      json_t *cfg = json_loadb (img->config, img->config_len, 0, NULL);
      json_t *body = json_loads (CREATE_BODY, 0, NULL);
      CHECK (body != NULL);
      CHECK (image_merge (body, json_object_get (cfg, "config")) == 0);
      char *text = json_dumps (body, JSON_COMPACT);
      CHECK (text != NULL);
      free (text);
      json_decref (body);
      json_decref (cfg);
    }
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (root_fd < 0)
    setup ();
  if (size > PART_MAX)
    return 0;
  const uint8_t *start[MAX_PARTS];
  size_t len[MAX_PARTS];
  int n = 0;
  const uint8_t *p = data, *end = data + size;
  while (n < MAX_PARTS)
    {
      const uint8_t *z = memchr (p, 0, (size_t) (end - p));
      start[n] = p;
      len[n++] = (size_t) ((z ? z : end) - p);
      if (!z)
        break;
      p = z + 1;
    }
  struct part parts[MAX_PARTS] = { { 0 } };
  for (int i = n - 1; i >= 0; i--)
    substitute (&parts[i], start[i], len[i], parts, n);
  bool docker_save = parts[0].len && parts[0].text[0] == '[';
  unlinkat (root_fd, docker_save ? "index.json" : "manifest.json", 0);
  put (docker_save ? "manifest.json" : "index.json", parts[0].text, parts[0].len);
  char names[MAX_PARTS][96];
  for (int i = 1; i < n; i++)
    snprintf (names[i], sizeof names[i], "blobs/sha256/%s", parts[i].digest + 7);
  sync_files (names, parts, n);

  static struct load_plan plan;
  struct terr err = { 0 };
  int rc = load_plan_read (root_fd, &plan, &err);
  if (getenv ("FUZZ_LOG"))
    fprintf (stderr, "load: %s, %zu images, %zu layers, first tag %s\n", rc == 0 ? "ok" : err.msg, plan.n_imgs,
             plan.n_layers, plan.n_imgs && plan.imgs[0].n_tags ? plan.imgs[0].tags[0] : "-");
  if (rc == 0)
    {
      CHECK (plan.n_imgs >= 1);
      merge_each (&plan);
    }
  else
    CHECK (err.msg[0] != '\0');
  load_plan_free (&plan);
  for (int i = 0; i < n; i++)
    free (parts[i].text);
  return 0;
}
