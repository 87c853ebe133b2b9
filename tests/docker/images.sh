#!/usr/bin/env bash
# Images through tetherd, driven by the real docker CLIs: docker load of
# archives that tests/docker/mkimage.py writes as `docker save` does and of
# their OCI layout (Debian's skopeo), containers on them (the image's config
# merged, whiteouts, anonymous volumes), layers shared, tag, rmi with its
# conflicts, import, hostile archives (digest, "..", symlink and hardlink
# escapes, a tar bomb) refused with nothing written outside, a 20-layer image.
#   bash tests/docker/images.sh TETHERD
# Env: TETHER_ASSETS (build/), DOCKER28, DOCKER20, DK_KEEP=1 (keep the temp dir).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=$(realpath "${1:-$ROOT/build/tetherd}")
export TETHER_ASSETS=${TETHER_ASSETS:-$ROOT/build}
DOCKER28=${DOCKER28:-/usr/local/bin/docker}
DOCKER20=${DOCKER20:-/usr/bin/docker}
T=$(mktemp -d /tmp/tdi.XXXXXX)
export TETHER_STATE_DIR=$T/state TETHER_RUN_DIR=$T/run
mkdir -p "$TETHER_STATE_DIR" "$TETHER_RUN_DIR"
SOCK=$T/d.sock
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
# a layer may unpack to 64 MiB here: the bomb below is 256 MiB of zeros
export TETHER_LAYER_MAX_MB=64
MK="python3 $ROOT/tests/docker/mkimage.py"
pass=0 fail=0 DPID=
ok () { pass=$((pass + 1)); echo "ok   $1 (${SECONDS}s)"; }
bad () { fail=$((fail + 1)); echo "FAIL $1: $2"; }
check () { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "want [$3] got [$2]"; fi; }
d28 () { timeout 120 "$DOCKER28" -H "unix://$SOCK" "$@"; }
d20 () { timeout 120 "$DOCKER20" -H "unix://$SOCK" "$@"; }
layers () { ls "$TETHER_STATE_DIR/images" | grep -c '\.vmdk$'; }
alive () { kill -0 "$DPID" 2>/dev/null && echo alive || echo dead; }
cleanup () {
  d28 ps -aq 2>/dev/null | while read -r c; do d28 rm -f "$c" >/dev/null 2>&1; done
  [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
  [ -n "${REFD:-}" ] && kill "$REFD" 2>/dev/null
  [ "${DK_KEEP:-}" = 1 ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT

"$BIN" -H "unix://$SOCK" --state-dir "$TETHER_STATE_DIR" 2>>"$T/tetherd.log" &
DPID=$!
for _ in $(seq 100); do curl -s --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1 && break; sleep 0.05; done

# ---- load: docker save layout, three layers with whiteouts ----
id=$($MK "$T/multi.tar" --tag test/multi:1 --tag test/multi:latest)
check "load (docker 28)" "$(d28 load -i "$T/multi.tar" 2>&1)/$?" "Loaded image: test/multi:1
Loaded image: test/multi:latest/0"
check "images lists it, by its config's digest" \
  "$(d28 images --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}' test/multi | sort)" \
  "test/multi:1 $id
test/multi:latest $id"
check "image inspect: config and layers" \
  "$(d28 image inspect -f '{{.Config.WorkingDir}} {{.Config.StopSignal}} {{len .RootFS.Layers}}' test/multi:1)" \
  "/data SIGUSR1 3"
check "info counts it beside the built-in one" "$(d28 info --format '{{.Images}}')" 2
n0=$(layers)
check "load again: nothing converted twice" "$(d28 load -i "$T/multi.tar" >/dev/null 2>&1; echo $?/$(layers))" "0/$n0"

# ---- a container on it: the image's config merged as dockerd does ----
check "run: the image's Cmd in its WorkingDir" "$(d28 run --rm test/multi:1 2>&1)" "image-cmd in /data"
out=$(d28 run --rm -e OVERRIDE=mine test/multi sh -c 'echo $FROM_IMAGE $OVERRIDE; ls /data; ls /opq; cat /data/keep' 2>&1)
check "run: env merged, whiteout and opaque directory honoured" "$(echo $out)" "yes mine keep old b kept"
out=$(d28 run --rm -w / --entrypoint echo test/multi:1 ep 2>&1)
check "run: --entrypoint drops the image's Cmd, -w wins" "$out" "ep"
d28 create --name c1 --label mine=1 test/multi:1 >/dev/null
check "create: labels merged, StopSignal and Healthcheck from the image" \
  "$(d28 inspect -f '{{index .Config.Labels "org.test.keep"}} {{index .Config.Labels "mine"}} {{.Config.StopSignal}} {{.Config.Healthcheck.Test}}' c1)" \
  "yes 1 SIGUSR1 [CMD-SHELL test -e /data/keep]"
check "create: the image's id and name" "$(d28 inspect -f '{{.Image}} {{.Config.Image}}' c1)" "$id test/multi:1"
vols=$(ls "$TETHER_STATE_DIR/volumes" | wc -l)
check "create: the image's VOLUME got an anonymous volume" "$vols" 1
out=$(d28 run --rm test/multi:1 sh -c 'cat /vol/seed; stat -c "%u:%g %a" /vol /vol/seed; readlink /vol/link; mount | grep -c " /vol "' 2>&1)
check "a new volume holds the image's files at its path (copy-up)" "$(echo $out)" \
  "from the image 1000:1000 750 1000:1000 640 /etc/passwd 1"
d28 run --rm -v seeded:/vol test/multi:1 sh -c 'echo changed > /vol/seed' >/dev/null 2>&1
check "a named volume: copied into once, then its own" \
  "$(d28 run --rm -v seeded:/vol test/multi:1 cat /vol/seed 2>&1)" "changed"
d28 create --name c2 test/multi:1 >/dev/null
l1=$(d28 inspect -f '{{.GraphDriver.Data.LowerDir}}' c1) l2=$(d28 inspect -f '{{.GraphDriver.Data.LowerDir}}' c2)
check "two containers share the image's layer disks" "$([ -n "$l1" ] && [ "$l1" = "$l2" ] && echo same)" "same"

# ---- rmi and tag, with dockerd's conflicts ----
d28 tag test/multi:1 other/name:x; check "tag: 0" "$?" 0
check "tag: both names" "$(d28 images --format '{{.Repository}}:{{.Tag}}' | grep -c -e other/name:x -e test/multi:1)" 2
check "rmi of one of several tags: untagged only" "$(d28 rmi other/name:x 2>&1)" "Untagged: other/name:x"
d28 rmi "$id" >/dev/null 2>"$T/err"; rc=$?
check "rmi by id with two tags: 409 -> 1" "$rc/$(grep -c 'referenced in multiple repositories' "$T/err")" "1/1"
d28 rmi -f "$id" >/dev/null 2>"$T/err"; rc=$?
check "rmi -f with stopped containers on it: untagged and deleted" "$rc/$(d28 images -q test/multi)" "0/"
check "rmi -f: the layers stay while containers use them" "$(layers)" "$n0"
v0=$(ls "$TETHER_STATE_DIR/volumes" | wc -l)
d28 rm -v c1 >/dev/null
check "rm -v: its anonymous volume went" "$(ls "$TETHER_STATE_DIR/volumes" | wc -l)" $((v0 - 1))
d28 rm -v c2 >/dev/null
check "rmi of an absent image: 1, docker's words" "$(d28 rmi nosuch:1 2>&1; echo $?)" "Error response from daemon: No such image: nosuch:1
1"

# ---- the OCI layout of the same image (skopeo), and docker 20.10 ----
skopeo copy -q "docker-archive:$T/multi.tar" "oci-archive:$T/oci.tar:test/oci:2" 2>"$T/skopeo.err" \
  || bad "skopeo writes the OCI layout" "$(cat "$T/skopeo.err")"
check "load of an OCI layout (docker 20.10)" "$(d20 load -i "$T/oci.tar" 2>&1)/$?" "Loaded image: test/oci:2/0"
check "its layers are the docker save's: shared" "$(layers)" "$n0"
check "run on the OCI image" "$(d20 run --rm test/oci:2 cat /data/keep 2>&1)" "kept"

# ---- import ----
mkdir -p "$T/root/bin" && cp "${BUSYBOX:-/bin/busybox}" "$T/root/bin/busybox"
tar -C "$T/root" -czf "$T/root.tgz" .
iid=$(d28 import "$T/root.tgz" imp/one:1 2>&1)
check "import: the new id" "$(echo "$iid" | grep -c '^sha256:[0-9a-f]\{64\}$')" 1
check "run on the imported image" "$(d28 run --rm imp/one:1 /bin/busybox echo imported 2>&1)" "imported"
check "an imported image without Cmd: no command" "$(d28 run --rm imp/one:1 2>&1 >/dev/null | grep -c 'No command specified')" 1

# ---- hostile archives: refused, nothing written outside, the store unchanged ----
before=$(layers)
for kind in digest dotdot symlink hardlink bomb; do
  $MK "$T/bad-$kind.tar" --tag bad/$kind:1 --bad $kind >/dev/null
  d28 load -i "$T/bad-$kind.tar" >/dev/null 2>"$T/err"; rc=$?
  check "hostile archive ($kind): refused, exit 1" "$rc/$(d28 images -q bad/$kind:1)" "1/"
  head -c 300 "$T/err" | sed 's/^/     /'
done
check "hostile archives: no layer disk kept" "$(layers)" "$before"
check "hostile archives: nothing outside" "$(ls "$T/../escape" /tmp/symlink-escape 2>/dev/null | wc -l)" 0
check "hostile archives: no work directories left" \
  "$(find "$TETHER_STATE_DIR" -name '.tether-*' -o -name 'load-*' -o -name 'upload-*' | wc -l)" 0
check "garbage to load: an error, exit 1" "$(echo garbage | d28 load >/dev/null 2>&1; echo $?)" 1
check "tetherd alive after hostile archives" "$(alive)" alive
# an absolute entry is taken inside the layer, as docker does (the leading / stripped)
$MK "$T/abs.tar" --tag abs/one:1 --bad abs >/dev/null
check "archive with an absolute entry: loaded, nothing at the host's path" \
  "$(d28 load -i "$T/abs.tar" >/dev/null 2>"$T/err"; echo $?)/$(ls -d /abs-escape-* 2>/dev/null | wc -l)" "0/0"
d28 rmi abs/one:1 >/dev/null 2>&1

# ---- pull: no registry ----
d28 run --rm absent/image:1 true >/dev/null 2>"$T/err"; rc=$?
check "an absent image: 125 and pull's failure" "$rc/$(grep -c 'pulls from no registry' "$T/err")" "125/1"

# ---- rename (no VM: created containers) ----
d28 create --name ren1 busybox true >/dev/null && d28 create --name ren2 busybox true >/dev/null
check "rename: 0, the new name everywhere" "$(d28 rename ren1 ren-new; echo $?) $(d28 inspect -f '{{.Name}}' ren-new) $(d28 ps -a -q --filter name=ren1 | wc -l)" "0 /ren-new 0"
check "rename onto another's name: 409 -> 1" "$(d28 rename ren-new ren2 2>&1 | grep -c 'already in use'; d28 rename ren-new ren2 >/dev/null 2>&1; echo $?)" "1
1"
check "rename to the same name or a bad one: 1" "$(d28 rename ren-new ren-new >/dev/null 2>&1; echo $?)$(d28 rename ren-new 'a b' >/dev/null 2>&1; echo $?)" "11"
check "rename: tetherctl sees it too" "$(TETHER_STATE_DIR=$TETHER_STATE_DIR "$ROOT/build/tetherctl" ps -a 2>/dev/null | grep -c ren-new)" 1
d28 rm ren-new ren2 >/dev/null

# a container with no name (tetherctl's): a rename gives it one, tetherd lives on
nid=$(TETHER_STATE_DIR=$TETHER_STATE_DIR "$ROOT/build/tetherctl" run -d -- true 2>"$T/err")
check "rename of a nameless container, then ps" "$(d28 rename "$nid" named-later; d28 ps -a --format '{{.Names}}' | grep -c named-later) $(alive)" "1 alive"
d28 rm -f "$nid" >/dev/null 2>&1

# ---- filters and many tags ----
check "images -f reference='*': '*' stops at '/' as Go's path.Match" \
  "$(d28 images -f 'reference=*' --format '{{.Repository}}' | sort -u | tr '\n' ' ')" "busybox "
check "images: a bad filter is 400 -> 1" "$(d28 images -f nosuch=1 >/dev/null 2>&1; echo $?)" 1
for i in $(seq 70); do
  curl -s -o /dev/null --unix-socket "$SOCK" -X POST "http://d/v1.41/images/test/oci:2/tag?repo=many/t&tag=$i"
done
check "70 tags" "$(d28 images -q many/t | wc -l)" 70
d28 rmi -f test/oci:2 >/dev/null 2>&1 # by name: one tag goes
oid=$(d28 images -q --no-trunc many/t:1)
check "rmi -f by id: every one of 70 tags untagged, the image gone" \
  "$(d28 rmi -f "$oid" | grep -c Untagged) $(d28 images -q many/t | wc -l) $(grep -c many/t "$TETHER_STATE_DIR/images/tags.json")" "70 0 0"

# ---- 20 layers ----
$MK "$T/twenty.tar" --tag test/twenty:1 --layers 20 >/dev/null
d28 load -i "$T/twenty.tar" >/dev/null 2>"$T/err" || bad "load of 20 layers" "$(cat "$T/err")"
out=$(d28 run --rm test/twenty:1 sh -c 'ls /layers | wc -l; cat /layers/20' 2>&1)
check "a 20-layer image runs, every layer seen" "$(echo $out)" "17 layer 20"

# ---- an archive docker 20.10 itself wrote: Debian's dockerd + runc on a private
# socket (as make bench) imports a root, builds on it (a RUN layer whose whiteout
# deletes /bin/echo) and saves both images ----
W=$T/refd
mkdir -p "$W/ctx" "$W/root/bin"
cp "${BUSYBOX:-/bin/busybox}" "$W/root/bin/busybox" && ln -s busybox "$W/root/bin/sh" && ln -s busybox "$W/root/bin/echo"
dockerd --host "unix://$W/d.sock" --data-root "$W/droot" --exec-root "$W/dexec" --pidfile "$W/d.pid" \
  --storage-driver vfs --iptables=false --ip6tables=false --bridge=none >"$W/dockerd.log" 2>&1 &
REFD=$!
ref () { timeout 120 "$DOCKER20" -H "unix://$W/d.sock" "$@"; }
for _ in $(seq 100); do ref version >/dev/null 2>&1 && break; sleep 0.1; done
printf '%s\n' 'FROM ref/base:1' 'RUN ["/bin/sh", "-c", "echo built > /built; rm /bin/echo"]' 'ENV BUILT=yes' \
  'CMD ["/bin/sh", "-c", "cat /built; echo $BUILT; ls /bin"]' >"$W/ctx/Dockerfile"
tar -C "$W/root" -c . | ref import - ref/base:1 >/dev/null 2>"$W/err" \
  && DOCKER_BUILDKIT=0 ref build -q -t ref/built:1 "$W/ctx" >/dev/null 2>>"$W/err" \
  && ref save -o "$T/real.tar" ref/built:1 ref/base:1 2>>"$W/err" \
  || bad "dockerd 20.10 builds and saves" "$(tail -3 "$W/err"; tail -3 "$W/dockerd.log")"
kill "$REFD" 2>/dev/null; wait "$REFD" 2>/dev/null
check "load of docker 20.10's own save" "$(d28 load -i "$T/real.tar" 2>&1 | sort)" "Loaded image: ref/base:1
Loaded image: ref/built:1"
out=$(d28 run --rm ref/built:1 2>&1)
check "run on it: its RUN layer, ENV, and the whiteout of /bin/echo" "$(echo $out)" "built yes busybox sh"

# the daemon ends cleanly; the sanitizer build reports leaks and errors then
kill -TERM "$DPID"; wait "$DPID" 2>/dev/null; DPID=
check "tetherd: no sanitizer report" "$(grep -c -e 'ERROR: LeakSanitizer' -e 'ERROR: AddressSanitizer' -e 'runtime error:' "$T/tetherd.log")" 0
grep -m3 -A12 -e 'ERROR: LeakSanitizer' -e 'ERROR: AddressSanitizer' "$T/tetherd.log" | head -40

echo "images: $pass passed, $fail failed"
[ "$fail" = 0 ]
