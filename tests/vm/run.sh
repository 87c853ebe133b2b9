#!/bin/bash
# VM-mode behaviour tests: tetherctl run/exec/stop/... booting real container VMs
# under QEMU TCG (DESIGN §6). Usage: tests/vm/run.sh [path/to/tetherctl]
# Ends with "N passed, M failed"; exit status 1 on any failure.
# VM_ONLY="NAME..." runs only the named t_NAME functions below (make mutants).
set -u
CTL=$(realpath "${1:-build/tetherctl}")
export TETHER_STATE_DIR=$(mktemp -d /tmp/tether-vmtest.XXXXXX)
export TETHER_RUN_DIR=$TETHER_STATE_DIR/run
W=$TETHER_STATE_DIR/work
mkdir -p "$W" "$TETHER_RUN_DIR"
pass=0 fail=0
ok () { pass=$((pass + 1)); echo "ok   $1 (${SECONDS}s)"; }
bad () { fail=$((fail + 1)); echo "FAIL $1: $2"; }
check () { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "want [$3] got [$2]"; fi; }
qemus () { pgrep -f "qemu-system-x86_64.*$TETHER_STATE_DIR" | wc -l; }
cid () { ls -t "$TETHER_STATE_DIR/containers" | head -1; }
finish () {
  sleep 1
  check "no QEMU left" "$(qemus)" "0"
  pkill -KILL -f "qemu-system-x86_64.*$TETHER_STATE_DIR" 2>/dev/null
  [ "$fail" = 0 ] && [ -z "${VM_KEEP:-}" ] && rm -rf "$TETHER_STATE_DIR"
  echo "$pass passed, $fail failed"
  [ "$fail" = 0 ]
}

# The guest powers off only once the endpoint has acked the last bytes and the
# exit (DESIGN §4), however late the endpoint reads: the endpoint is stopped
# (SIGSTOP) from just before the container's last output and exit until 4 s
# later. The container is quiet for 6 s first.
t_poweroff_ack () {
  local name="power-off waits for the endpoint's ack"
  timeout 180 "$CTL" run -- sh -c 'echo READY; sleep 6; seq 1 100000; exit 7' >"$W/pa" 2>"$W/pa.err" &
  local pid=$! i=0 id ep
  while ! grep -q READY "$W/pa" 2>/dev/null && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
  id=$(cid)
  ep=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["VM"]["EndpointPid"])' \
    "$TETHER_STATE_DIR/containers/$id/state.json" 2>/dev/null)
  if ! grep -q READY "$W/pa" || [ -z "$ep" ] || ! kill -0 "$ep" 2>/dev/null; then
    bad "$name" "no READY or no endpoint (pid '$ep'): $(head -c 300 "$W/pa.err")"; kill $pid 2>/dev/null; wait $pid; return
  fi
  sleep 4.5
  kill -STOP "$ep"
  sleep 4
  kill -CONT "$ep"
  wait $pid; local rc=$?
  local want; want=$( (echo READY; seq 1 100000) | sha256sum | cut -d' ' -f1)
  check "$name: client output and code" "$(sha256sum <"$W/pa" | cut -d' ' -f1)/$rc" "$want/7"
  check "$name: the log" "$("$CTL" logs "$id" 2>/dev/null | sha256sum | cut -d' ' -f1)" "$want"
}

# Bursts of lists and a ping for 60 s through the endpoint and the virtio-serial
# channel, on an attached connection whose container prints without pause. It runs
# beside the other tests (60 s of wall time saved), in a state dir of its own so
# their container lookups and QEMU counts never see it.
wedge_start () {
  WEDGE_DIR=$(mktemp -d /tmp/tether-vmwedge.XXXXXX)
  (
    export TETHER_STATE_DIR=$WEDGE_DIR TETHER_RUN_DIR=$WEDGE_DIR/run
    mkdir -p "$TETHER_RUN_DIR"
    id=$(timeout 120 "$CTL" run -d -- sh -c 'while :; do echo wedge-line-0123456789abcdefghij; done' 2>"$WEDGE_DIR/run.err")
    wsock=$TETHER_RUN_DIR/${id:0:12}/ctl.sock
    rc=1
    [ -S "$wsock" ] && timeout 120 python3 "$(dirname "$0")/../host/treliab.py" wedge-vm "$wsock" "$id" 60 \
      >"$WEDGE_DIR/wedge.out" 2>&1 && rc=0
    timeout 60 "$CTL" rm -f "$id" >/dev/null 2>&1
    echo $rc >"$WEDGE_DIR/rc"
  ) &
  WEDGE_PID=$!
}
wedge_check () {
  wait "$WEDGE_PID"
  if [ "$(cat "$WEDGE_DIR/rc" 2>/dev/null)" = 0 ]; then
    ok "request bursts for 60 s on a VM channel: $(grep -o '[0-9]* rounds' "$WEDGE_DIR/wedge.out")"
  else
    bad "request bursts for 60 s on a VM channel" "$(grep FAILED "$WEDGE_DIR/wedge.out" 2>/dev/null | head -3 | tr '\n' ';') $(tail -n 2 "$WEDGE_DIR/wedge.out" "$WEDGE_DIR/run.err" 2>/dev/null | tr '\n' ' ')"
  fi
  pkill -KILL -f "qemu-system-x86_64.*$WEDGE_DIR" 2>/dev/null
  rm -rf "$WEDGE_DIR"
}

