/* SHA-256 (FIPS 180-4), for content-addressed layer names. Pure, no I/O. */
#ifndef TETHER_CTL_SHA256_H
#define TETHER_CTL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
#define SHA256_HEX_LEN 65 /* 64 hex digits and the NUL */

struct sha256 {
  uint32_t h[8];
  uint64_t total_len;   /* bytes hashed so far */
  size_t buf_len;       /* bytes waiting in buf, < 64 */
  unsigned char buf[64];
};

void sha256_init (struct sha256 *c);
void sha256_update (struct sha256 *c, const void *data, size_t len);
void sha256_final (struct sha256 *c, unsigned char out[SHA256_LEN]);
/* Lowercase hex of a digest. Returns out. */
char *sha256_hex (const unsigned char d[SHA256_LEN], char out[SHA256_HEX_LEN]);

#endif
