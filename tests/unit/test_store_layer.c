/* tetherd's layer converter (host/store/layer.c, lstream.c, untar.c) against tars
 * written here with libarchive's write API, hostile ones included: no binary
 * fixtures. Each test gets a fresh $TETHER_STATE_DIR and a victim directory
 * outside it that no layer may reach. Needs root (owners, device nodes,
 * trusted.* xattrs), mke2fs, debugfs and qemu-img; the built disks are read back
 * with qemu-img convert + debugfs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "layer.h"
#include "tree.h"

#define MIB (1024u * 1024u)

static char T[PATH_MAX];      /* the test's scratch directory */
static char images[PATH_MAX]; /* $TETHER_STATE_DIR/images */
static char victim[PATH_MAX]; /* T/victim: holds "file" ("orig"); no layer may touch it */

/* --- writing tars --- */

static struct archive *tw_open (const char *path)
{
  struct archive *a = archive_write_new ();
  assert_non_null (a);
  assert_int_equal (archive_write_set_format_pax_restricted (a), ARCHIVE_OK);
  assert_int_equal (archive_write_open_filename (a, path), ARCHIVE_OK);
  return a;
}

static struct archive_entry *entry (const char *name, mode_t type, unsigned mode)
{
  struct archive_entry *e = archive_entry_new ();
  archive_entry_set_pathname (e, name);
  archive_entry_set_filetype (e, type);
  archive_entry_set_perm (e, mode);
  archive_entry_set_mtime (e, 1700000000, 0);
  return e;
}

static void tw_put (struct archive *a, struct archive_entry *e, const void *data, size_t len)
{
  assert_int_equal (archive_write_header (a, e), ARCHIVE_OK);
  if (len > 0)
    assert_int_equal (archive_write_data (a, data, len), (la_ssize_t) len);
  archive_entry_free (e);
}

static void tw_file_owned (struct archive *a, const char *name, const char *data, unsigned uid, unsigned mode)
{
  struct archive_entry *e = entry (name, AE_IFREG, mode);
  archive_entry_set_uid (e, uid);
  archive_entry_set_gid (e, uid);
  archive_entry_set_size (e, (la_int64_t) strlen (data));
  tw_put (a, e, data, strlen (data));
}

static void tw_file (struct archive *a, const char *name, const char *data)
{
  tw_file_owned (a, name, data, 0, 0644);
}

static void tw_dir (struct archive *a, const char *name, unsigned mode)
{
  tw_put (a, entry (name, AE_IFDIR, mode), NULL, 0);
}

static void tw_symlink (struct archive *a, const char *name, const char *target)
{
  struct archive_entry *e = entry (name, AE_IFLNK, 0777);
  archive_entry_set_symlink (e, target);
  tw_put (a, e, NULL, 0);
}

static void tw_hardlink (struct archive *a, const char *name, const char *target)
{
  struct archive_entry *e = entry (name, AE_IFREG, 0644);
  archive_entry_set_hardlink (e, target);
  tw_put (a, e, NULL, 0);
}

static void tw_node (struct archive *a, const char *name, mode_t type, unsigned maj, unsigned min)
{
  struct archive_entry *e = entry (name, type, 0666);
  archive_entry_set_rdevmajor (e, maj);
  archive_entry_set_rdevminor (e, min);
  tw_put (a, e, NULL, 0);
}

/* A file of apparent size `size` holding 4 KiB of data at its start: the pax
 * writer takes the whole file's bytes and stores only the listed region. */
static void tw_sparse (struct archive *a, const char *name, uint64_t size)
{
  static char zeros[MIB];
  struct archive_entry *e = entry (name, AE_IFREG, 0644);
  archive_entry_set_size (e, (la_int64_t) size);
  archive_entry_sparse_add_entry (e, 0, 4096);
  assert_int_equal (archive_write_header (a, e), ARCHIVE_OK);
  for (uint64_t at = 0; at < size; at += sizeof zeros)
    archive_write_data (a, zeros, sizeof zeros);
  archive_entry_free (e);
}

static void tw_close (struct archive *a)
{
  assert_int_equal (archive_write_close (a), ARCHIVE_OK);
  archive_write_free (a);
}

