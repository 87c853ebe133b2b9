# docker's HEALTHCHECK and restart policy, run by the tether itself (no client
# needed): states, probe results in inspect, timeouts, the exec cap; restarts,
# their back-off, stop and kill never undone, wait and attached run as docker's.

ps_status () { ctl ps -a --json | python3 -c 'import json,sys; print([c["Status"] for c in json.load(sys.stdin) if c["Names"]==sys.argv[1]][0])' "$1"; }
status_has () { [[ "$(ps_status "$1")" == *"$2"* ]]; }
field_is () { [[ "$(field "$1" "$2")" == "$3" ]]; }
lines_ge () { (($(wc -l <"$1" 2>/dev/null || echo 0) >= $2)); }

health_flip () {
  local sick=$HT_TMP/sick.$$
  trap 'ctl rm -f hc-flip hc-slow >/dev/null 2>&1' EXIT
  ctl run -d --name hc-flip --health-cmd "echo probe-out >&2; test ! -e $sick" --health-interval 200ms \
    --health-retries 2 sleep 60 >/dev/null || fail "run -d"
  ctl run -d --name hc-slow --health-cmd true --health-interval 5s sleep 60 >/dev/null || fail "run -d slow"
  status_has hc-slow "(health: starting)" || fail "no probe yet: ps says '$(ps_status hc-slow)'"
  expect_eq "starting in inspect" "$(field hc-slow 'd["State"]["Health"]["Status"]')" starting
  wait_for 5 status_has hc-flip "(healthy)" || fail "never healthy: ps says '$(ps_status hc-flip)'"
  expect_eq "last probe" "$(field hc-flip 'repr((d["State"]["Health"]["Log"][-1]["ExitCode"], d["State"]["Health"]["Log"][-1]["Output"]))')" \
    "(0, 'probe-out\\n')"
  ctl exec hc-flip touch "$sick" || fail "exec touch"
  wait_for 5 status_has hc-flip "(unhealthy)" || fail "never unhealthy: ps says '$(ps_status hc-flip)'"
  ctl health hc-flip >health.out || fail "health verb"
  grep -q '^health: unhealthy (failing streak [2-9])$' health.out && grep -q '^last probe: exit 1 at ' health.out \
    && grep -q '^tether .*: rtt=' health.out || fail "health verb printed: $(head -c 300 health.out)"
  local h; h=$(field hc-flip 'json.dumps(d["State"]["Health"])')
  python3 - "$h" <<'EOF' || fail "health after failures: $h"
import json, sys
h = json.loads(sys.argv[1])
assert h["Status"] == "unhealthy" and h["FailingStreak"] >= 2, h
assert 1 <= len(h["Log"]) <= 5 and sorted(h["Log"][0]) == ["End", "ExitCode", "Output", "Start"], h
assert h["Log"][-1]["ExitCode"] == 1 and h["Log"][-1]["Start"] <= h["Log"][-1]["End"], h
EOF
  # the retries count exactly: one failure short of them is still healthy
  rm -f "$sick"
  wait_for 5 status_has hc-flip "(healthy)" || fail "not healthy again after the file went: '$(ps_status hc-flip)'"
  expect_eq "streak after a success" "$(field hc-flip 'd["State"]["Health"]["FailingStreak"]')" 0
  expect_eq "Config.Healthcheck" "$(field hc-flip 'json.dumps(d["Config"]["Healthcheck"], sort_keys=True)')" \
    "{\"Interval\": 200000000, \"Retries\": 2, \"Test\": [\"CMD-SHELL\", \"echo probe-out >&2; test ! -e $sick\"]}"
  ctl stop -t 1 hc-flip >/dev/null || fail "stop"
  expect_eq "health once stopped" "$(field hc-flip 'd["State"]["Health"]["Status"]')" unhealthy
}

# Exactly `retries` failures in a row make it unhealthy: one fewer does not.
health_retries_exact () {
  local n=$HT_TMP/fails.$$
  trap 'ctl rm -f hc-retries >/dev/null 2>&1' EXIT
  # probe 1 passes, 2..4 fail (3 in a row), 5 hangs (timeout 20 s): the state stays as 2..4 left it
  ctl run -d --name hc-retries --health-interval 100ms --health-timeout 20s --health-retries 4 \
    --health-cmd "echo x >>$n; c=\$(wc -l <$n); [ \$c -ge 5 ] && sleep 30; [ \$c -lt 2 ]" sleep 60 >/dev/null \
    || fail "run -d"
  wait_for 10 lines_ge "$n" 5 || fail "probes did not run"
  expect_eq "after 3 failures with retries 4" \
    "$(field hc-retries 'repr((d["State"]["Health"]["Status"], d["State"]["Health"]["FailingStreak"], len(d["State"]["Health"]["Log"])))')" \
    "('healthy', 3, 4)"
}

