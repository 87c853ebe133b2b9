/* SHA-256 for content-addressed layer names: libmd's (Debian's libmd, built into
 * the musl sysroot for the static tetherctl), behind the names the image code uses. */
#ifndef TETHER_HOST_DIGEST_H
#define TETHER_HOST_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h> /* sha2.h uses u_int*_t */

#include <sha2.h>

#define SHA256_LEN 32
#define SHA256_HEX_LEN 65 /* 64 hex digits and the NUL */

struct sha256 {
  SHA2_CTX ctx;
};

void sha256_init (struct sha256 *c);
void sha256_update (struct sha256 *c, const void *data, size_t len);
void sha256_final (struct sha256 *c, unsigned char out[SHA256_LEN]);
/* Lowercase hex of a digest. Returns out. */
char *sha256_hex (const unsigned char d[SHA256_LEN], char out[SHA256_HEX_LEN]);

#endif
