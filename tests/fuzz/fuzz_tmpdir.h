/* A private tmpfs directory for a fuzz target's files (state dirs, trees). */
#ifndef TETHER_FUZZ_TMPDIR_H
#define TETHER_FUZZ_TMPDIR_H

/* /dev/shm/tether-fuzz-NAME.PID, made empty; removed at exit, and the ones of
 * earlier runs that crashed (their pid gone) are removed first. Aborts on failure. */
const char *fuzz_tmpdir (const char *name);
/* rm -r of what is under dir (dir stays). */
void fuzz_empty_dir (const char *dir);

#endif
