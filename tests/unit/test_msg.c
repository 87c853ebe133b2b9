/* proto/msg.c: every Msg body through pack, frame, decoder and unpack; the
 * arena's limits; malformed payloads; the size cap on packing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "msg.h"

/* Scratch memory for building test messages (not the arena under test). */
static _Alignas (16) uint8_t scratch[1 << 20];
static size_t scratch_used;

static void *scratch_alloc (size_t n)
{
  size_t start = (scratch_used + 15) & ~(size_t) 15;
  assert_true (n <= sizeof scratch - start);
  scratch_used = start + n;
  memset (scratch + start, 0, n);
  return scratch + start;
}

static char *scratch_str (const char *fmt, unsigned a, unsigned b)
{
  char *s = scratch_alloc (32);
  snprintf (s, 32, fmt, a, b);
  return s;
}

/* Fills one non-repeated value of field f at p with something no default
 * equals, so a field dropped anywhere on the way shows up in the comparison. */
static void *fill_message (const ProtobufCMessageDescriptor *desc, unsigned seed);

static void fill_value (const ProtobufCFieldDescriptor *f, void *p, unsigned seed)
{
  unsigned v = f->id * 1000u + seed + 1;
  switch (f->type) {
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_SINT32:
  case PROTOBUF_C_TYPE_SFIXED32: *(int32_t *) p = -(int32_t) v; break;
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_FIXED32: *(uint32_t *) p = v; break;
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64: *(int64_t *) p = -(int64_t) v * 1000000007; break;
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64: *(uint64_t *) p = (uint64_t) v << 33 | v; break;
  case PROTOBUF_C_TYPE_FLOAT: *(float *) p = (float) v + 0.5f; break;
  case PROTOBUF_C_TYPE_DOUBLE: *(double *) p = (double) v + 0.25; break;
  case PROTOBUF_C_TYPE_BOOL: *(protobuf_c_boolean *) p = 1; break;
  case PROTOBUF_C_TYPE_ENUM: {
    const ProtobufCEnumDescriptor *e = f->descriptor;
    int value = e->values[e->n_values - 1].value;
    assert_int_not_equal (value, 0);
    *(int *) p = value;
    break;
  }
  case PROTOBUF_C_TYPE_STRING: *(char **) p = scratch_str ("%u-%u", f->id, seed); break;
  case PROTOBUF_C_TYPE_BYTES: {
    ProtobufCBinaryData *b = p;
    b->data = (uint8_t *) scratch_str ("b%u-%u", f->id, seed);
    b->len = strlen ((char *) b->data);
    break;
  }
  case PROTOBUF_C_TYPE_MESSAGE: *(void **) p = fill_message (f->descriptor, seed + 1); break;
  }
}

static size_t value_size (const ProtobufCFieldDescriptor *f)
{
  switch (f->type) {
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_SINT32:
  case PROTOBUF_C_TYPE_SFIXED32:
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_FIXED32: return 4;
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64: return 8;
  case PROTOBUF_C_TYPE_FLOAT: return sizeof (float);
  case PROTOBUF_C_TYPE_DOUBLE: return sizeof (double);
  case PROTOBUF_C_TYPE_BOOL: return sizeof (protobuf_c_boolean);
  case PROTOBUF_C_TYPE_ENUM: return sizeof (int);
  case PROTOBUF_C_TYPE_STRING: return sizeof (char *);
  case PROTOBUF_C_TYPE_BYTES: return sizeof (ProtobufCBinaryData);
  case PROTOBUF_C_TYPE_MESSAGE: return sizeof (void *);
  }
  fail ();
  return 0;
}

/* Every field set, repeated ones with two elements. Oneofs are left to the caller. */
static void *fill_message (const ProtobufCMessageDescriptor *desc, unsigned seed)
{
  uint8_t *m = scratch_alloc (desc->sizeof_message);
  protobuf_c_message_init (desc, m);
  for (unsigned i = 0; i < desc->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &desc->fields[i];
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
      continue;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t n = 2, sz = value_size (f);
      uint8_t *arr = scratch_alloc (n * sz);
      for (size_t k = 0; k < n; k++)
        fill_value (f, arr + k * sz, seed + (unsigned) k * 10);
      *(size_t *) (m + f->quantifier_offset) = n;
      *(void **) (m + f->offset) = arr;
    } else {
      fill_value (f, m + f->offset, seed);
    }
  }
  return m;
}

