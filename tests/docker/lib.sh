# Sourced by the tetherd suites but run.sh, life.sh, images.sh and badhttp.sh: a private state dir,
# tetherd on its own socket, the docker CLIs against it, and the closing checks.
# The caller sets DK_TAG (the temp dir's name) and passes TETHERD as $1.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=$(realpath "${1:-$ROOT/build/tetherd}")
export TETHER_ASSETS=${TETHER_ASSETS:-$ROOT/build}
DOCKER28=${DOCKER28:-/usr/local/bin/docker}
DOCKER20=${DOCKER20:-/usr/bin/docker}
T=$(mktemp -d "/tmp/${DK_TAG:-tdk}.XXXXXX")
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
d20 () { timeout 120 "$DOCKER20" -H "unix://$SOCK" "$@"; }

dk_start () {
  "$BIN" -H "unix://$SOCK" --state-dir "$TETHER_STATE_DIR" 2>>"$T/tetherd.log" &
  DPID=$!
  for _ in $(seq 100); do curl -s --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1 && return 0; sleep 0.05; done
  return 1
}

# tetherd stopped by SIGTERM, no sanitizer report, no QEMU left; the tally.
dk_finish () {
  kill -TERM "$DPID"; wait "$DPID"; local rc=$?
  check "SIGTERM: a clean exit" "$rc" 0
  check "tetherd: no sanitizer report" "$(grep -c -e 'ERROR: LeakSanitizer' -e 'ERROR: AddressSanitizer' -e 'runtime error:' "$T/tetherd.log")" 0
  sleep 1
  check "no QEMU left" "$(qemus)" 0
  pkill -KILL -f "qemu-system-x86_64.*$TETHER_STATE_DIR" 2>/dev/null
  [ "$fail" = 0 ] && [ -z "${DK_KEEP:-}" ] && rm -rf "$T"
  echo "$pass passed, $fail failed"
  [ "$fail" = 0 ]
}
