# Reliability (issue: a connection that stops being served, signals to a reused pid,
# exec output dropped, exec disabled for good, ps failing at scale, and their siblings).
PY=$HT_DIR/treliab.py

# Bursts of lists and a ping on an attached connection whose container prints without
# pause, for 60 s on a unix connection and, at the same time, on a channel (pty pair).
wedge () {
  python3 "$PY" wedge-channel "$TETHER" "$HT_TMP" 60 >chan.out 2>&1 &
  local cpid=$!
  python3 "$PY" wedge "$SOCK" 60 >unix.out 2>&1; local rc=$?
  wait $cpid; local crc=$?
  ((rc == 0)) || fail "unix: $(grep FAILED unix.out | head -3 | tr '\n' ';') $(tail -n 2 unix.out)"
  ((crc == 0)) || fail "channel: $(grep FAILED chan.out | head -3 | tr '\n' ';') $(tail -n 2 chan.out)"
}

# A container whose process has exited but whose output is still unread: its old pid,
# given to a host process, must not be signalled, and no exec may enter its namespaces.
stale_pid () {
  ctl run -d --name stale sh -c 'sleep 1; head -c 1600000 /dev/zero' >/dev/null || fail "run -d"
  local pid; pid=$(ctl inspect stale | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Pid"])')
  ((pid > 0)) || fail "no pid in inspect"
  wait_for 10 bash -c "[[ ! -e /proc/$pid ]]" || fail "the container init $pid was not reaped"
  expect_eq "status while its output is unread" "$(ctl inspect stale | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Status"])')" running
  # Give the pid to a host process outside any container.
  local victim=
  for _ in $(seq 50); do
    echo $((pid - 1)) >/proc/sys/kernel/ns_last_pid
    sleep 300 &
    if (($! == pid)); then victim=$!; break; fi
    kill $! 2>/dev/null
  done
  [[ -n "$victim" ]] || skip "could not get pid $pid back for a host process"
  ctl kill stale >out 2>err; local rc=$?
  expect_eq "kill of a container whose process exited" $rc 1
  grep -q "not running" err || fail "kill said: $(cat err)"
  kill -0 $victim 2>/dev/null || fail "the host process that got pid $pid was killed"
  ctl exec stale sh -c 'readlink /proc/1/ns/pid' >out 2>err; rc=$?
  expect_eq "exec into a container whose process exited (docker: the daemon refuses, 1)" $rc 1
  grep -q "not running" err || fail "exec said: $(cat err) (out: $(cat out))"
  ctl stop -t 1 stale >stop.out 2>&1 & local spid=$!
  ctl attach stale | wc -c >count || fail "attach to read the output"
  expect_eq "bytes read" "$(cat count)" 1600000
  wait $spid || fail "stop after the output was read: $(cat stop.out)"
  expect_eq "wait" "$(timeout 10 "$CTL" -H "unix:$SOCK" wait stale)" 0
  kill -0 $victim 2>/dev/null || fail "the host process that got pid $pid was killed by stop"
  kill $victim
  ctl rm stale >/dev/null
}

# Everything in the pipe when an exec's process is reaped reaches a slow client.
exec_drain () {
  ctl run -d --name drain sleep 1000 >/dev/null || fail "run -d"
  local n rc
  n=$(ctl exec drain head -c 1100000 /dev/zero | (sleep 2; wc -c)); rc=${PIPESTATUS[0]}
  expect_eq "bytes of a 1100000-byte exec read 2 s late" "$n" 1100000
  # A leftover process holding the pipe open still lets the exec end.
  local t0=$SECONDS
  timeout 20 "$CTL" -H "unix:$SOCK" exec drain sh -c 'yes >/dev/null & yes & echo done' >/dev/null; rc=$?
  expect_eq "exit of an exec that left yes behind" $rc 0
  ((SECONDS - t0 < 10)) || fail "the exec with leftovers took $((SECONDS - t0)) s"
  ctl rm -f drain >/dev/null
}

