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