static void assert_message_equal (const ProtobufCMessageDescriptor *desc, const void *a, const void *b);

static void assert_value_equal (const ProtobufCFieldDescriptor *f, const void *a, const void *b)
{
  switch (f->type) {
  case PROTOBUF_C_TYPE_STRING:
    assert_string_equal (*(char *const *) a, *(char *const *) b);
    break;
  case PROTOBUF_C_TYPE_BYTES: {
    const ProtobufCBinaryData *x = a, *y = b;
    assert_int_equal (x->len, y->len);
    assert_memory_equal (x->data, y->data, x->len);
    break;
  }
  case PROTOBUF_C_TYPE_MESSAGE: {
    const void *x = *(void *const *) a, *y = *(void *const *) b;
    assert_true ((x == NULL) == (y == NULL));
    if (x)
      assert_message_equal (f->descriptor, x, y);
    break;
  }
  default:
    assert_memory_equal (a, b, value_size (f));
  }
}

static void assert_message_equal (const ProtobufCMessageDescriptor *desc, const void *a, const void *b)
{
  const uint8_t *x = a, *y = b;
  for (unsigned i = 0; i < desc->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &desc->fields[i];
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
      uint32_t case_a = *(const uint32_t *) (x + f->quantifier_offset);
      assert_int_equal (case_a, *(const uint32_t *) (y + f->quantifier_offset));
      if (case_a == f->id)
        assert_value_equal (f, x + f->offset, y + f->offset);
    } else if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t n = *(const size_t *) (x + f->quantifier_offset), sz = value_size (f);
      assert_int_equal (n, *(const size_t *) (y + f->quantifier_offset));
      const uint8_t *ea = *(uint8_t *const *) (x + f->offset), *eb = *(uint8_t *const *) (y + f->offset);
      for (size_t k = 0; k < n; k++)
        assert_value_equal (f, ea + k * sz, eb + k * sz);
    } else {
      assert_value_equal (f, x + f->offset, y + f->offset);
    }
  }
}

/* A Msg carrying body field f, fully filled. */
static Msg *make_msg (const ProtobufCFieldDescriptor *f, uint64_t request_id)
{
  Msg *m = scratch_alloc (sizeof *m);
  msg__init (m);
  m->request_id = request_id;
  *(uint32_t *) ((uint8_t *) m + f->quantifier_offset) = f->id;
  *(void **) ((uint8_t *) m + f->offset) = fill_message (f->descriptor, f->id);
  return m;
}

static struct msg_arena arena;
static struct frame_decoder dec;
static uint8_t wire[FRAME_HDR_LEN + FRAME_MAX_PAYLOAD + FRAME_PCRC_LEN + 64];

static int setup (void **state)
{
  (void) state;
  scratch_used = 0;
  msg_arena_reset (&arena);
  arena.high_water = 0;
  return 0;
}

/* Feeds the frame in wire[0..n) in chunks of `chunk` bytes and unpacks it. */
static Msg *decode_and_unpack (size_t n, size_t chunk)
{
  struct frame f;
  size_t pos = 0;
  int ready = 0;
  frame_decoder_init (&dec);
  while (pos < n) {
    size_t len = n - pos < chunk ? n - pos : chunk, used;
    enum frame_status st = frame_decoder_feed (&dec, wire + pos, len, &used, &f);
    pos += used;
    assert_int_not_equal (st, FRAME_REJECTED);
    if (st == FRAME_READY) {
      assert_int_equal (pos, n); /* one frame, complete only at its last byte */
      ready = 1;
    }
  }
  assert_true (ready);
  assert_int_equal (f.type, FRAME_CONTROL);
  assert_int_equal (f.handle, 0);
  msg_arena_reset (&arena);
  return msg_unpack (&arena, f.payload, f.len);
}

