/* tetherctl image: build layer VMDKs (DESIGN §5 table). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "image.h"

static const char image_usage[]
    = "Usage: tetherctl image build DIR|TAR [-o OUT.vmdk]\n"
      "       tetherctl image default\n"
      "\n"
      "  build     make a read-only ext4 layer VMDK from a directory or a tar file\n"
      "            (plain, .gz, .xz, .zst); OCI whiteouts become overlayfs ones.\n"
      "            With -o: written to OUT.vmdk. Without: into the layer cache\n"
      "            ($TETHER_STATE_DIR/images/<sha256>.vmdk). Prints the path.\n"
      "  default   build (once) the default busybox layer; prints its path\n"
      "\n"
      "Progress goes to stderr. Needs root, tar, cp, mke2fs, debugfs, qemu-img.\n";

static int image_build (int argc, char **argv)
{
  const char *out = NULL, *spec = NULL;
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      if (strcmp (a, "-o") == 0 || strcmp (a, "--output") == 0)
        {
          if (i + 1 >= argc)
            return cli_err ("image build: %s needs a path", a), CLI_FAIL;
          out = argv[++i];
        }
      else if (strncmp (a, "-o", 2) == 0 && a[2] != '\0')
        out = a + 2;
      else if (strncmp (a, "--output=", 9) == 0)
        out = a + 9;
      else if (strcmp (a, "--help") == 0 || strcmp (a, "-h") == 0)
        return cli_usage (image_usage), 0;
      else if (strcmp (a, "--") == 0 && i + 1 < argc && spec == NULL)
        spec = argv[++i];
      else if (a[0] == '-' && a[1] != '\0')
        return cli_err ("image build: unknown option %s", a), CLI_FAIL;
      else if (spec == NULL)
        spec = a;
      else
        return cli_err ("image build: one DIR or TAR only (got %s and %s)", spec, a), CLI_FAIL;
    }
  if (spec == NULL)
    return cli_err ("image build: DIR or TAR required (see tetherctl image --help)"), CLI_FAIL;
  if (out != NULL && *out == '\0')
    return cli_err ("image build: -o needs a path"), CLI_FAIL;
  struct terr err;
  terr_clear (&err);
  char path[PATH_MAX];
  int rc = out != NULL ? image_layer_build (spec, out, &err) : image_layer_resolve (spec, path, sizeof path, &err);
  if (rc < 0)
    return cli_err ("image build: %s", err.msg), CLI_FAIL;
  printf ("%s\n", out != NULL ? out : path);
  return 0;
}

static int image_default (int argc, char **argv)
{
  (void) argv;
  if (argc > 1)
    return cli_err ("image default takes no arguments"), CLI_FAIL;
  struct terr err;
  terr_clear (&err);
  char path[PATH_MAX];
  if (image_default_layer (path, sizeof path, &err) < 0)
    return cli_err ("%s", err.msg), CLI_FAIL;
  printf ("%s\n", path);
  return 0;
}

int cmd_image (int argc, char **argv)
{
  if (argc < 2)
    return cli_err ("image: a subcommand is required (see tetherctl image --help)"), CLI_FAIL;
  const char *sub = argv[1];
  image_progress = true;
  if (strcmp (sub, "--help") == 0 || strcmp (sub, "-h") == 0)
    return cli_usage (image_usage), 0;
  if (strcmp (sub, "build") == 0)
    return image_build (argc - 1, argv + 1);
  if (strcmp (sub, "default") == 0)
    return image_default (argc - 1, argv + 1);
  return cli_err ("image: unknown subcommand %s (see tetherctl image --help)", sub), CLI_FAIL;
}
