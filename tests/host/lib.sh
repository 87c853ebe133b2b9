# Helpers for the host-mode tests, sourced by run.sh and by every test child.
# Variables (exported by run.sh): HT_DIR ROOT HT_TMP SOCK TETHER TETHER_REL CTL CTL_REL TPID HT_REASON

# tetherctl against the harness's tether
ctl () { "$CTL" -H "unix:$SOCK" "$@"; }

# Ends the test as a failure with a reason (printed by the harness).
fail () { printf '%s\n' "$*" >"$HT_REASON"; exit 1; }
# Ends the test as skipped (a failure when CI=true).
skip () { printf '%s\n' "$*" >"$HT_REASON"; exit 77; }

# expect_eq WHAT GOT WANT
expect_eq () { [[ "$2" == "$3" ]] || fail "$1: got '$2', want '$3'"; }

sha () { sha256sum | cut -d' ' -f1; }

# field NAME PYEXPR: evaluates PYEXPR on inspect NAME's object `d`.
field () {
  ctl inspect "$1" 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print('"$2"')'
}

# PIDs of every descendant of $1 (not $1 itself), from one ps snapshot.
descendants () {
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2; pids[NR] = $1 }
    END {
      for (i = 1; i <= NR; i++) {
        p = pids[i]; q = parent[p]; n = 0
        while (q != "" && q != 0 && q != 1 && q != root && n++ < 64) q = parent[q]
        if (q == root) print p
      }
    }'
}

# "pid stat comm" lines of zombie descendants of $1.
zombies_under () {
  local d
  d=$(descendants "$1" | tr '\n' ',')
  [[ -n "$d" ]] || return 0
  ps -o pid=,stat=,comm= -p "${d%,}" | awk '$2 ~ /^Z/'
}

# Zombie descendants of $1 that are still there 0.5 s later (same pid): not a
# child caught between its exit and its parent's waitpid.
lasting_zombies_under () {
  local a b
  a=$(zombies_under "$1")
  [[ -n "$a" ]] || return 0
  sleep 0.5
  b=$(zombies_under "$1")
  awk 'NR == FNR { seen[$1] = 1; next } seen[$1]' <(printf '%s\n' "$a") <(printf '%s\n' "$b")
}

# wait_for SECONDS CMD...: polls CMD every 0.05 s until it succeeds.
wait_for () {
  local end=$((SECONDS + $1)); shift
  until "$@"; do
    ((SECONDS < end)) || return 1
    sleep 0.05
  done
}

# A deterministic file of $2 bytes at $1 (made once, reused by later tests).
data_file () {
  [[ -s "$1" ]] && return 0
  head -c "$2" /dev/urandom >"$1.tmp" && mv "$1.tmp" "$1"
}
