#!/usr/bin/env bash
# seccomp through tetherd with the real docker CLI, each container its own VM
# (TCG): docker's default profile, --security-opt seccomp=unconfined, a profile
# file the CLI reads and sends inline (HostConfig.SecurityOpt "seccomp=<json>"),
# a profile the daemon refuses. Each expected line is what dockerd 20.10 + runc
# printed here for the same command.
#   bash tests/docker/seccomp.sh TETHERD
# Env: TETHER_ASSETS (build/), DOCKER28, DK_KEEP=1 (keep the temp dir).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=$(realpath "${1:-$ROOT/build/tetherd}")
export TETHER_ASSETS=${TETHER_ASSETS:-$ROOT/build}
DOCKER28=${DOCKER28:-/usr/local/bin/docker}
T=$(mktemp -d /tmp/tds.XXXXXX)
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
"$BIN" -H "unix://$SOCK" --state-dir "$TETHER_STATE_DIR" 2>>"$T/tetherd.log" &
DPID=$!
for _ in $(seq 100); do curl -s --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1 && break; sleep 0.05; done

check "info: SecurityOptions" "$(d28 info --format '{{json .SecurityOptions}}')" '["name=seccomp,profile=default"]'

# dockerd: "Seccomp: 2", "unshare: unshare(0x10000000): Operation not permitted", rc=1
out=$(d28 run --rm busybox sh -c 'grep Seccomp: /proc/self/status; unshare -U true; echo rc=$?' 2>&1)
check "default profile: mode 2, unshare -U refused" "$(echo $out)" \
  "Seccomp: 2 unshare: unshare(0x10000000): Operation not permitted rc=1"

# dockerd: "Seccomp: 0", rc=0
out=$(d28 run --rm --security-opt seccomp=unconfined busybox sh -c 'grep Seccomp: /proc/self/status; unshare -U true; echo rc=$?' 2>&1)
check "seccomp=unconfined: mode 0, unshare -U runs" "$(echo $out)" "Seccomp: 0 rc=0"

# dockerd: "Seccomp: 2", "mkdir: can't create directory '/x': Permission denied", rc=1
echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}' >"$T/mkdir.json"
out=$(d28 run --rm --security-opt seccomp="$T/mkdir.json" busybox sh -c 'grep Seccomp: /proc/self/status; mkdir /x; echo rc=$?' 2>&1)
check "a profile file: mkdir gets its errnoRet" "$(echo $out)" \
  "Seccomp: 2 mkdir: can't create directory '/x': Permission denied rc=1"

# dockerd (runc at start): "... string SCMP_ACT_BOGUS is not a valid action for seccomp ...", 125
echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_BOGUS"}]}' >"$T/act.json"
d28 run --rm --security-opt seccomp="$T/act.json" busybox true >/dev/null 2>"$T/err"; rc=$?
check "a bad action: 125 with runc's words" "$rc/$(grep -c 'string SCMP_ACT_BOGUS is not a valid action for seccomp' "$T/err")" "125/1"

kill -TERM "$DPID"; wait "$DPID"; rc=$?
check "SIGTERM: a clean exit" "$rc" 0
check "tetherd: no sanitizer report" "$(grep -c -e 'ERROR: LeakSanitizer' -e 'ERROR: AddressSanitizer' -e 'runtime error:' "$T/tetherd.log")" 0
sleep 1
check "no QEMU left" "$(qemus)" 0
pkill -KILL -f "qemu-system-x86_64.*$TETHER_STATE_DIR" 2>/dev/null
[ "$fail" = 0 ] && [ -z "${DK_KEEP:-}" ] && rm -rf "$T"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
