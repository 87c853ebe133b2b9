# mk/unit.mk — unit tests: one cmocka program per source file (STYLE §11), linked
# against the sanitizer libraries of the room it tests. `make test-unit` runs them
# all (each runs even after another failed; the exit status says if any did).

# tests/unit/test_X.c -> room by what it tests
UNIT_PROTO := crc32c frame msg loglimit loop duration sysfs hardspec capnames
UNIT_TETHER := ring user health netif netguard pktguard secprofile dhcpmsg dhcp bdoor guestinfo
UNIT_HOST := ctl_portspec ctl_sig ctl_timefmt ctl_timeparse ctl_logstore ctl_json ctl_inspect ctl_image ctl_template ctl_seccompjson ctl_netrec
UNIT_DOCKER := docker_router docker_psfilter docker_create store_layer docker_imgmerge

INC_tests/unit = $(INC_proto) -Itether $(HOST_INC) -Ihost/store -Ihost/docker

UNIT_BINS := $(UNIT_PROTO:%=$(SAN)/tests/unit/test_%) $(UNIT_TETHER:%=$(SAN)/tests/unit/test_%) \
             $(UNIT_HOST:%=$(SAN)/tests/unit/test_%) $(UNIT_DOCKER:%=$(SAN)/tests/unit/test_%)

$(UNIT_PROTO:%=$(SAN)/tests/unit/test_%): $(SAN)/tests/unit/test_%: $(O)/san/tests/unit/test_%.o \
    $(O)/san/libproto.a $(O)/san/libbase.a
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_CFLAGS) -o $@ $< $(call group,$(O)/san/libproto.a $(O)/san/libbase.a) -lcmocka -lprotobuf-c -lmd -ljansson -lcap

$(UNIT_TETHER:%=$(SAN)/tests/unit/test_%): $(SAN)/tests/unit/test_%: $(O)/san/tests/unit/test_%.o \
    $(call TETHER_LIBS,$(O)/san)
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_CFLAGS) -o $@ $< $(call group,$(call TETHER_LIBS,$(O)/san)) -lcmocka $(SAN_TETHER_LIBS)

$(UNIT_HOST:%=$(SAN)/tests/unit/test_%): $(SAN)/tests/unit/test_%: $(O)/san/tests/unit/test_%.o \
    $(call HOST_LIBS,$(O)/san)
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_CFLAGS) -o $@ $< $(call group,$(call HOST_LIBS,$(O)/san)) -lcmocka -lprotobuf-c -lmd -ljansson

$(UNIT_DOCKER:%=$(SAN)/tests/unit/test_%): $(SAN)/tests/unit/test_%: $(O)/san/tests/unit/test_%.o \
    $(call DOCKER_LIBS,$(O)/san)
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_CFLAGS) -o $@ $< $(call group,$(call DOCKER_LIBS,$(O)/san)) -lcmocka $(DOCKER_SYSLIBS)

.PHONY: test-unit
test-unit: $(UNIT_BINS)
	@rc=0; for t in $(UNIT_BINS); do echo "== $$t"; $$t || rc=1; done; exit $$rc

# Host-mode behaviour of every verb against a real `tether --listen` (needs root).
.PHONY: test-ctl-host
test-ctl-host: $(SAN)/tether $(SAN)/tetherctl
	tests/host/ctl_verbs.sh $(SAN)/tether $(SAN)/tetherctl

# Layer and disk building: tests/host/image.sh against the sanitizer tetherctl
# (needs root, tar, mke2fs, debugfs, qemu-img, python3).
INC_tests/host = $(HOST_INC)
$(SAN)/tests/image_mkdisk: $(O)/san/tests/host/image_mkdisk.o $(call HOST_LIBS,$(O)/san)
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_CFLAGS) -o $@ $< $(call group,$(call HOST_LIBS,$(O)/san)) -lprotobuf-c -lmd -ljansson

.PHONY: test-image
test-image: $(SAN)/tetherctl $(SAN)/tests/image_mkdisk
	CTL=$(SAN)/tetherctl MKDISK=$(SAN)/tests/image_mkdisk sh tests/host/image.sh
