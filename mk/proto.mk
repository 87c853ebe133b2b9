# proto/: the generated protobuf-c code (objects, the
# library and unit tests: mk/build.mk, mk/unit.mk). Included by the Makefile.

PROTO_GEN_C := $(B)/gen/tether.pb-c.c
PROTO_GEN_H := $(B)/gen/tether.pb-c.h
PROTO_HDRS := $(wildcard proto/*.h lib/*.h) $(PROTO_GEN_H)
PROTO_CPPFLAGS := -Ilib -Iproto -I$(B)/gen

# One protoc-c run writes both files: a pattern rule with two targets tells make so.
$(B)/gen/%.pb-c.c $(B)/gen/%.pb-c.h: proto/%.proto | $(DEPS_STAMP)
	@mkdir -p $(@D)
	protoc-c --c_out=$(B)/gen --proto_path=proto $<

# Generated files are kept even when only pattern rules name them (the fuzz
# flavour's objects order on the header, nothing lists it as a prerequisite).
.SECONDARY: $(PROTO_GEN_C) $(PROTO_GEN_H)
