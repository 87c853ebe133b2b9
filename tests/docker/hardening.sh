#!/usr/bin/env bash
# --read-only, --tmpfs, --mount type=tmpfs, --ulimit, --shm-size, --sysctl and
# systempaths=unconfined through tetherd with the real docker CLI, each
# container its own VM (TCG; 2 VMs, ~30 s), and the daemon's refusals. Each
# expected line is what dockerd 20.10 + runc printed here for the same command
# (dockerd takes an unknown ulimit or sysctl at create and fails at start;
# tetherd refuses them at create, 400).
#   bash tests/docker/hardening.sh TETHERD
# Env: TETHER_ASSETS (build/), DOCKER28, DK_KEEP=1 (keep the temp dir).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=$(realpath "${1:-$ROOT/build/tetherd}")
export TETHER_ASSETS=${TETHER_ASSETS:-$ROOT/build}
DOCKER28=${DOCKER28:-/usr/local/bin/docker}
T=$(mktemp -d /tmp/tdh.XXXXXX)
export TETHER_STATE_DIR=$T/state TETHER_RUN_DIR=$T/run
mkdir -p "$TETHER_STATE_DIR" "$TETHER_RUN_DIR"
SOCK=$T/d.sock
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
pass=0 fail=0 DPID=
ok () { pass=$((pass + 1)); echo "ok   $1 (${SECONDS}s)"; }
bad () { fail=$((fail + 1)); echo "FAIL $1: $2"; }
check () { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "want [$3] got [$2]"; fi; }
qemus () { pgrep -f "qemu-system-x86_64.*$TETHER_STATE_DIR" | wc -l; }
d28 () { timeout 120 "$DOCKER28" -H "unix://$SOCK" "$@"; }
create () { curl -s --unix-socket "$SOCK" -H 'Content-Type: application/json' -d "$1" http://d/v1.41/containers/create; }
"$BIN" -H "unix://$SOCK" --state-dir "$TETHER_STATE_DIR" 2>>"$T/tetherd.log" &
DPID=$!
for _ in $(seq 100); do curl -s --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1 && break; sleep 0.05; done

# shellcheck disable=SC2016
S='touch /x; echo "touch $?"; grep " / " /proc/mounts | cut -d" " -f4 | cut -d, -f1
  grep -E " /run/t | /m " /proc/mounts | sort; stat -c %a /m; ulimit -n; grep " /dev/shm " /proc/mounts | tail -1
  cat /proc/sys/kernel/msgmax; wc -c </proc/keys'
out=$(d28 run --rm --read-only --tmpfs /run/t --mount type=tmpfs,target=/m,tmpfs-size=2m,tmpfs-mode=700 \
  --ulimit nofile=100:200 --shm-size 1m --sysctl kernel.msgmax=12345 busybox sh -c "$S" 2>&1 | sed 's/,inode64//')
check "read-only root, tmpfs mounts, ulimit, shm-size, sysctl, masked /proc/keys" "$out" \
  "touch: /x: Read-only file system
touch 1
ro
tmpfs /m tmpfs rw,nosuid,nodev,noexec,relatime,size=2048k,mode=700 0 0
tmpfs /run/t tmpfs rw,nosuid,nodev,noexec,relatime 0 0
700
100
shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k 0 0
12345
0"

out=$(d28 run --rm --security-opt systempaths=unconfined busybox \
  sh -c 'grep -c -E " /proc/(sys|keys|bus) | /sys/firmware " /proc/mounts' 2>&1)
check "systempaths=unconfined: no masked or read-only paths" "$out" 0

out=$(d28 run --rm --tmpfs rel busybox true 2>&1); rc=$?
check "--tmpfs rel: dockerd's text, 125" "$rc/$(echo "$out" | head -1)" \
  "125/docker: Error response from daemon: invalid mount path: 'rel' mount path must be absolute"
check "ShmSize -1" "$(create '{"Image":"busybox","Cmd":["true"],"HostConfig":{"ShmSize":-1}}')" \
  '{"message":"SHM size can not be less than 0"}'
check "a sysctl outside the container's namespaces" \
  "$(create '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Sysctls":{"kernel.foo":"1"}}}')" \
  '{"message":"sysctl \"kernel.foo\" is not in a separate kernel namespace"}'
check "an unknown ulimit" \
  "$(create '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Ulimits":[{"Name":"foo","Soft":1,"Hard":1}]}}')" \
  '{"message":"invalid ulimit type: foo"}'

kill -TERM "$DPID"; wait "$DPID"; rc=$?
check "SIGTERM: a clean exit" "$rc" 0
check "tetherd: no sanitizer report" "$(grep -c -e 'ERROR: LeakSanitizer' -e 'ERROR: AddressSanitizer' -e 'runtime error:' "$T/tetherd.log")" 0
sleep 1
check "no QEMU left" "$(qemus)" 0
pkill -KILL -f "qemu-system-x86_64.*$TETHER_STATE_DIR" 2>/dev/null
[ "$fail" = 0 ] && [ -z "${DK_KEEP:-}" ] && rm -rf "$T"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
