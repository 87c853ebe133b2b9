#include "untar.h"

#include <unistd.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <archive_entry.h>

#define MIB (1024u * 1024u)
#define SYMLINK_MAX 4095u /* ext4 keeps a target in one 4 KiB block, NUL included */

/* Owner, mode, times, xattrs and ACLs as the layer says (we run as root); the
 * three SECURE flags refuse "..", absolute paths and any path through a symlink,
 * for entry names and hardlink targets alike, at the moment each entry is
 * written (a symlink an earlier entry made included). No ARCHIVE_EXTRACT_FFLAGS
 * (see untar.h), no UNLINK: an existing non-directory is replaced by unlinking
 * it, never written through. */
#define EXTRACT_FLAGS                                                                                          \
  (ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR                 \
   | ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS                    \
   | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS)

enum { CLEAN_OK, CLEAN_ESCAPES, CLEAN_TOO_LONG };

/* name as Go's filepath.Clean leaves it below a root (docker's Join(dest, name)):
 * empty and "." components dropped, ".." taken lexically, no leading "/"; "" is
 * the root itself. */
static int clean_path (const char *name, char *out, size_t cap)
{
  size_t n = 0;
  const char *p = name;
  while (*p != '\0')
    {
      while (*p == '/')
        p++;
      const char *c = p;
      while (*p != '\0' && *p != '/')
        p++;
      size_t cl = (size_t) (p - c);
      if (cl == 0 || (cl == 1 && c[0] == '.'))
        continue;
      if (cl == 2 && c[0] == '.' && c[1] == '.')
        {
          if (n == 0)
            return CLEAN_ESCAPES;
          while (n > 0 && out[n - 1] != '/')
            n--;
          if (n > 0)
            n--;
          continue;
        }
      if (n + (n > 0) + cl >= cap)
        return CLEAN_TOO_LONG;
      if (n > 0)
        out[n++] = '/';
      memcpy (out + n, c, cl);
      n += cl;
    }
  out[n] = '\0';
  return CLEAN_OK;
}

static const char *type_name (mode_t type)
{
  switch (type)
    {
    case AE_IFSOCK:
      return "a socket";
    case 0:
      return "no type";
    default:
      return "an unknown type";
    }
}

/* Cleans the entry's name and hardlink target in place and refuses what untar.h
 * lists. shown: the name as the tar gave it, for messages. */
static int check_entry (struct archive_entry *e, size_t cap, const char *shown, struct terr *err)
{
  char clean[PATH_MAX];
  int r = clean_path (archive_entry_pathname (e), clean, cap);
  if (r == CLEAN_ESCAPES)
    return LAYER_REFUSE (err, EPERM, "layer entry %s: path leaves the layer", shown);
  if (r == CLEAN_TOO_LONG)
    return LAYER_REFUSE (err, ENAMETOOLONG, "layer entry %.64s...: path longer than %zu bytes", shown, cap - 1);
  mode_t type = archive_entry_filetype (e);
  const char *link = archive_entry_hardlink (e);
  if (link != NULL)
    {
      char target[PATH_MAX];
      r = clean_path (link, target, cap);
      if (r == CLEAN_ESCAPES)
        return LAYER_REFUSE (err, EPERM, "layer entry %s: hardlink target %.64s leaves the layer", shown, link);
      if (r == CLEAN_TOO_LONG || *target == '\0')
        return LAYER_REFUSE (err, EINVAL, "layer entry %s: bad hardlink target %.64s", shown, link);
      archive_entry_copy_hardlink (e, target);
    }
  else if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && type != AE_IFCHR && type != AE_IFBLK
           && type != AE_IFIFO)
    return LAYER_REFUSE (err, EINVAL, "layer entry %s: %s, not something a layer holds", shown, type_name (type));
  if (type == AE_IFLNK && link == NULL)
    {
      const char *to = archive_entry_symlink (e);
      if (to == NULL || *to == '\0' || strlen (to) > SYMLINK_MAX)
        return LAYER_REFUSE (err, EINVAL, "layer entry %s: symlink target empty or longer than %u bytes", shown,
                         SYMLINK_MAX);
    }
  if (*clean == '\0' && (type != AE_IFDIR || link != NULL))
    return LAYER_REFUSE (err, EINVAL, "layer entry %s: names the layer's root but is not a directory", shown);
  archive_entry_copy_pathname (e, *clean == '\0' ? "." : clean);
  return 0;
}

