#include "unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define TIB (1ull << 40)

uint64_t unpack_budget (const char *dir)
{
  const char *env = getenv ("TETHER_LOAD_MAX_MB");
  if (env && *env)
    return strtoull (env, NULL, 10) << 20;
  struct statvfs sv;
  if (statvfs (dir, &sv) < 0)
    return 0;
  uint64_t avail = (uint64_t) sv.f_bavail * sv.f_frsize;
  avail -= avail / 10;
  return avail < TIB ? avail : TIB;
}

static int fail (struct archive *a, struct terr *err, const char *what, const char *name)
{
  /* libarchive's text says it; its errno is often a leftover of a probe */
  terr_set (err, 0, "%s%s%.200s: %s", what, name ? " " : "", name ? name : "",
            archive_error_string (a) ? archive_error_string (a) : "unreadable");
  return -1;
}

int unpack_outer (const char *archive, const char *dest, uint64_t max_bytes, struct terr *err)
{
  struct archive *a = archive_read_new ();
  struct archive *w = archive_write_disk_new ();
  int rc = -1;
  if (a == NULL || w == NULL)
    {
      terr_set (err, ENOMEM, "libarchive");
      goto out;
    }
  archive_read_support_filter_all (a);
  archive_read_support_format_tar (a);
  /* no owners, no device nodes, nothing outside dest; times are not ours to keep */
  archive_write_disk_set_options (w, ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS
                                         | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_NO_OVERWRITE);
  /* relative names against dest as the working directory: the secure flags
   * then judge the archive's names alone, not the state dir's own path */
  if (chdir (dest) < 0)
    {
      terr_set (err, errno, "chdir %s", dest);
      goto out;
    }
  if (archive_read_open_filename (a, archive, 65536) != ARCHIVE_OK)
    {
      fail (a, err, "the archive", NULL);
      goto out;
    }
  uint64_t bytes = 0, entries = 0;
  struct archive_entry *e;
  int r;
  while ((r = archive_read_next_header (a, &e)) == ARCHIVE_OK)
    {
      const char *name = archive_entry_pathname (e);
      mode_t type = archive_entry_filetype (e);
      if (++entries > UNPACK_MAX_ENTRIES)
        {
          terr_set (err, 0, "the archive has more than %d entries", UNPACK_MAX_ENTRIES);
          goto out;
        }
      if (archive_entry_hardlink (e) || (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK))
        {
          terr_set (err, 0, "%.200s: only files, directories and symlinks belong in an image archive", name);
          goto out;
        }
      if (archive_entry_size (e) > 0)
        bytes += (uint64_t) archive_entry_size (e);
      if (bytes > max_bytes)
        {
          terr_set (err, 0, "the archive unpacks to more than %llu MiB (the space there is)",
                    (unsigned long long) (max_bytes >> 20));
          goto out;
        }
      archive_entry_set_perm (e, type == AE_IFDIR ? 0700 : 0600);
      if (archive_write_header (w, e) != ARCHIVE_OK)
        {
          fail (w, err, "unpack", name);
          goto out;
        }
      const void *buf;
      size_t len;
      la_int64_t off;
      while ((r = archive_read_data_block (a, &buf, &len, &off)) == ARCHIVE_OK)
        if (archive_write_data_block (w, buf, len, off) != ARCHIVE_OK)
          {
            fail (w, err, "write", name);
            goto out;
          }
      if (r != ARCHIVE_EOF || archive_write_finish_entry (w) != ARCHIVE_OK)
        {
          fail (r != ARCHIVE_EOF ? a : w, err, "unpack", name);
          goto out;
        }
    }
  if (r != ARCHIVE_EOF)
    {
      fail (a, err, "the archive", NULL);
      goto out;
    }
  if (entries == 0)
    {
      terr_set (err, 0, "the archive is empty");
      goto out;
    }
  rc = 0;
out:
  if (w)
    archive_write_free (w);
  if (a)
    archive_read_free (a);
  return rc;
}