health_timeout () {
  trap 'ctl rm -f hc-hang >/dev/null 2>&1' EXIT
  ctl run -d --name hc-hang --health-cmd 'echo started; sleep 7.25' --health-timeout 300ms --health-interval 100ms \
    --health-retries 1 sleep 60 >/dev/null || fail "run -d"
  wait_for 5 status_has hc-hang "(unhealthy)" || fail "a hanging probe never made it unhealthy: '$(ps_status hc-hang)'"
  local last; last=$(field hc-hang 'repr((d["State"]["Health"]["Log"][-1]["ExitCode"], d["State"]["Health"]["Log"][-1]["Output"]))')
  expect_eq "timed-out probe" "$last" "(-1, 'Health check exceeded timeout (300ms): started\\n')"
  local span; span=$(field hc-hang '(lambda r: 0 if r["End"] < r["Start"] else 1)(d["State"]["Health"]["Log"][-1])')
  expect_eq "End after Start" "$span" 1
  sleep 1.5
  # the whole probe is killed at its timeout, the command sh forked too: no pile of hung probes
  local hung; hung=$(pgrep -fc '^sleep 7.25' || true)
  ((hung <= 1)) || fail "$hung hung probes still running"
}

# docker keeps 4096 bytes of a probe's output and marks the cut with "...".
health_output_cut () {
  trap 'ctl rm -f hc-cut >/dev/null 2>&1' EXIT
  ctl run -d --name hc-cut --health-cmd "head -c 5000 /dev/zero | tr '\\0' a" --health-interval 100ms \
    sleep 60 >/dev/null || fail "run -d"
  wait_for 5 status_has hc-cut "(healthy)" || fail "never healthy: '$(ps_status hc-cut)'"
  local o; o=$(field hc-cut '(lambda o: "%d %s" % (len(o), o[-5:]))(d["State"]["Health"]["Log"][-1]["Output"])')
  expect_eq "output kept" "$o" "4099 aa..."
}

# Probes are the tether's own execs: freed at once, never held as exec records.
health_exec_cap () {
  local n=$HT_TMP/probes.$$
  trap 'ctl rm -f hc-many >/dev/null 2>&1' EXIT
  ctl run -d --name hc-many --health-cmd "echo x >>$n" --health-interval 5ms sleep 60 >/dev/null || fail "run -d"
  wait_for 20 lines_ge "$n" 150 || fail "only $(wc -l <"$n") probes ran"
  local sessions; sessions=$(ctl ping | awk '/^sessions:/ {print $2}')
  ((sessions <= 2)) || fail "$sessions exec records held after 150 probes"
  expect_eq "records dropped" "$(field hc-many 'd.get("ExecRecordsDropped", 0)')" 0
  local out; out=$(ctl exec hc-many echo still-works) || fail "exec after many probes"
  expect_eq "exec output" "$out" still-works
  expect_eq "health" "$(field hc-many 'd["State"]["Health"]["Status"]')" healthy
}

restart_on_failure () {
  local runs=$HT_TMP/runs.$$
  trap 'ctl rm -f rs-fail >/dev/null 2>&1' EXIT
  ctl run -d --name rs-fail --restart on-failure:3 sh -c "echo x >>$runs; exit 3" >/dev/null || fail "run -d"
  # docker's wait: the current run's end, not the end of all restarts
  local w; w=$(ctl wait rs-fail) || fail "wait"
  expect_eq "wait" "$w" 3
  wait_for 10 field_is rs-fail 'd["State"]["Status"]' exited || fail "never settled: $(field rs-fail 'd["State"]')"
  sleep 0.5
  expect_eq "state" "$(field rs-fail 'repr((d["State"]["Status"], d["State"]["ExitCode"], d["RestartCount"], d["HostConfig"]["RestartPolicy"]))')" \
    "('exited', 3, 3, {'Name': 'on-failure', 'MaximumRetryCount': 3})"
  expect_eq "runs" "$(wc -l <"$runs")" 4
  expect_eq "wait once exited" "$(ctl wait rs-fail)" 3
  # on-failure does not restart a success
  ctl run -d --name rs-ok --restart on-failure sh -c 'exit 0' >/dev/null || fail "run -d ok"
  sleep 0.5
  expect_eq "success not restarted" "$(field rs-ok 'repr((d["State"]["Status"], d["RestartCount"]))')" "('exited', 0)"
  ctl rm rs-ok >/dev/null
}

# An attached run returns with the first run's code and output, as docker's does.
restart_attached_run () {
  local runs=$HT_TMP/aruns.$$ out rc
  trap 'ctl rm -f rs-att >/dev/null 2>&1' EXIT
  out=$(ctl run --name rs-att --restart on-failure:2 sh -c "echo x >>$runs; echo run; exit 4"); rc=$?
  expect_eq "attached run" "$out/$rc" "run/4"
  wait_for 10 field_is rs-att 'd["State"]["Status"]' exited || fail "never settled"
  expect_eq "runs" "$(wc -l <"$runs")" 3
}

