/* CRC-32C internals, exposed so tests can compare the two paths. Not part of the
 * wire API: everyone else calls crc32c() from frame.h. */
#ifndef TETHER_CRC32C_IMPL_H
#define TETHER_CRC32C_IMPL_H

#include <stddef.h>
#include <stdint.h>

/* Both take and return the finished CRC, like crc32c(): 0 starts a fresh one. */
uint32_t crc32c_sw (uint32_t crc, const void *buf, size_t len);
/* Only call when crc32c_has_hw() says the CPU has SSE4.2. */
uint32_t crc32c_hw (uint32_t crc, const void *buf, size_t len);
int crc32c_has_hw (void);

#endif
