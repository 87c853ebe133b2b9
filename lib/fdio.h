/* fd I/O with EINTR handled once, here. */
#ifndef TETHER_LIB_FDIO_H
#define TETHER_LIB_FDIO_H

#include <sys/types.h>

/* EINTR handled once: read/write that retry on EINTR. EAGAIN is returned as -1
 * with errno EAGAIN for the caller to treat as a state. */
ssize_t fd_read (int fd, void *buf, size_t len);
ssize_t fd_write (int fd, const void *buf, size_t len);
/* Writes all of buf to a blocking fd. Returns 0 or -1. */
int fd_write_all (int fd, const void *buf, size_t len);
/* Writes all of buf at offset off (short writes continued). Returns 0 or -1. */
int fd_pwrite_all (int fd, const void *buf, size_t len, off_t off);

#endif
