# mk/deps.mk — the static musl toolchain, included by the top-level Makefile.
#
# `make deps` installs the host packages and builds build/sysroot (static
# libseccomp, libcap, protobuf-c runtime built with musl-gcc from Debian's
# sources) via mk/deps.sh. Rules that compile with MUSL_CC depend on the
# stamp file $(DEPS_STAMP), not on the phony target, so they rebuild only
# when the sysroot does. Paths are relative to the repository top.

MUSL_CC  ?= musl-gcc
SYSROOT  ?= build/sysroot
# Symlinks to Debian's <linux/...>, <asm/...>, <asm-generic/...>: musl-gcc
# hides the system include directory, and with it the kernel headers.
KINCLUDE ?= $(SYSROOT)/kinclude

# x86-64 baseline on purpose (never -march=native): QEMU TCG lacks SSE4.2.
MUSL_ARCH ?= -march=x86-64 -mtune=generic

# Link-time optimisation across our own objects: a small saving (about 150
# bytes on a two-file test; none on a single file), and it builds cleanly. The sysroot libraries are plain objects on purpose: LTO
# there saved only ~2 KB and would tie them to this exact gcc. "=auto" uses
# make's jobserver or all cores and avoids gcc's "serial compilation of N
# LTRANS jobs" warning. Set MUSL_LTO= to turn it off.
MUSL_LTO ?= -flto=auto

# No unwind tables: nothing in the guest unwinds (no C++, no backtraces: the
# sanitizer builds have their own), and .eh_frame was 16 KiB of a binary held
# to 300 KiB.
MUSL_CFLAGS ?= -static -Os -std=c11 -D_GNU_SOURCE $(MUSL_ARCH) \
	-Wall -Wextra -Wpedantic -Werror \
	-ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables $(MUSL_LTO) \
	-isystem $(KINCLUDE) -isystem $(SYSROOT)/include -isystem $(SYSROOT)/include/libnl3
MUSL_LDFLAGS ?= -static -Wl,--gc-sections -s $(MUSL_LTO) -L$(SYSROOT)/lib
MUSL_LIBS ?= -lseccomp -lcap -lprotobuf-c -lnl-3 -lsodium

DEPS_STAMP := build/stamps/deps

.PHONY: deps
deps: $(DEPS_STAMP)

# mk/deps.sh skips every step already done, so re-running it is cheap;
# it runs again when the script itself changes.
$(DEPS_STAMP): mk/deps.sh
	SYSROOT=$(SYSROOT) bash mk/deps.sh
	@mkdir -p $(@D)
	@touch $@