. "$(dirname "$0")/adopt.sh"
. "$(dirname "$0")/policy.sh"
. "$(dirname "$0")/cuts.sh"
. "$(dirname "$0")/clone.sh"
. "$(dirname "$0")/net.sh"
. "$(dirname "$0")/bridge.sh"
. "$(dirname "$0")/vmware.sh"
. "$(dirname "$0")/hardening.sh"

# The endpoint's log (docs/endpoint.md "The log"), three VMs one after another:
# times and interleaving, --tail, --since/--until, -f of an ended container;
# binary output and a container that lives a millisecond; rotation.
t_logs () {
  local id out ts
  id=$(timeout 120 "$CTL" run -d -- sh -c 'echo a; sleep 0.5; echo b >&2; sleep 0.5; echo c' 2>/dev/null)
  timeout 60 "$CTL" logs -f "$id" >/dev/null 2>&1
  check "logs -f ends after the exit" "$?" "0"
  "$CTL" logs -t "$id" >"$W/lt" 2>&1
  check "logs -t: 9 digits, both streams by time" \
    "$(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z [abc]$' "$W/lt")/$(cut -d' ' -f2 "$W/lt" | tr -d '\n')" "3/abc"
  check "logs --tail 2 of both streams" "$("$CTL" logs --tail 2 "$id" 2>&1 | tr -d '\n')" "bc"
  # a time between the first two lines, as RFC 3339 and as Unix seconds
  ts=$(python3 -c 'import sys,datetime as d
l=[x.split()[0] for x in open(sys.argv[1])]
p=lambda s: d.datetime.strptime(s[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=d.timezone.utc).timestamp()
m=(p(l[0])+p(l[1]))/2
print(d.datetime.fromtimestamp(m, d.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "%.6f" % m)' "$W/lt")
  check "logs --since/--until a time between two lines" \
    "$("$CTL" logs --since "${ts% *}" "$id" 2>&1 | tr -d '\n')/$("$CTL" logs --until "${ts#* }" "$id" 2>&1 | tr -d '\n')" "bc/a"
  timeout 60 "$CTL" rm "$id" >/dev/null 2>&1

  id=$(timeout 120 "$CTL" run -d -- sh -c 'head -c 100000 /dev/urandom | tee /tmp/r; sha256sum </tmp/r >&2' 2>/dev/null)
  timeout 60 "$CTL" logs -f "$id" >"$W/lb" 2>"$W/lbe"
  check "logs of binary output by sha256" "$(sha256sum <"$W/lb" | cut -d' ' -f1)/$(stat -c %s "$W/lb")" "$(cut -d' ' -f1 "$W/lbe")/100000"
  timeout 60 "$CTL" rm "$id" >/dev/null 2>&1

  id=$(timeout 120 "$CTL" run -d -- echo quick 2>/dev/null)
  check "a container that lives a millisecond has its logs" "$(timeout 60 "$CTL" logs -f "$id" 2>&1)" "quick"
  timeout 60 "$CTL" rm "$id" >/dev/null 2>&1

  # rotation: 8 bursts of 100 lines (~400 bytes) with pauses, so they come as
  # separate frames; sets of 200 bytes (docker reads 0.2k so too), 3 kept
  out=$(timeout 60 "$CTL" run --log-opt max-size=1k --log-opt max-file=0 -- true 2>&1); local rc=$?
  check "bad --log-opt gives 125 before any VM" "$rc/$out" "125/tetherctl: run: invalid --log-opt max-file=0: want 1 to 10000"
  id=$(timeout 120 "$CTL" run -d --log-opt max-size=0.2k --log-opt max-file=3 -- \
    sh -c 'for i in 1 2 3 4 5 6 7 8; do seq ${i}00 ${i}99; sleep 0.3; done' 2>/dev/null)
  timeout 60 "$CTL" logs -f "$id" >/dev/null 2>&1
  "$CTL" logs "$id" >"$W/lr" 2>&1
  local dir=$TETHER_STATE_DIR/containers/$id/log kept top first
  kept=$(ls "$dir" | grep -c '\.index$'); top=$(ls "$dir" | sed -n 's/\.index$//p' | sort -n | tail -1)
  first=$(head -1 "$W/lr")
  # what is kept is whole: every line from the first kept one to the end, once
  if [ "$kept" -le 3 ] && [ "$top" -gt 3 ] && [ "$first" -gt 100 ] && [ "$(cat "$W/lr")" = "$(seq "$first" 899)" ]; then
    ok "rotation keeps max-file sets, logs shows their lines ($kept sets of $top, lines $first..899)"
  else
    bad "rotation" "sets $kept of ${top:-none}, first line ${first:-none}, $(wc -l <"$W/lr") lines: $(ls "$dir" | tr '\n' ' ')"
  fi
  timeout 60 "$CTL" rm "$id" >/dev/null 2>&1
}

# The most layers an image may have (VM_MAX_LAYERS, proto/disklimits.h): the
# built-in busybox layer at the bottom, then one tiny layer per number N that adds
# /etc/layers/fN and writes N into /etc/top, so the top-most one must win; one
# more layer is refused before anything is made. One VM boot (~13 s with the
# layers' builds under TCG).
t_layers_max () {
  local max i args out rc before
  max=$(sed -n 's/^#define VM_MAX_LAYERS \([0-9]*\).*/\1/p' "$(dirname "$0")/../../proto/disklimits.h")
  args=(--image "$("$CTL" image default 2>/dev/null)")
  for i in $(seq 1 $((max - 1))); do
    mkdir -p "$W/max/$i/etc/layers"; echo "$i" >"$W/max/$i/etc/layers/f$i"; echo "$i" >"$W/max/$i/etc/top"
    args+=(--image "$W/max/$i")
  done
  out=$(timeout 180 "$CTL" run "${args[@]}" -- sh -c 'cat /etc/top; ls /etc/layers | wc -l; cat /etc/layers/* | sort -n | md5sum | cut -d" " -f1' 2>&1)
  check "$max layers: each one's file, the top-most wins" "$(echo $out)" "$((max - 1)) $((max - 1)) $(seq 1 $((max - 1)) | md5sum | cut -d' ' -f1)"
  for _ in $(seq 300); do [ "$(qemus)" = 0 ] && break; sleep 0.1; done # that VM powering off is not counted
  before=$(ls "$TETHER_STATE_DIR/containers" | wc -l)/$(ls "$TETHER_STATE_DIR/images" | wc -l)/$(qemus)
  out=$(timeout 60 "$CTL" run "${args[@]}" --image "$W/max/1" -- true 2>&1); rc=$?
  check "$((max + 1)) layers refused, nothing left" \
    "$rc/$out/$(ls "$TETHER_STATE_DIR/containers" | wc -l)/$(ls "$TETHER_STATE_DIR/images" | wc -l)/$(qemus)" \
    "125/tetherctl: run: $((max + 1)) layers: at most $max/$before"
}
# A guest that lies (tests/vm/fixtures/liar_guest.c): stdout offsets that
# replay, skip ahead and overlap, an exit on a handle nobody has, an exit for a
# run that never was before and after the real one. The log takes each byte once and none
# past a gap, the record is the real exit, the endpoint still ends the VM.
t_liar () {
  local LA lid rc
  if [ -n "${LIAR_INITRD:-}" ]; then
    LA=$W/liar-assets; mkdir -p "$LA/kernel"
    ln -sf "$TETHER_ASSETS/kernel/vmlinux" "$LA/kernel/vmlinux"; ln -sf "$LIAR_INITRD" "$LA/initramfs.cpio.gz"
    lid=$(TETHER_ASSETS=$LA timeout 120 "$CTL" run -d -- true 2>"$W/liar.err"); rc=$?
    check "lying guest: run -d gives the id" "$rc/${#lid}" "0/64"
    # it answers no wait request: the record is read once the VM is gone
    for _ in $(seq 600); do [ "$(qemus)" = 0 ] && break; sleep 0.1; done
    check "lying guest: the endpoint ended the VM" "$(qemus)" 0
    check "lying guest: the recorded exit is the real one" "$(timeout 60 "$CTL" wait "$lid" 2>&1)" 7
    check "lying guest: the log holds each byte once, none past a gap" "$(timeout 30 "$CTL" logs "$lid" 2>&1)" abcdefgh
    check "lying guest: the endpoint logged the end once" "$(grep -c 'run [0-9]* ended' "$TETHER_STATE_DIR/containers/$lid/endpoint.log")" 1
    check "lying guest: the exit for a run that never was is refused" \
      "$(grep -c 'an exit for run 99, but run 1 is the one going on: ignored' "$TETHER_STATE_DIR/containers/$lid/endpoint.log")" 1
    "$CTL" rm -f "$lid" >/dev/null 2>&1
  else
    bad "lying guest" "LIAR_INITRD not set (make test-vm sets it)"
  fi
}
if [ -n "${VM_ONLY:-}" ]; then
  for n in $VM_ONLY; do "t_$n"; done
  finish; exit
fi

wedge_start

# Every VM from here on is a clone of this template (#12), as `run` does by
# default, unless its shape differs (the serial channel, the ISO boot, extra
# kernel arguments: cold boots, as the tests about them want) or it asks for
# --no-template. The wedge beside them, in its own state dir, boots cold.
"$CTL" template create >/dev/null 2>"$W/tpl.err" || bad "template create" "$(head -c 300 "$W/tpl.err")"

# 1. echo and exit code passthrough
out=$(timeout 120 "$CTL" run -- sh -c 'echo hello; exit 3' 2>/dev/null); rc=$?
check "echo and exit code" "$out/$rc" "hello/3"
# the endpoint's hello carries 32 random bytes; the guest adds them and reseeds (#12)
c=$(cd "$TETHER_STATE_DIR/containers" && grep -al "container exec'd" -- */console.log | head -1)
check "the guest's RNG seeded from the host's bytes" \
  "$(grep -ac 'rng: 32 bytes from the host added, reseeded' "$TETHER_STATE_DIR/containers/$c")" 1

# 2. stdout and stderr apart
timeout 120 "$CTL" run -- sh -c 'echo out; echo err >&2' >"$W/o" 2>"$W/e"
check "stdout and stderr apart" "$(cat "$W/o")/$(cat "$W/e")" "out/err"

# 3. stdin by sha256 (1 MiB)
head -c 1048576 /dev/urandom >"$W/in"
want=$(sha256sum <"$W/in" | cut -d' ' -f1)
got=$(timeout 180 "$CTL" run -i -- sha256sum <"$W/in" 2>/dev/null | cut -d' ' -f1)
check "1 MiB stdin sha256" "$got" "$want"

# 4. not found inside the VM
timeout 120 "$CTL" run -- /nonexistent >/dev/null 2>&1
check "127 inside the VM" "$?" "127"
check "a failed start stays created (docker's State)" "$(state_of "$(cid)")" "created 127"

# 5. two layers: the upper deletes a file of the lower (whiteout) and adds one
mkdir -p "$W/l1/bin" "$W/l1/etc" "$W/l2/etc"
cp /bin/busybox "$W/l1/bin/busybox"; ln -s busybox "$W/l1/bin/sh"; ln -s busybox "$W/l1/bin/ls"; ln -s busybox "$W/l1/bin/cat"
echo lower >"$W/l1/etc/gone"; echo keep >"$W/l1/etc/kept"; echo upper >"$W/l2/etc/added"; touch "$W/l2/etc/.wh.gone"
tar -C "$W/l1" -cf "$W/l1.tar" . ; tar -C "$W/l2" -cf "$W/l2.tar" .
out=$(timeout 120 "$CTL" run --image "$W/l1.tar" --image "$W/l2.tar" -- sh -c 'ls /etc/gone 2>/dev/null; cat /etc/kept /etc/added' 2>/dev/null)
check "two layers with a whiteout" "$(echo $out)" "keep upper"

# 5b. the most layers an image may have, and one more
t_layers_max

# 6. a named volume keeps a file across two runs
timeout 120 "$CTL" run -v data:/data -- sh -c 'echo persisted >/data/f' >/dev/null 2>&1
out=$(timeout 120 "$CTL" run -v data:/data -- cat /data/f 2>/dev/null)
check "named volume across runs" "$out" "persisted"

# 7. exec into a -d container, then stop with a TERM trap
id=$(timeout 120 "$CTL" run -d --stop-timeout 20 -- sh -c 'trap "echo got TERM; exit 5" TERM; while :; do sleep 0.1; done' 2>/dev/null)
out=$(timeout 60 "$CTL" exec "$id" sh -c 'echo in-exec; exit 4' 2>/dev/null); rc=$?
check "exec into a -d container" "$out/$rc" "in-exec/4"
check "ps lists it" "$("$CTL" ps | grep -c "${id:0:12}")" "1"
timeout 60 "$CTL" stop "${id:0:12}" >/dev/null 2>&1
code=$(timeout 60 "$CTL" wait "$id" 2>/dev/null)
check "stop runs the TERM handler" "$code/$("$CTL" logs "$id" 2>/dev/null)" "5/got TERM"
"$CTL" inspect "$id" | python3 -c 'import json,sys; o=json.load(sys.stdin)[0]; assert o["State"]["ExitCode"]==5 and o["VM"]["QemuPid"]>0 and o["State"]["Status"]=="exited"' \
  && ok "inspect shows the state and the VM object" || bad "inspect" "$("$CTL" inspect "$id" | head -30)"

# 8. QMP system_powerdown does the same
id=$(timeout 120 "$CTL" run -d -- sh -c 'trap "echo got TERM; exit 6" TERM; while :; do sleep 0.1; done' 2>/dev/null)
running () { for i in $(seq 100); do "$CTL" inspect "$1" 2>/dev/null | grep -q '"Status": "running"' && return 0; sleep 0.2; done; return 1; }
running "$id"; sleep 0.5
python3 - "$TETHER_RUN_DIR/${id:0:12}/qmp.sock" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rw")
f.readline(); f.write('{"execute":"qmp_capabilities"}\n'); f.flush(); f.readline()
f.write('{"execute":"system_powerdown"}\n'); f.flush(); f.readline(); s.close()
PY
code=$(timeout 60 "$CTL" wait "$id" 2>/dev/null)
check "system_powerdown runs the TERM handler" "$code/$("$CTL" logs "$id" 2>/dev/null)" "6/got TERM"

# 9. SIGTERM to tetherctl run is forwarded
timeout 120 "$CTL" run -- sh -c 'trap "echo fwd; exit 9" TERM; while :; do sleep 0.1; done' >"$W/o" 2>/dev/null &
pid=$!
sleep 8
kill -TERM $pid
wait $pid; rc=$?
check "SIGTERM to run is forwarded" "$(cat "$W/o")/$rc" "fwd/9"

# 10. a missing layer file: 125 before QEMU starts (the VMs of earlier tests gone first,
# so one powering off meanwhile is not counted)
for _ in $(seq 300); do [ "$(qemus)" = 0 ] && break; sleep 0.1; done
before=$(qemus)
timeout 60 "$CTL" run --image /nonexistent/layer.vmdk -- true >/dev/null 2>&1; rc=$?
check "missing layer gives 125 and no QEMU" "$rc/$(qemus)" "125/$before"

# 11. a disk the guest never sees: bounded error naming the serial
out=$(TETHER_TEST_SKIP_DISK=top TETHER_DISK_WAIT_S=3 timeout 120 "$CTL" run -- true 2>&1 >/dev/null); rc=$?
case "$out" in *"disk top did not appear within 3 s"*) check "missing disk is bounded" "$rc" "125" ;;
  *) bad "missing disk is bounded" "rc=$rc: $out" ;; esac

# 11b. a guest panic (no init: rdinit points nowhere): 125, the reason, no QEMU left
out=$(TETHER_KERNEL_APPEND=rdinit=/nonexistent timeout 120 "$CTL" run -- true 2>&1 >/dev/null); rc=$?
case "$out" in *"guest panic"*"Kernel panic"*) check "guest panic gives 125 and no QEMU" "$rc/$(qemus)" "125/0" ;;
  *) bad "guest panic gives 125 and no QEMU" "rc=$rc: $(head -c 300 <<<"$out")" ;; esac

