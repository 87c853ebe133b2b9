# proto/: generated protobuf-c code, unit tests and the frame fuzzer.
# Included by the top-level Makefile, which defines B, SAN, HOST_CC, SAN_CFLAGS
# and PROTO_SRCS.

PROTO_GEN_C := $(B)/gen/tether.pb-c.c
PROTO_GEN_H := $(B)/gen/tether.pb-c.h
PROTO_HDRS := $(wildcard proto/*.h) $(PROTO_GEN_H)
PROTO_CPPFLAGS := -Iproto -I$(B)/gen

# One protoc-c run writes both files: a pattern rule with two targets tells make so.
$(B)/gen/%.pb-c.c $(B)/gen/%.pb-c.h: proto/%.proto | $(DEPS_STAMP)
	@mkdir -p $(@D)
	protoc-c --c_out=$(B)/gen --proto_path=proto $<

# Sanitizer objects. Static pattern rules, so they win over any generic rule.
PROTO_SAN_OBJS := $(patsubst proto/%.c,$(SAN)/proto/%.o,$(PROTO_SRCS)) $(SAN)/gen/tether.pb-c.o

$(patsubst proto/%.c,$(SAN)/proto/%.o,$(PROTO_SRCS)): $(SAN)/proto/%.o: proto/%.c $(PROTO_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_CFLAGS) $(PROTO_CPPFLAGS) -c -o $@ $<

$(SAN)/gen/tether.pb-c.o: $(PROTO_GEN_C) $(PROTO_GEN_H)
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_CFLAGS) $(PROTO_CPPFLAGS) -c -o $@ $<

# One cmocka program per source file (STYLE §11).
PROTO_UNIT_TESTS := $(SAN)/tests/unit/test_crc32c $(SAN)/tests/unit/test_frame $(SAN)/tests/unit/test_msg $(SAN)/tests/unit/test_loglimit

$(PROTO_UNIT_TESTS): $(SAN)/tests/unit/%: tests/unit/%.c $(PROTO_SAN_OBJS) $(PROTO_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_CFLAGS) $(PROTO_CPPFLAGS) -o $@ $< $(PROTO_SAN_OBJS) -lcmocka -lprotobuf-c

# Double-colon: other fragments may add their own test-unit:: rules. Every
# program runs even after a failure; the exit status reports any of them.
.PHONY: test-unit
test-unit:: $(PROTO_UNIT_TESTS)
	@rc=0; for t in $(PROTO_UNIT_TESTS); do echo "== $$t"; $$t || rc=1; done; exit $$rc

# libFuzzer target: make fuzz, then $(B)/fuzz/frame -max_total_time=60 [CORPUS_DIR]
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Wpedantic -Werror \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

.PHONY: fuzz
fuzz: $(B)/fuzz/frame

$(B)/fuzz/frame: tests/fuzz/frame.c $(PROTO_SRCS) $(PROTO_GEN_C) $(PROTO_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(PROTO_CPPFLAGS) -o $@ $< $(PROTO_SRCS) $(PROTO_GEN_C) -lprotobuf-c
