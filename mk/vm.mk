# mk/vm.mk — the guest side of VM mode, included by the top-level Makefile:
# stage-1 init, kernel + modules, initramfs, bootstrap ISO (DESIGN §4, docs/vm.md).
#
#   make build/init              static musl stage-1 init (needs no sysroot)
#   make kernel                  Debian's kernel + selected modules (mk/kernel.sh)
#   make initramfs               build/initramfs.cpio.gz (init, build/tether, modules)
#   make iso                     build/bootstrap.iso
#   make vm-smoke                boot test with the fixture tether (not the product)
#
# Variables passed through: KERNEL=path/to/vmlinuz MODULES=path/to/lib/modules/VER
# (another kernel, e.g. Photon linux-esx), DEBUG=1 (busybox /bin/sh in the
# initramfs). Paths are relative to the repository top.

MUSL_CC ?= musl-gcc
KERNEL  ?=
MODULES ?=
DEBUG   ?=
VM_TETHER ?= build/tether

# Own flags: init links no library, so it does not wait for the deps sysroot.
# x86-64 baseline on purpose: QEMU TCG and old ESXi hosts.
INIT_CFLAGS ?= -std=c11 -D_GNU_SOURCE -Os -march=x86-64 -mtune=generic \
	-Wall -Wextra -Wpedantic -Werror -ffunction-sections -fdata-sections
INIT_LDFLAGS ?= -static -s -Wl,--gc-sections

KERNEL_STAMP := build/stamps/kernel
VM_VARS_STAMP := build/stamps/vm-vars

.PHONY: kernel initramfs iso vm-smoke vm-force

# mk/kernel.sh keeps its own stamp and rewrites it only when its inputs
# (package version, KERNEL/MODULES, module list) change, so it runs every time
# and what depends on the stamp rebuilds only after a real change.
kernel $(KERNEL_STAMP): vm-force
	KERNEL='$(KERNEL)' MODULES='$(MODULES)' sh mk/kernel.sh

# Rewritten only when a variable that shapes the initramfs changes.
$(VM_VARS_STAMP): vm-force
	@mkdir -p $(@D)
	@echo 'DEBUG=$(DEBUG)' | cmp -s - $@ || echo 'DEBUG=$(DEBUG)' >$@

build/initramfs.cpio.gz: build/init $(VM_TETHER) $(KERNEL_STAMP) $(VM_VARS_STAMP) rootfs/mkinitramfs.sh
	DEBUG='$(DEBUG)' sh rootfs/mkinitramfs.sh $(VM_TETHER)

initramfs: build/initramfs.cpio.gz

build/bootstrap.iso: build/initramfs.cpio.gz $(KERNEL_STAMP) iso/mkiso.sh iso/isolinux.cfg
	sh iso/mkiso.sh

iso: build/bootstrap.iso

# The smoke test boots the fixture, never the product tether, into build/san/vm/.
VM_SAN := build/san/vm

$(VM_SAN)/fake_tether: tests/vm/fixtures/fake_tether.c lib/sysfs.c lib/sysfs.h
	@mkdir -p $(@D)
	$(MUSL_CC) $(INIT_CFLAGS) -Ilib $(INIT_LDFLAGS) -o $@ $< lib/sysfs.c

$(VM_SAN)/initramfs.cpio.gz: build/init $(VM_SAN)/fake_tether $(KERNEL_STAMP) rootfs/mkinitramfs.sh
	OUT=$@ sh rootfs/mkinitramfs.sh $(VM_SAN)/fake_tether

# A hostile guest for the VM tests: floods the channel with undecodable frames.
$(VM_SAN)/flood_guest: tests/vm/fixtures/flood_guest.c proto/frame.c proto/crc32c.c lib/sysfs.c $(wildcard proto/*.h lib/*.h)
	@mkdir -p $(@D)
	$(MUSL_CC) $(INIT_CFLAGS) -Ilib -Iproto $(INIT_LDFLAGS) -o $@ tests/vm/fixtures/flood_guest.c proto/frame.c proto/crc32c.c lib/sysfs.c

$(VM_SAN)/flood/initramfs.cpio.gz: build/init $(VM_SAN)/flood_guest $(KERNEL_STAMP) rootfs/mkinitramfs.sh
	@mkdir -p $(@D)
	OUT=$@ STAGE=$(VM_SAN)/flood/stage sh rootfs/mkinitramfs.sh $(VM_SAN)/flood_guest

# A guest that lies (offsets, exits for unknown handles and runs) for the VM tests.
$(VM_SAN)/liar_guest: tests/vm/fixtures/liar_guest.c proto/frame.c proto/crc32c.c lib/sysfs.c $(wildcard proto/*.h lib/*.h)
	@mkdir -p $(@D)
	$(MUSL_CC) $(INIT_CFLAGS) -Ilib -Iproto $(INIT_LDFLAGS) -o $@ tests/vm/fixtures/liar_guest.c proto/frame.c proto/crc32c.c lib/sysfs.c

$(VM_SAN)/liar/initramfs.cpio.gz: build/init $(VM_SAN)/liar_guest $(KERNEL_STAMP) rootfs/mkinitramfs.sh
	@mkdir -p $(@D)
	OUT=$@ STAGE=$(VM_SAN)/liar/stage sh rootfs/mkinitramfs.sh $(VM_SAN)/liar_guest

vm-smoke: $(VM_SAN)/initramfs.cpio.gz
	python3 tests/vm/boot_smoke.py --kernel build/kernel/vmlinux --initrd $<

vm-force:
