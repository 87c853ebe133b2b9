# stdout and stderr kept apart, 64 MiB out, 8 MiB in, grandchildren, two clients at once.

stdout_stderr_apart () {
  ctl run sh -c 'echo out; echo err >&2' >out 2>err || fail "exit $?"
  expect_eq stdout "$(cat out)" out
  expect_eq stderr "$(cat err)" err
}

# Interleaved on both streams in volume: each stream complete and in order.
streams_volume () {
  ctl run sh -c 'i=0; while [ $i -lt 20000 ]; do echo "o$i"; echo "e$i" >&2; i=$((i+1)); done' >out 2>err \
    || fail "exit $?"
  expect_eq "stdout sha" "$(sha <out)" "$(seq 0 19999 | sed 's/^/o/' | sha)"
  expect_eq "stderr sha" "$(sha <err)" "$(seq 0 19999 | sed 's/^/e/' | sha)"
}

out_64m () {
  local f=$HT_TMP/data64m
  data_file "$f" $((64 << 20))
  local got; got=$(ctl run cat "$f" | sha; exit "${PIPESTATUS[0]}") || fail "run exit $?"
  expect_eq "sha256 of 64 MiB" "$got" "$(sha <"$f")"
}

in_8m () {
  local f=$HT_TMP/data8m
  data_file "$f" $((8 << 20))
  local got; got=$(ctl run -i sha256sum <"$f") || fail "run -i exit $?"
  expect_eq "sha256 of 8 MiB stdin" "${got%% *}" "$(sha <"$f")"
}

background_grandchild () {
  local t0=$(date +%s%N) out
  out=$(ctl run sh -c 'sleep 30 & echo done') || fail "exit $?"
  local ms=$((($(date +%s%N) - t0) / 1000000))
  expect_eq stdout "$out" done
  ((ms < 3000)) || fail "took $ms ms (a grandchild held the run open)"
}

two_clients () {
  local f=$HT_TMP/data64m
  data_file "$f" $((64 << 20))
  ctl run --name two-clients cat "$f" | (sleep 1; sha) >sum &
  local bg=$!
  wait_for 10 ctl inspect two-clients >/dev/null 2>&1 || fail "the streaming container never appeared"
  local n=0 t0 ms
  while [[ -e /proc/$bg ]] && ((n < 20)); do
    t0=$(date +%s%N)
    ctl ps -a >ps.out || fail "ps failed while a run streams"
    ms=$((($(date +%s%N) - t0) / 1000000))
    ((ms < 2000)) || fail "ps took $ms ms while a run streams"
    grep -q two-clients ps.out || fail "ps does not list the streaming container"
    n=$((n + 1))
  done
  ((n >= 3)) || fail "only $n ps calls happened while the run streamed"
  wait $bg
  expect_eq "sha256 of the streamed run" "$(cat sum)" "$(sha <"$f")"
}

t stdout_stderr_apart stdout_stderr_apart 20
t streams_volume streams_volume 60
t out_64m out_64m 90
t in_8m in_8m 60
t background_grandchild background_grandchild 20
t two_clients two_clients 90

# Output reaches the client while the process runs, not at its exit.
output_is_live () {
  ctl run sh -c 'echo A; sleep 2; echo B' | while IFS= read -r l; do echo "$(date +%s%N) $l"; done >stamps
  local a b
  a=$(awk '$2 == "A" {print $1}' stamps); b=$(awk '$2 == "B" {print $1}' stamps)
  [[ -n "$a" && -n "$b" ]] || fail "lines: $(cat stamps)"
  (((b - a) / 1000000 >= 1500)) || fail "A arrived only $(((b - a) / 1000000)) ms before B (held until exit)"
}
t output_is_live output_is_live 20

# stdin sent (and closed) before the first run begins waits for the process
# (tproto.py earlystdin): a clone's container starts after its client attached.
early_stdin () {
  python3 "$HT_DIR/tproto.py" earlystdin "$SOCK" >py.out 2>&1 || fail "$(grep FAILED py.out | head -3 | tr '\n' ';') $(tail -n 2 py.out)"
}
t early_stdin early_stdin 30
