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

# The cases raw_frames leaves out (docs/bad-input.md): a hello of no common
# version, out-of-order stdin, acks past what was sent, bad data frames, a
# truncated frame; then names and arguments that are not UTF-8, through the raw
# protocol and through tetherctl.
hostile_frames () {
  python3 "$HT_DIR/tproto.py" hostile "$SOCK" >py.out 2>&1 || fail "$(grep FAILED py.out | head -3 | tr '\n' ';') $(tail -n 2 py.out)"
  local cid; cid=$(awk '/^UTF8CID/ {print $2}' py.out)
  [[ -n "$cid" ]] || fail "the container with invalid UTF-8 arguments was not created: $(tail -n 3 py.out)"
  ctl ps -a >ps.out 2>ps.err || fail "ps -a with invalid UTF-8 arguments: exit $?: $(cat ps.err)"
  grep -q "${cid:0:12}" ps.out || fail "ps -a lacks ${cid:0:12}"
  ctl ps -a --json >ps.json 2>ps.err || fail "ps -a --json: exit $?: $(cat ps.err)"
  python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' ps.json || fail "ps -a --json is not UTF-8 JSON"
  ctl inspect "$cid" >insp.json 2>insp.err || fail "inspect: exit $?: $(cat insp.err)"
  expect_eq "inspect Args, Env (invalid bytes as U+FFFD)" \
    "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1], encoding="utf-8"))[0]; print(ascii(d["Args"]), ascii([e for e in d["Config"]["Env"] if e.startswith("BAD=")]))' insp.json)" \
    "['x\\ufffd(y'] ['BAD=\\ufffd\\ufffd']"
  ctl rm -f "$cid" >/dev/null || fail "rm of the container with invalid UTF-8 arguments"
  # tetherctl refuses such a name as docker does; argv bytes pass through as they are
  ctl run --name $'bad\xff\xfe' true >out 2>err; local rc=$?
  expect_eq "run --name with invalid UTF-8: exit" $rc 125
  grep -q 'Invalid container name (bad' err || fail "run --name: $(cat err)"
  expect_eq "argv bytes that are not UTF-8" "$(ctl run echo $'x\xffy' | od -An -tx1 | tr -d ' ')" 78ff790a
  ctl ping >/dev/null || fail "ping afterwards failed"
}

# Memory stays bounded under hostile input: the release tether's RSS after 300
# connections of garbage, oversize and wrong-version frames (ASan's quarantine
# makes the sanitizer build's RSS meaningless here).
hostile_rss () {
  local sock=$HT_TMP/hrss.s
  cp "$TETHER_REL" ht-tether-rel
  ./ht-tether-rel --listen "unix:$sock" 2>rel.log &
  local tp=$!
  trap 'kill -KILL '$tp' 2>/dev/null' EXIT
  wait_for 10 "$CTL_REL" -H "unix:$sock" ping >/dev/null 2>&1 || fail "release tether did not start: $(cat rel.log)"
  python3 "$HT_DIR/tproto.py" hostile "$sock" "$tp" 1024 >py.out 2>&1 || fail "$(grep FAILED py.out | head -3 | tr '\n' ';') $(tail -n 2 py.out)"
  grep 'RSS' py.out
}

# Environment past the request cap: a clear error, not a hang; a large legal one works.
huge_env () {
  local args=() i
  for i in $(seq 12000); do args+=(-e "VARIABLE_$i=value"); done
  timeout 40 "$CTL" -H "unix:$SOCK" run "${args[@]}" true >out 2>err; local rc=$?
  expect_eq "run with 12000 -e: exit" $rc 125
  grep -q "create message too large for one frame" err || fail "12000 -e said: $(head -c 300 err)"
  expect_eq "a 60000-byte variable" "$(ctl run -e "BIG=$(head -c 60000 /dev/zero | tr '\0' a)" sh -c 'echo ${#BIG}')" 60000
}

t hostile_frames hostile_frames 60
t hostile_rss hostile_rss 60
t huge_env huge_env 40
