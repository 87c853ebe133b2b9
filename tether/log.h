/* Console/stderr log lines: "tether: ..." */
#ifndef TETHER_LOG_H
#define TETHER_LOG_H

void log_info (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* Always printed, no "warning:" (boot timing marks on the VM console). */
void log_note (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
void log_warn (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
extern int log_verbose;

#endif
