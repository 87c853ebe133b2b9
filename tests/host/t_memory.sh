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
