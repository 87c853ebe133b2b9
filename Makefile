# tether — top-level build. `make` builds the shipped binaries (release only);
# `make test` builds sanitizer/test binaries under build/san and runs every suite.
# The parts: mk/deps.mk (toolchain), mk/proto.mk, mk/ctl.mk, mk/image.mk, mk/vm.mk.

B := build
SAN := build/san
HOST_CC ?= cc
HOST_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror
SAN_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
  -fno-omit-frame-pointer -fno-sanitize-recover=all
PROTO_SRCS = proto/crc32c.c proto/frame.c proto/msg.c proto/terr.c
TETHER_SRCS := $(wildcard tether/*.c)
TETHER_HDRS := $(wildcard tether/*.h)

.PHONY: all
all: $(B)/tether $(B)/init $(B)/tetherctl

include mk/deps.mk
include mk/proto.mk
-include mk/ctl.mk
-include mk/image.mk
-include mk/vm.mk
include mk/tether-unit.mk
-include mk/test-vm.mk
-include mk/test-host.mk
-include mk/mutants.mk

TETHER_CPPFLAGS := -Itether $(PROTO_CPPFLAGS)

# The guest binary: static musl, stripped, baseline x86-64.
$(B)/tether: $(TETHER_SRCS) $(TETHER_HDRS) $(PROTO_SRCS) $(PROTO_HDRS) $(PROTO_GEN_C) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MUSL_CC) $(MUSL_CFLAGS) $(TETHER_CPPFLAGS) -o $@ $(TETHER_SRCS) $(PROTO_SRCS) $(PROTO_GEN_C) \
	  $(MUSL_LDFLAGS) $(MUSL_LIBS)

# The same sources with glibc and sanitizers, for host-mode tests.
$(SAN)/tether: $(TETHER_SRCS) $(TETHER_HDRS) $(PROTO_SRCS) $(PROTO_HDRS) $(PROTO_GEN_C)
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_CFLAGS) $(TETHER_CPPFLAGS) -o $@ $(TETHER_SRCS) $(PROTO_SRCS) $(PROTO_GEN_C) \
	  -lprotobuf-c -lseccomp -lcap

# The main job: boot a container VM from the built-in default image and run CMD in it.
CMD ?= sh -c 'echo "hello from container $$(hostname), kernel $$(uname -r)"'
.PHONY: run
run: $(DEPS_STAMP) all build/initramfs.cpio.gz
	$(B)/tetherctl run -- $(CMD)

# Every suite runs even after another failed; the exit status says if any did.
TEST_SUITES := test-unit test-host test-ctl-host test-image test-vm
.PHONY: test
test: $(DEPS_STAMP)
	@rc=0; for t in $(TEST_SUITES); do echo "=== $$t"; $(MAKE) --no-print-directory $$t || { rc=1; echo "=== $$t FAILED"; }; done; \
	if [ $$rc = 0 ]; then echo "make test: all suites passed"; else echo "make test: some suites FAILED"; fi; exit $$rc

.PHONY: clean
clean:
	rm -rf $(B)/tether $(B)/tetherctl $(B)/init $(SAN) $(B)/gen $(B)/fuzz

.PHONY: bench
bench: $(B)/tether $(B)/tetherctl build/initramfs.cpio.gz build/bootstrap.iso
	bash bench/run.sh
