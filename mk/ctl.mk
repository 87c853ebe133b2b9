# tetherctl, the host CLI (endpoint/). Included by the top-level Makefile, which
# defines B, SAN, HOST_CC, HOST_CFLAGS, SAN_CFLAGS, PROTO_SRCS and the rule for
# $(B)/gen/tether.pb-c.c.

CTL_LIB_SRCS := endpoint/conn.c endpoint/session.c endpoint/json.c endpoint/inspect.c \
                endpoint/sig.c endpoint/timefmt.c endpoint/cli_common.c endpoint/cli_run.c \
                endpoint/cli_ps.c endpoint/cli_ctl.c endpoint/statedir.c endpoint/sha256.c \
                endpoint/tool.c endpoint/tree.c endpoint/whiteout.c endpoint/image.c \
                endpoint/image_default.c endpoint/cli_image.c \
                endpoint/vmstate.c endpoint/qmp.c endpoint/qemu.c endpoint/kvmprobe.c endpoint/link.c \
                endpoint/proxy.c endpoint/endpoint.c endpoint/cli_vmrun.c endpoint/cli_vmctl.c
CTL_SRCS := endpoint/main.c $(CTL_LIB_SRCS)
CTL_CPPFLAGS := -Iendpoint -Iproto -I$(B)/gen
CTL_HDRS := $(wildcard endpoint/*.h proto/*.h)
CTL_ALL_SRCS = $(CTL_SRCS) $(PROTO_SRCS) $(B)/gen/tether.pb-c.c
CTL_LIBS := -lprotobuf-c

# Release build: static musl like the guest binaries. It starts in a fraction
# of a dynamic glibc binary's time, which `make bench`'s launch figure shows.
$(B)/tetherctl: $(CTL_SRCS) $(PROTO_SRCS) $(B)/gen/tether.pb-c.c $(CTL_HDRS) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MUSL_CC) $(MUSL_CFLAGS) $(CTL_CPPFLAGS) -o $@ $(CTL_ALL_SRCS) $(MUSL_LDFLAGS) -lprotobuf-c

$(SAN)/tetherctl: $(CTL_SRCS) $(PROTO_SRCS) $(B)/gen/tether.pb-c.c $(CTL_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_CFLAGS) $(CTL_CPPFLAGS) -o $@ $(CTL_ALL_SRCS) $(CTL_LIBS)

# Unit tests of the pure parts: one cmocka program per source file.
CTL_UNIT_TESTS := sig timefmt json inspect image
CTL_UNIT_BINS := $(CTL_UNIT_TESTS:%=$(SAN)/tests/test_ctl_%)

$(SAN)/tests/test_ctl_%: tests/unit/test_ctl_%.c $(CTL_LIB_SRCS) $(PROTO_SRCS) $(B)/gen/tether.pb-c.c $(CTL_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_CFLAGS) $(CTL_CPPFLAGS) -o $@ $< $(CTL_LIB_SRCS) $(PROTO_SRCS) \
	  $(B)/gen/tether.pb-c.c $(CTL_LIBS) -lcmocka

# Every program runs even after a failure; the exit status reports any of them.
.PHONY: test-ctl-unit test-unit
test-ctl-unit: $(CTL_UNIT_BINS)
	@rc=0; for t in $(CTL_UNIT_BINS); do echo "== $$t"; $$t || rc=1; done; exit $$rc

test-unit:: test-ctl-unit

# Host-mode behaviour of every verb against a real `tether --listen` (needs root).
.PHONY: test-ctl-host
test-ctl-host: $(SAN)/tether $(SAN)/tetherctl
	tests/host/ctl_verbs.sh $(SAN)/tether $(SAN)/tetherctl

