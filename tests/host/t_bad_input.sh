# Malformed frames and unknown ids; CLI exit codes for wrong states.

raw_frames () {
  python3 "$HT_DIR/tproto.py" badinput "$SOCK" >py.out 2>&1 || fail "$(grep FAILED py.out | head -3 | tr '\n' ';') $(tail -n 2 py.out)"
  ctl ping >/dev/null || fail "ping after the malformed input failed"
}

inspect_missing () {
  ctl inspect nosuchid >out 2>err; local rc=$?
  expect_eq "inspect nosuchid exit" $rc 1
  [[ -s err ]] || fail "no error text on stderr"
}

kill_exited () {
  ctl run --name kill-exited true || fail "run true"
  ctl kill kill-exited >out 2>err; local rc=$?
  expect_eq "kill of an exited container exit" $rc 1
}

rm_running () {
  ctl run -d --name rm-running sleep 30 >/dev/null || fail "run -d"
  ctl rm rm-running >out 2>err; local rc=$?
  expect_eq "rm of a running container without -f exit" $rc 1
  ctl rm -f rm-running >/dev/null || fail "rm -f exit $?"
  ctl inspect rm-running >/dev/null 2>&1 && fail "rm -f left the container"
  return 0
}

t raw_frames raw_frames 60
t inspect_missing inspect_missing 20
t kill_exited kill_exited 20
t rm_running rm_running 30
