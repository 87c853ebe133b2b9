# proto/: the generated protobuf-c code and the frame fuzzer (objects, the
# library and unit tests: mk/build.mk, mk/unit.mk). Included by the Makefile.

PROTO_GEN_C := $(B)/gen/tether.pb-c.c
PROTO_GEN_H := $(B)/gen/tether.pb-c.h
PROTO_HDRS := $(wildcard proto/*.h lib/*.h) $(PROTO_GEN_H)
PROTO_CPPFLAGS := -Ilib -Iproto -I$(B)/gen

# One protoc-c run writes both files: a pattern rule with two targets tells make so.
$(B)/gen/%.pb-c.c $(B)/gen/%.pb-c.h: proto/%.proto | $(DEPS_STAMP)
	@mkdir -p $(@D)
	protoc-c --c_out=$(B)/gen --proto_path=proto $<

# libFuzzer target: make fuzz, then $(B)/fuzz/frame -max_total_time=60 [CORPUS_DIR]
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Wpedantic -Werror \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

.PHONY: fuzz
fuzz: $(B)/fuzz/frame $(B)/fuzz/dhcp

FUZZ_SRCS = $(wildcard proto/*.c lib/*.c) $(PROTO_GEN_C)
$(B)/fuzz/frame: tests/fuzz/frame.c $(FUZZ_SRCS) $(PROTO_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(PROTO_CPPFLAGS) -o $@ $< $(FUZZ_SRCS) -lprotobuf-c

# The DHCP parser (tether/dhcpmsg.c, pure: no other tether file needed):
# $(B)/fuzz/dhcp -max_total_time=60 tests/fuzz/corpus/dhcp
$(B)/fuzz/dhcp: tests/fuzz/dhcp.c tether/dhcpmsg.c tether/dhcpmsg.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Itether -o $@ $< tether/dhcpmsg.c
