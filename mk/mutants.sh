#!/usr/bin/env bash
# Mutation check of the test suite (`make mutants`; not part of `make test`).
# Copies the tree (with its built build/) to a scratch dir, then for each entry of
# tests/mutants/list: applies one small deliberate bug, rebuilds, runs the tests
# the entry names, and restores the file. A mutant the tests do not notice
# SURVIVED: a promise is untested. One line per mutant, a summary at the end;
# exit status 1 if any survived (or an entry no longer applies or builds).
#   bash mk/mutants.sh [NAME...]        (default: every entry)
# Env: MUTANTS_LIST (default tests/mutants/list), MUTANTS_BASELINE=0 (skip the
# unmutated run of each kill command), MUTANTS_TIMEOUT (s per mutant, 600),
# MUTANTS_KEEP=1 (keep the scratch dir and logs).
#
# List entries (blank line or "#" comment between them):
#   == NAME
#   file: PATH                 relative to the repository top
#   from: TEXT                 must occur exactly once in PATH
#   to: TEXT                   replaces it ("\n" in from/to is a newline)
#   kill: SHELL                run in the scratch tree; must fail with the mutant.
#                              Helpers: host GROUP... | ctlhost | unit | net GROUP... | vm NAME...
set -u
# The whole script is one brace group, parsed before it runs: editing this file
# during a run (minutes) must not change what the running copy does.
{
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LIST=${MUTANTS_LIST:-$ROOT/tests/mutants/list}
TMO=${MUTANTS_TIMEOUT:-600}
[[ -f "$LIST" ]] || { echo "mutants: no list $LIST" >&2; exit 2; }
[[ -x "$ROOT/build/san/tether" && -x "$ROOT/build/tether" ]] || { echo "mutants: build first (make test-host)" >&2; exit 2; }

# ---- parse the list into arrays ----
names=() files=() froms=() tos=() kills=()
cur=-1
while IFS= read -r line || [[ -n "$line" ]]; do
  case $line in
    '== '*) cur=$((cur + 1)); names[cur]=${line#== }; files[cur]=; froms[cur]=; tos[cur]=; kills[cur]= ;;
    'file: '*) files[cur]=${line#file: } ;;
    'from: '*) froms[cur]=${line#from: } ;;
    'to: '*) tos[cur]=${line#to: } ;;
    'to:') tos[cur]= ;;
    'kill: '*) kills[cur]=${line#kill: } ;;
    '' | '#'*) ;;
    *) echo "mutants: $LIST: cannot parse: $line" >&2; exit 2 ;;
  esac
