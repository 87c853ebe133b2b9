#!/bin/sh
# Build build/bootstrap.iso: isolinux (Debian's isolinux and syslinux-common
# packages) booting build/kernel/vmlinuz with build/initramfs.cpio.gz and the
# command line in iso/isolinux.cfg (console=ttyS0 panic=-1 quiet).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
OUT=${OUT:-$BUILD/bootstrap.iso}
ISOLINUX=${ISOLINUX:-/usr/lib/ISOLINUX/isolinux.bin}
LDLINUX=${LDLINUX:-/usr/lib/syslinux/modules/bios/ldlinux.c32}
STAGE=$BUILD/iso.d

die() { echo "mkiso.sh: $*" >&2; exit 1; }

for f in "$ISOLINUX" "$LDLINUX" "$BUILD/kernel/vmlinuz" "$BUILD/initramfs.cpio.gz"; do
	[ -f "$f" ] || die "missing $f"
done

rm -rf "$STAGE"
mkdir -p "$STAGE/isolinux"
cp "$ISOLINUX" "$LDLINUX" "$STAGE/isolinux/"
cp "$ROOT/iso/isolinux.cfg" "$STAGE/isolinux/"
cp "$BUILD/kernel/vmlinuz" "$STAGE/vmlinuz"
cp "$BUILD/initramfs.cpio.gz" "$STAGE/initrd.gz"
find "$STAGE" -exec touch -h -d @0 {} +

rm -f "$OUT.tmp"
SOURCE_DATE_EPOCH=0 xorriso -as mkisofs -quiet -o "$OUT.tmp" -V TETHER -R -J \
	-b isolinux/isolinux.bin -c isolinux/boot.cat \
	-no-emul-boot -boot-load-size 4 -boot-info-table "$STAGE"
mv "$OUT.tmp" "$OUT"
echo "mkiso.sh: $OUT: $(stat -c %s "$OUT") bytes" >&2
