# The restart policy when the VM itself dies; sourced by run.sh (uses its
# helpers and adopt.sh's).

state_count () {
  python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(o["State"]["Status"], o["RestartCount"])' \
    "$TETHER_STATE_DIR/containers/$1/state.json" 2>/dev/null
}

# QEMU killed under a container with --restart always: its endpoint boots
# another VM from the same disks (the top disk keeps what the first run wrote);
# the container runs again with RestartCount 1 and its log holds both runs. A
# stop then ends it for good: no third VM.
t_vm_restart () {
  local name="VM restart policy"
  local id qpid
  id=$(timeout 120 "$CTL" run -d --restart always -- \
    sh -c 'echo start; [ -e /was ] && echo again; touch /was; sync; exec sleep 300' 2>"$W/vr.err")
  if ! wait_for_logged "$id" start; then
    bad "$name" "no first run: $(head -c 300 "$W/vr.err")"; return
  fi
  qpid=$(vm_field "$id" QemuPid)
  kill -KILL "$qpid"
  wait_for_logged "$id" again
  check "$name: the log holds both runs" "$(logged_out "$id" | tr '\n' ' ')" "start start again "
  check "$name: running again, RestartCount 1" "$(state_count "$id")" "running 1"
  local q2; q2=$(vm_field "$id" QemuPid)
  [ -n "$q2" ] && [ "$q2" != "$qpid" ] && kill -0 "$q2" 2>/dev/null \
    && ok "$name: a new QEMU (pid $q2)" || bad "$name: a new QEMU" "pid [$q2], old $qpid"
  timeout 60 "$CTL" stop -t 1 "$id" >/dev/null 2>&1
  local got; got="$(timeout 60 "$CTL" wait "$id" 2>&1)/$(state_count "$id")"
  case "$got" in 137/exited\ 1) ok "$name: stop ends it ($got)" ;;
    *) bad "$name: stop ends it" "got [$got]" ;; esac
  sleep 2
  ! kill -0 "$q2" 2>/dev/null && [ "$(vm_field "$id" QemuPid)" = "$q2" ] \
    && ok "$name: no VM after the stop" || bad "$name: no VM after the stop" "QEMU $(vm_field "$id" QemuPid) lives"
  "$CTL" rm -f "$id" >/dev/null 2>&1
}

health_of () {
  python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["State"].get("Health") or {}
print(h.get("Status"), h.get("FailingStreak"), len(h.get("Log") or []))' \
    "$TETHER_STATE_DIR/containers/$1/state.json" 2>/dev/null
}
wait_health () { # ID STATUS: up to 120 s
  local i=0
  while [ "$(health_of "$1" | cut -d' ' -f1)" != "$2" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
}

# A HEALTHCHECK in a VM: the guest's results reach the endpoint with the next
# heartbeat, so inspect and ps show them as for a host-mode container.
t_vm_health () {
  local name="VM health in inspect"
  local id
  id=$(timeout 120 "$CTL" run -d --health-cmd 'test -e /tmp/ok' --health-interval 1s --health-retries 1 -- \
    sh -c 'touch /tmp/ok; exec sleep 300' 2>"$W/vh.err")
  wait_health "$id" healthy
  check "$name: healthy" "$(health_of "$id" | cut -d' ' -f1-2)" "healthy 0"
  check "$name: ps" "$("$CTL" ps | grep -c "${id:0:12}.*(healthy)")" "1"
  timeout 60 "$CTL" exec "$id" rm /tmp/ok
  wait_health "$id" unhealthy
  local h; h=$(health_of "$id")
  case "$h" in "unhealthy 1 "[1-5]) ok "$name: unhealthy after the file went ($h)" ;;
    *) bad "$name: unhealthy" "got [$h]" ;; esac
  "$CTL" rm -f "$id" >/dev/null 2>&1
}
