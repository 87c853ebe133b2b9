/* host/endpoint/logstore.c: the log's bytes and index, what logstore_open makes
 * of what an endpoint that died left on disk, and rotation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frame.h"
#include "logstore.h"

struct fx { char dir[64]; char log[128]; };

static int setup (void **state)
{
  struct fx *f = calloc (1, sizeof *f);
  snprintf (f->dir, sizeof f->dir, "/tmp/test_logstore.XXXXXX");
  if (f == NULL || mkdtemp (f->dir) == NULL)
    return -1;
  snprintf (f->log, sizeof f->log, "%s/" LOG_SUBDIR, f->dir);
  *state = f;
  return 0;
}

static int teardown (void **state)
{
  struct fx *f = *state;
  char cmd[200];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", f->dir);
  int r = system (cmd);
  free (f);
  return r == 0 ? 0 : -1;
}

static const char *path (struct fx *f, uint32_t seq, const char *ext)
{
  static char p[256];
  assert_int_equal (log_path (p, sizeof p, f->log, seq, ext), 0);
  return p;
}

static off_t size_of (const char *p)
{
  struct stat st;
  return stat (p, &st) == 0 ? st.st_size : -1;
}

static void put (struct logstore *ls, uint8_t st, const char *s, int64_t t)
{
  struct terr err;
  assert_int_equal (logstore_write (ls, st, ls->next[st], t, (const uint8_t *) s, (uint32_t) strlen (s), NULL,
                                    &err), 0);
}

static void open_log (struct fx *f, struct logstore *ls, uint64_t max_size, uint32_t max_file)
{
  struct terr err;
  assert_int_equal (logstore_open (ls, f->dir, max_size, max_file, &err), 0);
}

static void reopen (struct fx *f, struct logstore *ls, uint64_t max_size, uint32_t max_file)
{
  logstore_close (ls);
  open_log (f, ls, max_size, max_file);
}

/* The record at index i (0 = the first after the header) of set seq. */
static struct log_rec rec_at (struct fx *f, uint32_t seq, int i)
{
  uint8_t b[LOG_REC_LEN];
  int fd = open (path (f, seq, "index"), O_RDONLY);
  assert_true (fd >= 0);
  assert_int_equal (pread (fd, b, sizeof b, (off_t) (i + 1) * LOG_REC_LEN), LOG_REC_LEN);
  close (fd);
  struct log_rec r;
  log_rec_decode (b, &r);
  return r;
}

/* Record i of set seq is exactly this one. */
static void expect_rec (struct fx *f, uint32_t seq, int i, uint8_t stream, uint64_t offset, uint32_t len,
                        int64_t time_ns)
{
  struct log_rec r = rec_at (f, seq, i);
  assert_int_equal (r.stream, stream);
  assert_int_equal (r.offset, offset);
  assert_int_equal (r.len, len);
  assert_int_equal (r.time_ns, time_ns);
}

static int n_recs (struct fx *f, uint32_t seq)
{
  return (int) (size_of (path (f, seq, "index")) / LOG_REC_LEN) - 1;
}

static void fresh_log_then_reopen (void **state)
{
  struct fx *f = *state;
  struct logstore ls;
  struct terr err;
  open_log (f, &ls, 0, 0);
  assert_true (ls.next[STREAM_STDOUT] == 0 && ls.next[STREAM_STDERR] == 0);
  put (&ls, STREAM_STDOUT, "a\n", 100);
  put (&ls, STREAM_STDERR, "b\n", 200);
  put (&ls, STREAM_STDOUT, "c\0d", 300);
  reopen (f, &ls, 0, 0);
  assert_true (ls.next[STREAM_STDOUT] == 3 && ls.next[STREAM_STDERR] == 2);
  assert_int_equal (n_recs (f, 1), 3);
  expect_rec (f, 1, 2, STREAM_STDOUT, 2, 1, 300);
  /* a write at any other offset is refused: nothing twice, no gap */
  assert_int_equal (logstore_write (&ls, STREAM_STDOUT, 1, 400, (const uint8_t *) "x", 1, NULL, &err), -1);
  logstore_close (&ls);
}

static void torn_record_is_cut_and_its_bytes_reindexed (void **state)
{
  struct fx *f = *state;
  struct logstore ls;
  open_log (f, &ls, 0, 0);
  put (&ls, STREAM_STDOUT, "one\n", 100);
  put (&ls, STREAM_STDOUT, "two\n", 200);
  logstore_close (&ls);
  assert_int_equal (truncate (path (f, 1, "index"), 3 * LOG_REC_LEN - 7), 0);
  reopen (f, &ls, 0, 0);
  assert_true (ls.next[STREAM_STDOUT] == 8);
  assert_int_equal (n_recs (f, 1), 2);
  assert_int_equal (size_of (path (f, 1, "index")) % LOG_REC_LEN, 0);
  /* the bytes of the torn record, with the last time known */
  expect_rec (f, 1, 1, STREAM_STDOUT, 4, 4, 100);
  logstore_close (&ls);
}

