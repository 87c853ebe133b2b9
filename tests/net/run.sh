#!/usr/bin/env bash
# Network tests: tether/netif.c (and the DHCP client) against a veth pair whose
# ends sit in two network namespaces made here and removed at the end (C: the
# client, S: the server side). Nothing leaves them: the addresses are only ever
# on these veths. One line per test, "N passed, M failed" at the end.
#   bash tests/net/run.sh NETTOOL [GROUP...]   (GROUP: netif dhcp; default all)
set -u
NET_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL=${1:?usage: run.sh NETTOOL [GROUP...]}; shift
[[ $TOOL == /* ]] || TOOL=$PWD/$TOOL
GROUPS_RUN=(netif dhcp)
((${#@})) && GROUPS_RUN=("$@")
[[ -x $TOOL ]] || { echo "missing $TOOL (make test-net builds it)" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "the net tests run as root" >&2; exit 2; }
command -v ip >/dev/null || { echo "no ip(8): apt-get install iproute2 (mk/deps.sh)" >&2; exit 2; }
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

NS_C=tnc$$ NS_S=tns$$
MAC_C=02:74:68:00:00:01 MAC_S=02:74:68:00:00:02
NET_TMP=$(mktemp -d /tmp/tnet.XXXXXX)
cleanup () {
  trap - EXIT INT TERM
  kill_bg
  ip netns del "$NS_C" 2>/dev/null
  ip netns del "$NS_S" 2>/dev/null
  rm -rf "$NET_TMP"
}
trap cleanup EXIT INT TERM
# bgns NS CMD...: CMD in namespace NS in the background, ended after the test
# (pids in a file: tests run in subshells). ip netns exec execs CMD, so $! is
# CMD itself, not a shell around it.
bgns () { ip netns exec "$@" & echo $! >>"$NET_TMP/pids"; }
kill_bg () {
  [[ -s $NET_TMP/pids ]] || return 0
  local p; while read -r p; do kill "$p" 2>/dev/null; done <"$NET_TMP/pids"
  : >"$NET_TMP/pids"
}
inc () { ip netns exec "$NS_C" "$@"; }
ins () { ip netns exec "$NS_S" "$@"; }
tool () { inc "$TOOL" "$@"; }

# A fresh pair for each test: state from one cannot make the next pass.
fresh_pair () {
  ip netns del "$NS_C" 2>/dev/null; ip netns del "$NS_S" 2>/dev/null
  ip netns add "$NS_C" && ip netns add "$NS_S" &&
    ip link add v0 address "$MAC_C" netns "$NS_C" type veth peer name v1 address "$MAC_S" netns "$NS_S"
}

passed=0 failed=0
REASON=$NET_TMP/reason
# Tests run in a subshell with set -e: fail ends it.
fail () { printf '%s\n' "$*" >"$REASON"; exit 1; }
# run NAME: runs t_NAME on a fresh pair, in a subshell, bounded.
run () {
  : >"$REASON"
  if ! fresh_pair; then echo "FAIL $1: could not make the namespaces"; failed=$((failed + 1)); return; fi
  local t0=$SECONDS
  # Not in an if: set -e is off inside a condition, even in a subshell.
  local rc=0
  (set -e; "t_$1") >"$NET_TMP/out" 2>&1 || rc=$?
  kill_bg
  if ((rc == 0)); then
    echo "ok   $1 ($((SECONDS - t0)) s)"; passed=$((passed + 1))
  else
    echo "FAIL $1: $(cat "$REASON" 2>/dev/null || echo "exit $rc")"; sed 's/^/    /' "$NET_TMP/out" | tail -n 20
    failed=$((failed + 1))
  fi
}

for g in "${GROUPS_RUN[@]}"; do
  source "$NET_DIR/t_$g.sh"
  for t in $(declare -F | awk '{print $3}' | grep "^t_${g}_"); do run "${t#t_}"; done
done
echo "$passed passed, $failed failed"
((failed == 0))