static void every_body_round_trips (void **state)
{
  (void) state;
  const ProtobufCMessageDescriptor *desc = &msg__descriptor;
  const char *names[64];
  int bodies = 0;
  for (unsigned i = 0; i < desc->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &desc->fields[i];
    if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
      continue;
    for (int with_pcrc = 0; with_pcrc < 2; with_pcrc++) {
      scratch_used = 0;
      Msg *m = make_msg (f, 0x100000000ull + f->id);
      ssize_t n = msg_frame_pack (m, with_pcrc, wire, sizeof wire);
      assert_true (n > FRAME_HDR_LEN);
      assert_int_equal (wire[4], with_pcrc ? FRAME_F_PCRC : 0);
      const size_t chunks[] = { (size_t) n, 1, 7 };
      for (size_t c = 0; c < 3; c++) {
        Msg *got = decode_and_unpack ((size_t) n, chunks[c]);
        assert_non_null (got);
        assert_int_equal ((uintptr_t) got % 16, 0);
        assert_int_equal (got->body_case, f->id);
        assert_message_equal (desc, m, got);
        assert_string_equal (msg_name (got), f->name);
      }
    }
    assert_true (bodies < 64);
    names[bodies++] = f->name;
  }
  assert_int_equal (bodies, 28); /* tether.proto's oneof: update when a body is added */
  for (int i = 0; i < bodies; i++)
    for (int j = i + 1; j < bodies; j++)
      assert_string_not_equal (names[i], names[j]);
}

/* The same, spelled out for one message, so the generic check is not the only one. */
static void hello_fields_survive (void **state)
{
  (void) state;
  Hello h = HELLO__INIT;
  Msg m = MSG__INIT;
  h.min_version = 1;
  h.max_version = 3;
  h.features = FEATURE_ACKS | FEATURE_TTY;
  h.host_time_ns = 1764100000123456789;
  h.payload_crc = 1;
  h.client = "endpoint";
  m.request_id = 42;
  m.body_case = MSG__BODY_HELLO;
  m.hello = &h;
  ssize_t n = msg_frame_pack (&m, 1, wire, sizeof wire);
  assert_true (n > 0);
  Msg *got = decode_and_unpack ((size_t) n, 1);
  assert_non_null (got);
  assert_int_equal (got->request_id, 42);
  assert_int_equal (got->body_case, MSG__BODY_HELLO);
  assert_int_equal (got->hello->min_version, 1);
  assert_int_equal (got->hello->max_version, 3);
  assert_int_equal (got->hello->features, FEATURE_ACKS | FEATURE_TTY);
  assert_int_equal (got->hello->host_time_ns, 1764100000123456789);
  assert_true (got->hello->payload_crc);
  assert_string_equal (got->hello->client, "endpoint");
  assert_string_equal (msg_name (got), "hello");
}

static void msg_name_edges (void **state)
{
  (void) state;
  Msg m = MSG__INIT;
  assert_string_equal (msg_name (&m), "empty");
  assert_string_equal (msg_name (NULL), "(null)");
  m.body_case = (Msg__BodyCase) 999;
  assert_string_equal (msg_name (&m), "unknown");
}

static void malformed_payload_is_null (void **state)
{
  (void) state;
  static const struct {
    size_t len;
    uint8_t b[12];
  } bad[] = {
    { 1, { 0x08 } },                                   /* varint cut short */
    { 3, { 0x52, 0x05, 0x08 } },                       /* hello longer than the payload */
    { 1, { 0x0f } },                                   /* wire type 7 */
    { 2, { 0x00, 0x00 } },                             /* field number 0 */
    { 12, { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 } }, /* 11-byte varint */
    { 4, { 0x52, 0x02, 0x32, 0x05 } },                 /* hello.client longer than hello */
    { 2, { 0x52, 0x80 } },                             /* length varint cut short */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    msg_arena_reset (&arena);
    assert_null (msg_unpack (&arena, bad[i].b, bad[i].len));
    assert_int_equal (arena.used, 0); /* a failed unpack gives its space back */
  }
  /* and an empty payload is a valid, empty Msg */
  Msg *m = msg_unpack (&arena, bad[0].b, 0);
  assert_non_null (m);
  assert_int_equal (m->body_case, MSG__BODY__NOT_SET);
}

/* Tiny messages that expand a lot: each 2-byte empty ContainerInfo costs a
 * struct in the arena. Past the arena: NULL, not a crash. */
/* A container_list (field 30) of as many empty containers as fit in cap bytes:
 * 5 bytes of tag and 3-byte length, then the body, whose length is returned. */
