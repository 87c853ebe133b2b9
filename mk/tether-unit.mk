# Unit tests of tether/ internals: one cmocka program per source file (STYLE §11),
# each linked with the file it tests.
TETHER_UNIT := ring user
TETHER_UNIT_BINS := $(TETHER_UNIT:%=$(SAN)/tests/unit/test_%)

$(SAN)/tests/unit/test_%: tests/unit/test_%.c tether/%.c $(TETHER_HDRS) $(PROTO_SAN_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_CFLAGS) $(TETHER_CPPFLAGS) -o $@ $< tether/$*.c $(PROTO_SAN_OBJS) -lcmocka -lprotobuf-c

.PHONY: test-tether-unit
test-tether-unit: $(TETHER_UNIT_BINS)
	@rc=0; for t in $(TETHER_UNIT_BINS); do echo "== $$t"; $$t || rc=1; done; exit $$rc

test-unit:: test-tether-unit