restart_stop_kill () {
  trap 'ctl rm -f rs-stop rs-kill rs-back rs-unless >/dev/null 2>&1' EXIT
  ctl run -d --name rs-stop --restart always sleep 60 >/dev/null || fail "run -d"
  ctl stop -t 1 rs-stop >/dev/null || fail "stop"
  sleep 0.6
  expect_eq "always + stop" "$(field rs-stop 'repr((d["State"]["Status"], d["RestartCount"]))')" "('exited', 0)"
  ctl run -d --name rs-kill --restart always sleep 60 >/dev/null || fail "run -d"
  ctl kill rs-kill >/dev/null || fail "kill"
  sleep 0.6
  expect_eq "always + kill" "$(field rs-kill 'repr((d["State"]["Status"], d["State"]["ExitCode"], d["RestartCount"]))')" \
    "('exited', 137, 0)"
  # a stop during the back-off ends it too, and wait answers at once after it
  ctl run -d --name rs-back --restart always sh -c 'sleep 0.1; exit 1' >/dev/null || fail "run -d"
  # one snapshot: docker counts a restarting container as running, with no pid
  wait_for 10 field_is rs-back 'repr((d["State"]["Status"], d["State"]["Running"], d["State"]["Restarting"], d["State"]["Pid"]))' \
    "('restarting', True, True, 0)" || fail "never seen restarting (Running, Restarting, Pid 0): $(field rs-back 'd["State"]')"
  ctl ps | grep -q 'rs-back' || fail "ps without -a lacks the restarting container"
  ctl rm rs-back >/dev/null 2>&1 && fail "rm without -f removed a restarting container"
  ctl stop rs-back >/dev/null || fail "stop"
  local n; n=$(field rs-back 'd["RestartCount"]')
  sleep 0.8
  expect_eq "stopped in its back-off" "$(field rs-back 'repr((d["State"]["Status"], d["RestartCount"]))')" "('exited', $n)"
  # unless-stopped restarts a success, as always does
  ctl run -d --name rs-unless --restart unless-stopped sh -c 'exit 0' >/dev/null || fail "run -d"
  wait_for 5 field_is rs-unless 'd["RestartCount"] >= 2' True || fail "unless-stopped did not restart"
  ctl stop rs-unless >/dev/null
  wait_for 5 field_is rs-unless 'd["State"]["Status"]' exited || fail "unless-stopped + stop"
}

# Every run's output on one attachment, in order, offsets continuing; the
# back-off doubles (100, 200, 400 ms): measured between exit and next start.
restart_stream_backoff () {
  python3 "$HT_DIR/tproto.py" restarts "$SOCK" "$HT_TMP/rsn.$$" >py.out 2>&1 \
    || fail "$(grep FAILED py.out | head -3 | tr '\n' ';') $(tail -n 2 py.out)"
}

bad_health_restart () {
  local a
  for a in "--health-retries -1" "--health-retries x" "--health-interval bogus" "--health-timeout 0.5x" \
    "--health-interval -1s" "--health-interval 500us" "--restart sometimes" "--restart on-failure:x" \
    "--restart always:3" "--restart on-failure:-1" "--restart :3" "--no-healthcheck --health-cmd true"; do
    # shellcheck disable=SC2086
    ctl run $a true >out 2>err; local rc=$?
    expect_eq "run $a: exit" $rc 125
    [[ $(wc -l <err) == 1 && -s err ]] || fail "run $a: want one line on stderr, got '$(cat err)'"
  done
  ctl run --health-interval bogus true 2>&1 | grep -q 'invalid argument "bogus" for "--health-interval" flag: time: invalid duration "bogus"' \
    || fail "bogus interval message"
  ctl run --restart sometimes true 2>&1 | grep -q "invalid restart policy 'sometimes'" || fail "restart policy message"
  ctl run --health-retries -1 true 2>&1 | grep -q -- '--health-retries cannot be negative' || fail "retries message"
  ctl run --restart on-failure:x true 2>&1 | grep -q 'maximum retry count must be an integer' || fail "retry count message"
  [[ -z "$(ctl ps -aq 2>/dev/null)" ]] || true
}

t health_flip health_flip 30
t health_retries_exact health_retries_exact 20
t health_timeout health_timeout 20
t health_output_cut health_output_cut 20
t health_exec_cap health_exec_cap 40
t restart_on_failure restart_on_failure 20
t restart_attached_run restart_attached_run 20
t restart_stop_kill restart_stop_kill 30
t restart_stream_backoff restart_stream_backoff 30
t bad_health_restart bad_health_restart 30