# 11c. logs of a -d container: stdout to stdout, stderr to stderr; -f follows to the end
id=$(timeout 60 "$CTL" run -d -- sh -c 'echo one; echo two >&2; sleep 2; echo three' 2>/dev/null)
timeout 60 "$CTL" logs -f "$id" >"$W/lo" 2>"$W/le"; rc=$?
check "logs -f of a -d container" "$(echo $(cat "$W/lo"))/$(cat "$W/le")/$rc" "one three/two/0"
timeout 60 "$CTL" rm "$id" >/dev/null 2>&1
t_logs

# 12b. the bootstrap ISO (isolinux) boots the same container
out=$(TETHER_BOOT=iso timeout 180 "$CTL" run -- sh -c 'echo iso; exit 4' 2>/dev/null); rc=$?
check "boot from the bootstrap ISO" "$out/$rc/$(grep -ac ISOLINUX "$TETHER_STATE_DIR/containers/$(cid)/console.log")" "iso/4/1"

# 12. the channel over a 16550 serial port
out=$(timeout 180 "$CTL" run --serial -- sh -c 'echo serial; exit 2' 2>/dev/null); rc=$?
check "16550 serial channel" "$out/$rc" "serial/2"

# 12c. a hostile guest floods the channel with undecodable frames: the endpoint counts
# them and logs a rate-limited summary, not a line per frame (it once wrote 88 MB in 3 s)
if [ -n "${FLOOD_INITRD:-}" ]; then
  FA=$W/flood-assets; mkdir -p "$FA/kernel"
  ln -sf "$TETHER_ASSETS/kernel/vmlinux" "$FA/kernel/vmlinux"; ln -sf "$FLOOD_INITRD" "$FA/initramfs.cpio.gz"
  # it never answers hello either: the default 60 s bound powers it off, no VM is left
  TETHER_ASSETS=$FA timeout 150 "$CTL" run -- true >/dev/null 2>"$W/flood.err"; rc=$?
  fid=$(cid); fdir=$TETHER_STATE_DIR/containers/$fid
  frames=$(grep -ao '[0-9]* garbage frames written' "$fdir/console.log" | cut -d' ' -f1)
  lines=$(grep -c 'undecodable control message' "$fdir/endpoint.log")
  size=$(stat -c %s "$fdir/endpoint.log")
  if [ "${frames:-0}" -gt 10000 ] && [ "$lines" -le 3 ] && [ "$size" -lt 65536 ] && [ "$rc" = 125 ]; then
    ok "hostile guest flood: $frames bad frames, $lines log lines, $size bytes of log"
  else
    bad "hostile guest flood" "frames ${frames:-none}, log lines $lines, log $size bytes, exit $rc"
  fi
  case "$(cat "$W/flood.err")" in *"no hello from the guest within 60 s"*) check "no hello in 60 s: powered off" "$(qemus)" "0" ;;
    *) bad "no hello in 60 s" "$(head -c 300 "$W/flood.err")" ;; esac
  "$CTL" rm -f "$fid" >/dev/null 2>&1
else
  bad "hostile guest flood" "FLOOD_INITRD not set (make test-vm sets it)"
fi

# 12d. a guest that lies (t_liar)
t_liar

# 13. rm removes the container, keeps the volume
id=$(cid)
timeout 60 "$CTL" wait "$id" >/dev/null 2>&1
"$CTL" rm "$id" >/dev/null && [ ! -e "$TETHER_STATE_DIR/containers/$id" ] && [ -e "$TETHER_STATE_DIR/volumes/data.img" ] \
  && ok "rm" || bad "rm" "container dir or volume wrong"

wedge_check

# 14. power-off after the endpoint's ack, with the endpoint held back at the exit
t_poweroff_ack

# 15. the endpoint killed, a new one adopts the VM; the hold bound
t_adopt
t_hold_bound
t_run_reconnect
t_stop_last_resort
t_channel_cut
t_heartbeat
t_vm_attach
t_stop_wait
t_vm_restart
t_vm_health
t_cuts
t_vmware_probe
t_vm_hardening

# 16. the default network (#13): published ports, the host's loopback closed, outbound, none
t_net
t_bridge

# 17. instant clone (#12): templates, clones and their fall-backs; no template left after
t_clone

# No QEMU may be left behind.
finish
