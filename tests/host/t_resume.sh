# A client killed mid-stream; a new one attaches at the size it had written and gets the rest.

resume_after_kill9 () {
  local f=$HT_TMP/data32m n=$((32 << 20))
  data_file "$f" $n
  # Paced producer (about 1.5 s for 32 MiB, odd chunk sizes): the kill lands mid-stream.
  # "$CTL" itself in the background (not the ctl function): $! must be tetherctl.
  "$CTL" -H "unix:$SOCK" run --name resume-x python3 -c '
import sys, time
d = open(sys.argv[1], "rb").read()
i = 0
while i < len(d):
    sys.stdout.buffer.write(d[i:i + 65519]); sys.stdout.flush(); i += 65519
    time.sleep(0.003)
' "$f" >out1 2>err1 &
  local pid=$!
  wait_for 20 bash -c '(( $(stat -c %s out1) > 6000000 ))' || fail "no output arrived: $(cat err1)"
  kill -9 $pid
  wait $pid 2>/dev/null
  [[ -e /proc/$pid ]] && fail "tetherctl $pid survived SIGKILL"
  sleep 0.2 # nothing may be written after the kill
  local have; have=$(stat -c %s out1)
  ((have < n)) || fail "the first client got everything ($have bytes) before the kill"
  ctl attach --stdout-offset "$have" resume-x >out2 2>err2 || fail "attach exit $? ($(cat err2))"
  local total=$((have + $(stat -c %s out2)))
  expect_eq "bytes after resume (first client had $have)" $total $n
  expect_eq "sha256 of out1+out2" "$(cat out1 out2 | sha)" "$(sha <"$f")"
}

t resume_after_kill9 resume_after_kill9 60

# The lossless promise itself: a client that reads without acking and goes away
# leaves every unacked byte in the ring; the next client, attached from offset 0,
# resumes at the last ack and gets everything from there (tproto.py noack).
resume_unacked () {
  python3 "$HT_DIR/tproto.py" noack "$SOCK" >py.out 2>&1 || fail "$(grep FAILED py.out | head -3 | tr '\n' ';') $(tail -n 2 py.out)"
}

t resume_unacked resume_unacked 40
