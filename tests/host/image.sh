#!/bin/sh
# tetherctl image: layers from tars and directories, whiteouts, the cache, errors,
# and the writable disk. Loop-free: images are read with debugfs on raw copies.
# Needs root (extraction keeps owners, whiteouts need mknod and trusted.* xattrs).
#   CTL=build/san/tetherctl MKDISK=build/san/tests/image_mkdisk sh tests/host/image.sh
set -eu

CTL=${CTL:-build/san/tetherctl}
MKDISK=${MKDISK:-build/san/tests/image_mkdisk}
case $CTL in /*) ;; *) CTL=$PWD/$CTL ;; esac
case $MKDISK in /*) ;; *) MKDISK=$PWD/$MKDISK ;; esac
[ "$(id -u)" = 0 ] || { echo "test-image: needs root" >&2; exit 1; }

T=$(mktemp -d /tmp/tether-image-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
export TETHER_STATE_DIR="$T/state"
PASS=0
FAIL=0

ok () { PASS=$((PASS + 1)); echo "ok   $1"; }
bad () { FAIL=$((FAIL + 1)); echo "FAIL $1"; }
check () { # check NAME COMMAND...: passes if COMMAND succeeds
  name=$1; shift
  if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name"; fi
}
# The raw file system inside a VMDK, for debugfs.
raw () { qemu-img convert -f vmdk -O raw "$1" "$2"; }
dbg () { debugfs -R "$2" "$1" 2>/dev/null; }
ms () { date +%s%3N; }

# --- the lower layer: a plain tar
mkdir -p "$T/lower/etc" "$T/lower/data/old"
echo keep >"$T/lower/etc/keep"
echo gone >"$T/lower/etc/gone"
echo a >"$T/lower/data/old/a"
echo b >"$T/lower/data/old/b"
chown 1000:1000 "$T/lower/data/old/b"
mknod "$T/lower/etc/null" c 1 3
tar --numeric-owner -C "$T/lower" -cf "$T/lower.tar" .

# --- the upper layer, gzipped: deletes etc/gone, adds etc/added, makes data/old opaque
mkdir -p "$T/upper/etc" "$T/upper/data/old"
: >"$T/upper/etc/.wh.gone"
echo added >"$T/upper/etc/added"
: >"$T/upper/data/old/.wh..wh..opq"
echo c >"$T/upper/data/old/c"
tar --numeric-owner -C "$T/upper" -czf "$T/upper.tar.gz" .

# 1. lower into the cache
lower=$("$CTL" image build "$T/lower.tar" 2>"$T/err1") || { cat "$T/err1"; bad "build lower.tar"; }
case $lower in "$TETHER_STATE_DIR"/images/*.vmdk) ok "lower cached under images/<sha256>.vmdk" ;;
  *) bad "lower path: $lower" ;; esac
sum=$(sha256sum "$T/lower.tar" | cut -c1-64)
check "cache name is the tar's sha256" test "$lower" = "$TETHER_STATE_DIR/images/$sum.vmdk"
check "state dir mode 0700" test "$(stat -c %a "$TETHER_STATE_DIR")" = 700
raw "$lower" "$T/lower.raw"
check "lower: /etc/gone is a file" sh -c "debugfs -R 'stat /etc/gone' '$T/lower.raw' 2>/dev/null | grep -q 'Type: regular'"
check "lower: owner 1000 kept" sh -c "debugfs -R 'stat /data/old/b' '$T/lower.raw' 2>/dev/null | grep -q 'User:  1000'"
check "lower: device node kept (c 1,3)" sh -c "debugfs -R 'stat /etc/null' '$T/lower.raw' 2>/dev/null | grep -q 'Device major/minor number: 01:03'"
check "lower: no lost+found" sh -c "! debugfs -R 'ls /' '$T/lower.raw' 2>/dev/null | grep -q lost+found"

# 2. cache hit: same path, fast
t0=$(ms)
again=$("$CTL" image build "$T/lower.tar" 2>"$T/err2")
t1=$(ms)
check "second build returns the same path" test "$again" = "$lower"
check "second build says cached" grep -q "image: cached" "$T/err2"
check "second build under 1 s ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 1000

# 3. upper to -o: whiteouts converted
out=$("$CTL" image build "$T/upper.tar.gz" -o "$T/upper.vmdk" 2>"$T/err3") || { cat "$T/err3"; bad "build upper"; }
check "-o prints OUT" test "$out" = "$T/upper.vmdk"
check "-o: nothing added to the cache" test "$(ls "$TETHER_STATE_DIR/images" | wc -l)" = 1
check "no work directory left behind" sh -c "! ls -A '$T' | grep -q tether-build"
raw "$T/upper.vmdk" "$T/upper.raw"
dbg "$T/upper.raw" "stat /etc/gone" >"$T/gone.stat"
check "upper: /etc/gone is a character device" grep -q "Type: character special" "$T/gone.stat"
check "upper: /etc/gone is 0/0" grep -q "Device major/minor number: 00:00" "$T/gone.stat"
check "upper: /etc/.wh.gone removed" sh -c "! debugfs -R 'ls -l /etc' '$T/upper.raw' 2>/dev/null | grep -q '\.wh\.'"
check "upper: /etc/added present" sh -c "debugfs -R 'cat /etc/added' '$T/upper.raw' 2>/dev/null | grep -q added"
check "upper: /data/old opaque" sh -c "debugfs -R 'ea_list /data/old' '$T/upper.raw' 2>/dev/null | grep -q 'trusted.overlay.opaque (1) = \"y\"'"
check "upper: opaque marker removed" sh -c "! debugfs -R 'ls /data/old' '$T/upper.raw' 2>/dev/null | grep -q '\.wh\.'"

# 4. a directory with whiteouts: converted in a copy, the user's tree untouched
d=$("$CTL" image build "$T/upper" 2>"$T/err4") || { cat "$T/err4"; bad "build dir"; }
check "dir: built" test -f "$d"
check "dir: user's .wh.gone untouched" test -f "$T/upper/etc/.wh.gone"
check "dir: user's opaque marker untouched" test -f "$T/upper/data/old/.wh..wh..opq"
raw "$d" "$T/dir.raw"
check "dir: /etc/gone is 0/0" sh -c "debugfs -R 'stat /etc/gone' '$T/dir.raw' 2>/dev/null | grep -q 'Device major/minor number: 00:00'"
d2=$("$CTL" image build "$T/upper/" 2>"$T/err5")
check "dir: same content, same cached layer" test "$d2" = "$d"
echo changed >"$T/upper/etc/added"
d3=$("$CTL" image build "$T/upper" 2>/dev/null)
check "dir: changed content, new layer" test "$d3" != "$d"

# 5. an existing .vmdk is used as is
v=$("$CTL" image build "$T/upper.vmdk" 2>/dev/null)
check "vmdk: used as is" test "$v" = "$T/upper.vmdk"

# 6. errors: one line on stderr, exit 1, nothing on stdout
set +e
o=$("$CTL" image build "$T/missing.tar" -o "$T/x.vmdk" 2>"$T/e1"); rc=$?
set -e
check "missing input: exit 1" test $rc = 1
check "missing input: empty stdout" test -z "$o"
check "missing input: says so" grep -q "missing.tar: No such file or directory" "$T/e1"
set +e
o=$("$CTL" image build "$T/lower.tar" -o "$T/nodir/x.vmdk" 2>"$T/e2"); rc=$?
set -e
check "unwritable -o: exit 1" test $rc = 1
check "unwritable -o: says where" grep -q "cannot write in $T/nodir" "$T/e2"
set +e
"$CTL" image build "$T/lower.tar" -o /proc/x.vmdk >/dev/null 2>"$T/e3"; rc=$?
set -e
check "-o in /proc: exit 1" test $rc = 1
check "-o in /proc: one line" test "$(wc -l <"$T/e3")" = 1
set +e
"$CTL" image build >/dev/null 2>"$T/e4"; rc=$?
set -e
check "no input: exit 1 with usage hint" sh -c "test $rc = 1 && grep -q 'DIR or TAR required' '$T/e4'"

# 7. a tar with ../ and absolute members must not write outside its temp dir
mkdir -p "$T/evil"
python3 - "$T/evil.tar" "$$" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for name in ("ok", "../../../escaped-" + sys.argv[2], "/tmp/abs-escaped-" + sys.argv[2]):
        data = b"x\n"
        ti = tarfile.TarInfo(name); ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
PY
set +e
"$CTL" image build "$T/evil.tar" -o "$T/evil/evil.vmdk" >/dev/null 2>"$T/e5"; rc=$?
set -e
check "../ tar: nothing escaped" sh -c "! ls '$T'/escaped-* '$T'/../escaped-* /tmp/abs-escaped-$$ 2>/dev/null | grep -q ."
check "../ tar: refused (exit 1, tar's reason)" sh -c "test $rc = 1 && grep -q \"Member name contains '..'\" '$T/e5'"
check "../ tar: no work directory left behind" sh -c "! ls -A '$T/evil' | grep -q tether-build"

# 8. the writable top disk
"$MKDISK" "$T/top.img" 256 upper work
check "rw disk: sparse (allocated < 16 MiB)" test "$(du -k "$T/top.img" | cut -f1)" -lt 16384
check "rw disk: 256 MiB apparent" test "$(stat -c %s "$T/top.img")" = 268435456
check "rw disk: upper and work at the root" sh -c "debugfs -R 'ls -l /' '$T/top.img' 2>/dev/null | grep -q ' upper' && debugfs -R 'ls -l /' '$T/top.img' 2>/dev/null | grep -q ' work'"
check "rw disk: has a journal" sh -c "dumpe2fs -h '$T/top.img' 2>/dev/null | grep -q has_journal"
set +e
"$MKDISK" "$T/top.img" 256 upper work 2>"$T/e6"; rc=$?
set -e
check "rw disk: refuses to overwrite" sh -c "test $rc = 1 && grep -q 'refusing to overwrite' '$T/e6'"
"$MKDISK" "$T/vol.img" 64
check "rw disk: a volume with no directories" sh -c "dumpe2fs -h '$T/vol.img' >/dev/null 2>&1"

# 9. the default image (timed)
t0=$(ms)
def=$("$CTL" image default 2>"$T/e7") || { cat "$T/e7"; bad "default image"; }
t1=$(ms)
echo "     default layer built in $((t1 - t0)) ms, $(stat -c %s "$def") bytes"
raw "$def" "$T/def.raw"
check "default: /bin/sh -> /bin/busybox" sh -c "debugfs -R 'stat /bin/sh' '$T/def.raw' 2>/dev/null | grep -q 'Fast link dest: \"/bin/busybox\"'"
check "default: /tmp is 1777" sh -c "debugfs -R 'stat /tmp' '$T/def.raw' 2>/dev/null | grep -q 'Mode:  01777'"
check "default: passwd has nobody" sh -c "debugfs -R 'cat /etc/passwd' '$T/def.raw' 2>/dev/null | grep -q '^nobody:'"
def2=$("$CTL" image default 2>/dev/null)
check "default: cached on the second call" test "$def2" = "$def"

echo "test-image: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
