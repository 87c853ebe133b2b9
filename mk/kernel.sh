#!/bin/sh
# Get the guest kernel and the few modules the initramfs needs (DESIGN §4).
#
# Default: the versioned package Debian's linux-image-amd64 depends on, fetched
# with apt-get download and unpacked with dpkg -x (nothing is installed).
# Override: KERNEL=path/to/vmlinuz MODULES=path/to/lib/modules/VER (e.g. Photon's
# linux-esx, which builds most drivers in and may compress its .ko files).
#
# Output:
#   build/kernel/vmlinuz
#   build/kernel/vmlinux                    the same kernel as an uncompressed ELF, if it
#                                           can be extracted: QEMU boots it through PVH
#                                           (-kernel vmlinux) without the ~2 s TCG spends
#                                           decompressing an xz bzImage
#   build/kernel/modroot/lib/modules/VER/   selected .ko (decompressed), depmod files
#   build/kernel/version                    VER
#   build/kernel/modules.txt                what was selected and what was built in
#   build/stamps/kernel                     re-runs with the same inputs are no-ops
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
OUT=$BUILD/kernel
STAMP=$BUILD/stamps/kernel

# What init loads; dependencies and softdeps are added below.
WANT="virtio_pci virtio_console virtio_blk virtio_scsi virtio_net ext4 crc32c_generic overlay
vmw_pvscsi sd_mod vmxnet3 vmw_vsock_vmci_transport vmw_vsock_virtio_transport
qemu_fw_cfg button evdev"

die() { echo "kernel.sh: $*" >&2; exit 1; }

KERNEL=${KERNEL:-}
MODULES=${MODULES:-}
if [ -n "$KERNEL" ] || [ -n "$MODULES" ]; then
	[ -f "$KERNEL" ] || die "KERNEL=$KERNEL is not a file"
	[ -f "$MODULES/modules.order" ] || die "MODULES=$MODULES is not a lib/modules/VER tree (no modules.order)"
	KERNEL=$(cd "$(dirname "$KERNEL")" && pwd)/$(basename "$KERNEL")
	MODULES=$(cd "$MODULES" && pwd)
	KEY="override $KERNEL $(stat -c %Y "$KERNEL") $MODULES $(stat -c %Y "$MODULES/modules.order")"
