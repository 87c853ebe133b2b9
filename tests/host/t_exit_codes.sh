# Exit codes: the program's own, 128+N for a signal death, 126/127 with the reason on stderr.

# run_code WANT CMD...: runs CMD in a container; checks the exit code; stderr in ./err
run_code () {
  local want=$1; shift
  local got
  ctl run "$@" >out 2>err; got=$?
  [[ $got == "$want" ]] || fail "run $*: exit $got, want $want (stderr: $(head -c 200 err))"
}

exit_0 () { run_code 0 true; [[ ! -s out ]] || fail "unexpected stdout: $(head -c 100 out)"; }
exit_3 () { run_code 3 sh -c 'exit 3'; }
exit_126 () {
  run_code 126 /etc/passwd
  grep -qi 'permission denied' err || fail "stderr lacks the reason: '$(cat err)'"
  [[ ! -s out ]] || fail "stdout not empty: $(head -c 100 out)"
}
exit_127 () {
  run_code 127 no-such-binary-here
  grep -q 'no-such-binary-here' err && grep -qi 'not found' err || fail "stderr lacks the reason: '$(cat err)'"
  [[ ! -s out ]] || fail "stdout not empty: $(head -c 100 out)"
}
# a signal death of the command: under --init it is PID 2, so it can die of its own signal
exit_137 () { run_code 137 --init sh -c 'kill -9 $$'; [[ ! -s err ]] || fail "tetherctl wrote to stderr: $(cat err)"; }
exit_143 () { run_code 143 --init sh -c 'kill -TERM $$'; }
exit_inspect () {
  # the code is recorded too: inspect's State.ExitCode of a named container
  ctl run --name exit-inspect sh -c 'exit 42' >/dev/null 2>&1
  local j; j=$(ctl inspect exit-inspect) || fail "inspect failed"
  python3 -c 'import json,sys; s=json.load(sys.stdin)[0]["State"]; sys.exit(0 if s["ExitCode"]==42 and s["Status"]=="exited" else 1)' <<<"$j" \
    || fail "inspect State: $(head -c 300 <<<"$j")"
}

t exit_0 exit_0 20
t exit_3 exit_3 20
t exit_126 exit_126 20
t exit_127 exit_127 20
t exit_137 exit_137 20
t exit_143 exit_143 20
t exit_inspect exit_inspect 20

# docker's checks before anything starts, and its codes for what the daemon
# refuses (125) against what runc refuses (126/127).
docker_checks () {
  run_code 125 -e =bad true
  grep -q 'invalid argument "=bad" for "-e, --env" flag: invalid environment variable: =bad' err || fail "-e =bad: $(cat err)"
  run_code 125 --name 'bad name' true
  grep -q 'Invalid container name (bad name)' err || fail "bad name: $(cat err)"
  run_code 125 --name x true # one byte: docker's pattern wants two
  run_code 0 --name /slashed true
  expect_eq "a leading slash is stripped" "$(field slashed 'd["Name"]')" /slashed
  run_code 125 -w rel pwd
  grep -q "the working directory 'rel' is invalid, it needs to be an absolute path" err || fail "-w rel: $(cat err)"
  run_code 125 -w /etc/passwd pwd
  grep -q 'Cannot mkdir: /etc/passwd is not a directory' err || fail "-w file: $(cat err)"
  run_code 125 -u nosuchuser true
  grep -q 'unable to find user nosuchuser: no matching entries in passwd file' err || fail "-u: $(cat err)"
  run_code 0 -u 1234:5678 sh -c 'grep ^Groups: /proc/self/status'
  expect_eq "the primary gid among the groups" "$(tr -s '\t ' ' ' <out)" "Groups: 5678 "
  ctl run -d --name stopped-x true >/dev/null; ctl wait stopped-x >/dev/null
  ctl exec stopped-x true >out 2>err; local rc=$?
  expect_eq "exec into a stopped container ($(cat err))" $rc 1
  ctl rm slashed stopped-x >/dev/null
}
t docker_checks docker_checks 30

# A failed start leaves the container created, as docker's: code and reason in
# State, zero times, ps -a shows Created, ps alone does not; wait answers at
# once; a restart policy does not restart what never started.
failed_start_created () {
  run_code 127 --name fs-x --restart always no-such-binary-here
  expect_eq "State" "$(field fs-x '" ".join(str(x) for x in (d["State"]["Status"], d["State"]["ExitCode"], d["State"]["StartedAt"], d["RestartCount"]))')" \
    "created 127 0001-01-01T00:00:00Z 0"
  ctl ps -a | grep -q 'Created .*fs-x$' || fail "ps -a: $(ctl ps -a)"
  ctl ps | grep -q 'fs-x' && fail "ps without -a lists a created container"
  expect_eq "wait after a failed start" "$(timeout 5 "$CTL" -H "unix:$SOCK" wait fs-x)" 127
  ctl rm fs-x >/dev/null || fail "rm"
}
t failed_start_created failed_start_created 20

# run -d of a command that cannot start: the id, then the error and its code
# (the start's reply waits for the execve), with and without --init.
run_d_start_error () {
  ctl run -d no-such-binary-here >out 2>err; local rc=$?
  expect_eq "run -d: code" "$rc" 127
  [[ $(wc -c <out) == 65 ]] || fail "run -d: no id on stdout: $(cat out)"
  grep -q 'no-such-binary-here' err || fail "run -d: stderr: $(cat err)"
  ctl run -d --init -u nosuchuser true >out 2>err; rc=$?
  expect_eq "run -d --init -u nosuchuser: code" "$rc" 125
  grep -q 'unable to find user nosuchuser' err || fail "run -d --init: stderr: $(cat err)"
  expect_eq "run -d of one that starts" "$(ctl run -d --init true | wc -c)" 65
}
t run_d_start_error run_d_start_error 20

# run sends create, attach and start at once (one round trip): a create the
# tether refuses is told alone, with 125, and nothing of the run happens (the
# attach and start after it are refused too, with no container of that id).
run_refused_create () {
  ctl run -d --name rc-taken sleep 30 >/dev/null || fail "run -d"
  local ids; ids=$(ctl ps -a | awk 'NR > 1 {print $1}' | sort)
  local id; id=$(ctl ps -a | awk '$NF == "rc-taken" {print $1}')
  run_code 125 --name rc-taken sh -c 'echo ran; exit 9'
  expect_eq "one line on stderr, the create's reason" "$(cat err)" "tetherctl: the name rc-taken is in use by $id"
  [[ ! -s out ]] || fail "stdout: $(cat out)"
  expect_eq "no container more" "$(ctl ps -a | awk 'NR > 1 {print $1}' | sort)" "$ids"
  ctl rm -f rc-taken >/dev/null || fail "rm -f"
}
t run_refused_create run_refused_create 20
