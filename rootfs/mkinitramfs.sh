#!/bin/sh
# Build build/initramfs.cpio.gz: /init, /tether and /lib/modules/VER from the
# kernel step (mk/kernel.sh), nothing else. DEBUG=1 adds busybox as /bin/sh
# (boot with rdinit=/bin/sh to get a shell instead of init).
#
# Usage: rootfs/mkinitramfs.sh [TETHER]   (default $TETHER, else build/tether)
# Deterministic: sorted entries, mtimes 0, owner root, gzip -n.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
TETHER=${1:-${TETHER:-$BUILD/tether}}
INIT=${INIT:-$BUILD/init}
OUT=${OUT:-$BUILD/initramfs.cpio.gz}
DEBUG=${DEBUG:-}
MODROOT=$BUILD/kernel/modroot
STAGE=${STAGE:-$BUILD/initramfs.d}

die() { echo "mkinitramfs.sh: $*" >&2; exit 1; }

[ -x "$INIT" ] || die "no init at $INIT (make build/init)"
[ -x "$TETHER" ] || die "no tether at $TETHER"
[ -d "$MODROOT/lib/modules" ] || die "no modules at $MODROOT (mk/kernel.sh)"

rm -rf "$STAGE"
mkdir -p "$STAGE/lib"
install -m 0755 "$INIT" "$STAGE/init"
install -m 0755 "$TETHER" "$STAGE/tether"
cp -R "$MODROOT/lib/modules" "$STAGE/lib/"
# init reads only the text tables and the .ko files.
find "$STAGE/lib/modules" -type f \( -name '*.bin' -o -name modules.symbols \
	-o -name modules.devname -o -name modules.builtin.modinfo \) -delete

if [ "$DEBUG" = 1 ]; then
	mkdir -p "$STAGE/bin"
	install -m 0755 /bin/busybox "$STAGE/bin/busybox"
	ln -s busybox "$STAGE/bin/sh"
fi

find "$STAGE" -exec touch -h -d @0 {} +
(cd "$STAGE" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9 -n >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "mkinitramfs.sh: $OUT: $(stat -c %s "$OUT") bytes" >&2
