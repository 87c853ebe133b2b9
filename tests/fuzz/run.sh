#!/usr/bin/env bash
# Runs each named libFuzzer target (build/fuzz/NAME) for FUZZ_SECONDS on a copy
# of its seed corpus (tests/fuzz/corpus/NAME: the repository's copy is never
# written), prints executions and executions per second per target, and fails
# if any target crashed, leaked or timed out. A crashing input is kept as
# build/fuzz/artifacts/NAME-crash-*; replay it with build/fuzz/NAME FILE.
set -u
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-300}
mkdir -p build/fuzz/artifacts
rc=0
for t in "$@"; do
  work=build/fuzz/corpus/$t
  mkdir -p "$work"
  [[ -d tests/fuzz/corpus/$t ]] && cp -n tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null
  log=build/fuzz/$t.log
  build/fuzz/"$t" -max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix=build/fuzz/artifacts/"$t"- "$work" >"$log" 2>&1
  st=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  runs=${runs:-0}
  per=$((runs / (${took:-$secs} > 0 ? ${took:-$secs} : 1)))
  if [[ $st == 0 ]]; then
    printf 'fuzz %-10s %10s execs in %ss, %s/s\n' "$t" "$runs" "${took:-?}" "$per"
  else
    printf 'fuzz %-10s FAILED (exit %s) after %s execs: see %s\n' "$t" "$st" "$runs" "$log"
    grep -m3 -E '^==[0-9]+==ERROR|SUMMARY|runtime error' "$log"
    rc=1
  fi
done
exit $rc
