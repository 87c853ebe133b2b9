# Network tests (tests/net/): tether/netif.c and the DHCP client against veth
# pairs in network namespaces the runner makes and removes; no packet leaves
# them. Needs root, ip(8); the DHCP cases also dnsmasq and python3.
INC_tests/net = $(INC_tether)
$(SAN)/tests/nettool: $(O)/san/tests/net/nettool.o $(call TETHER_LIBS,$(O)/san)
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_CFLAGS) -o $@ $< $(call group,$(call TETHER_LIBS,$(O)/san)) $(SAN_TETHER_LIBS)

# The same driver linked as the tether is (static musl, the sysroot's libnl-3):
# proves the release link, and runs the same tests.
$(B)/tests/nettool: $(O)/rel/tests/net/nettool.o $(call TETHER_LIBS,$(O)/rel) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(MUSL_CC) $(MUSL_LDFLAGS) -o $@ $< $(call group,$(call TETHER_LIBS,$(O)/rel)) $(MUSL_LIBS)

.PHONY: test-net
test-net: $(SAN)/tests/nettool $(B)/tests/nettool
	bash tests/net/run.sh $(SAN)/tests/nettool
	bash tests/net/run.sh $(B)/tests/nettool