static const char *why_of (struct archive *a)
{
  const char *s = archive_error_string (a);
  return s != NULL ? s : "unknown error";
}

/* A failed read of the tar: our stream's own reason if it was the stream. */
static int read_failed (struct archive *in, const struct lstream *s, const char *shown, struct terr *err)
{
  if (s->has_err)
    {
      *err = s->err;
      return -1;
    }
  if (shown != NULL)
    return terr_set (err, 0, "layer entry %s: %s", shown, why_of (in));
  return terr_set (err, 0, "layer tar: %s", why_of (in));
}

/* libarchive's message names the path and says why; its errno (ENOSPC, ...)
 * goes to errnum, not after the text */
static int write_failed (struct archive *out, const char *shown, struct terr *err)
{
  int e = archive_errno (out);
  return LAYER_REFUSE (err, e > 0 ? e : 0, "layer entry %s: %s", shown, why_of (out));
}

static void limit_text (uint64_t n, char *out, size_t cap)
{
  if (n >= MIB)
    snprintf (out, cap, "%llu MiB", (unsigned long long) (n / MIB));
  else
    snprintf (out, cap, "%llu bytes", (unsigned long long) n);
}

static int copy_data (struct archive *in, struct archive *out, const struct lstream *s, const char *shown,
                      struct terr *err)
{
  for (;;)
    {
      const void *buf;
      size_t len;
      la_int64_t off;
      int r = archive_read_data_block (in, &buf, &len, &off);
      if (r == ARCHIVE_EOF)
        return 0;
      if (r != ARCHIVE_OK)
        return read_failed (in, s, shown, err);
      /* offsets, not a stream: a sparse file's holes stay holes */
      if (archive_write_data_block (out, buf, len, off) != ARCHIVE_OK)
        return write_failed (out, shown, err);
    }
}

static int extract_all (struct archive *in, struct archive *out, const struct lstream *s, size_t cap,
                        const struct untar_limits *lim, struct terr *err)
{
  uint64_t bytes = 0, entries = 0;
  for (;;)
    {
      struct archive_entry *e;
      int r = archive_read_next_header (in, &e);
      if (r == ARCHIVE_EOF)
        return 0;
      if (r != ARCHIVE_OK) /* WARN too: a damaged header, a name libarchive had to guess */
        return read_failed (in, s, NULL, err);
      if (++entries > lim->max_entries)
        return LAYER_REFUSE (err, EFBIG, "layer has more than %llu entries",
                             (unsigned long long) lim->max_entries);
      const char *name = archive_entry_pathname (e);
      if (name == NULL)
        return LAYER_REFUSE (err, EINVAL, "layer entry %llu has no name", (unsigned long long) entries);
      char shown[128];
      snprintf (shown, sizeof shown, "%.120s", name);
      if (check_entry (e, cap, shown, err) < 0)
        return -1;
      /* the declared size (a sparse file's apparent size), checked before a
       * byte of it is written */
      la_int64_t size = archive_entry_size_is_set (e) ? archive_entry_size (e) : 0;
      if (size > 0 && (uint64_t) size > lim->max_bytes - bytes)
        {
          char n[32];
          limit_text (lim->max_bytes, n, sizeof n);
          return LAYER_REFUSE (err, EFBIG, "layer unpacks to more than %s (at entry %s)%s", n, shown,
                           lim->why_bytes != NULL ? lim->why_bytes : "");
        }
      bytes += size > 0 ? (uint64_t) size : 0;
      if (archive_write_header (out, e) != ARCHIVE_OK)
        return write_failed (out, shown, err);
      if (size > 0 && copy_data (in, out, s, shown, err) < 0)
        return -1;
      if (archive_write_finish_entry (out) != ARCHIVE_OK)
        return write_failed (out, shown, err);
    }
}