done <"$LIST"
n_all=$((cur + 1))
sel=()
for ((i = 0; i < n_all; i++)); do
  if (($# == 0)); then sel+=("$i"); continue; fi
  for w in "$@"; do [[ "${names[i]}" == "$w" ]] && sel+=("$i"); done
done
((${#sel[@]})) || { echo "mutants: no entry matches: $*" >&2; exit 2; }

# ---- the scratch tree: sources and the built build/ (sysroot, kernel, binaries) ----
S=$(mktemp -d /tmp/mut.XXXXXX)
LOGS=$S.logs
mkdir -p "$LOGS"
cleanup () {
  if [[ "${MUTANTS_KEEP:-}" == 1 ]]; then echo "kept $S and $LOGS" >&2; else rm -rf "$S" "$LOGS"; fi
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM
(cd "$ROOT" && tar --exclude=./.git -cf - .) | (cd "$S" && tar -xpf -) || { echo "mutants: copy failed" >&2; exit 2; }
echo "mutants: scratch tree $S, ${#sel[@]} of $n_all mutants, list $LIST"

# ---- kill helpers (run inside $S; output goes to the mutant's log) ----
export MAKEFLAGS=
helpers='
host () { make -s build/san/tether build/san/tetherctl >/dev/null || exit 99; bash tests/host/run.sh "$@"; }
ctlhost () { make -s build/san/tether build/san/tetherctl >/dev/null || exit 99; bash tests/host/ctl_verbs.sh build/san/tether build/san/tetherctl; }
unit () { make -s unit-bins >/dev/null || exit 99; make -s test-unit; }
net () { make -s build/san/tests/nettool >/dev/null || exit 99; bash tests/net/run.sh build/san/tests/nettool "$@"; }
vm () { make -s build/tetherctl build/initramfs.cpio.gz build/bootstrap.iso >/dev/null || exit 99; TETHER_ASSETS=$PWD/build VM_ONLY="$*" bash tests/vm/run.sh build/tetherctl; }
tetherd () { make -s build/san/tetherd build/tetherctl build/initramfs.cpio.gz >/dev/null || exit 99; TETHER_ASSETS=$PWD/build bash tests/docker/run.sh build/san/tetherd; }
dockerconfine () { make -s build/san/tetherd build/tetherctl build/initramfs.cpio.gz >/dev/null || exit 99; TETHER_ASSETS=$PWD/build bash tests/docker/confine.sh build/san/tetherd; }
'
run_kill () { # KILL LOG: exit status of the kill command (99: did not build; 124: timeout)
  (cd "$S" && timeout -k 10 "$TMO" bash -c "$helpers"'
eval "$1"' _ "$1") >"$2" 2>&1
}

apply () { # FILE FROM TO: exactly one occurrence, else exit 3
  python3 - "$S/$1" "$2" "$3" <<'PY'
import sys
path, a, b = sys.argv[1], sys.argv[2].replace("\\n", "\n"), sys.argv[3].replace("\\n", "\n")
s = open(path).read()
n = s.count(a)
if n != 1:
    print("%s: the snippet occurs %d times" % (path, n), file=sys.stderr)
    sys.exit(3)
open(path, "w").write(s.replace(a, b))
PY
}

t0=$SECONDS
# ---- baseline: every kill command must pass on the unmutated tree ----
if [[ "${MUTANTS_BASELINE:-1}" != 0 ]]; then
  declare -A seen=()
  for i in "${sel[@]}"; do
    k=${kills[i]}
    [[ -n "${seen[$k]:-}" ]] && continue
    seen[$k]=1
    log=$LOGS/baseline.$((${#seen[@]}))
    t1=$SECONDS
    if run_kill "$k" "$log"; then
      echo "baseline ok     ($((SECONDS - t1)) s) $k"
    else
      echo "baseline FAILED ($((SECONDS - t1)) s) $k: the unmutated tree fails it; fix that first"
      tail -n 15 "$log" | sed 's/^/    /'
      MUTANTS_KEEP=1
      exit 2
    fi
  done
fi

killed=0 survived=0 broken=0 surv_names=()
for i in "${sel[@]}"; do
  name=${names[i]} f=${files[i]} k=${kills[i]}
  log=$LOGS/$name
  t1=$SECONDS
  if [[ -z "$f" || -z "${froms[i]}" || -z "$k" || ! -f "$S/$f" ]]; then
    echo "BROKEN   $name: needs file, from and kill (file '$f')"; broken=$((broken + 1)); continue
  fi
  cp -p "$S/$f" "$LOGS/orig"
  if ! apply "$f" "${froms[i]}" "${tos[i]}" 2>"$log"; then
    echo "BROKEN   $name: $(cat "$log")"; broken=$((broken + 1)); continue
  fi
  touch "$S/$f"
  run_kill "$k" "$log"
  rc=$?
  cp -p "$LOGS/orig" "$S/$f"
  touch "$S/$f" # newer than what the mutant built: the next build starts clean
  secs=$((SECONDS - t1))
  if ((rc == 99)); then
    echo "BROKEN   $name ($secs s): the mutant does not build: $(grep -m1 -E 'error' "$log" | head -c 200)"
    broken=$((broken + 1))
  elif ((rc == 0)); then
    echo "SURVIVED $name ($secs s): $f: '${froms[i]}' -> '${tos[i]}' passes: $k"
    survived=$((survived + 1)); surv_names+=("$name")
  else
    why=$(grep -m2 -E '^(FAIL|not ok)|\[  FAILED  \] [a-z]' "$log" | tr '\n' ' ' | head -c 160)
    ((rc == 124)) && why="timed out after $TMO s"
    echo "killed   $name ($secs s): ${why:-exit $rc}"
    killed=$((killed + 1))
  fi
done
echo "mutants: ${#sel[@]} run, $killed killed, $survived survived, $broken broken, $((SECONDS - t0)) s"
((survived)) && echo "mutants: survivors: ${surv_names[*]}"
((survived == 0 && broken == 0))
exit
}