/* The bytes of src compressed with filter ("gzip", "zstd", ...) into dst. */
static void compress_file (const char *src, const char *dst, const char *filter)
{
  FILE *f = fopen (src, "rb");
  assert_non_null (f);
  static char buf[4 * MIB];
  size_t n = fread (buf, 1, sizeof buf, f);
  fclose (f);
  struct archive *a = archive_write_new ();
  assert_int_equal (archive_write_set_format_raw (a), ARCHIVE_OK);
  assert_int_equal (archive_write_add_filter_by_name (a, filter), ARCHIVE_OK);
  assert_int_equal (archive_write_open_filename (a, dst), ARCHIVE_OK);
  struct archive_entry *e = entry ("data", AE_IFREG, 0644);
  archive_entry_set_size (e, (la_int64_t) n);
  tw_put (a, e, buf, n);
  tw_close (a);
}

/* --- looking at the results --- */

static void path_in (char *out, const char *dir, const char *name)
{
  assert_true (snprintf (out, PATH_MAX, "%s/%s", dir, name) < PATH_MAX);
}

/* "sha256:" + sha256sum's digest of the file: computed apart from the code under test. */
static void sha256sum (const char *path, char out[72])
{
  char cmd[PATH_MAX + 32], hex[65] = "";
  snprintf (cmd, sizeof cmd, "sha256sum '%s'", path);
  FILE *p = popen (cmd, "r");
  assert_non_null (p);
  assert_int_equal (fscanf (p, "%64s", hex), 1);
  assert_int_equal (pclose (p), 0);
  snprintf (out, 72, "sha256:%s", hex);
}

/* debugfs -R cmd over the raw image inside vmdk; the output in a static buffer. */
static const char *dbg (const char *vmdk, const char *cmd)
{
  static char buf[65536];
  char raw[PATH_MAX], sh[3 * PATH_MAX];
  path_in (raw, T, "inspect.raw");
  snprintf (sh, sizeof sh, "qemu-img convert -f vmdk -O raw '%s' '%s' && debugfs -R '%s' '%s' 2>/dev/null", vmdk,
            raw, cmd, raw);
  FILE *p = popen (sh, "r");
  assert_non_null (p);
  size_t n = fread (buf, 1, sizeof buf - 1, p);
  buf[n] = '\0';
  pclose (p);
  unlink (raw);
  return buf;
}

static void assert_has (const char *haystack, const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    fail_msg ("\"%s\" not in:\n%s", needle, haystack);
}

/* VMDKs in images/, and whether a work directory was left there. */
static int vmdks (bool *has_work)
{
  DIR *d = opendir (images);
  int n = 0;
  *has_work = false;
  if (d == NULL)
    return 0;
  for (struct dirent *e; (e = readdir (d)) != NULL;)
    {
      size_t l = strlen (e->d_name);
      if (l > 5 && strcmp (e->d_name + l - 5, ".vmdk") == 0)
        n++;
      if (strncmp (e->d_name, ".tether-", 8) == 0)
        *has_work = true;
    }
  closedir (d);
  return n;
}

static void assert_images_hold (int n)
{
  bool has_work;
  assert_int_equal (vmdks (&has_work), n);
  assert_false (has_work);
}

static void read_file (const char *path, char *buf, size_t cap)
{
  FILE *f = fopen (path, "r");
  assert_non_null (f);
  size_t n = fread (buf, 1, cap - 1, f);
  buf[n] = '\0';
  fclose (f);
}

