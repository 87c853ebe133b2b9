# exec sessions report docker's codes: the program's own, 128+N for a signal
# death (from the tether's own reaper, not the run path), 126/127 with the reason.

exec_host () {
  ctl run -d --name "$1" sleep 60 >/dev/null || fail "run -d $1 failed"
  trap 'ctl rm -f '"$1"' >/dev/null 2>&1' EXIT
}

# exec_code WANT CMD...: execs CMD in the container exec-codes; stderr in ./err
exec_code () {
  local want=$1; shift
  local got
  ctl exec exec-codes "$@" >out 2>err; got=$?
  [[ $got == "$want" ]] || fail "exec $*: exit $got, want $want (stderr: $(head -c 200 err))"
}

exec_codes () {
  exec_host exec-codes
  exec_code 0 true
  exec_code 4 sh -c 'exit 4'
  exec_code 255 sh -c 'exit 255'
  exec_code 137 sh -c 'kill -KILL $$'
  exec_code 143 sh -c 'kill -TERM $$'
  exec_code 129 sh -c 'kill -HUP $$'
  # docker 20.10 + runc: an exec's missing binary and unknown user are 126
  exec_code 126 no-such-binary-here
  grep -q 'no-such-binary-here' err || fail "exec 126 (missing): stderr lacks the reason: '$(cat err)'"
  ctl exec -u nosuchuser exec-codes true >out 2>err
  expect_eq "exec -u nosuchuser" $? 126
  grep -q 'unable to find user nosuchuser' err || fail "exec -u nosuchuser: '$(cat err)'"
  ctl exec exec-codes env | grep -qx "HOSTNAME=$(ctl exec exec-codes hostname)" || fail "exec env lacks HOSTNAME"
  exec_code 126 /etc/passwd
  grep -qi 'permission denied' err || fail "exec 126: stderr lacks the reason: '$(cat err)'"
  # the code and the streams of one exec, stdout apart from stderr
  local out
  out=$(ctl exec exec-codes sh -c 'echo six; echo err6 >&2; exit 6' 2>err); local rc=$?
  expect_eq "exec stdout/code" "$out/$rc" "six/6"
  expect_eq "exec stderr" "$(cat err)" "err6"
}

# An exec killed by a signal another process sends (not its own kill).
exec_signalled () {
  exec_host exec-kill
  local pidf=$HT_TMP/exec-kill.pid # the container shares the host's root in host mode
  ctl exec exec-kill sh -c "echo \$\$ >$pidf; exec sleep 30" >out 2>err &
  local bg=$!
  wait_for 10 test -s "$pidf" || fail "the exec never started"
  ctl exec exec-kill sh -c "kill -USR1 \$(cat $pidf)" || fail "kill inside failed"
  wait $bg; local rc=$?
  expect_eq "exec killed by SIGUSR1" $rc 138
}

# A grandchild that keeps the exec's pipes open does not hold its exit: reported
# at most 1 s after the main process ends (DESIGN §3), with the output so far.
exec_grandchild () {
  exec_host exec-gc
  local t0=$(date +%s%N) out rc
  out=$(ctl exec exec-gc sh -c 'sleep 30 & echo done; exit 5'); rc=$?
  local ms=$((($(date +%s%N) - t0) / 1000000))
  expect_eq "exec output/code" "$out/$rc" "done/5"
  ((ms < 4000)) || fail "exec took $ms ms: a grandchild held its exit"
}

t exec_codes exec_codes 40
t exec_grandchild exec_grandchild 30
t exec_signalled exec_signalled 30
