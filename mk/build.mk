# mk/build.mk — every C file is compiled once per flavour into an object with its
# dependency file (-MMD -MP), each room is a static library, and binaries and
# tests link against the libraries: editing one .c recompiles that object (per
# flavour) and relinks, nothing else. Included by the top-level Makefile.
#
# Flavours (objects under build/o/FLAVOUR/<source path>.o):
#   rel   static musl, -Os, LTO: the shipped tether and tetherctl
#   boot  static musl, no sysroot: stage-1 init (it links no library)
#   san   glibc with ASan/UBSan: tests and build/san/ binaries
#   glibc glibc, -O2, hardened, Debian's shared libraries: the shipped tetherd
#         (a long-lived daemon: libmicrohttpd, jansson, protobuf-c as Debian ships them)
# Rooms and what each may include (mk/check-includes.sh enforces it):
#   lib/ (base)       nothing of ours
#   proto/ (proto)    lib, the generated protobuf-c code
#   tether/ (tether)  lib, proto
#   init/ (init)      lib
#   host/common       lib, proto
#   host/image        lib, proto, host/common
#   host/endpoint     lib, proto, host/common, host/image
#   host/cli          lib, proto, host/common, host/image, host/endpoint, host/cli
#   host/store        lib, proto, host/common, host/image (tetherd's image store:
#                     libarchive, jansson; glibc only, tetherctl is static musl)
#   host/docker       lib, proto, host/common, host/image, host/store, host/endpoint, host/cli
#                     (a peer of host/cli: nothing includes host/docker)

O := $(B)/o
AR_MUSL ?= gcc-ar
AR_HOST ?= ar
DEPFLAGS = -MMD -MP

# Rooms: name, source directory. A room's library holds every .c but main.c.
ROOMS := base:lib proto:proto tether:tether init:init hostcommon:host/common \
         hostimage:host/image hostendpoint:host/endpoint hostcli:host/cli hoststore:host/store \
         hostdocker:host/docker