# More execs than MAX_EXECS, removed together with their containers.
exec_cap () {
  python3 "$PY" exec-cap "$SOCK" 2100 >py.out 2>&1 || fail "$(grep -E 'FAILED|error' py.out | head -3 | tr '\n' ';')"
}

# ps -a of 1000 containers with ~2 KB of config each.
ps_scale () {
  python3 "$PY" many "$SOCK" 1000 scale- >py.out 2>&1 || fail "create: $(grep FAILED py.out | head -3)"
  ctl ps -a >ps.out 2>ps.err || fail "ps -a exit $?: $(cat ps.err)"
  expect_eq "ps -a rows named scale-*" "$(grep -c ' scale-' ps.out)" 1000
  ctl ps -a --json >ps.json 2>ps.err || fail "ps -a --json: $(cat ps.err)"
  expect_eq "ps -a --json entries named scale-*" "$(python3 -c 'import json,sys; print(sum(1 for c in json.load(open(sys.argv[1])) if "scale-" in json.dumps(c.get("Names", c))))' ps.json)" 1000
  python3 "$PY" rmall "$SOCK" scale- >py.out 2>&1 || fail "rmall: $(grep FAILED py.out | head -3)"
}

# A request too large to unpack is answered as that request; the client does not hang.
huge_request () {
  local t0=$SECONDS rc
  timeout 40 "$CTL" -H "unix:$SOCK" run -- echo $(yes a | head -20000) >out 2>err; rc=$?
  ((rc != 124)) || fail "tetherctl run with 20000 arguments hung"
  expect_eq "exit of run with a request too large to unpack" $rc 125
  grep -qi "too large\|malformed" err || fail "error said: $(head -c 300 err)"
  ((SECONDS - t0 < 10)) || fail "the error took $((SECONDS - t0)) s"
}

exec_reattach () {
  python3 "$PY" exec-reattach "$SOCK" >py.out 2>&1 || fail "$(grep FAILED py.out | head -3 | tr '\n' ';')"
}

# Finished execs nobody took: at most MAX_EXEC_DONE_PER_CONTAINER (64) kept, the rest
# dropped and counted in inspect.
exec_records () {
  python3 "$PY" exec-records "$SOCK" 70 >py.out 2>&1 || fail "$(grep FAILED py.out | head -3 | tr '\n' ';')"
  expect_eq "ExecRecordsDropped" "$(ctl inspect exec-records | python3 -c 'import json,sys; print(json.load(sys.stdin)[0].get("ExecRecordsDropped"))')" 6
  ctl rm -f exec-records >/dev/null
}

# An exited run -t keeps no pty master open in the tether.
pty_freed () {
  local before after
  before=$(ls -l /proc/$TPID/fd | grep -c ptmx)
  for i in 1 2 3; do ctl run -t --name pty-$i true >/dev/null </dev/null || fail "run -t"; done
  sleep 0.3
  after=$(ls -l /proc/$TPID/fd | grep -c ptmx)
  expect_eq "pty masters held after 3 exited run -t" "$after" "$before"
  for i in 1 2 3; do ctl rm pty-$i >/dev/null; done
}

# 64 connections that never say hello do not lock clients out for good.
hello_bound () {
  python3 - "$SOCK" <<'PYEOF' &
import socket, sys, time
ss = []
for _ in range(64):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); ss.append(s)
time.sleep(30)
PYEOF
  local hold=$!
  sleep 1
  wait_for 20 bash -c "timeout 5 '$CTL' -H 'unix:$SOCK' ping >/dev/null 2>&1" || { kill $hold; fail "clients locked out for 20 s by 64 silent connections"; }
  kill $hold; wait $hold 2>/dev/null
  return 0
}

half_close () {
  python3 "$PY" half-close "$SOCK" >py.out 2>&1 || fail "$(grep FAILED py.out | head -3 | tr '\n' ';')"
}

t wedge wedge 120
t stale_pid stale_pid 60
t exec_drain exec_drain 60
t exec_cap exec_cap 240
t ps_scale ps_scale 120
t huge_request huge_request 60
t exec_reattach exec_reattach 60
t exec_records exec_records 90
t pty_freed pty_freed 30
t hello_bound hello_bound 60
t half_close half_close 30