/* The two archives around extract_all; cwd is root. */
static int extract_here (struct lstream *s, size_t cap, const struct untar_limits *lim, struct terr *err)
{
  struct archive *in = archive_read_new ();
  struct archive *out = archive_write_disk_new ();
  int rc = -1;
  if (in == NULL || out == NULL)
    terr_set (err, ENOMEM, "libarchive");
  /* tar only, no filter: the stream is already decompressed once (lstream.c);
   * "empty": no bytes at all is an empty layer, as docker reads it */
  else if (archive_read_support_format_tar (in) != ARCHIVE_OK
           || archive_read_support_format_empty (in) != ARCHIVE_OK
           || archive_read_open (in, s, NULL, lstream_read, NULL) != ARCHIVE_OK)
    read_failed (in, s, NULL, err);
  else if (archive_write_disk_set_options (out, EXTRACT_FLAGS) != ARCHIVE_OK)
    terr_set (err, 0, "libarchive: %s", why_of (out));
  else if (extract_all (in, out, s, cap, lim, err) == 0)
    {
      /* directories' modes and times are set here, last, by relative path:
       * before the working directory goes back */
      if (archive_write_close (out) != ARCHIVE_OK)
        terr_set (err, 0, "layer: %s", why_of (out));
      else
        rc = 0;
    }
  if (out != NULL)
    archive_write_free (out);
  if (in != NULL)
    archive_read_free (in);
  return rc;
}

int untar_stream (struct lstream *s, const char *root, const struct untar_limits *lim, struct terr *err)
{
  size_t rl = strlen (root);
  if (root[0] != '/' || rl + 2 >= PATH_MAX)
    return terr_set (err, EINVAL, "extract into %.64s: not an absolute path that fits", root);
  /* a name must fit after "root/" in PATH_MAX: the whiteout walk and mke2fs -d
   * open full paths */
  size_t cap = PATH_MAX - rl - 1;
  cleanup_close int here = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (here < 0)
    return terr_set (err, errno, "open the working directory");
  /* archive_write_disk writes relative to the working directory; it has no
   * base-directory call */
  if (chdir (root) < 0)
    return terr_set (err, errno, "chdir %s", root);
  /* parents the tar does not list are made 0755, as docker's MkdirAll makes them */
  mode_t old_umask = umask (022);
  /* pax names and link targets are UTF-8, and libarchive converts them to the
   * charset of the current locale: in the C locale (tetherd never calls
   * setlocale) every non-ASCII name would fail. With C.UTF-8 for this thread the
   * conversion keeps the bytes, except that libarchive composes them (NFC), as
   * bsdtar does in a UTF-8 locale: a name stored decomposed (NFD) lands composed,
   * where docker keeps the bytes. Invalid UTF-8 in a pax name is refused (the
   * reader's warning). ustar and GNU names are taken as bytes in any locale. */
  locale_t utf8 = newlocale (LC_CTYPE_MASK, "C.UTF-8", (locale_t) 0);
  locale_t old_locale = utf8 != (locale_t) 0 ? uselocale (utf8) : (locale_t) 0;
  int rc = extract_here (s, cap, lim, err);
  if (utf8 != (locale_t) 0)
    {
      uselocale (old_locale);
      freelocale (utf8);
    }
  umask (old_umask);
  if (fchdir (here) < 0 && rc == 0)
    rc = terr_set (err, errno, "back to the working directory");
  if (rc == 0)
    rc = lstream_drain (s, err);
  return rc;
}
