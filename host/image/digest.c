#include "digest.h"

void sha256_init (struct sha256 *c)
{
  SHA256Init (&c->ctx);
}

void sha256_update (struct sha256 *c, const void *data, size_t len)
{
  SHA256Update (&c->ctx, data, len);
}

void sha256_final (struct sha256 *c, unsigned char out[SHA256_LEN])
{
  SHA256Final (out, &c->ctx);
}

char *sha256_hex (const unsigned char d[SHA256_LEN], char out[SHA256_HEX_LEN])
{
  static const char hex[] = "0123456789abcdef";
  for (int i = 0; i < SHA256_LEN; i++)
    {
      out[2 * i] = hex[d[i] >> 4];
      out[2 * i + 1] = hex[d[i] & 15];
    }
  out[64] = '\0';
  return out;
}