static size_t put_empty_containers (uint8_t *p, size_t cap)
{
  size_t body = cap - 5;
  body -= body & 1;
  p[0] = 0xf2; /* field 30, length-delimited */
  p[1] = 0x01;
  p[2] = (uint8_t) (0x80 | (body & 0x7f));
  p[3] = (uint8_t) (0x80 | ((body >> 7) & 0x7f));
  p[4] = (uint8_t) (body >> 14);
  for (size_t i = 0; i < body; i += 2)
    {
      p[5 + i] = 0x0a; /* containers, empty */
      p[6 + i] = 0x00;
    }
  return body;
}

static void arena_exhaustion_is_null (void **state)
{
  (void) state;
  static uint8_t p[FRAME_MAX_PAYLOAD];
  size_t body = put_empty_containers (p, FRAME_MAX_PAYLOAD);
  assert_null (msg_unpack (&arena, p, 5 + body));
  assert_int_equal (arena.used, 0);
  assert_true (arena.high_water > MSG_ARENA_CAP / 2);

  /* A few hundred of them fit. */
  size_t small = 600;
  p[2] = (uint8_t) (0x80 | (small & 0x7f));
  p[3] = (uint8_t) (small >> 7);
  Msg *m = msg_unpack (&arena, p, 4 + 0);
  assert_null (m); /* 4 bytes: the body is missing */
  memmove (p + 4, p + 5, small);
  m = msg_unpack (&arena, p, 4 + small);
  assert_non_null (m);
  assert_int_equal (m->container_list->n_containers, small / 2);
}

/* A request too large to unpack still has its id read (the error must answer it);
 * garbage gives 0; the arena is left as it was either way. */
static void request_id_of_refused (void **state)
{
  (void) state;
  static uint8_t p[FRAME_MAX_PAYLOAD];
  p[0] = 0x08; /* request_id = 300 */
  p[1] = 0xac;
  p[2] = 0x02;
  size_t body = put_empty_containers (p + 3, FRAME_MAX_PAYLOAD - 3); /* too many for the arena */
  assert_null (msg_unpack (&arena, p, 8 + body));
  assert_int_equal (msg_request_id (&arena, p, 8 + body), 300);
  assert_int_equal (arena.used, 0);
  static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff };
  assert_int_equal (msg_request_id (&arena, junk, sizeof junk), 0);
  assert_int_equal (arena.used, 0);
}

/* Run out of arena at every allocation protobuf-c makes for a full message:
 * each attempt fails cleanly until there is room, then succeeds. */
static void arena_short_by_any_amount (void **state)
{
  (void) state;
  const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name (&msg__descriptor, "create");
  assert_non_null (f);
  Msg *m = make_msg (f, 7);
  uint8_t payload[4096];
  size_t len = msg__get_packed_size (m);
  assert_true (len <= sizeof payload);
  msg__pack (m, payload);
  assert_non_null (msg_unpack (&arena, payload, len));
  size_t need = (arena.used + 15) & ~(size_t) 15; /* from an aligned start */
  int failures = 0;
  for (size_t room = 0; room <= need; room++) {
    arena.used = MSG_ARENA_CAP - room;
    Msg *got = msg_unpack (&arena, payload, len);
    if (got) {
      assert_message_equal (&msg__descriptor, m, got);
    } else {
      assert_int_equal (arena.used, MSG_ARENA_CAP - room);
      failures++;
    }
  }
  assert_true (failures > 0);
  arena.used = MSG_ARENA_CAP - need;
  assert_non_null (msg_unpack (&arena, payload, len));
  assert_int_equal (arena.high_water, MSG_ARENA_CAP);
  msg_arena_reset (&arena);
  assert_int_equal (arena.used, 0);
}

/* Error.text sized so the payload is exactly FRAME_MAX_PAYLOAD, then one more. */
static Msg *error_msg (size_t payload_len)
{
  static char text[FRAME_MAX_PAYLOAD + 16];
  static Error e;
  static Msg m;
  /* 2-byte tag + 3-byte length (body 35), 1-byte tag + 3-byte length (text) */
  size_t n = payload_len - 9;
  assert_true (n < sizeof text);
  memset (text, 'x', n);
  text[n] = 0;
  error__init (&e);
  e.text = text;
  msg__init (&m);
  m.body_case = MSG__BODY_ERROR;
  m.error = &e;
  assert_int_equal (msg__get_packed_size (&m), payload_len);
  return &m;
}