/* The victim directory as the fixture left it: only "file", "orig", one link, 0755. */
static void assert_victim_intact (void)
{
  char p[PATH_MAX], buf[64];
  struct stat st;
  assert_int_equal (stat (victim, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0755);
  path_in (p, victim, "file");
  assert_int_equal (lstat (p, &st), 0);
  assert_int_equal (st.st_nlink, 1);
  read_file (p, buf, sizeof buf);
  assert_string_equal (buf, "orig");
  DIR *d = opendir (victim);
  int n = 0;
  for (struct dirent *e; (e = readdir (d)) != NULL;)
    n++;
  closedir (d);
  assert_int_equal (n, 3); /* ".", "..", "file" */
  path_in (p, T, "x");
  assert_int_equal (access (p, F_OK), -1);
}

static int convert (const char *tar, const char *want, const struct layer_limits *lim, char diff[72],
                    char out[PATH_MAX], struct terr *err)
{
  memset (err, 0, sizeof *err);
  return layer_convert (tar, want, lim, NULL, NULL, diff, out, PATH_MAX, err);
}

/* The layer at tar is refused with a message holding needle; nothing is left in
 * images/ and the victim is untouched. */
static void expect_refused (const char *tar, const struct layer_limits *lim, const char *needle)
{
  char diff[72], out[PATH_MAX];
  struct terr err;
  assert_int_equal (convert (tar, NULL, lim, diff, out, &err), -1);
  if (strstr (err.msg, needle) == NULL)
    fail_msg ("error \"%s\" does not say \"%s\"", err.msg, needle);
  assert_images_hold (0);
  assert_victim_intact ();
}

/* --- fixture --- */

static int setup (void **state)
{
  (void) state;
  snprintf (T, sizeof T, "/tmp/tether-layer-test.XXXXXX");
  if (mkdtemp (T) == NULL)
    return -1;
  char st[PATH_MAX], p[PATH_MAX];
  path_in (st, T, "state");
  setenv ("TETHER_STATE_DIR", st, 1);
  unsetenv (LAYER_MAX_ENV);
  path_in (images, st, "images");
  path_in (victim, T, "victim");
  if (mkdir (victim, 0755) < 0 || chmod (victim, 0755) < 0)
    return -1;
  path_in (p, victim, "file");
  FILE *f = fopen (p, "w");
  if (f == NULL)
    return -1;
  fputs ("orig", f);
  fclose (f);
  return 0;
}

static int teardown (void **state)
{
  (void) state;
  tree_remove (T);
  return 0;
}

static void tar_path (char *out, const char *name)
{
  path_in (out, T, name);
}

/* --- good layers --- */

static struct {
  uint64_t done, total;
  unsigned calls;
} seen;

static void on_progress (void *ctx, uint64_t done, uint64_t total)
{
  (void) ctx;
  assert_true (done >= seen.done); /* never backwards */
  seen.done = done;
  seen.total = total;
  seen.calls++;
}

/* Files, a directory, owners, a symlink, a hardlink, a device, a fifo, an xattr,
 * a whiteout and an opaque directory, an absolute and a ".." name. */
static void write_good (const char *path)
{
  /* libarchive writes a UTF-8 name only in a UTF-8 locale; the converter then
   * reads it in the C locale, as tetherd runs */
  assert_non_null (setlocale (LC_CTYPE, "C.UTF-8"));
  struct archive *a = tw_open (path);
  tw_dir (a, "./", 0755);
  tw_dir (a, "etc/", 0755);
  struct archive_entry *e = entry ("etc/hosts", AE_IFREG, 0644);
  archive_entry_set_size (e, 10);
  archive_entry_xattr_add_entry (e, "user.tether", "yes", 3);
  tw_put (a, e, "127.0.0.1\n", 10);
  tw_file_owned (a, "etc/owned", "mine\n", 1000, 0600);
  tw_symlink (a, "etc/link", "hosts");
  tw_hardlink (a, "etc/hard", "etc/hosts");
  tw_file (a, "etc/.wh.gone", "");
  tw_dir (a, "data/", 0755);
  tw_file (a, "data/.wh..wh..opq", "");
  tw_file (a, "data/new", "new\n");
  tw_node (a, "dev/null", AE_IFCHR, 1, 3);
  tw_node (a, "run/fifo", AE_IFIFO, 0, 0);
  tw_file (a, "/abs", "abs\n");       /* docker: lands at the layer's /abs */
  tw_file (a, "x/../dotted", "d\n");  /* docker's Clean: "dotted" */
  tw_file (a, "caf\xc3\xa9", "utf8\n");
  tw_close (a);
  setlocale (LC_CTYPE, "C");
}

static void good_layer_builds_then_reuses (void **state)
{
  (void) state;
  char tar[PATH_MAX], want[72], diff[72], out[PATH_MAX], expect[PATH_MAX + 80];
  struct terr err;
  tar_path (tar, "good.tar");
  write_good (tar);
  sha256sum (tar, want);
  memset (&seen, 0, sizeof seen);
  if (layer_convert (tar, NULL, NULL, on_progress, NULL, diff, out, sizeof out, &err) < 0)
    fail_msg ("%s", err.msg);
  assert_string_equal (diff, want); /* the whole file: padding after the end blocks too */
  snprintf (expect, sizeof expect, "%s/%s.vmdk", images, want + 7);
  assert_string_equal (out, expect);
  assert_images_hold (1);
  struct stat st;
  assert_int_equal (stat (tar, &st), 0);
  assert_true (seen.calls >= 1);
  assert_int_equal (seen.done, (uint64_t) st.st_size);
  assert_int_equal (seen.total, (uint64_t) st.st_size);

  assert_has (dbg (out, "cat /etc/hosts"), "127.0.0.1");
  assert_has (dbg (out, "ea_list /etc/hosts"), "user.tether");
  assert_has (dbg (out, "stat /etc/owned"), "User:  1000");
  assert_has (dbg (out, "stat /etc/link"), "Fast link dest: \"hosts\"");
  assert_has (dbg (out, "stat /etc/hard"), "Links: 2");
  const char *gone = dbg (out, "stat /etc/gone");
  assert_has (gone, "Type: character special");
  assert_has (gone, "Device major/minor number: 00:00");
  assert_true (strstr (dbg (out, "ls /etc"), ".wh.") == NULL);
  assert_has (dbg (out, "ea_list /data"), "trusted.overlay.opaque");
  assert_true (strstr (dbg (out, "ls /data"), ".wh.") == NULL);
  assert_has (dbg (out, "stat /dev/null"), "Device major/minor number: 01:03");
  assert_has (dbg (out, "stat /run/fifo"), "Type: FIFO");
  assert_has (dbg (out, "cat /abs"), "abs");
  assert_has (dbg (out, "cat /dotted"), "d");
  assert_has (dbg (out, "cat /caf\xc3\xa9"), "utf8");
  assert_true (strstr (dbg (out, "ls /"), "lost+found") == NULL);
  assert_int_equal (access ("/abs", F_OK), -1); /* not on the host */

  /* again, with and without the digest: the same file, not rebuilt */
  struct stat a, b;
  assert_int_equal (stat (out, &a), 0);
  char out2[PATH_MAX], diff2[72];
  if (convert (tar, want, NULL, diff2, out2, &err) < 0)
    fail_msg ("%s", err.msg);
  assert_string_equal (out2, out);
  assert_string_equal (diff2, want);
  if (convert (tar, NULL, NULL, diff2, out2, &err) < 0)
    fail_msg ("%s", err.msg);
  assert_int_equal (stat (out, &b), 0);
  assert_int_equal (a.st_ino, b.st_ino);
  assert_int_equal (a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);
  assert_images_hold (1);
}

/* Compressed layers are named by their uncompressed tar. */
static void compressed_layer_has_the_plain_digest (void **state)
{
  (void) state;
  static const char *const filters[] = { "gzip", "zstd", "xz", "bzip2" };
  char tar[PATH_MAX], comp[PATH_MAX], want[72], diff[72], out[PATH_MAX];
  struct terr err;
  tar_path (tar, "good.tar");
  write_good (tar);
  sha256sum (tar, want);
  for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
    {
      tar_path (comp, filters[i]);
      compress_file (tar, comp, filters[i]);
      char compsum[72];
      sha256sum (comp, compsum);
      assert_string_not_equal (compsum, want);
      if (convert (comp, NULL, NULL, diff, out, &err) < 0)
        fail_msg ("%s: %s", filters[i], err.msg);
      assert_string_equal (diff, want);
    }
  assert_images_hold (1);
  /* twice compressed is not a layer to docker */
  char twice[PATH_MAX];
  tar_path (comp, "gzip");
  tar_path (twice, "gzip2");
  compress_file (comp, twice, "gzip");
  assert_int_equal (convert (twice, NULL, NULL, diff, out, &err), -1);
  assert_has (err.msg, "compressed twice");
}

/* No bytes at all, and a tar of nothing but end blocks: empty layers. */
static void empty_layers (void **state)
{
  (void) state;
  char tar[PATH_MAX], want[72], diff[72], out[PATH_MAX];
  struct terr err;
  tar_path (tar, "empty.tar");
  FILE *f = fopen (tar, "w");
  fclose (f);
  if (convert (tar, NULL, NULL, diff, out, &err) < 0)
    fail_msg ("%s", err.msg);
  assert_string_equal (diff, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  struct archive *a = tw_open (tar);
  tw_close (a);
  sha256sum (tar, want);
  if (convert (tar, NULL, NULL, diff, out, &err) < 0)
    fail_msg ("%s", err.msg);
  assert_string_equal (diff, want);
  assert_images_hold (2);
  assert_true (strstr (dbg (out, "ls /"), "lost+found") == NULL);
}

static const char *const WRONG = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

static void digest_mismatch_writes_nothing (void **state)
{
  (void) state;
  char tar[PATH_MAX], want[72], diff[72], out[PATH_MAX], msg[240];
  struct terr err;
  tar_path (tar, "good.tar");
  write_good (tar);
  sha256sum (tar, want);
  assert_int_equal (convert (tar, WRONG, NULL, diff, out, &err), -1);
  snprintf (msg, sizeof msg, "layer %s: content does not match its digest (got %s)", WRONG, want);
  assert_string_equal (err.msg, msg);
  assert_images_hold (0);
  assert_int_equal (convert (tar, "sha256:abc", NULL, diff, out, &err), -1);
  assert_has (err.msg, "not sha256:<64 hex digits>");

  /* a layer already there, claimed by other bytes: refused, and the disk stays */
  char other[PATH_MAX];
  if (convert (tar, NULL, NULL, diff, out, &err) < 0)
    fail_msg ("%s", err.msg);
  tar_path (other, "other.tar");
  struct archive *a = tw_open (other);
  tw_file (a, "etc/hosts", "evil\n");
  tw_close (a);
  char got[72];
  sha256sum (other, got);
  assert_int_equal (convert (other, want, NULL, diff, out, &err), -1);
  snprintf (msg, sizeof msg, "layer %s: content does not match its digest (got %s)", want, got);
  assert_string_equal (err.msg, msg);
  assert_images_hold (1);
  assert_has (dbg (out, "cat /etc/hosts"), "127.0.0.1");
}

/* --- escapes --- */

static void escape_dotdot (void **state)
{
  (void) state;
  char tar[PATH_MAX];
  tar_path (tar, "t.tar");
  struct archive *a = tw_open (tar);
  tw_file (a, "ok", "fine");
  tw_file (a, "../x", "evil");
  tw_close (a);
  expect_refused (tar, NULL, "layer entry ../x: path leaves the layer");
  a = tw_open (tar);
  tw_file (a, "a/../../../../x", "evil");
  tw_close (a);
  expect_refused (tar, NULL, "layer entry a/../../../../x: path leaves the layer");
}

/* A symlink out of the tree, then an entry through it. */
static void escape_through_symlink (void **state)
{
  (void) state;
  char tar[PATH_MAX], etc_probe[64], name[80];
  tar_path (tar, "t.tar");
  const char *targets[] = { victim, "..", "../../../../../../../.." };
  for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
    {
      struct archive *a = tw_open (tar);
      tw_symlink (a, "a", targets[i]);
      tw_file (a, "a/passwd", "evil");
      tw_close (a);
      expect_refused (tar, NULL, "layer entry a/passwd: ");
      char p[PATH_MAX];
      path_in (p, victim, "passwd");
      assert_int_equal (access (p, F_OK), -1);
    }
  /* the literal /etc, with a name nothing else uses: a failure must not clobber */
  snprintf (etc_probe, sizeof etc_probe, "/etc/tether-escape-%d", (int) getpid ());
  snprintf (name, sizeof name, "a/%s", etc_probe + 5);
  struct archive *a = tw_open (tar);
  tw_symlink (a, "a", "/etc");
  tw_file (a, name, "evil");
  tw_close (a);
  char needle[128];
  snprintf (needle, sizeof needle, "layer entry %s: ", name);
  int was_there = access (etc_probe, F_OK) == 0;
  unlink (etc_probe);
  expect_refused (tar, NULL, needle);
  assert_false (was_there);
}

static void escape_by_hardlink (void **state)
{
  (void) state;
  char tar[PATH_MAX], vfile[PATH_MAX];
  struct stat before, after;
  tar_path (tar, "t.tar");
  path_in (vfile, victim, "file");
  assert_int_equal (stat ("/etc/passwd", &before), 0);

  struct archive *a = tw_open (tar);
  tw_hardlink (a, "h", "../x");
  tw_close (a);
  expect_refused (tar, NULL, "layer entry h: hardlink target ../x leaves the layer");

  /* "/etc/passwd" is the layer's own etc/passwd (docker's Join): absent here */
  a = tw_open (tar);
  tw_hardlink (a, "h", "/etc/passwd");
  tw_close (a);
  expect_refused (tar, NULL, "layer entry h: ");

  /* through a symlink to the victim */
  a = tw_open (tar);
  tw_symlink (a, "s", victim);
  tw_hardlink (a, "h", "s/file");
  tw_close (a);
  expect_refused (tar, NULL, "layer entry h: ");

  /* the victim by its absolute name: inside the layer, so absent */
  a = tw_open (tar);
  tw_hardlink (a, "h", vfile);
  tw_close (a);
  expect_refused (tar, NULL, "layer entry h: ");

  assert_int_equal (stat ("/etc/passwd", &after), 0);
  assert_int_equal (after.st_nlink, before.st_nlink);
  assert_int_equal (after.st_ino, before.st_ino);
}

static void root_must_be_a_directory (void **state)
{
  (void) state;
  char tar[PATH_MAX];
  tar_path (tar, "t.tar");
  struct archive *a = tw_open (tar);
  tw_file (a, ".", "evil");
  tw_close (a);
  expect_refused (tar, NULL, "names the layer's root but is not a directory");
}

/* A later entry over a symlink replaces the link; it never writes through it. */
static void replacing_a_symlink_writes_nothing_outside (void **state)
{
  (void) state;
  char tar[PATH_MAX], vfile[PATH_MAX], diff[72], out[PATH_MAX];
  struct terr err;
  tar_path (tar, "t.tar");
  path_in (vfile, victim, "file");
  struct archive *a = tw_open (tar);
  tw_symlink (a, "f", vfile);
  tw_file (a, "f", "evil");
  tw_symlink (a, "d", victim);
  tw_dir (a, "d", 0700);
  tw_symlink (a, "h", vfile);
  tw_hardlink (a, "h2", "h"); /* a link to the symlink itself */
  tw_close (a);
  int rc = convert (tar, NULL, NULL, diff, out, &err);
  assert_victim_intact ();
  if (rc == 0)
    {
      assert_has (dbg (out, "cat /f"), "evil");
      assert_has (dbg (out, "stat /d"), "Type: directory");
    }
}

/* Absolute names land inside, as docker lands them; nothing is written at /. */
static void absolute_names_stay_inside (void **state)
{
  (void) state;
  char tar[PATH_MAX], abs[64], diff[72], out[PATH_MAX];
  struct terr err;
  struct stat before, after;
  assert_int_equal (stat ("/etc/passwd", &before), 0);
  snprintf (abs, sizeof abs, "/tether-abs-%d", (int) getpid ());
  tar_path (tar, "t.tar");
  struct archive *a = tw_open (tar);
  tw_file (a, "/etc/passwd", "root:x:0:0::/:/bin/sh\n");
  tw_hardlink (a, "/linked", "/etc/passwd");
  tw_file (a, abs, "abs");
  tw_close (a);
  if (convert (tar, NULL, NULL, diff, out, &err) < 0)
    fail_msg ("%s", err.msg);
  assert_int_equal (access (abs, F_OK), -1);
  assert_int_equal (stat ("/etc/passwd", &after), 0);
  assert_int_equal (after.st_nlink, before.st_nlink);
  assert_has (dbg (out, "stat /linked"), "Links: 2");
  assert_has (dbg (out, "cat /etc/passwd"), "root:x:0:0");
  char cmd[80];
  snprintf (cmd, sizeof cmd, "cat %s", abs);
  assert_has (dbg (out, cmd), "abs");
}

/* --- bounds --- */

static void sparse_bomb_refused (void **state)
{
  (void) state;
  char tar[PATH_MAX];
  tar_path (tar, "bomb.tar");
  struct archive *a = tw_open (tar);
  tw_file (a, "small", "x");
  tw_sparse (a, "big", 1024ull * MIB);
  tw_close (a);
  struct stat st;
  assert_int_equal (stat (tar, &st), 0);
  assert_true (st.st_size < 1 * MIB); /* a small tar that claims 1 GiB */
  struct layer_limits lim = { .max_bytes = 16 * MIB, .max_entries = 0 };
  expect_refused (tar, &lim, "layer unpacks to more than 16 MiB (at entry big)");
}

static void bytes_over_the_limit_refused (void **state)
{
  (void) state;
  char tar[PATH_MAX];
  static char data[600 * 1024 + 1];
  memset (data, 'a', sizeof data - 1);
  tar_path (tar, "t.tar");
  struct archive *a = tw_open (tar);
  tw_file (a, "one", data);
  tw_file (a, "two", data);
  tw_close (a);
  struct layer_limits lim = { .max_bytes = 1 * MIB, .max_entries = 0 };
  expect_refused (tar, &lim, "layer unpacks to more than 1 MiB (at entry two)");
  /* the default comes from the environment */
  setenv (LAYER_MAX_ENV, "1", 1);
  expect_refused (tar, NULL, "layer unpacks to more than 1 MiB");
  setenv (LAYER_MAX_ENV, "lots", 1);
  expect_refused (tar, NULL, "TETHER_LAYER_MAX_MB=lots: not a number of MiB");
  unsetenv (LAYER_MAX_ENV);
}

static void too_many_entries_refused (void **state)
{
  (void) state;
  char tar[PATH_MAX], name[32];
  tar_path (tar, "t.tar");
  struct archive *a = tw_open (tar);
  for (int i = 0; i < 30; i++)
    {
      snprintf (name, sizeof name, "f%d", i);
      tw_file (a, name, "x");
    }
  tw_close (a);
  struct layer_limits lim = { .max_bytes = 0, .max_entries = 20 };
  expect_refused (tar, &lim, "layer has more than 20 entries");
  lim.max_entries = 30;
  char diff[72], out[PATH_MAX];
  struct terr err;
  if (convert (tar, NULL, &lim, diff, out, &err) < 0)
    fail_msg ("%s", err.msg);
}

static void garbage_is_refused (void **state)
{
  (void) state;
  char tar[PATH_MAX];
  tar_path (tar, "t.tar");
  FILE *f = fopen (tar, "w");
  for (int i = 0; i < 2000; i++)
    fputs ("not a tar at all ", f);
  fclose (f);
  expect_refused (tar, NULL, "layer tar: ");
}

/* Two processes, one layer, at once: both succeed, one disk. */
static void parallel_conversions_both_succeed (void **state)
{
  (void) state;
  char tar[PATH_MAX];
  tar_path (tar, "good.tar");
  write_good (tar);
  pid_t kids[2];
  for (int i = 0; i < 2; i++)
    {
      kids[i] = fork ();
      assert_true (kids[i] >= 0);
      if (kids[i] == 0)
        {
          char diff[72], out[PATH_MAX];
          struct terr err;
          int rc = convert (tar, NULL, NULL, diff, out, &err);
          if (rc < 0)
            fprintf (stderr, "child %d: %s\n", i, err.msg);
          _exit (rc == 0 ? 0 : 1);
        }
    }
  int ok = 0;
  for (int i = 0; i < 2; i++)
    {
      int status;
      if (waitpid (kids[i], &status, 0) == kids[i] && WIFEXITED (status) && WEXITSTATUS (status) == 0)
        ok++;
    }
  assert_int_equal (ok, 2);
  assert_images_hold (1);
}

#define T_(f) cmocka_unit_test_setup_teardown (f, setup, teardown)

int main (void)
{
  const struct CMUnitTest tests[] = {
    T_ (good_layer_builds_then_reuses),
    T_ (compressed_layer_has_the_plain_digest),
    T_ (empty_layers),
    T_ (digest_mismatch_writes_nothing),
    T_ (escape_dotdot),
    T_ (escape_through_symlink),
    T_ (escape_by_hardlink),
    T_ (root_must_be_a_directory),
    T_ (replacing_a_symlink_writes_nothing_outside),
    T_ (absolute_names_stay_inside),
    T_ (sparse_bomb_refused),
    T_ (bytes_over_the_limit_refused),
    T_ (too_many_entries_refused),
    T_ (garbage_is_refused),
    T_ (parallel_conversions_both_succeed),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
