# mk/test-vm.mk — VM-mode behaviour tests (tests/vm/run.sh, QEMU TCG), part of
# `make test`. Needs the kernel, the initramfs (with the release tether) and
# tetherctl; ~8 min on 2 cores, most VMs clones of a template made at its start
# (tests/vm/clone.sh: ~1.5 min of it). Nothing is skipped: a missing QEMU is a failure.

.PHONY: test-vm
test-vm: $(B)/tetherctl build/initramfs.cpio.gz build/bootstrap.iso build/san/vm/flood/initramfs.cpio.gz \
  build/san/vm/liar/initramfs.cpio.gz
	TETHER_ASSETS=$(abspath $(B)) FLOOD_INITRD=$(abspath build/san/vm/flood/initramfs.cpio.gz) \
	  LIAR_INITRD=$(abspath build/san/vm/liar/initramfs.cpio.gz) \
	  bash tests/vm/run.sh $(B)/tetherctl

