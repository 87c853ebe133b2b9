# Sourced by tests/vm/run.sh: random cuts while a container VM streams ~100 MiB
# (issue 10): the endpoint killed (-9), the channel cut and back (chardev-change),
# the client killed and started again as `attach --stdout-offset <what it has>`.
# What the client wrote and what the log holds must both equal the source.

t_cuts () {
  local name="${CUTS:-100} random cuts during ~100 MiB"
  local n=${CUTS:-100} lines=13000000 id pid cuts=0 kinds="" t0=$SECONDS
  : >"$W/cu.out"
  # no `timeout` wrapper: $pid must be the client itself, or a kill leaves it running
  "$CTL" run -- sh -c "seq 1 $lines; echo done >&2" >>"$W/cu.out" 2>>"$W/cu.err" &
  pid=$!
  local i=0
  while [ ! -s "$W/cu.out" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
  id=$(cid)
  while [ $cuts -lt $n ] && [ "$(state_of "$id" | cut -d' ' -f1)" = running ]; do
    sleep "0.$((RANDOM % 3 + 1))"
    case $((RANDOM % 3)) in
      0) local ep; ep=$(ep_pid "$id")
         [ -n "$ep" ] && kill -KILL "$ep" 2>/dev/null && kinds="${kinds}e" ;;
      1) [ "$(qmp_chardev "$TETHER_RUN_DIR/${id:0:12}")" = ok ] && kinds="${kinds}c" ;;
      2) kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
         "$CTL" attach --stdout-offset "$(stat -c %s "$W/cu.out")" "$id" >>"$W/cu.out" 2>>"$W/cu.err" &
         pid=$!; kinds="${kinds}k" ;;
    esac
    cuts=$((cuts + 1))
  done
  local w=0
  while kill -0 "$pid" 2>/dev/null && [ $w -lt 3000 ]; do sleep 0.1; w=$((w + 1)); done
  kill -KILL "$pid" 2>/dev/null # a hang is a failure, not a stuck suite
  wait "$pid"; local rc=$?
  local want; want=$(seq 1 $lines | sha256sum | cut -d' ' -f1)
  local e=${kinds//[^e]/} c=${kinds//[^c]/} k=${kinds//[^k]/}
  check "$name: the client's bytes ($cuts cuts: ${#e} endpoint, ${#c} channel, ${#k} client; $((SECONDS - t0)) s)" \
    "$(sha256sum <"$W/cu.out" | cut -d' ' -f1)/$rc" "$want/0"
  check "$name: the log" "$(timeout 120 "$CTL" logs "$id" 2>/dev/null | sha256sum | cut -d' ' -f1)" "$want"
  [ -n "${VM_KEEP:-}" ] || "$CTL" rm -f "$id" >/dev/null 2>&1
}

qmp_chardev () { # RUNDIR: the channel's chardev moved to a new socket (ch0.sock <-> ch0b.sock)
  python3 - "$1" <<'PY'
import json, os, socket, sys
d = sys.argv[1]
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(d + "/qmp.sock")
f = s.makefile("rw"); f.readline()
def cmd(c, **a):
    f.write(json.dumps({"execute": c, "arguments": a} if a else {"execute": c}) + "\n"); f.flush()
    while True:
        m = json.loads(f.readline())
        if "return" in m or "error" in m:
            return m
cmd("qmp_capabilities")
m = cmd("chardev-change", id="ch0", backend={"type": "socket", "data": {
    "addr": {"type": "unix", "data": {"path": d + ("/ch0b.sock" if os.path.exists(d + "/ch0.sock") else "/ch0.sock")}},
    "server": True, "wait": False}})
print("error" if "error" in m else "ok")
PY
}