room_dir = $(word 2,$(subst :, ,$(filter $(1):%,$(ROOMS))))
room_srcs = $(filter-out $(call room_dir,$(1))/main.c,$(wildcard $(call room_dir,$(1))/*.c))

GEN_INC := -I$(B)/gen
HOST_INC := -Ilib -Iproto $(GEN_INC) -Ihost/common -Ihost/image -Ihost/endpoint -Ihost/cli
# Include paths by source directory (tests take their room's).
INC_lib := -Ilib
INC_proto := -Ilib -Iproto $(GEN_INC)
INC_$(B)/gen := $(INC_proto)
INC_tether := -Ilib -Iproto $(GEN_INC) -Itether
INC_init := -Ilib -Iinit
INC_host/common := $(HOST_INC)
INC_host/image := $(HOST_INC)
INC_host/endpoint := $(HOST_INC)
INC_host/cli := $(HOST_INC)
INC_host/store := $(HOST_INC) -Ihost/store
INC_host/docker := $(HOST_INC) -Ihost/store -Ihost/docker
inc_of = $(INC_$(patsubst %/,%,$(dir $(1))))

# The generated header must exist before anything that may include it compiles.
GEN_FIRST := $(PROTO_GEN_H)

$(O)/rel/%.o: %.c | $(GEN_FIRST) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MUSL_CC) $(MUSL_CFLAGS) $(call inc_of,$<) $(DEPFLAGS) -c -o $@ $<

$(O)/boot/%.o: %.c
	@mkdir -p $(@D)
	$(MUSL_CC) $(INIT_CFLAGS) $(call inc_of,$<) $(DEPFLAGS) -c -o $@ $<

# glibc release flavour: Debian's hardening flags on top of HOST_CFLAGS.
GLIBC_CFLAGS := $(HOST_CFLAGS) -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
GLIBC_LDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,--as-needed
$(O)/glibc/%.o: %.c | $(GEN_FIRST) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(HOST_CC) $(GLIBC_CFLAGS) $(call inc_of,$<) $(DEPFLAGS) -c -o $@ $<

# libnl-3's headers, where Debian puts them (the sysroot copies that layout).
SAN_CFLAGS += -isystem /usr/include/libnl3
$(O)/san/%.o: %.c | $(GEN_FIRST)
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_CFLAGS) $(call inc_of,$<) $(DEPFLAGS) -c -o $@ $<

# $(call objs,FLAVOUR,SOURCES)
objs = $(patsubst %.c,$(O)/$(1)/%.o,$(2))

# One static library per room and flavour.
define room_lib
$(O)/rel/lib$(1).a: $(call objs,rel,$(call room_srcs,$(1)) $(if $(filter proto,$(1)),$(PROTO_GEN_C)))
	@rm -f $$@
	$(AR_MUSL) rcs $$@ $$^
$(O)/boot/lib$(1).a: $(call objs,boot,$(call room_srcs,$(1)))
	@rm -f $$@
	$(AR_MUSL) rcs $$@ $$^
$(O)/san/lib$(1).a: $(call objs,san,$(call room_srcs,$(1)) $(if $(filter proto,$(1)),$(PROTO_GEN_C)))
	@rm -f $$@
	$(AR_HOST) rcs $$@ $$^
$(O)/glibc/lib$(1).a: $(call objs,glibc,$(call room_srcs,$(1)) $(if $(filter proto,$(1)),$(PROTO_GEN_C)))
	@rm -f $$@
	$(AR_HOST) rcs $$@ $$^
endef
$(foreach r,$(ROOMS),$(eval $(call room_lib,$(word 1,$(subst :, ,$(r))))))

# Libraries a program links, dependents first.
TETHER_LIBS = $(1)/libtether.a $(1)/libproto.a $(1)/libbase.a
HOST_LIBS = $(1)/libhostcli.a $(1)/libhostendpoint.a $(1)/libhostimage.a $(1)/libhostcommon.a \
            $(1)/libproto.a $(1)/libbase.a
# tetherd: its room, then what it reads (the state dir, inspect, JSON).
DOCKER_LIBS = $(1)/libhostdocker.a $(1)/libhoststore.a $(1)/libhostcli.a $(1)/libhostendpoint.a $(1)/libhostimage.a \
              $(1)/libhostcommon.a $(1)/libproto.a $(1)/libbase.a
DOCKER_SYSLIBS := -lmicrohttpd -larchive -lnettle -ljansson -lprotobuf-c -lmd -lcap
group = -Wl,--start-group $(1) -Wl,--end-group

# --- shipped binaries (release) ---
$(B)/tether: $(O)/rel/tether/main.o $(call TETHER_LIBS,$(O)/rel) $(DEPS_STAMP)
	$(MUSL_CC) $(MUSL_LDFLAGS) -o $@ $< $(call group,$(call TETHER_LIBS,$(O)/rel)) $(MUSL_LIBS)

$(B)/tetherctl: $(O)/rel/host/cli/main.o $(call HOST_LIBS,$(O)/rel) $(DEPS_STAMP)
	$(MUSL_CC) $(MUSL_LDFLAGS) -o $@ $< $(call group,$(call HOST_LIBS,$(O)/rel)) -lprotobuf-c -lmd -ljansson -lcap

$(B)/tetherd: $(O)/glibc/host/docker/main.o $(call DOCKER_LIBS,$(O)/glibc) $(DEPS_STAMP)
	$(HOST_CC) $(GLIBC_CFLAGS) $(GLIBC_LDFLAGS) -o $@ $< $(call group,$(call DOCKER_LIBS,$(O)/glibc)) $(DOCKER_SYSLIBS)

$(B)/init: $(O)/boot/init/main.o $(O)/boot/libinit.a $(O)/boot/libbase.a
	$(MUSL_CC) $(INIT_LDFLAGS) -o $@ $< $(call group,$(O)/boot/libinit.a $(O)/boot/libbase.a)

# --- sanitizer builds for the tests ---
SAN_TETHER_LIBS := -lprotobuf-c -lseccomp -lcap -lnl-3 -lsodium
$(SAN)/tether: $(O)/san/tether/main.o $(call TETHER_LIBS,$(O)/san)
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_CFLAGS) -o $@ $< $(call group,$(call TETHER_LIBS,$(O)/san)) $(SAN_TETHER_LIBS)

$(SAN)/tetherctl: $(O)/san/host/cli/main.o $(call HOST_LIBS,$(O)/san)
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_CFLAGS) -o $@ $< $(call group,$(call HOST_LIBS,$(O)/san)) -lprotobuf-c -lmd -ljansson -lcap

$(SAN)/tetherd: $(O)/san/host/docker/main.o $(call DOCKER_LIBS,$(O)/san)
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_CFLAGS) -o $@ $< $(call group,$(call DOCKER_LIBS,$(O)/san)) $(DOCKER_SYSLIBS)

# Every object's dependency file, once it exists.
-include $(shell find $(O) -name '*.d' 2>/dev/null)
