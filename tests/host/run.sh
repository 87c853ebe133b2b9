#!/usr/bin/env bash
# Host-mode integration tests: one tether --listen in a fresh temp dir, every test
# in its own child with a timeout, one line per test, "N passed, M failed" at the end.
#   bash tests/host/run.sh [GROUP...]     (GROUP: exit_codes streams ... ; default all)
# Env: TETHER, CTL (default the sanitizer builds), TETHER_REL (release tether, for
# memory), CI=true (a skipped test is a failure), HT_KEEP=1 (keep the temp dir).
set -u
HT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HT_DIR/../.." && pwd)
TETHER=${TETHER:-$ROOT/build/san/tether}
CTL=${CTL:-$ROOT/build/san/tetherctl}
TETHER_REL=${TETHER_REL:-$ROOT/build/tether}
CTL_REL=${CTL_REL:-$ROOT/build/tetherctl}
HT_GROUPS=(exit_codes pid1 exec times streams resume memory tty many reap bad_input channel reliab health attach confine seccomp hardening)
((${#@})) && HT_GROUPS=("$@")

for b in "$TETHER" "$CTL" "$TETHER_REL" "$CTL_REL"; do
  [[ -x "$b" ]] || { echo "missing $b (make test-host builds it)" >&2; exit 2; }
done
[[ $(id -u) == 0 ]] || { echo "the host tests run as root" >&2; exit 2; }

# Short paths: unix socket paths are limited to 108 bytes.
HT_TMP=$(mktemp -d /tmp/ht.XXXXXX)
SOCK=$HT_TMP/s
TLOG=$HT_TMP/tether.log
TPID=
export HT_DIR ROOT HT_TMP SOCK TETHER TETHER_REL CTL CTL_REL TPID
# ASan with LeakSanitizer: the whole suite ran leak-clean (2026-12-02), so a leak
# in tetherctl now fails its test (exit 23); the tether's own report at its TERM
# goes to tether.log (HT_KEEP=1 keeps it).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
source "$HT_DIR/lib.sh"

passed=0 failed=0

cleanup () {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$TPID" ]] && kill -0 "$TPID" 2>/dev/null; then
    kill -TERM "$TPID" 2>/dev/null
    for _ in $(seq 40); do kill -0 "$TPID" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$TPID" 2>/dev/null
  fi
  wait 2>/dev/null
  if [[ "${HT_KEEP:-}" == 1 ]]; then echo "kept $HT_TMP" >&2; else rm -rf "$HT_TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

# The tether runs as a private copy named ht-tether: other work on the same machine
# that kills processes named "tether" must not end this suite's tether.
start_tether () {
  ulimit -n "$(ulimit -Hn)" 2>/dev/null
  cp "$TETHER" "$HT_TMP/ht-tether" || return 1
  "$HT_TMP/ht-tether" --listen "unix:$SOCK" >>"$TLOG" 2>&1 &
  TPID=$!
  export TPID
  wait_for 10 ctl ping >/dev/null 2>&1
}

report () { # NAME RESULT [WHY]
  case $2 in
    ok) echo "ok $1"; passed=$((passed + 1)) ;;
    skip)
      if [[ "${CI:-}" == true ]]; then echo "FAIL $1: skipped under CI=true: $3"; failed=$((failed + 1))
      else echo "skip $1: $3"; fi ;;
    *) echo "FAIL $1: $3"; failed=$((failed + 1)) ;;
  esac
}

# t NAME FUNCTION TIMEOUT_S: runs FUNCTION from the current group file in a child.
t () {
  [[ -n "${HT_CHILD:-}" ]] && return 0
  local name=$HT_GROUP/$1 fn=$2 secs=${3:-60} log=$HT_TMP/log.${HT_GROUP}.$1
  export HT_REASON=$HT_TMP/reason.${HT_GROUP}.$1
  rm -f "$HT_REASON"
  local t0=$SECONDS rc
  (cd "$HT_TMP" && timeout -k 5 "$secs" bash -c \
    'HT_CHILD=1; source "$HT_DIR/lib.sh"; t () { :; }; source "$1"; "$2"' _ "$HT_FILE" "$fn") >"$log" 2>&1 </dev/null
  rc=$?
  local why=""
  [[ -s "$HT_REASON" ]] && why=$(head -c 600 "$HT_REASON" | tr '\n' ' ')
  if ((rc == 0)); then report "$name" ok
  elif ((rc == 77)); then report "$name" skip "$why"
  elif ((rc == 124 || rc == 137)); then report "$name" fail "timed out after ${secs} s (hang) ${why}"
  else
    [[ -n "$why" ]] || why="exit $rc: $(tail -n 3 "$log" | tr '\n' ' ' | head -c 400)"
    report "$name" fail "$why"
  fi
  [[ -n "${HT_VERBOSE:-}" ]] && echo "   ($((SECONDS - t0)) s, log $log)"
  return 0
}

t0=$SECONDS
if ! start_tether; then
  report tether/start fail "tether did not answer ping within 10 s: $(tail -n 3 "$TLOG" | tr '\n' ' ')"
else
  for g in "${HT_GROUPS[@]}"; do
    HT_GROUP=$g HT_FILE=$HT_DIR/t_$g.sh
    [[ -f "$HT_FILE" ]] || { report "$g" fail "no file $HT_FILE"; continue; }
    source "$HT_FILE"
    # The tether must survive every group; restart it so later groups still run.
    if kill -0 "$TPID" 2>/dev/null && ctl ping >/dev/null 2>&1; then
      report "$g/tether_alive" ok
    else
      report "$g/tether_alive" fail "tether (pid $TPID) died or stopped answering: $(tail -n 5 "$TLOG" | tr '\n' ' ' | head -c 600)"
      kill -KILL "$TPID" 2>/dev/null; wait "$TPID" 2>/dev/null
      start_tether || break
    fi
  done
  # Sanitizer findings in the tether (it runs on: fork children report here too).
  if grep -qE 'AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$TLOG"; then
    report tether/sanitizers fail "$(grep -m1 -E 'AddressSanitizer|runtime error:' "$TLOG" | head -c 300)"
  else
    report tether/sanitizers ok
  fi
  # A session life change the state machine does not allow is a bug, logged.
  if grep -q 'no transition' "$TLOG"; then
    report tether/session_life fail "$(grep -m1 'no transition' "$TLOG" | head -c 300)"
  else
    report tether/session_life ok
  fi
fi
echo "host tests took $((SECONDS - t0)) s"
echo "$passed passed, $failed failed"
((failed == 0))
