# tether — top-level build. `make` builds the shipped binaries (release only);
# `make test` builds sanitizer/test binaries under build/san and runs every suite.
# The parts: mk/deps.mk (toolchain), mk/proto.mk (generated code), mk/fuzz.mk (fuzzers),
# mk/build.mk (objects, room libraries, binaries), mk/unit.mk (unit tests),
# mk/vm.mk (guest images), mk/test-*.mk (suites: host, vm, docker).

B := build
SAN := build/san
HOST_CC ?= cc
HOST_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Wpedantic -Werror
SAN_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Wpedantic -Werror -fsanitize=address,undefined \
  -fno-omit-frame-pointer -fno-sanitize-recover=all
.PHONY: all
all: $(B)/tether $(B)/init $(B)/tetherctl $(B)/tetherd

include mk/deps.mk
include mk/proto.mk
include mk/build.mk
include mk/unit.mk
include mk/vm.mk
include mk/test-vm.mk
include mk/test-host.mk
include mk/test-docker.mk
include mk/test-net.mk
include mk/mutants.mk
include mk/fuzz.mk

# The main job: boot a container VM from the built-in default image and run CMD in it.
CMD ?= sh -c 'echo "hello from container $$(hostname), kernel $$(uname -r)"'
.PHONY: run
run: $(DEPS_STAMP) all build/initramfs.cpio.gz
	$(B)/tetherctl run -- $(CMD)

# Every suite runs even after another failed; the exit status says if any did.
TEST_SUITES := test-includes test-unit test-fuzz test-host test-ctl-host test-net test-image test-docker test-vm
.PHONY: test
test: $(DEPS_STAMP)
	@rc=0; for t in $(TEST_SUITES); do echo "=== $$t"; $(MAKE) --no-print-directory $$t || { rc=1; echo "=== $$t FAILED"; }; done; \
	if [ $$rc = 0 ]; then echo "make test: all suites passed"; else echo "make test: some suites FAILED"; fi; exit $$rc

# The include rules between rooms (docs/design.md).
.PHONY: test-includes
test-includes:
	bash mk/check-includes.sh

.PHONY: clean
clean:
	rm -rf $(B)/tether $(B)/tetherctl $(B)/tetherd $(B)/init $(SAN) $(B)/gen $(B)/fuzz $(B)/o

.PHONY: bench
bench: $(B)/tether $(B)/tetherctl $(B)/tetherd build/initramfs.cpio.gz build/bootstrap.iso
	bash bench/run.sh
