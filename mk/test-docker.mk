# mk/test-docker.mk — tetherd against hostile HTTP with no VM (tests/docker/badhttp.sh:
# slow requests, many headers, names that are not UTF-8, RSS; ~15 s), against the
# real docker CLIs and malformed HTTP (tests/docker/run.sh: two container VMs, ~30 s), then the life of containers
# through the CLIs (tests/docker/life.sh: ~15 VMs, ~90 s), then images
# (tests/docker/images.sh: load, OCI, hostile archives, ~8 VMs, ~60 s), then
# seccomp (tests/docker/seccomp.sh: 4 VMs, ~20 s), then the default network
# (tests/docker/net.sh: -p, -P, port, ps, a port in use; 5 VMs, ~20 s), then hardening
# (tests/docker/hardening.sh: --read-only, --tmpfs, --ulimit, ...; 2 VMs, ~20 s), then users, groups and
# capabilities beside Debian's dockerd + runc (tests/docker/confine.sh:
# ~15 VMs, ~30 s), then bridge networks
# (tests/docker/networks.sh: 3 VMs in a test netns, ~40 s), part of `make test`. Needs root, /usr/local/bin/docker (28.x),
# /usr/bin/docker (Debian's docker.io 20.10), curl, socat, python3: a missing
# one is a failure, never a skip. Runs the sanitizer tetherd, then the release one.

.PHONY: test-docker
test-docker: $(SAN)/tetherd $(B)/tetherd $(B)/tetherctl build/initramfs.cpio.gz
	bash tests/docker/badhttp.sh $(abspath $(SAN)/tetherd) $(abspath $(B)/tetherd)
	TETHER_ASSETS=$(abspath $(B)) CTL=$(abspath $(B)/tetherctl) \
	  bash tests/docker/run.sh $(abspath $(SAN)/tetherd) $(abspath $(B)/tetherd)
	TETHER_ASSETS=$(abspath $(B)) bash tests/docker/life.sh $(abspath $(SAN)/tetherd)
	TETHER_ASSETS=$(abspath $(B)) bash tests/docker/images.sh $(abspath $(SAN)/tetherd)
	TETHER_ASSETS=$(abspath $(B)) bash tests/docker/seccomp.sh $(abspath $(SAN)/tetherd)
	TETHER_ASSETS=$(abspath $(B)) bash tests/docker/net.sh $(abspath $(SAN)/tetherd)
	TETHER_ASSETS=$(abspath $(B)) bash tests/docker/hardening.sh $(abspath $(SAN)/tetherd)
	TETHER_ASSETS=$(abspath $(B)) bash tests/docker/confine.sh $(abspath $(SAN)/tetherd)
	TETHER_ASSETS=$(abspath $(B)) bash tests/docker/networks.sh $(abspath $(SAN)/tetherd)
