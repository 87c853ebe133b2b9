#!/usr/bin/env bash
# Docker rows for make bench (called by bench/run.sh): the same docker CLI
# against tetherd (each container a VM, TCG) and against Debian's dockerd + runc
# started here on a private socket (vfs, no iptables, no bridge), busybox
# imported into it from Debian's busybox-static. Median of RUNS each (TRUNS for
# tetherd's runs with a template: they are quick).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
RUNS=${RUNS:-3}
DOCKER=${DOCKER:-/usr/local/bin/docker}
W=$(mktemp -d /tmp/tether-bench-docker.XXXXXX)
TD= DD=
cleanup () {
  [ -n "$TD" ] && kill "$TD" 2>/dev/null
  [ -n "$DD" ] && kill "$DD" 2>/dev/null
  sleep 1
  pkill -KILL -f "qemu-system-x86_64.*$W" 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
now_ns () { date +%s%N; }
median () { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
row () { printf '%-44s %14s %14s %10s  %s\n' "$@"; }
ratio () { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }

# tetherd: first with templates off (every container VM boots cold), later with
# the default shape's template made beforehand (its containers are clones)
export TETHER_STATE_DIR=$W/state TETHER_RUN_DIR=$W/run TETHER_ASSETS=$(realpath "$B")
mkdir -p "$TETHER_STATE_DIR" "$TETHER_RUN_DIR"
TETHER_TEMPLATES=off "$B/tetherd" -H "unix://$W/t.sock" >"$W/tetherd.log" 2>&1 & TD=$!
# dockerd + runc
dockerd --host "unix://$W/d.sock" --data-root "$W/droot" --exec-root "$W/dexec" --pidfile "$W/d.pid" \
  --storage-driver vfs --iptables=false --ip6tables=false --bridge=none >"$W/dockerd.log" 2>&1 & DD=$!
for _ in $(seq 200); do
  "$DOCKER" -H "unix://$W/d.sock" version >/dev/null 2>&1 && "$DOCKER" -H "unix://$W/t.sock" version >/dev/null 2>&1 && break
  sleep 0.1
done
mkdir -p "$W/bb/bin" "$W/bb/etc" "$W/bb/tmp" "$W/bb/proc" "$W/bb/sys" "$W/bb/dev"
cp /bin/busybox "$W/bb/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$W/bb/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$W/bb/etc/passwd"
printf 'root:x:0:\n' >"$W/bb/etc/group"
tar -C "$W/bb" -cf "$W/bb.tar" .
"$DOCKER" -H "unix://$W/d.sock" import "$W/bb.tar" busybox >/dev/null

time_ms () { local t0; t0=$(now_ns); "$@" >/dev/null 2>&1; echo $(( ($(now_ns) - t0) / 1000000 )); }
run_ms () { for _ in $(seq "$RUNS"); do time_ms "$DOCKER" -H "unix://$1" run --rm busybox true; done | median; }
exec_ms () {
  "$DOCKER" -H "unix://$1" run -d --name bench-x busybox sleep 600 >/dev/null
  "$DOCKER" -H "unix://$1" exec bench-x true >/dev/null 2>&1 # the first waits for a VM's boot
  for _ in $(seq "$RUNS"); do time_ms "$DOCKER" -H "unix://$1" exec bench-x true; done | median
  "$DOCKER" -H "unix://$1" rm -f bench-x >/dev/null
}
# how a tetherd container's VM started (inspect's VM.Start), from a run kept for it
vm_start () {
  local id
  id=$("$DOCKER" -H "unix://$1" run -d busybox true) && "$DOCKER" -H "unix://$1" wait "$id" >/dev/null &&
    python3 -c 'import glob, json, sys
print(json.load(open(glob.glob(sys.argv[1] + "*/state.json")[0]))["VM"]["Start"])' \
      "$TETHER_STATE_DIR/containers/${id:0:12}" 2>/dev/null || echo "?"
  "$DOCKER" -H "unix://$1" rm -f "$id" >/dev/null 2>&1
}
t_run=$(run_ms "$W/t.sock") d_run=$(run_ms "$W/d.sock")
t_exec=$(exec_ms "$W/t.sock") d_exec=$(exec_ms "$W/d.sock")
kill "$TD"; wait "$TD" 2>/dev/null || true
TD=
RUNS=${TRUNS:-5}
"$B/tetherctl" template create >/dev/null 2>>"$W/tetherd.log"
"$B/tetherd" -H "unix://$W/t.sock" >>"$W/tetherd.log" 2>&1 & TD=$!
for _ in $(seq 200); do "$DOCKER" -H "unix://$W/t.sock" version >/dev/null 2>&1 && break; sleep 0.1; done
t_start=$(vm_start "$W/t.sock")
t_tpl=$(run_ms "$W/t.sock")
row "docker run --rm busybox true: cold (ms)" "$t_run" "$d_run" "$(ratio "$t_run" "$d_run")" \
  "peer: dockerd+runc; tetherd, TETHER_TEMPLATES=off; target <= 10x cold boot TCG"
row "docker run --rm busybox true: template (ms)" "$t_tpl" "$d_run" "$(ratio "$t_tpl" "$d_run")" \
  "peer: dockerd+runc; VM.Start $t_start, median of $RUNS; target <= 2x runc with a template"
row "docker exec true (ms)" "$t_exec" "$d_exec" "$(ratio "$t_exec" "$d_exec")" "peer: dockerd+runc"
