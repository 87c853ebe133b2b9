# mk/fuzz.mk — libFuzzer targets (docs/fuzzing.md), included by the Makefile.
# The rooms are compiled once more into a fuzz flavour (clang, ASan + UBSan,
# coverage for libFuzzer) under build/o/fuzz; each target is one file of
# tests/fuzz/ linked against the libraries of what it drives.
#   make fuzz [FUZZ_SECONDS=300]   every target for that long, execs per target
#   make fuzz-long                 every target to FUZZ_RUNS (10 M) executions, two at
#                                  once (~1 h on two cores), slowest first
#   make test-fuzz                 every target for FUZZ_TEST_SECONDS (20), two at once: a crash fails
#   build/fuzz/NAME -max_total_time=60 tests/fuzz/corpus/NAME   one by hand

FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Wpedantic -Werror \
  -Wno-gnu-zero-variadic-macro-arguments -Wno-gnu-statement-expression -fno-omit-frame-pointer \
  -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -isystem /usr/include/libnl3
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined
FUZZ_SECONDS ?= 300
FUZZ_TEST_SECONDS ?= 20

# A harness takes the include path of the room it drives (tether/ has a spawn.h
# that would hide <spawn.h> from a host harness).
FUZZ_GUEST := frame user cfg tether tether_glue tether_stub dhcp netlink seccomp
fuzz_inc = $(if $(filter tests/fuzz/%,$(1)),$(if $(filter $(FUZZ_GUEST),$(basename $(notdir $(1)))),$(INC_tether),$(INC_host/docker)),$(call inc_of,$(1)))
$(O)/fuzz/%.o: %.c | $(GEN_FIRST)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(call fuzz_inc,$<) $(FUZZ_INC_$(basename $(notdir $<))) $(DEPFLAGS) -c -o $@ $<

define fuzz_room_lib
$(O)/fuzz/lib$(1).a: $(call objs,fuzz,$(call room_srcs,$(1)) $(if $(filter proto,$(1)),$(PROTO_GEN_C)))
	@rm -f $$@
	$(AR_HOST) rcs $$@ $$^
endef
$(foreach r,$(ROOMS),$(eval $(call fuzz_room_lib,$(word 1,$(subst :, ,$(r))))))


# target: libraries, system libraries, extra link flags (seams, docs/fuzzing.md)
FUZZ_TARGETS := frame user cfg tether router image proxy dhcp seccomp netlink
FUZZ_LIBS_frame := $(O)/fuzz/libproto.a $(O)/fuzz/libbase.a
FUZZ_SYS_frame := -lprotobuf-c
FUZZ_LIBS_user := $(call TETHER_LIBS,$(O)/fuzz)
FUZZ_LIBS_cfg := $(O)/fuzz/tests/fuzz/tether_glue.o $(call TETHER_LIBS,$(O)/fuzz)
FUZZ_SYS_cfg := -lprotobuf-c -lseccomp -lcap -lnl-3 -lsodium
FUZZ_LIBS_tether := $(O)/fuzz/tests/fuzz/tether_stub.o $(FUZZ_LIBS_cfg)
FUZZ_SYS_tether := $(FUZZ_SYS_cfg)
FUZZ_LIBS_router := $(O)/fuzz/tests/fuzz/fuzz_tmpdir.o $(call DOCKER_LIBS,$(O)/fuzz)
FUZZ_SYS_router := $(DOCKER_SYSLIBS)
FUZZ_WRAP_router := -Wl,--wrap=fork -Wl,--wrap=posix_spawn
FUZZ_LIBS_proxy := $(O)/fuzz/tests/fuzz/fuzz_tmpdir.o $(call HOST_LIBS,$(O)/fuzz)
FUZZ_SYS_proxy := -lprotobuf-c -lmd -ljansson
FUZZ_WRAP_proxy := -Wl,--wrap=ep_fail -Wl,--wrap=ep_finish -Wl,--wrap=ep_log
FUZZ_LIBS_image := $(FUZZ_LIBS_router)
# the DHCP client's parser (tether/dhcpmsg.c, pure)
FUZZ_LIBS_dhcp := $(call TETHER_LIBS,$(O)/fuzz)
FUZZ_SYS_dhcp := $(FUZZ_SYS_cfg)
FUZZ_SYS_image := $(DOCKER_SYSLIBS)
# the netlink replies the tether reads and the requests it builds (tether/netif.c)
FUZZ_LIBS_netlink := $(call TETHER_LIBS,$(O)/fuzz)
FUZZ_SYS_netlink := $(FUZZ_SYS_cfg)
# docker's seccomp JSON on the host (host/common/seccompjson.c) to the tether's
# BPF (tether/secprofile.c): the two objects, not their rooms' libraries
FUZZ_INC_seccomp := -iquote host/common
FUZZ_LIBS_seccomp := $(O)/fuzz/host/common/seccompjson.o $(O)/fuzz/tether/secprofile.o \
  $(O)/fuzz/tether/secprofile_default.o $(O)/fuzz/libproto.a $(O)/fuzz/libbase.a
FUZZ_SYS_seccomp := -ljansson -lseccomp -lprotobuf-c -lcap
# the stub process seam (tests/fuzz/tether_stub.h): nothing is forked, signalled or waited for
FUZZ_WRAP_tether := $(foreach f,syscall pipe2 socketpair setns kill waitpid epoll_wait now_mono_ms now_real_ns log_warn log_note log_info,-Wl,--wrap=$(f))

FUZZ_BINS = $(FUZZ_TARGETS:%=$(B)/fuzz/%)
.SECONDEXPANSION:
$(FUZZ_BINS): $(B)/fuzz/%: $(O)/fuzz/tests/fuzz/%.o $$(FUZZ_LIBS_$$*)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) $(FUZZ_WRAP_$*) -o $@ $< $(call group,$(FUZZ_LIBS_$*)) $(FUZZ_SYS_$*)

# the long run's order: slowest first, so the two queues end together
FUZZ_LONG_ORDER := tether proxy router image seccomp frame user cfg netlink dhcp
FUZZ_RUNS ?= 10000000
FUZZ_LONG_CAP ?= 5400

.PHONY: fuzz-build fuzz test-fuzz fuzz-long
fuzz-build: $(FUZZ_BINS)
fuzz: $(FUZZ_BINS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh $(FUZZ_TARGETS)
fuzz-long: $(FUZZ_BINS)
	@FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_SECONDS=$(FUZZ_LONG_CAP) FUZZ_JOBS=2 bash tests/fuzz/run.sh $(FUZZ_LONG_ORDER)
test-fuzz: $(FUZZ_BINS)
	@FUZZ_SECONDS=$(FUZZ_TEST_SECONDS) FUZZ_JOBS=2 bash tests/fuzz/run.sh $(FUZZ_TARGETS)
