#!/usr/bin/env bash
# Runs each named libFuzzer target (build/fuzz/NAME) on a copy of its seed
# corpus (tests/fuzz/corpus/NAME: the repository's copy is never written),
# prints executions and executions per second per target, and fails if any
# target crashed, leaked or timed out. A crashing input is kept as
# build/fuzz/artifacts/NAME-crash-*; replay it with build/fuzz/NAME FILE.
#   FUZZ_SECONDS  each target's time (with FUZZ_RUNS: its cap)
#   FUZZ_RUNS     stop a target after this many executions (the long run's
#                 10000000), instead of at its time
#   FUZZ_JOBS     targets at once (default 1; one core each)
#   FUZZ_ARGS     more libFuzzer flags for every target (-max_len=1024)
set -u
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-300}
runs=${FUZZ_RUNS:-0}
jobs_max=${FUZZ_JOBS:-1}
mkdir -p build/fuzz/artifacts
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

run_one() {
  local t=$1 work=build/fuzz/corpus/$1 log=build/fuzz/$1.log st n took per
  mkdir -p "$work"
  [[ -d tests/fuzz/corpus/$t ]] && cp -n tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null
  build/fuzz/"$t" -max_total_time="$secs" -runs="$((runs > 0 ? runs : -1))" -print_final_stats=1 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix=build/fuzz/artifacts/"$t"- ${FUZZ_ARGS:-} "$work" >"$log" 2>&1
  st=$?
  n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  n=${n:-0}
  per=$((n / (${took:-$secs} > 0 ? ${took:-$secs} : 1)))
  if [[ $st == 0 ]] && ((runs == 0 || n >= runs)); then
    printf 'fuzz %-10s %10s execs in %ss, %s/s\n' "$t" "$n" "${took:-?}" "$per"
  elif [[ $st == 0 ]]; then
    printf 'fuzz %-10s SHORT: %s of %s execs in its %ss (%s/s)\n' "$t" "$n" "$runs" "${took:-?}" "$per"
    echo 1 >"$results/$t"
  else
    printf 'fuzz %-10s FAILED (exit %s) after %s execs: see %s\n' "$t" "$st" "$n" "$log"
    grep -m3 -E '^==[0-9]+==ERROR|SUMMARY|runtime error' "$log"
    echo 1 >"$results/$t"
  fi
}

t0=$(date +%s)
for t in "$@"; do
  while (($(jobs -rp | wc -l) >= jobs_max)); do wait -n; done
  run_one "$t" &
done
wait
rc=0
[[ -n $(ls "$results") ]] && rc=1
((runs > 0 || jobs_max > 1)) && printf 'fuzz: %d targets in %ds on %d jobs\n' "$#" "$(($(date +%s) - t0))" "$jobs_max"
exit $rc
