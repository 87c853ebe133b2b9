# tether --channel DEV over a pty pair, garbage before and between frames.

channel_pty () {
  python3 "$HT_DIR/tproto.py" channel "$HT_TMP/ht-tether" "$PWD" >py.out 2>&1 \
    || fail "$(grep FAILED py.out | head -3 | tr '\n' ';') $(tail -n 2 py.out)"
}

t channel_pty channel_pty 60

# tether --channel vsock:PORT. No vhost-vsock and no vsock loopback here, so no
# peer can connect (a documented limitation); what runs: the tether binds and
# listens on the port (a second bind fails with EADDRINUSE), stays up, and its
# accepted connections go through the same conn code the unix tests exercise.
vsock_listen () {
  local port=$((20000 + RANDOM % 20000))
  "$HT_TMP/ht-tether" --channel "vsock:$port" >vsock.log 2>&1 &
  local vpid=$!
  sleep 0.5
  kill -0 "$vpid" 2>/dev/null || fail "tether --channel vsock:$port exited: $(head -c 300 vsock.log)"
  python3 - "$port" <<'PY' || fail "port $port was not bound by the tether"
import errno, socket, sys
s = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
try:
    s.bind((socket.VMADDR_CID_ANY, int(sys.argv[1])))
except OSError as e:
    raise SystemExit(0 if e.errno == errno.EADDRINUSE else 1)
raise SystemExit(1)
PY
  kill "$vpid"; wait "$vpid" 2>/dev/null
  "$HT_TMP/ht-tether" --channel vsock:0 >vsock0.log 2>&1 && fail "vsock:0 accepted"
  grep -q "bad vsock port" vsock0.log || fail "no clear error for vsock:0: $(cat vsock0.log)"
}

t vsock_listen vsock_listen 30