static void bytes_without_record_get_one (void **state)
{
  struct fx *f = *state;
  struct logstore ls;
  open_log (f, &ls, 0, 0);
  put (&ls, STREAM_STDERR, "e1\n", 500);
  logstore_close (&ls);
  int fd = open (path (f, 1, "stderr"), O_WRONLY | O_APPEND);
  assert_int_equal (write (fd, "e2\n", 3), 3); /* written, then the endpoint died */
  close (fd);
  reopen (f, &ls, 0, 0);
  assert_true (ls.next[STREAM_STDERR] == 6 && ls.next[STREAM_STDOUT] == 0);
  expect_rec (f, 1, 1, STREAM_STDERR, 3, 3, 500);
  put (&ls, STREAM_STDERR, "e3\n", 600); /* and it goes on from there */
  assert_true (ls.next[STREAM_STDERR] == 9);
  logstore_close (&ls);
}

static void records_past_the_bytes_are_dropped (void **state)
{
  struct fx *f = *state;
  struct logstore ls;
  open_log (f, &ls, 0, 0);
  put (&ls, STREAM_STDOUT, "1234", 100);
  put (&ls, STREAM_STDERR, "err", 150);
  put (&ls, STREAM_STDOUT, "5678", 200);
  logstore_close (&ls);
  /* the index reached the disk, the last bytes only in part */
  assert_int_equal (truncate (path (f, 1, "stdout"), 6), 0);
  reopen (f, &ls, 0, 0);
  assert_true (ls.next[STREAM_STDOUT] == 6 && ls.next[STREAM_STDERR] == 3);
  assert_int_equal (n_recs (f, 1), 3);
  expect_rec (f, 1, 2, STREAM_STDOUT, 4, 2, 150);
  logstore_close (&ls);
}

static void empty_files_and_a_torn_header (void **state)
{
  struct fx *f = *state;
  struct logstore ls;
  /* empty files: nothing to resume from */
  open_log (f, &ls, 0, 0);
  reopen (f, &ls, 0, 0);
  assert_true (ls.next[STREAM_STDOUT] == 0 && ls.next[STREAM_STDERR] == 0 && n_recs (f, 1) == 0);
  /* set 2 was being started when the endpoint died: an empty index, some bytes */
  put (&ls, STREAM_STDOUT, "abcdef", 100);
  logstore_close (&ls);
  close (open (path (f, 2, "index"), O_CREAT | O_WRONLY, 0600));
  int fd = open (path (f, 2, "stdout"), O_CREAT | O_WRONLY, 0600);
  assert_int_equal (write (fd, "gh", 2), 2);
  close (fd);
  reopen (f, &ls, 0, 0);
  assert_int_equal (ls.seq, 2);
  assert_true (ls.base[STREAM_STDOUT] == 6 && ls.next[STREAM_STDOUT] == 8 && ls.next[STREAM_STDERR] == 0);
  expect_rec (f, 2, 0, STREAM_STDOUT, 6, 2, rec_at (f, 2, 0).time_ns);
  logstore_close (&ls);
}

static void rotation_keeps_max_file_sets (void **state)
{
  struct fx *f = *state;
  struct logstore ls;
  open_log (f, &ls, 10, 2);
  for (int i = 0; i < 5; i++)
    put (&ls, i % 2 ? STREAM_STDERR : STREAM_STDOUT, "123456", 100 + i);
  /* docker: rotate before a write once the file holds max-size: 6 | 6+6 | ... */
  assert_int_equal (ls.seq, 3);
  assert_int_equal (size_of (path (f, 1, "index")), -1);
  assert_int_equal (size_of (path (f, 1, "stdout")), -1);
  assert_int_equal (size_of (path (f, 2, "stdout")) + size_of (path (f, 2, "stderr")), 12);
  uint8_t h[LOG_REC_LEN];
  uint64_t base[3];
  int fd = open (path (f, 3, "index"), O_RDONLY);
  assert_int_equal (read (fd, h, sizeof h), LOG_REC_LEN);
  close (fd);
  assert_int_equal (log_hdr_decode (h, base), 0);
  assert_true (base[STREAM_STDOUT] == 12 && base[STREAM_STDERR] == 12);
  reopen (f, &ls, 10, 2);
  assert_true (ls.seq == 3 && ls.next[STREAM_STDOUT] == 18 && ls.next[STREAM_STDERR] == 12);
  logstore_close (&ls);
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (fresh_log_then_reopen, setup, teardown),
    cmocka_unit_test_setup_teardown (torn_record_is_cut_and_its_bytes_reindexed, setup, teardown),
    cmocka_unit_test_setup_teardown (bytes_without_record_get_one, setup, teardown),
    cmocka_unit_test_setup_teardown (records_past_the_bytes_are_dropped, setup, teardown),
    cmocka_unit_test_setup_teardown (empty_files_and_a_torn_header, setup, teardown),
    cmocka_unit_test_setup_teardown (rotation_keeps_max_file_sets, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
