# Host-mode integration tests (tests/host/): a tether --listen in a temp dir,
# tetherctl against it. Needs root. Included by the top-level Makefile.
.PHONY: test-host
test-host: $(SAN)/tether $(SAN)/tetherctl $(B)/tether $(B)/tetherctl
	bash tests/host/run.sh
