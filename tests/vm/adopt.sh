# Sourced by tests/vm/run.sh: an endpoint that dies and the new one that adopts
# its VM (docs/endpoint.md "Adoption"), and the guest's hold bound (DESIGN §4).

ep_pid () {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["VM"]["EndpointPid"])' \
    "$TETHER_STATE_DIR/containers/$1/state.json" 2>/dev/null
}
state_of () {
  python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(o["State"]["Status"], o["State"]["ExitCode"])' \
    "$TETHER_STATE_DIR/containers/$1/state.json" 2>/dev/null
}
wait_for_line () { # FILE TEXT: up to 120 s
  local i=0
  while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
  grep -q "$2" "$1" 2>/dev/null
}
# The container's stdout as its log holds it (the set files of containers/ID/log).
logged_out () { cat "$TETHER_STATE_DIR/containers/$1"/log/*.stdout 2>/dev/null; }
wait_for_logged () { # ID TEXT: up to 120 s
  local i=0
  while ! logged_out "$1" | grep -q "$2" && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
  logged_out "$1" | grep -q "$2"
}

# kill -9 of the endpoint while the container streams; the container ends while
# no endpoint is there and the guest holds its output and exit (the old 5 s bound
# would have powered it off); 30 s later two verbs at once find the VM: one new
# endpoint adopts it (the lock), the logs are complete, nothing twice, the exit
# code right, and the VM powers off once the new endpoint acked it all.
t_adopt () {
  local name="endpoint kill -9, adopted"
  local id dir old want
  id=$(timeout 120 "$CTL" run -d -- sh -c 'echo READY; sleep 2; seq 1 200000; seq 200001 300000 >&2; exit 3' 2>"$W/ad.err")
  dir=$TETHER_STATE_DIR/containers/$id
  if ! wait_for_logged "$id" READY; then
    bad "$name" "no READY: $(head -c 300 "$W/ad.err")"; return
  fi
  old=$(ep_pid "$id")
  sleep 2.3 # inside the seq
  kill -KILL "$old"
  sleep 30
  check "$name: the VM holds its output for a new endpoint" "$(qemus)/$(state_of "$id")" "1/running 0"
  timeout 120 "$CTL" wait "$id" >"$W/ad.w1" 2>&1 &
  local w1=$!
  timeout 120 "$CTL" wait "$id" >"$W/ad.w2" 2>&1
  wait $w1
  check "$name: both waits get the code" "$(cat "$W/ad.w1")/$(cat "$W/ad.w2")" "3/3"
  want=$( (echo READY; seq 1 200000) | sha256sum | cut -d' ' -f1)
  check "$name: the log's stdout complete, once" "$("$CTL" logs "$id" 2>/dev/null | sha256sum | cut -d' ' -f1)" "$want"
  check "$name: the log's stderr complete, once" "$("$CTL" logs "$id" 2>&1 >/dev/null | sha256sum | cut -d' ' -f1)" \
    "$(seq 200001 300000 | sha256sum | cut -d' ' -f1)"
  local new; new=$(ep_pid "$id")
  check "$name: one new endpoint" "$([ "$new" != "$old" ] && echo new)/$(grep -c 'adopted QEMU' "$dir/endpoint.log")" "new/1"
  local i=0
  while [ "$(qemus)" != 0 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
  check "$name: the VM powers off after the new endpoint's ack" "$(qemus)/$(state_of "$id")" "0/exited 3"
  "$CTL" rm "$id" >/dev/null 2>&1
}

# Past the hold bound (TETHER_HOLD_S=2 here; 600 s by default) with no endpoint the
# guest powers off; the next verb records that the VM ended without its status
# and how much output the logs hold.
t_hold_bound () {
  local name="hold bound without an endpoint"
  local id dir
  id=$(TETHER_HOLD_S=2 timeout 120 "$CTL" run -d -- sh -c 'echo READY; sleep 3; echo late; exit 4' 2>"$W/hb.err")
  dir=$TETHER_STATE_DIR/containers/$id
  if ! wait_for_logged "$id" READY; then
    bad "$name" "no READY: $(head -c 300 "$W/hb.err")"; return
  fi
  kill -KILL "$(ep_pid "$id")"
  local i=0
  while [ "$(qemus)" != 0 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
  check "$name: the VM powers off" "$(qemus)" "0"
  local code; code=$(timeout 60 "$CTL" wait "$id" 2>"$W/hb.werr")
  check "$name: the run ends 125" "$code/$(state_of "$id")" "125/exited 125"
  "$CTL" inspect "$id" | grep -q 'stopped while no endpoint was attached.*stdout to byte 6' \
    && ok "$name: the error says what the logs hold" \
    || bad "$name: error" "$("$CTL" inspect "$id" | grep '"Error"') $(cat "$W/hb.werr")"
  "$CTL" rm "$id" >/dev/null 2>&1
}

# A foreground run whose endpoint is killed mid-stream reconnects by itself: the
# verb adopts the VM, attaches again from the offsets it has, takes what the
# tether freed meanwhile from the log, and ends with the container's code.
t_run_reconnect () {
  local name="run reconnects after the endpoint's kill -9"
  timeout 180 "$CTL" run -- sh -c 'echo READY; sleep 2; seq 1 300000; echo err-line >&2; exit 5' \
    >"$W/rr" 2>"$W/rr.err" &
  local pid=$! id old
  if ! wait_for_line "$W/rr" READY; then
    bad "$name" "no READY: $(head -c 300 "$W/rr.err")"; kill $pid 2>/dev/null; wait $pid; return
  fi
  id=$(cid)
  old=$(ep_pid "$id")
  sleep 2.3
  # The client is held while the endpoint dies and another verb (ping) adopts the
  # VM, and until the new endpoint has logged (and so let the tether free) the
  # rest: the client must take that part from the log.
  kill -STOP $pid
  kill -KILL "$old"
  timeout 60 "$CTL" ping "$id" >/dev/null 2>&1
  sleep 3
  kill -CONT $pid
  wait $pid; local rc=$?
  local want; want=$( (echo READY; seq 1 300000) | sha256sum | cut -d' ' -f1)
  check "$name: output once, in order, and the code" "$(sha256sum <"$W/rr" | cut -d' ' -f1)/$rc" "$want/5"
  check "$name: stderr" "$(grep -c err-line "$W/rr.err")" "1"
  "$CTL" rm "$id" >/dev/null 2>&1
}

# The endpoint's last resort for a stop (DESIGN §4): a VM that never powers off
# (here QEMU itself is frozen, so neither the guest nor QMP answers) is ended at
# the stop timeout + 10 s (quit, then SIGKILL), recorded, and `stop` returns.
t_stop_last_resort () {
  local name="stop's last resort"
  local id qpid t0 out rc
  id=$(timeout 120 "$CTL" run -d -- sleep 1000 2>"$W/sl.err")
  qpid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["VM"]["QemuPid"])' \
    "$TETHER_STATE_DIR/containers/$id/state.json" 2>/dev/null)
  if [ -z "$qpid" ] || ! kill -0 "$qpid" 2>/dev/null; then bad "$name" "no QEMU: $(head -c 300 "$W/sl.err")"; return; fi
  local i=0
  while [ "$(state_of "$id" | cut -d' ' -f1)" != running ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
  kill -STOP "$qpid"
  t0=$SECONDS
  out=$(timeout 40 "$CTL" stop -t 1 "$id" 2>&1); rc=$?
  local took=$((SECONDS - t0))
  i=0
  while [ "$(qemus)" != 0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  if [ "$rc" = 0 ] && [ "$took" -ge 10 ] && [ "$took" -le 40 ] && [ "$(qemus)" = 0 ] && [ "$(state_of "$id" | cut -d' ' -f1)" = exited ]; then
    ok "$name: QEMU ended after ${took} s, state final "
  else
    bad "$name" "took ${took}s, qemus $(qemus), state $(state_of "$id"), stop rc $rc: $out"
    kill -KILL "$qpid" 2>/dev/null
  fi
  "$CTL" rm -f "$id" >/dev/null 2>&1
}

# The channel cut and back while the VM runs (QMP chardev-change to a new socket,
# as a migration would): the endpoint finds it (query-chardev), reconnects and
# says hello again, a foreground run's connection is dropped and resumes; nothing is lost or
# doubled.
t_channel_cut () {
  local name="channel cut and back"
  timeout 180 "$CTL" run -- sh -c 'echo READY; sleep 2; seq 1 200000; sleep 1; seq 200001 300000; exit 6' \
    >"$W/cc" 2>"$W/cc.err" &
  local pid=$! id
  if ! wait_for_line "$W/cc" READY; then
    bad "$name" "no READY: $(head -c 300 "$W/cc.err")"; kill $pid 2>/dev/null; wait $pid; return
  fi
  id=$(cid)
  sleep 2.3
  local r
  r=$(qmp_chardev "$TETHER_RUN_DIR/${id:0:12}")
  wait $pid; local rc=$?
  local want; want=$( (echo READY; seq 1 300000) | sha256sum | cut -d' ' -f1)
  check "$name: chardev-change" "${r%% *}" "ok"
  check "$name: run's output once, in order, and the code" "$(sha256sum <"$W/cc" | cut -d' ' -f1)/$rc" "$want/6"
  check "$name: the log complete" "$("$CTL" logs "$id" 2>/dev/null | sha256sum | cut -d' ' -f1)" "$want"
  check "$name: the endpoint saw it" \
    "$(grep -q 'channel was lost' "$TETHER_STATE_DIR/containers/$id/endpoint.log" && echo yes)" "yes"
  "$CTL" rm "$id" >/dev/null 2>&1
}

qmp () { # RUNDIR COMMAND: one QMP command, prints "ok" or the error
  python3 - "$1" "$2" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1] + "/qmp.sock")
f = s.makefile("rw"); f.readline()
for c in ("qmp_capabilities", sys.argv[2]):
    f.write(json.dumps({"execute": c}) + "\n"); f.flush()
    while True:
        m = json.loads(f.readline())
        if "return" in m or "error" in m:
            break
print("error" if "error" in m else "ok")
PY
}
vm_field () { # ID KEY
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["VM"][sys.argv[2]])' \
    "$TETHER_STATE_DIR/containers/$1/state.json" "$2" 2>/dev/null
}

# Heartbeats: health shows them; a frozen VM is marked unresponsive and then
# responsive again; after QMP quit with no endpoint, the end is dated by the last
# heartbeat (within one interval of the quit), not by when a new endpoint looked.
t_heartbeat () {
  local name="heartbeats"
  local id qpid
  id=$(timeout 120 "$CTL" run -d -- sleep 300 2>"$W/hb2.err")
  local i=0
  while [ "$(state_of "$id" | cut -d' ' -f1)" != running ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
  sleep 2
  "$CTL" health "$id" >"$W/health" 2>&1
  check "$name: health" "$(grep -c '^responsive: yes' "$W/health")/$(grep -c 'rtt=' "$W/health")/$(grep -c '^heartbeat: .*Z (.* ago)' "$W/health")" "1/1/1"
  qpid=$(vm_field "$id" QemuPid)
  kill -STOP "$qpid"; sleep 5
  local frozen; frozen=$(vm_field "$id" Unresponsive)
  kill -CONT "$qpid"; sleep 3
  check "$name: unresponsive while frozen, then not" "$frozen/$(vm_field "$id" Unresponsive)" "True/False"
  kill -KILL "$(ep_pid "$id")"
  local t_quit; t_quit=$(date +%s.%N)
  check "$name: QMP quit" "$(qmp "$TETHER_RUN_DIR/${id:0:12}" quit)" "ok"
  sleep 8
  local code; code=$(timeout 60 "$CTL" wait "$id" 2>/dev/null)
  local fin; fin=$(python3 -c 'import json,sys,datetime as d
o=json.load(open(sys.argv[1]))["State"]; s=o["FinishedAt"]
t=d.datetime.strptime(s[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=d.timezone.utc).timestamp()
print("%.1f" % (float(sys.argv[2]) - t))' "$TETHER_STATE_DIR/containers/$id/state.json" "$t_quit")
  if [ "$code" = 125 ] && python3 -c "import sys; sys.exit(0 if 0 <= $fin <= 1.5 else 1)"; then
    ok "$name: FinishedAt ${fin} s before the quit (8 s before anyone looked)"
  else
    bad "$name: FinishedAt" "code $code, FinishedAt $fin s before the quit"
  fi
  "$CTL" rm -f "$id" >/dev/null 2>&1
}

attached_of () { # ID: attached tetherctl processes alive, how many feed stdin
  python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["AttachedClients"]
live=[c for c in a if b"tetherctl" in open("/proc/%d/cmdline" % c["Pid"], "rb").read()]
print(len(live), sum(c["Stdin"] for c in a))' "$TETHER_STATE_DIR/containers/$1/state.json" 2>&1 | tail -1
}

# attach by many in a VM: two clients get the same live output, stdin from one,
# which then detaches with its keys; the container runs on.
t_vm_attach () {
  local name="VM attach by two"
  local id
  id=$(timeout 120 "$CTL" run -d -i -- sh -c 'while read l; do echo "got $l"; done' 2>"$W/va.err")
  local i=0
  while [ "$(state_of "$id" | cut -d' ' -f1)" != running ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
  rm -f "$W/va.in"; mkfifo "$W/va.in"
  timeout 60 "$CTL" attach --no-stdin "$id" >"$W/va.b" 2>&1 &
  local b=$!
  (timeout 60 "$CTL" attach --detach-keys ctrl-x,q "$id" <"$W/va.in" >"$W/va.a" 2>&1; echo $? >"$W/va.rc") &
  local a=$!
  exec 5>"$W/va.in"
  sleep 1
  printf 'one\ntwo\n' >&5
  sleep 1
  check "$name: ps and inspect list both" "$(attached_of "$id")/$("$CTL" ps --json | python3 -c 'import json,sys; print([c["Attached"] for c in json.load(sys.stdin) if c["ID"] == sys.argv[1]])' "$id")" "2 1/[2]"
  printf '\030q' >&5
  wait $a
  check "$name: the writer detached" "$(cat "$W/va.rc")/$(state_of "$id" | cut -d' ' -f1)" "0/running"
  check "$name: one left attached" "$(attached_of "$id")" "1 0"
  timeout 30 "$CTL" kill "$id" >/dev/null 2>&1
  wait $b
  exec 5>&-
  check "$name: both saw the same" "$(cat "$W/va.a" | tr '\n' ' ')/$(cat "$W/va.b" | tr '\n' ' ')" \
    "got one got two /got one got two "
  "$CTL" rm -f "$id" >/dev/null 2>&1
}

# stop then wait: the guest's channel EOF as it powers off after the exit is not a
# lost channel, so the wait still gets its reply (it was dropped once). The
# `sleep` is PID 1 and ignores TERM: SIGKILL at the timeout, 137, as docker's.
t_stop_wait () {
  local id out err
  id=$(timeout 120 "$CTL" run -d -- sleep 60 2>/dev/null)
  sleep 1
  out=$(timeout 60 "$CTL" stop -t 1 "$id" 2>&1; timeout 60 "$CTL" wait "$id" 2>&1)
  check "stop then wait: the id, the code, no error" "$(echo $out)" "$id 137"
  "$CTL" rm -f "$id" >/dev/null 2>&1
}