static void pack_size_limits (void **state)
{
  (void) state;
  Msg *m = error_msg (FRAME_MAX_PAYLOAD);
  size_t frame_len = FRAME_HDR_LEN + FRAME_MAX_PAYLOAD + FRAME_PCRC_LEN;
  assert_int_equal (msg_frame_pack (m, 1, wire, frame_len), (ssize_t) frame_len);
  Msg *got = decode_and_unpack (frame_len, 4096);
  assert_non_null (got);
  assert_int_equal (strlen (got->error->text), FRAME_MAX_PAYLOAD - 9);

  /* one byte short of room: -1 and nothing written */
  memset (wire, 0xa5, sizeof wire);
  assert_int_equal (msg_frame_pack (m, 1, wire, frame_len - 1), -1);
  assert_int_equal (msg_frame_pack (m, 0, wire, FRAME_HDR_LEN + FRAME_MAX_PAYLOAD - 1), -1);
  assert_int_equal (msg_frame_pack (m, 0, wire, 3), -1);
  assert_int_equal (msg_frame_pack (m, 0, wire, 0), -1);
  for (size_t i = 0; i < sizeof wire; i++)
    assert_int_equal (wire[i], 0xa5);

  /* one byte over the cap: -1 whatever the room; the unpacker refuses it too */
  m = error_msg (FRAME_MAX_PAYLOAD + 1);
  assert_int_equal (msg_frame_pack (m, 0, wire, sizeof wire), -1);
  for (size_t i = 0; i < sizeof wire; i++)
    assert_int_equal (wire[i], 0xa5);
  size_t n = msg__pack (m, wire);
  assert_int_equal (n, FRAME_MAX_PAYLOAD + 1);
  msg_arena_reset (&arena);
  assert_null (msg_unpack (&arena, wire, n));
}

static void data_frame_round_trip (void **state)
{
  (void) state;
  for (int with_pcrc = 0; with_pcrc < 2; with_pcrc++) {
    struct data_hdr h = { STREAM_STDOUT, 123456789012ull, 1764100000000000001 }, got;
    const char data[] = "hello, world\n";
    uint32_t len = sizeof data - 1;
    data_frame_begin (wire, 0x42, &h, len, with_pcrc);
    memcpy (wire + FRAME_HDR_LEN + DATA_HDR_LEN, data, len);
    size_t n = FRAME_HDR_LEN + DATA_HDR_LEN + len;
    if (with_pcrc) {
      uint32_t crc = data_frame_pcrc (wire + FRAME_HDR_LEN, (const uint8_t *) data, len);
      for (int i = 0; i < 4; i++)
        wire[n++] = (uint8_t) (crc >> (8 * i));
    }
    struct frame f;
    size_t used;
    frame_decoder_init (&dec);
    assert_int_equal (frame_decoder_feed (&dec, wire, n, &used, &f), FRAME_READY);
    assert_int_equal (used, n);
    assert_int_equal (f.type, FRAME_DATA);
    assert_int_equal (f.handle, 0x42);
    assert_int_equal (f.flags, with_pcrc ? FRAME_F_PCRC : 0);
    assert_int_equal (f.len, DATA_HDR_LEN + len);
    assert_int_equal (data_hdr_decode (f.payload, f.len, &got), 0);
    assert_int_equal (got.stream, h.stream);
    assert_int_equal (got.offset, h.offset);
    assert_int_equal (got.time_ns, h.time_ns);
    assert_memory_equal (f.payload + DATA_HDR_LEN, data, len);
    if (with_pcrc) { /* a flipped data bit is caught */
      wire[FRAME_HDR_LEN + DATA_HDR_LEN] ^= 0x20;
      frame_decoder_init (&dec);
      assert_int_equal (frame_decoder_feed (&dec, wire, n, &used, &f), FRAME_REJECTED);
      assert_string_equal (dec.reject_reason, "payload crc mismatch");
      assert_int_equal (dec.reject_handle, 0x42);
    }
  }
}

int main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup (every_body_round_trips, setup),
    cmocka_unit_test_setup (hello_fields_survive, setup),
    cmocka_unit_test_setup (msg_name_edges, setup),
    cmocka_unit_test_setup (malformed_payload_is_null, setup),
    cmocka_unit_test_setup (arena_exhaustion_is_null, setup),
    cmocka_unit_test_setup (request_id_of_refused, setup),
    cmocka_unit_test_setup (arena_short_by_any_amount, setup),
    cmocka_unit_test_setup (pack_size_limits, setup),
    cmocka_unit_test_setup (data_frame_round_trip, setup),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
