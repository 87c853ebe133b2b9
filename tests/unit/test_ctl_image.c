/* The pure parts of tetherctl image: SHA-256 (host/image/digest.c, libmd) and whiteout
 * names (host/image/whiteout.c). The builders are tested by tests/host/image.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "digest.h"
#include "whiteout.h"

static const char *hex_of (const void *data, size_t len, char out[SHA256_HEX_LEN])
{
  struct sha256 c;
  unsigned char d[SHA256_LEN];
  sha256_init (&c);
  sha256_update (&c, data, len);
  sha256_final (&c, d);
  return sha256_hex (d, out);
}

/* FIPS 180-4 example vectors (NIST CSRC "SHA256.pdf", "SHA256_2.pdf"). */
static void sha256_fips_vectors (void **state)
{
  (void) state;
  char h[SHA256_HEX_LEN];
  assert_string_equal (hex_of ("", 0, h), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert_string_equal (hex_of ("abc", 3, h), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *m2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  assert_string_equal (hex_of (m2, strlen (m2), h),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const char *m3 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
  assert_string_equal (hex_of (m3, strlen (m3), h),
                       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void sha256_million_a (void **state)
{
  (void) state;
  struct sha256 c;
  unsigned char d[SHA256_LEN];
  char h[SHA256_HEX_LEN];
  char chunk[1000];
  memset (chunk, 'a', sizeof chunk);
  sha256_init (&c);
  for (int i = 0; i < 1000; i++)
    sha256_update (&c, chunk, sizeof chunk);
  sha256_final (&c, d);
  assert_string_equal (sha256_hex (d, h), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Padding edges: 55 bytes fits the length in one block, 56 and 64 need two. */
static void sha256_padding_edges (void **state)
{
  (void) state;
  char h[SHA256_HEX_LEN];
  char a[64];
  memset (a, 'a', sizeof a);
  assert_string_equal (hex_of (a, 55, h), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  assert_string_equal (hex_of (a, 56, h), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  assert_string_equal (hex_of (a, 64, h), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

/* Any split of the input gives the same digest as one update. */
static void sha256_split_updates (void **state)
{
  (void) state;
  unsigned char msg[300];
  for (size_t i = 0; i < sizeof msg; i++)
    msg[i] = (unsigned char) (i * 7 + 3);
  char whole[SHA256_HEX_LEN], parts[SHA256_HEX_LEN];
  hex_of (msg, sizeof msg, whole);
  for (size_t step = 1; step < 130; step += 7)
    {
      struct sha256 c;
      unsigned char d[SHA256_LEN];
      sha256_init (&c);
      for (size_t at = 0; at < sizeof msg; at += step)
        sha256_update (&c, msg + at, at + step <= sizeof msg ? step : sizeof msg - at);
      sha256_final (&c, d);
      assert_string_equal (sha256_hex (d, parts), whole);
    }
}

/* Each name's kind and, for a file whiteout, the name it hides (NULL: never set). */
static void whiteout_names (void **state)
{
  (void) state;
  static const struct {
    const char *name;
    enum wh_kind kind;
    const char *target;
  } cases[] = {
    { "hello", WH_NONE, NULL },         { ".wh", WH_NONE, NULL },
    { ".whfoo", WH_NONE, NULL },        { "x.wh.foo", WH_NONE, NULL },
    { ".wh.foo", WH_FILE, "foo" },      { ".wh..hidden", WH_FILE, ".hidden" },
    { ".wh.a.wh.b", WH_FILE, "a.wh.b" }, { ".wh..wh..opq", WH_OPAQUE_DIR, NULL },
    { ".wh..wh.plnk", WH_META, NULL },  { ".wh..wh.aufs", WH_META, NULL },
    { ".wh..wh..opqx", WH_META, NULL }, { ".wh.", WH_INVALID, NULL },
    { ".wh..", WH_INVALID, NULL },      { ".wh...", WH_INVALID, NULL },
    { ".wh.a/b", WH_INVALID, NULL },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      const char *t = NULL;
      assert_int_equal (whiteout_kind (cases[i].name, &t), cases[i].kind);
      if (cases[i].target)
        assert_string_equal (t, cases[i].target);
      else if (cases[i].kind == WH_INVALID)
        assert_null (t); /* never set for a name that is not a file whiteout */
    }
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (sha256_fips_vectors),  cmocka_unit_test (sha256_million_a),
    cmocka_unit_test (sha256_padding_edges), cmocka_unit_test (sha256_split_updates),
    cmocka_unit_test (whiteout_names),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
