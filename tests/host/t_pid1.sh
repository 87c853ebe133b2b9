# docker's process semantics: without --init the command is PID 1 of its PID
# namespace, with the kernel's rules for it; with --init the tether's container
# init is PID 1 and the command PID 2 (docker run --init).

pid1_survives () {
  ctl run sh -c 'kill -9 $$; kill -15 $$; echo "survived as $$"' >out 2>err
  expect_eq "kill -9 \$\$ as PID 1" "$?/$(cat out)" "0/survived as 1"
  ctl run --init sh -c 'echo $$' >out 2>err
  expect_eq "--init: the command is PID 2" "$(cat out)" 2
}

# stop of a command with no TERM handler waits the timeout and ends 137, as
# docker's; with a handler, the handler runs; with --init, TERM kills at once.
pid1_stop () {
  ctl run -d --name p1-sleep sleep 100 >/dev/null || fail "run -d"
  local t0=$SECONDS
  ctl stop -t 2 p1-sleep >/dev/null || fail "stop"
  expect_eq "stop of a plain sleep" "$(ctl wait p1-sleep)" 137
  (( SECONDS - t0 >= 2 )) || fail "stop returned before the timeout ($((SECONDS - t0)) s)"
  ctl run -d --name p1-trap sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done' >/dev/null || fail "run -d"
  sleep 0.3
  ctl stop -t 10 p1-trap >/dev/null
  expect_eq "stop with a TERM handler" "$(ctl wait p1-trap)" 7
  ctl run -d --init --name p1-init sleep 100 >/dev/null || fail "run -d --init"
  t0=$SECONDS
  ctl stop -t 10 p1-init >/dev/null
  expect_eq "stop under --init" "$(ctl wait p1-init)" 143
  (( SECONDS - t0 < 5 )) || fail "stop under --init waited $((SECONDS - t0)) s"
  ctl inspect p1-init | grep -q '"Init": true' || fail "HostConfig.Init missing"
  ctl rm p1-sleep p1-trap p1-init >/dev/null
}

# kill -s HUP of a PID 1 with no handler does nothing; SIGKILL still ends it.
pid1_kill () {
  ctl run -d --name p1-hup sleep 100 >/dev/null || fail "run -d"
  ctl kill -s HUP p1-hup >/dev/null || fail "kill -s HUP"
  sleep 0.5
  field p1-hup 'd["State"]["Status"]' | grep -qx running || fail "HUP ended a PID 1 with no handler"
  ctl kill p1-hup >/dev/null
  expect_eq "SIGKILL" "$(ctl wait p1-hup)" 137
  ctl rm p1-hup >/dev/null
}

t pid1_survives pid1_survives 20
t pid1_stop pid1_stop 30
t pid1_kill pid1_kill 20
