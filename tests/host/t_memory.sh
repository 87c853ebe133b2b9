# A reader that pauses loses nothing, and the release tether's peak RSS stays small.

slow_reader_release_hwm () {
  local sock=$HT_TMP/rel.s f=$HT_TMP/data16m
  data_file "$f" $((16 << 20))
  cp "$TETHER_REL" ht-tether-rel # a private name, as in run.sh
  ./ht-tether-rel --listen "unix:$sock" 2>rel.log &
  local tp=$!
  trap 'kill -KILL '$tp' 2>/dev/null' EXIT
  wait_for 10 "$CTL_REL" -H "unix:$sock" ping >/dev/null 2>&1 || fail "release tether did not start: $(cat rel.log)"
  local got
  got=$("$CTL_REL" -H "unix:$sock" run cat "$f" | (sleep 3; sha); exit "${PIPESTATUS[0]}") || fail "run exit $?"
  expect_eq "sha256 after a 3 s pause" "$got" "$(sha <"$f")"
  # and 64 MiB through the same tether
  local g=$HT_TMP/data64m
  data_file "$g" $((64 << 20))
  got=$("$CTL_REL" -H "unix:$sock" run cat "$g" | (sleep 1; sha); exit "${PIPESTATUS[0]}") || fail "64 MiB run exit $?"
  expect_eq "sha256 of 64 MiB" "$got" "$(sha <"$g")"
  local hwm; hwm=$(awk '/^VmHWM:/ {print $2}' /proc/$tp/status)
  [[ -n "$hwm" ]] || fail "no VmHWM for the tether $tp"
  echo "release tether VmHWM: $hwm kB"
  ((hwm <= 16384)) || fail "release tether VmHWM $hwm kB > 16384 kB"
}

t slow_reader_release_hwm slow_reader_release_hwm 90

# At the global ring cap (set low here): streams nobody reads hold it all, yet a
# new run still gets its output and its end, and clients can still connect.
ring_cap () {
  local sock=$HT_TMP/cap.sock
  TETHER_RING_CAP_BYTES=$((3 * 1048576 + 8192)) "$HT_TMP/ht-tether" --listen "unix:$sock" >cap.log 2>&1 &
  local cpid=$!
  wait_for 10 test -S "$sock" || fail "capped tether did not start"
  local i
  for i in 1 2 3; do "$CTL" -H "unix:$sock" run -d --name "fill$i" -- sh -c 'head -c 3000000 /dev/zero; sleep 60' >/dev/null; done
  sleep 1
  local out
  out=$(timeout 20 "$CTL" -H "unix:$sock" run -- sh -c 'echo hi; echo there >&2' 2>&1)
  [[ "$out" == *hi* && "$out" == *there* ]] || fail "run at the cap: [$out] rc=$?"
  timeout 20 "$CTL" -H "unix:$sock" rm -f fill1 fill2 fill3 >/dev/null || fail "rm -f at the cap"
  kill "$cpid"; wait "$cpid" 2>/dev/null
}

t ring_cap ring_cap 60