else
	cand=$(apt-cache policy linux-image-amd64 | awk '/Candidate:/ { print $2 }')
	[ -n "$cand" ] && [ "$cand" != "(none)" ] || die "no candidate for linux-image-amd64 (apt-get update?)"
	PKG=$(apt-cache show "linux-image-amd64=$cand" |
		sed -n 's/^Depends: //p' | head -n 1 | tr ',|' '\n\n' |
		sed -n 's/^ *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -n 1)
	[ -n "$PKG" ] || die "cannot resolve the package linux-image-amd64=$cand depends on"
	KEY="debian $PKG $cand"
fi
# vsock has one guest-to-host transport, the first to register: virtio's
# registers as its module loads, VMCI's only once its device is up. So on
# VMware, VMCI's must load first (init honours softdeps); under QEMU, with no
# VMCI device, virtio's still becomes the one (tether/vmchan.c).
SOFTDEPS="softdep vmw_vsock_virtio_transport pre: vmw_vsock_vmci_transport"
KEY="$KEY | $(echo $WANT) | $SOFTDEPS"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$KEY" ] && [ -f "$OUT/vmlinuz" ]; then
	exit 0
fi

rm -rf "$OUT"
mkdir -p "$OUT" "$BUILD/stamps"

if [ -z "$KERNEL" ]; then
	mkdir -p "$BUILD/dl"
	deb=$(ls "$BUILD/dl/${PKG}_"*.deb 2>/dev/null | head -n 1 || true)
	if [ -z "$deb" ]; then
		echo "kernel.sh: apt-get download $PKG" >&2
		(cd "$BUILD/dl" && apt-get download -q "$PKG") || die "apt-get download $PKG failed"
		deb=$(ls "$BUILD/dl/${PKG}_"*.deb | head -n 1)
	fi
	dpkg -x "$deb" "$OUT/pkg"
	MODULES=$(ls -d "$OUT"/pkg/lib/modules/* "$OUT"/pkg/usr/lib/modules/* 2>/dev/null | head -n 1)
	[ -n "$MODULES" ] || die "$deb has no lib/modules"
	KERNEL=$OUT/pkg/boot/vmlinuz-$(basename "$MODULES")
	[ -f "$KERNEL" ] || die "$deb has no boot/vmlinuz-$(basename "$MODULES")"
fi

VER=$(basename "$MODULES")
# A .deb ships no modules.dep (its postinst runs depmod); an override tree may lack
# one too. depmod writes beside the modules, so work on our own copy if needed.
if [ ! -f "$MODULES/modules.dep" ]; then
	case $MODULES in
	"$OUT"/pkg/*) ;;
	*)
		mkdir -p "$OUT/src/lib/modules"
		cp -a "$MODULES" "$OUT/src/lib/modules/$VER"
		MODULES=$OUT/src/lib/modules/$VER ;;
	esac
	depmod -b "${MODULES%/lib/modules/*}" "$VER" || die "depmod on $MODULES failed"
fi
cp "$KERNEL" "$OUT/vmlinuz"
echo "$VER" >"$OUT/version"

# Like the kernel's scripts/extract-vmlinux: find the payload by its magic and keep
# the first result that is an ELF file.
extract_vmlinux() {
	for m in '\xfd\x37\x7a\x58\x5a\x00:xz -dc --single-stream' \
		'\x28\xb5\x2f\xfd:zstd -qdc' '\x1f\x8b\x08\x00:gzip -dc'; do
		for off in $(LC_ALL=C grep -obUaP "${m%%:*}" "$1" | cut -d: -f1 | head -n 3); do
			tail -c +$((off + 1)) "$1" | ${m#*:} >"$2" 2>/dev/null || true
			[ "$(head -c 4 "$2" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] && return 0
		done
	done
	rm -f "$2"
	return 1
}
extract_vmlinux "$OUT/vmlinuz" "$OUT/vmlinux" ||
	echo "kernel.sh: note: could not extract an ELF vmlinux from $KERNEL" >&2

# Resolve the closure: name -> path from modules.dep; each wanted name is built in
# (skip), a module (take it, then its deps and softdeps), or an alias used by a
# softdep such as "softdep ext4 pre: crc32c" (take the modules it names).
# Prints "take PATH", "builtin NAME" or "missing NAME".
sel=$OUT/modules.txt
awk -v want="$WANT" '
function norm(p,   n) {
	n = p; sub(/.*\//, "", n); sub(/\.ko(\.(xz|zst|gz))?$/, "", n); gsub(/-/, "_", n)
	return n
}
function add(n) { n = norm(n); if (!(n in seen)) { seen[n] = 1; queue[++qn] = n } }
FILENAME ~ /modules\.builtin$/ { builtin[norm($1)] = 1; next }
FILENAME ~ /modules\.dep$/ {
	p = $1; sub(/:$/, "", p); n = norm(p); path[n] = p
	d = ""; for (i = 2; i <= NF; i++) d = d " " $i; deps[n] = d; next
}
FILENAME ~ /modules\.softdep$/ && $1 == "softdep" {
	n = norm($2); for (i = 3; i <= NF; i++) if ($i !~ /:$/) soft[n] = soft[n] " " $i; next
}
FILENAME ~ /modules\.alias$/ && $1 == "alias" { a = $2; gsub(/-/, "_", a); alias[a] = alias[a] " " $3; next }
END {
	split(want, w, /[ \n]+/); for (i in w) if (w[i] != "") add(w[i])
	for (q = 1; q <= qn; q++) {
		n = queue[q]
		if (n in builtin) { print "builtin", n; continue }
		if (!(n in path)) {
			if (n in alias) { k = split(alias[n], al, " "); for (j = 1; j <= k; j++) add(al[j]); continue }
			print "missing", n; continue
		}
		print "take", path[n]
		k = split(deps[n], dl, " "); for (j = 1; j <= k; j++) add(dl[j])
		k = split(soft[n], sl, " "); for (j = 1; j <= k; j++) add(sl[j])
	}
}' "$MODULES/modules.builtin" "$MODULES/modules.dep" \
	"$MODULES/modules.softdep" "$MODULES/modules.alias" >"$sel"

if grep '^missing' "$sel" >/dev/null; then
	echo "kernel.sh: warning: neither built in nor a module: $(awk '/^missing/ { printf " %s", $2 }' "$sel")" >&2
fi

DST=$OUT/modroot/lib/modules/$VER
mkdir -p "$DST"
awk '/^take/ { print $2 }' "$sel" | while read -r p; do
	case $p in
	/*) src=$p; rel=${p#"$MODULES"/} ;;
	*) src=$MODULES/$p; rel=$p ;;
	esac
	out=$DST/${rel%.xz}; out=${out%.zst}; out=${out%.gz}
	mkdir -p "$(dirname "$out")"
	case $src in
	*.xz) xz -dc "$src" >"$out" ;;
	*.zst) zstd -qdc "$src" >"$out" ;;
	*.gz) gzip -dc "$src" >"$out" ;;
	*) cp "$src" "$out" ;;
	esac
done

cp "$MODULES/modules.builtin" "$DST/"
[ -f "$MODULES/modules.builtin.modinfo" ] && cp "$MODULES/modules.builtin.modinfo" "$DST/"
# modules.order only for what we took, with the names the files now have.
(cd "$DST" && find . -name '*.ko' | sed 's|^\./||') | sort >"$OUT/taken"
sed 's/\.ko\.\(xz\|zst\|gz\)$/.ko/' "$MODULES/modules.order" | grep -Fxf "$OUT/taken" >"$DST/modules.order" || true
rm -f "$OUT/taken"

depmod -b "$OUT/modroot" "$VER" || die "depmod -b $OUT/modroot $VER failed"
echo "$SOFTDEPS" >>"$DST/modules.softdep"

echo "kernel.sh: $VER: $(grep -c '^take' "$sel") modules, $(du -sk "$DST" | cut -f1) KiB" >&2
echo "$KEY" >"$STAMP"
