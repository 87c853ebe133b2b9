#!/usr/bin/env bash
# mk/deps.sh — install the host packages tether needs and build the static
# musl sysroot (libseccomp, libcap, protobuf-c runtime, libsodium) from Debian's sources.
#
# Idempotent: every step leaves a stamp under build/stamps/ and is skipped
# when its stamp is present, so a second run takes a fraction of a second.
# Runs as root on Debian 12 without a terminal (CI=true, no stdin).
# Quiet: prints one line per step it actually does; tool output goes to
# build/logs/ and is shown only when a step fails.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$TOP/build
STAMPS=$BUILD/stamps
SRC=$BUILD/src
OBJ=$BUILD/obj
LOGS=$BUILD/logs
# The sysroot may be moved by the caller (mk/deps.mk passes its SYSROOT,
# relative to the repository top).
SYSROOT=${SYSROOT:-build/sysroot}
[[ $SYSROOT == /* ]] || SYSROOT=$TOP/$SYSROOT
KINCLUDE=$SYSROOT/kinclude
JOBS=$(nproc)

# Debian packages the project needs on the build/test host.
PACKAGES=(
    build-essential musl-tools musl-dev gperf
    protobuf-c-compiler libprotobuf-c-dev libcmocka-dev libseccomp-dev libcap-dev libmd-dev libjansson-dev
    libmicrohttpd-dev libarchive-dev libsodium-dev skopeo docker.io
    libnl-3-dev iproute2 dnsmasq-base
    dpkg-dev pkg-config linux-libc-dev autoconf automake libtool
    qemu-system-x86 qemu-utils xorriso isolinux syslinux-common
    busybox-static socat curl tini e2fsprogs cpio kmod zstd xz-utils gzip
    clang libclang-rt-14-dev python3 ca-certificates file
)
# Debian source packages built into the sysroot.
SOURCES=(libseccomp libcap2 protobuf-c libmd jansson libnl3 libsodium)

# Flags for the libraries: the same baseline as mk/deps.mk's MUSL_CFLAGS
# (x86-64 baseline only: QEMU TCG has no SSE4.2), minus -Werror, which is
# not ours to impose on upstream code. Sections let the final link drop
# what tether does not call.
LIB_CFLAGS=(-Os -march=x86-64 -mtune=generic -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables
    -fno-unwind-tables -isystem "$KINCLUDE")

export DEBIAN_FRONTEND=noninteractive
# Another worktree may be running apt at the same time: wait for its lock
# instead of failing.
APT=(apt-get -y -qq -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)

say() { printf 'deps: %s\n' "$*"; }
die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }

# run LOG CMD... — run quietly into build/logs/LOG; on failure show its tail.
run() {
    local log=$LOGS/$1; shift
    if ! "$@" >>"$log" 2>&1 </dev/null; then
        printf 'deps: command failed: %s\n--- last lines of %s ---\n' "$*" "$log" >&2
        tail -n 40 "$log" >&2
        exit 1
    fi
}

stamped() { [[ -e $STAMPS/$1 ]]; }
# current NAME VALUE — the stamp exists and records VALUE (e.g. the flags a
# library was built with, so editing them here rebuilds it).
current() { [[ -e $STAMPS/$1 && $(<"$STAMPS/$1") == "$2" ]]; }
stamp() { mkdir -p "$STAMPS"; printf '%s\n' "${2:-done}" >"$STAMPS/$1"; }

# ---------------------------------------------------------------- apt ------

# A deb-src entry for this machine's Debian suites, derived from the deb
# entries already configured (same mirror, suites, components, keyring), so
# `apt-get source` works without hard-coding a mirror. Sets NEW_SRC=1 if it
# wrote a new file (apt lists then need an update).
NEW_SRC=0
ensure_deb_src() {
    local out=/etc/apt/sources.list.d/tether-src.sources codename
    # shellcheck source=/dev/null
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    [[ -n $codename ]] || die "no VERSION_CODENAME in /etc/os-release"

    # Already there (ours, or the admin's own deb-src lines)?
    if [[ -e $out ]] ||
       grep -qsE '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list ||
       grep -qsiE '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources; then
        return
    fi

    local tmp; tmp=$(mktemp)
    # deb822 files: copy every stanza of Types "deb" whose Suites name this
    # release (bookworm, bookworm-updates, bookworm-security; not third-party
    # repositories), with Types switched to deb-src.
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -e $f ]] || continue
        awk -v rel="$codename" '
            function flush() {
                if (n && isdeb && ours && enabled) {
                    print "Types: deb-src"
                    for (i = 1; i <= n; i++) print lines[i]
                    print ""
                }
                n = 0; isdeb = 0; ours = 0; enabled = 1
            }
            BEGIN { enabled = 1 }
            /^[[:space:]]*#/ { next }
            /^[[:space:]]*$/ { flush(); next }
            tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") isdeb = 1; next }
            tolower($1) == "suites:" {
                for (i = 2; i <= NF; i++) if ($i == rel || index($i, rel "-") == 1) ours = 1
            }
            tolower($1) == "enabled:" && tolower($2) == "no" { enabled = 0 }
            { lines[++n] = $0 }
            END { flush() }
        ' "$f" >>"$tmp"
    done
    # One-line format (older images): "deb [opts] URI SUITE COMPONENTS...".
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -e $f ]] || continue
        awk -v rel="$codename" '
            $1 == "deb" {
                # The suite follows the URI; skip an optional [options] block.
                i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                suite = $(i + 1)
                if (suite == rel || index(suite, rel "-") == 1) {
                    opts = ""; if ($2 ~ /^\[/) for (j = 2; j < i; j++) opts = opts " " $j
                    comps = ""; for (j = i + 2; j <= NF; j++) comps = comps " " $j
                    printf "Types: deb-src\nURIs: %s\nSuites: %s\nComponents:%s\n", $i, suite, comps
                    if (match(opts, /signed-by=[^] ]+/))
                        printf "Signed-By: %s\n", substr(opts, RSTART + 10, RLENGTH - 10)
                    print ""
                }
            }
        ' "$f" >>"$tmp"
    done
    [[ -s $tmp ]] || { rm -f "$tmp"; die "found no Debian '$codename' deb entry to derive deb-src from"; }
    { echo "# Written by tether mk/deps.sh: source packages for the static musl sysroot."
      cat "$tmp"; } >"$out"
    chmod 644 "$out"
    rm -f "$tmp"
    say "added $out"
    NEW_SRC=1
}

packages_installed() {
    # dpkg -s fails if any one is missing; "install ok installed" excludes
    # removed-but-configured leftovers.
    local st
    st=$(dpkg-query -W -f='${Status}\n' "${PACKAGES[@]}" 2>/dev/null) || return 1
    ! grep -qv '^install ok installed$' <<<"$st"
}

# True if apt knows every source package we fetch (deb-src lists present).
sources_indexed() {
    local p
    for p in "${SOURCES[@]}"; do
        # Capture, not a pipe into grep -q: with pipefail, grep exiting early
        # would SIGPIPE apt-cache and read as failure.
        [[ -n $(apt-cache showsrc --only-source "$p" 2>/dev/null) ]] || return 1
    done
}

apt_step() {
    ensure_deb_src
    # Skip apt entirely when our stamp lists exactly these packages, dpkg
    # confirms them, and the deb-src indexes are already there.
    if [[ $NEW_SRC == 0 ]] && current apt "${PACKAGES[*]}" &&
       packages_installed && sources_indexed; then
        return
    fi
    [[ $(id -u) == 0 ]] || die "installing packages needs root"
    say "apt-get update"
    run apt.log "${APT[@]}" update
    if ! packages_installed; then
        say "apt-get install (${#PACKAGES[@]} packages)"
        # --no-upgrade: we need these present, not newest; naming an
        # installed package would otherwise upgrade it as a side effect.
        run apt.log "${APT[@]}" install --no-install-recommends --no-upgrade "${PACKAGES[@]}"
        packages_installed || die "packages still missing after apt-get install (see $LOGS/apt.log)"
    fi
    stamp apt "${PACKAGES[*]}"
}

# ------------------------------------------------------------ sources ------

# fetch_source PKG — apt-get source into build/src/PKG/ (Debian patches
# applied), once. The tree is build/src/PKG/PKG-VERSION/; the stamp records
# the Debian version.
fetch_source() {
    local pkg=$1 dir=$SRC/$1
    stamped "src-$pkg" && [[ -d $dir ]] && return
    say "apt-get source $pkg"
    rm -rf "$dir"; mkdir -p "$dir"
    # apt downloads as the unprivileged _apt user; let it write here, or it
    # falls back to root with a warning.
    if id _apt >/dev/null 2>&1; then chown _apt "$dir"; fi
    (cd "$dir" && run "src-$pkg.log" apt-get -qq -o DPkg::Lock::Timeout=300 source "$pkg")
    local dsc; dsc=$(ls "$dir"/*.dsc)
    stamp "src-$pkg" "$(sed -n 's/^Version: //p' "$dsc")"
}

# libkey PKG — what a library build depends on: its source version and our
# flags. Stored in its stamp, so a change to either rebuilds it.
libkey() { echo "$(<"$STAMPS/src-$1") ${LIB_CFLAGS[*]}"; }

# srcdir PKG — path of the unpacked tree.
srcdir() {
    local d
    for d in "$SRC/$1"/*/; do [[ -d $d ]] && { echo "${d%/}"; return; }; done
    die "no unpacked source for $1"
}

# ------------------------------------------------------------ sysroot ------

# musl-gcc's specs file replaces the system include path with musl's own,
# so <linux/...> and <asm/...> vanish. A private directory of symlinks to
# Debian's kernel headers, passed with -isystem, brings back only those
# (glibc's headers must stay out of sight).
kinclude_step() {
    stamped kinclude && [[ -d $KINCLUDE ]] && return
    mkdir -p "$KINCLUDE"
    local multiarch; multiarch=$(gcc -print-multiarch)
    ln -sfn /usr/include/linux "$KINCLUDE/linux"
    ln -sfn "/usr/include/$multiarch/asm" "$KINCLUDE/asm"
    ln -sfn /usr/include/asm-generic "$KINCLUDE/asm-generic"
    ln -sfn /usr/include/mtd "$KINCLUDE/mtd"
    stamp kinclude
}

# configure_static LOG SRC OBJ ARGS... -- an autotools library configured in OBJ
# (out of tree: Debian's tree stays pristine) for musl, static only, into the sysroot.
configure_static() {
    local log=$1 src=$2 obj=$3; shift 3
    rm -rf "$obj"; mkdir -p "$obj"
    (cd "$obj" && run "$log" "$src/configure" -q CC=musl-gcc CFLAGS="${LIB_CFLAGS[*]}" \
        --prefix="$SYSROOT" --enable-static --disable-shared "$@")
}

build_libseccomp() {
    current lib-libseccomp "$(libkey libseccomp)" && [[ -e $SYSROOT/lib/libseccomp.a ]] && return
    local src obj=$OBJ/libseccomp
    src=$(srcdir libseccomp)
    say "build libseccomp.a"
    # Only the library (src/) and its headers: the tools and tests would need more.
    configure_static libseccomp.log "$src" "$obj" --disable-python
    run libseccomp.log make -C "$obj/src" -j"$JOBS" libseccomp.la
    run libseccomp.log make -C "$obj/src" install-libLTLIBRARIES
    run libseccomp.log make -C "$obj/include" install
    rm -f "$SYSROOT"/lib/*.la
    stamp lib-libseccomp "$(libkey libseccomp)"
}

build_libcap() {
    current lib-libcap "$(libkey libcap2)" && [[ -e $SYSROOT/lib/libcap.a ]] && return
    local src obj=$OBJ/libcap
    src=$(srcdir libcap2)
    say "build libcap.a"
    # libcap's Makefile builds in its tree: build in a copy.
    rm -rf "$obj"; cp -a "$src" "$obj"
    # libcap.a only: no shared library, Go or PAM. BUILD_CC builds the
    # _makenames generator that runs on the host. USE_GPERF=no: otherwise
    # the output depends on whether gperf happens to be installed.
    run libcap.log make -C "$obj/libcap" -j"$JOBS" libcap.a \
        CC=musl-gcc BUILD_CC=gcc AR=ar RANLIB=ranlib \
        SHARED=no GOLANG=no PAM_CAP=no USE_GPERF=no \
        COPTS="${LIB_CFLAGS[*]}"
    install -D -m 644 "$obj/libcap/libcap.a" "$SYSROOT/lib/libcap.a"
    install -D -m 644 "$obj/libcap/include/sys/capability.h" "$SYSROOT/include/sys/capability.h"
    stamp lib-libcap "$(libkey libcap2)"
}

build_protobuf_c() {
    current lib-protobuf-c "$(libkey protobuf-c)" && [[ -e $SYSROOT/lib/libprotobuf-c.a ]] && return
    local src obj=$OBJ/protobuf-c
    src=$(srcdir protobuf-c)
    say "build libprotobuf-c.a"
    rm -rf "$obj"; mkdir -p "$obj"
    # The runtime is one C file; its build system would also want the
    # C++ protoc plugin, which we take from Debian's protobuf-c-compiler.
    run protobuf-c.log musl-gcc "${LIB_CFLAGS[@]}" -std=c11 -I"$src" \
        -c "$src/protobuf-c/protobuf-c.c" -o "$obj/protobuf-c.o"
    run protobuf-c.log ar rcsD "$obj/libprotobuf-c.a" "$obj/protobuf-c.o"
    install -D -m 644 "$obj/libprotobuf-c.a" "$SYSROOT/lib/libprotobuf-c.a"
    install -D -m 644 "$src/protobuf-c/protobuf-c.h" "$SYSROOT/include/protobuf-c/protobuf-c.h"
    stamp lib-protobuf-c "$(libkey protobuf-c)"
}

# libmd: SHA-256 (and the other BSD digests) for tetherctl's content hashes.
build_libmd() {
    current lib-libmd "$(libkey libmd)" && [[ -e $SYSROOT/lib/libmd.a ]] && return
    local src obj=$OBJ/libmd
    src=$(srcdir libmd)
    say "build libmd.a"
    configure_static libmd.log "$src" "$obj"
    run libmd.log make -C "$obj" -j"$JOBS"
    run libmd.log make -C "$obj" install
    rm -f "$SYSROOT"/lib/*.la
    stamp lib-libmd "$(libkey libmd)"
}

# jansson: JSON for the host side (QMP, state.json, inspect). Debian's tree has no generated
# configure; the library is a handful of C files and one config header, which we
# write here for musl (what its configure would find: stdint, unistd, urandom,
# atomic builtins).
build_jansson() {
    current lib-jansson "$(libkey jansson)" && [[ -e $SYSROOT/lib/libjansson.a ]] && return
    local src obj=$OBJ/jansson f
    src=$(srcdir jansson)
    say "build libjansson.a"
    rm -rf "$obj"; mkdir -p "$obj"
    sed -e 's/@json_inline@/inline/' -e 's/@json_have_long_long@/1/' -e 's/@json_have_localeconv@/1/' \
        -e 's/@json_have_atomic_builtins@/1/' -e 's/@json_have_sync_builtins@/1/' \
        "$src/src/jansson_config.h.in" >"$obj/jansson_config.h"
    # Every feature test of the template holds on Linux with musl, but Windows' crypto API.
    sed -e 's/^#cmakedefine USE_WINDOWS_CRYPTOAPI 1/\/* no USE_WINDOWS_CRYPTOAPI *\//' \
        -e 's/^#cmakedefine /#define /' -e 's/@JANSSON_INITIAL_HASHTABLE_ORDER@/3/' \
        "$src/cmake/jansson_private_config.h.cmake" >"$obj/jansson_private_config.h"
    for f in "$src"/src/*.c; do
        run jansson.log musl-gcc "${LIB_CFLAGS[@]}" -std=gnu99 -DHAVE_CONFIG_H=1 -I"$obj" -I"$src/src" \
            -c "$f" -o "$obj/$(basename "${f%.c}").o"
    done
    run jansson.log ar rcsD "$obj/libjansson.a" "$obj"/*.o
    install -D -m 644 "$obj/libjansson.a" "$SYSROOT/lib/libjansson.a"
    install -D -m 644 "$src/src/jansson.h" "$SYSROOT/include/jansson.h"
    install -D -m 644 "$obj/jansson_config.h" "$SYSROOT/include/jansson_config.h"
    stamp lib-jansson "$(libkey jansson)"
}

# libnl-3 (the core: sockets, messages, attributes, acks; not libnl-route):
# netlink for the tether's interfaces, addresses and routes (tether/netif.c).
# libmnl was the first choice, but its Debian source package cannot be
# fetched here. FLEX and YACC are only for libnl-route's classifier parsers,
# which we do not build; the automake tools are stubbed because Debian's
# patches leave Makefile.am newer than Makefile.in (they touch only the
# shared library's symbol versions, which a static build does not use).
build_libnl() {
    current lib-libnl "$(libkey libnl3)" && [[ -e $SYSROOT/lib/libnl-3.a ]] && return
    local src obj=$OBJ/libnl
    src=$(srcdir libnl3)
    say "build libnl-3.a"
    configure_static libnl.log "$src" "$obj" FLEX=true YACC=true --disable-pthreads --disable-cli --disable-debug
    run libnl.log make -C "$obj" -j"$JOBS" ACLOCAL=: AUTOMAKE=: AUTOCONF=: AUTOHEADER=: lib/libnl-3.la
    install -D -m 644 "$obj/lib/.libs/libnl-3.a" "$SYSROOT/lib/libnl-3.a"
    # Debian's layout (<libnl3/netlink/...>): the same -isystem for both builds.
    rm -rf "$SYSROOT/include/libnl3"; mkdir -p "$SYSROOT/include/libnl3"
    cp -r "$src/include/netlink" "$SYSROOT/include/libnl3/"
    cp "$obj/include/netlink/version.h" "$SYSROOT/include/libnl3/netlink/version.h"
    stamp lib-libnl "$(libkey libnl3)"
}

# libsodium: the tether's base64 decoder (a config from VMware guestinfo,
# docs/vsphere.md); only the codecs are linked, --gc-sections drops the rest.
build_libsodium() {
    current lib-libsodium "$(libkey libsodium)" && [[ -e $SYSROOT/lib/libsodium.a ]] && return
    local src obj=$OBJ/libsodium
    src=$(srcdir libsodium)
    say "build libsodium.a"
    # Debian's tree has no generated configure: make one in a copy (the
    # pristine tree stays as apt-get source left it).
    rm -rf "$obj.src"; cp -a "$src" "$obj.src"; src=$obj.src
    (cd "$src" && run libsodium.log autoreconf -fi)
    configure_static libsodium.log "$src" "$obj" --enable-minimal --without-pthreads --disable-ssp
    run libsodium.log make -C "$obj/src/libsodium" -j"$JOBS"
    run libsodium.log make -C "$obj/src/libsodium" install
    rm -f "$SYSROOT"/lib/*.la
    stamp lib-libsodium "$(libkey libsodium)"
}

versions_step() {
    local musl
    musl=$(dpkg-query -W -f='${Version}' musl-dev)
    {
        echo "# tether static sysroot: Debian source package and version"
        local p
        for p in "${SOURCES[@]}"; do printf '%-12s %s\n' "$p" "$(<"$STAMPS/src-$p")"; done
        printf '%-12s %s\n' musl "$musl"
    } >"$SYSROOT/VERSIONS.tmp"
    mv "$SYSROOT/VERSIONS.tmp" "$SYSROOT/VERSIONS"
}

main() {
    mkdir -p "$STAMPS" "$SRC" "$OBJ" "$LOGS" "$SYSROOT/include" "$SYSROOT/lib"
    apt_step
    local p
    for p in "${SOURCES[@]}"; do fetch_source "$p"; done
    kinclude_step
    build_libseccomp
    build_libcap
    build_protobuf_c
    build_libmd
    build_jansson
    build_libnl
    build_libsodium
    versions_step
}

main "$@"
