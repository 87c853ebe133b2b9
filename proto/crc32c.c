/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), DESIGN §2.
 *
 * The binaries are built for the x86-64 baseline and must run on CPUs without
 * SSE4.2 (QEMU TCG with an old -cpu), so the crc32 instruction is used only
 * behind a cpuid check; everything else goes through slicing-by-8 tables. */
#include <string.h>

#include "crc32c_impl.h"
#include "frame.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#define HAVE_X86_CRC 1
#else
#define HAVE_X86_CRC 0
#endif

#define CRC32C_POLY 0x82F63B78u

/* table[0] is the classic byte table; table[k][b] is the CRC of byte b followed by
 * k zero bytes, which lets eight bytes be folded per step. */
static uint32_t table[8][256];
static int is_ready;
static int has_sse42;

static void build_tables (void)
{
  for (uint32_t b = 0; b < 256; b++) {
    uint32_t c = b;
    for (int i = 0; i < 8; i++)
      c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1u)));
    table[0][b] = c;
  }
  for (uint32_t b = 0; b < 256; b++)
    for (int k = 1; k < 8; k++)
      table[k][b] = (table[k - 1][b] >> 8) ^ table[0][table[k - 1][b] & 0xff];
}

static int cpu_has_sse42 (void)
{
#if HAVE_X86_CRC
  unsigned int eax, ebx, ecx, edx;
  if (!__get_cpuid (1, &eax, &ebx, &ecx, &edx))
    return 0;
  return (ecx & bit_SSE4_2) != 0;
#else
  return 0;
#endif
}

/* Runs before main, while the program is still single-threaded, so the tables
 * are never written while another thread reads them. The lazy call in crc32c()
 * only covers a caller running in an earlier constructor. */
__attribute__ ((constructor)) static void crc32c_init (void)
{
  if (is_ready)
    return;
  build_tables ();
  has_sse42 = cpu_has_sse42 ();
  is_ready = 1;
}

int crc32c_has_hw (void)
{
  crc32c_init ();
  return has_sse42;
}

static uint64_t load_le64 (const uint8_t *p)
{
  uint64_t v;
  memcpy (&v, p, 8); /* unaligned-safe; x86-64 and every target we build are little-endian */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64 (v);
#endif
  return v;
}

uint32_t crc32c_sw (uint32_t crc, const void *buf, size_t len)
{
  const uint8_t *p = buf;
  crc32c_init ();
  crc = ~crc;
  for (; len && ((uintptr_t) p & 7u); len--)
    crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
  for (; len >= 8; len -= 8, p += 8) {
    uint64_t v = load_le64 (p) ^ crc;
    crc = table[7][v & 0xff] ^ table[6][(v >> 8) & 0xff] ^ table[5][(v >> 16) & 0xff]
          ^ table[4][(v >> 24) & 0xff] ^ table[3][(v >> 32) & 0xff]
          ^ table[2][(v >> 40) & 0xff] ^ table[1][(v >> 48) & 0xff] ^ table[0][v >> 56];
  }
  while (len--)
    crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
  return ~crc;
}

#if HAVE_X86_CRC
__attribute__ ((target ("sse4.2"))) uint32_t crc32c_hw (uint32_t crc, const void *buf, size_t len)
{
  const uint8_t *p = buf;
  uint64_t c = ~crc;
  for (; len && ((uintptr_t) p & 7u); len--)
    c = _mm_crc32_u8 ((uint32_t) c, *p++);
  for (; len >= 8; len -= 8, p += 8) {
    uint64_t v;
    memcpy (&v, p, 8);
    c = _mm_crc32_u64 (c, v);
  }
  while (len--)
    c = _mm_crc32_u8 ((uint32_t) c, *p++);
  return ~(uint32_t) c;
}
#else
uint32_t crc32c_hw (uint32_t crc, const void *buf, size_t len)
{
  return crc32c_sw (crc, buf, len);
}
#endif

uint32_t crc32c (uint32_t crc, const void *buf, size_t len)
{
  crc32c_init ();
  return has_sse42 ? crc32c_hw (crc, buf, len) : crc32c_sw (crc, buf, len);
}
