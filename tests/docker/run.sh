#!/usr/bin/env bash
# tetherd against the real docker CLIs (docker 28.x negotiates API 1.50, Debian's
# 20.10 1.41) and against malformed HTTP (curl --unix-socket, socat, python3), over
# a temp state dir holding two real container VMs booted by tetherctl: one running
# (sleep 600, stopped at the end), one exited with 3.
#   bash tests/docker/run.sh [TETHERD...]   (default: build/san/tetherd build/tetherd)
# Env: CTL (build/tetherctl), TETHER_ASSETS (build/: kernel, initramfs), DOCKER28,
# DOCKER20 (the two clients), CI=true (a missing tool is a failure, as anything).
# Ends with "N passed, M failed"; exit status 1 on any failure. Nothing is skipped.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CTL=$(realpath "${CTL:-$ROOT/build/tetherctl}")
export TETHER_ASSETS=${TETHER_ASSETS:-$ROOT/build}
DOCKER28=${DOCKER28:-/usr/local/bin/docker}
DOCKER20=${DOCKER20:-/usr/bin/docker}
DAEMONS=("$@")
((${#DAEMONS[@]})) || DAEMONS=("$ROOT/build/san/tetherd" "$ROOT/build/tetherd")

T=$(mktemp -d /tmp/tdk.XXXXXX)
export TETHER_STATE_DIR=$T/state TETHER_RUN_DIR=$T/run
mkdir -p "$TETHER_STATE_DIR" "$TETHER_RUN_DIR"
SOCK=$T/d.sock
# ASan: tetherd's exit must be clean, leaks included
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
pass=0 fail=0 DPID=
ok () { pass=$((pass + 1)); echo "ok   $1 (${SECONDS}s)"; }
bad () { fail=$((fail + 1)); echo "FAIL $1: $2"; }
check () { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "want [$3] got [$2]"; fi; }
# check_re NAME TEXT ERE: the whole text matches
check_re () { if printf '%s' "$2" | grep -Eqz "^$3\$"; then ok "$1"; else bad "$1" "want /$3/ got [$2]"; fi; }
qemus () { pgrep -f "qemu-system-x86_64.*$TETHER_STATE_DIR" | wc -l; }

finish () {
  [ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null
  timeout 60 "$CTL" stop dk-up >/dev/null 2>&1
  sleep 0.5
  check "no QEMU left" "$(qemus)" 0
  pkill -KILL -f "qemu-system-x86_64.*$TETHER_STATE_DIR" 2>/dev/null
  [ "$fail" = 0 ] && [ -z "${DK_KEEP:-}" ] && rm -rf "$T"
  echo "$pass passed, $fail failed"
  [ "$fail" = 0 ]
}

for tool in "$CTL" "$DOCKER28" "$DOCKER20" "${DAEMONS[@]}" "$(command -v curl)" "$(command -v socat)" \
  "$(command -v python3)"; do
  [ -x "$tool" ] || bad "tool present" "missing ${tool:-curl, socat or python3}"
done
[ "$fail" = 0 ] || { finish; exit 1; }

# --- the containers: two VMs booting side by side ---
"$CTL" run -d --name dk-up -- sleep 600 >"$T/up.id" 2>"$T/up.err"
"$CTL" run -d --name dk-done -- sh -c 'exit 3' >"$T/done.id" 2>"$T/done.err"
UP=$(cat "$T/up.id") DONE=$(cat "$T/done.id")
check "dk-done exits 3" "$(timeout 120 "$CTL" wait dk-done 2>&1)" 3
for _ in $(seq 600); do
  "$CTL" inspect dk-up 2>/dev/null | grep -q '"Status": "running"' && break
  sleep 0.1
done
"$CTL" inspect dk-up 2>/dev/null | grep -q '"Status": "running"' && ok "dk-up running" || bad "dk-up running" "$(cat "$T/up.err")"

start_daemon () { # BIN: starts tetherd on $SOCK, waits for its socket
  "$1" -H "unix://$SOCK" --state-dir "$TETHER_STATE_DIR" 2>>"$T/tetherd.log" &
  DPID=$!
  for _ in $(seq 100); do [ -S "$SOCK" ] && curl -s --unix-socket "$SOCK" http://d/_ping >/dev/null && return 0; sleep 0.05; done
  return 1
}
stop_daemon () { # NAME: SIGTERM, a clean exit (0, ASan quiet) and the socket gone
  kill -TERM "$DPID"; wait "$DPID"; local rc=$?
  DPID=
  check "$1: SIGTERM: exit 0, socket removed" "$rc/$([ -e "$SOCK" ] && echo left || echo gone)" "0/gone"
}
dk () { timeout 20 "$D" -H "unix://$SOCK" "$@"; }

# --- both docker clients ---
clients () { # LABEL API-VERSION NOT-FOUND-PREFIX (how that client words a 404)
  local L=$1 want_api=$2 notfound=$3 out rc
  check "$L version: negotiated API, server API range, os" \
    "$(dk version --format '{{.Client.APIVersion}} {{.Server.APIVersion}} {{.Server.MinAPIVersion}} {{.Server.Os}}/{{.Server.Arch}}' 2>&1)" \
    "$want_api 1.50 1.41 linux/amd64"
  out=$(dk version 2>&1); rc=$?
  check_re "$L version prints the server" "$rc/$(printf '%s' "$out" | grep -c 'API version: *1.50 (minimum version 1.41)')" "0/1"
  out=$(dk info 2>"$T/info.err"); rc=$?
  check "$L info: exit 0, only our warning on stderr" "$rc/$(grep -vc '^WARNING: tetherd serves part' "$T/info.err")" "0/0"
  check_re "$L info: counts, driver, OS" \
    "$(printf '%s' "$out" | grep -E '^ +(Containers|Running|Stopped|Images|Storage Driver|OSType):' | tr -s ' ' | tr '\n' '|')" \
    " Containers: 2\| Running: 1\| Stopped: 1\| Images: 1\| Storage Driver: tether-vmdk\| OSType: linux\|"
  check "$L info --format" "$(dk info --format '{{.ContainersRunning}} {{.ContainersStopped}} {{.Driver}} {{.NCPU}}' 2>&1)" \
    "1 1 tether-vmdk $(nproc)"
  out=$(dk ps -a 2>&1)
  check_re "$L ps -a: docker's table, newest first" "$out" \
    "CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES
${DONE:0:12} +<no image> +\"sh -c 'exit 3'\" +[0-9]+ seconds? ago +Exited \(3\) (Less than a second|[0-9]+ seconds?) ago +dk-done
${UP:0:12} +<no image> +\"sleep 600\" +[0-9]+ seconds? ago +Up (Less than a second|[0-9]+ seconds?) +dk-up"
  check "$L ps -q: the running one" "$(dk ps -q 2>&1)" "${UP:0:12}"
  check "$L ps -aq --no-trunc" "$(dk ps -aq --no-trunc 2>&1 | tr '\n' ' ')" "$DONE $UP "
  check_re "$L ps --format Names Status" "$(dk ps -a --format '{{.Names}} {{.Status}}' 2>&1)" \
    "dk-done Exited \(3\) (Less than a second|[0-9]+ seconds?) ago
dk-up Up (Less than a second|[0-9]+ seconds?)"
  check "$L ps --filter name=" "$(dk ps -a --filter name=dk-d --format '{{.Names}}' 2>&1)" "dk-done"
  check "$L ps --filter name=^/dk-up\$ (regexp)" "$(dk ps -a --filter 'name=^/dk-up$' --format '{{.Names}}' 2>&1)" "dk-up"
  check "$L ps --filter id= prefix" "$(dk ps -a --filter "id=${DONE:0:8}" --format '{{.Names}}' 2>&1)" "dk-done"
  check "$L ps --filter status=exited (no -a)" "$(dk ps --filter status=exited --format '{{.Names}}' 2>&1)" "dk-done"
  check "$L ps --filter exited=3 / exited=0" \
    "$(dk ps -a --filter exited=3 --format '{{.Names}}' 2>&1)/$(dk ps -a --filter exited=0 -q 2>&1)" "dk-done/"
  check "$L ps --filter label=x: no labels yet" "$(dk ps -a --filter label=x -q 2>&1)" ""
  check "$L ps --filter before=dk-done" "$(dk ps -a --filter before=dk-done --format '{{.Names}}' 2>&1)" "dk-up"
  check "$L ps -n 1" "$(dk ps -n 1 --format '{{.Names}}' 2>&1)" "dk-done"
  out=$(dk ps --filter status=bogus 2>&1); rc=$?
  check "$L ps --filter status=bogus" "$rc/$out" "1/Error response from daemon: invalid filter 'status=bogus'"
  out=$(dk ps --filter colour=red 2>&1); rc=$?
  check "$L ps --filter unknown key" "$rc/$out" "1/Error response from daemon: invalid filter 'colour'"
  out=$(dk inspect dk-up 2>&1); rc=$?
  check "$L inspect NAME" "$rc/$(printf '%s' "$out" | python3 -c 'import json,sys; o=json.load(sys.stdin)
print(len(o), o[0]["Id"], o[0]["Name"], o[0]["State"]["Status"], o[0]["State"]["Running"], o[0]["Config"]["Cmd"], o[0]["Driver"])' 2>&1)" \
    "0/1 $UP /dk-up running True ['sleep', '600'] tether-vmdk"
  check "$L inspect -f State.Status ID" "$(dk inspect -f '{{.State.Status}}' "$UP" 2>&1)" "running"
  check "$L inspect -f of a prefix" "$(dk inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.Name}}' "${DONE:0:10}" 2>&1)" \
    "exited 3 /dk-done"
  out=$(dk inspect missing 2>"$T/miss.err"); rc=$?
  check "$L inspect missing: exit 1, docker's text" "$rc/$out/$(cat "$T/miss.err")" "1/[]/Error: No such object: missing"
  out=$(dk inspect --type container missing 2>&1); rc=$?
  check "$L inspect --type container missing" "$rc/$out" "1/[]
$notfound No such container: missing"
  out=$(dk diff dk-up 2>&1); rc=$?
  check "$L diff: not served yet, said so" "$rc/$out" \
    "1/Error response from daemon: this container operation is not supported by tetherd yet (GET /containers/dk-up/changes)"
  check "$L top: ps inside the VM" "$(dk top dk-up 2>&1 | awk 'NR == 1 {print $1, $2} NR > 1 && /sleep 600/ {print $NF}')" "PID USER
600"
}

# --- raw HTTP ---
http () { curl -s --max-time 10 --unix-socket "$SOCK" "$@"; }
ping_ok () { check "$1: ping still answers" "$(http http://d/_ping)" "OK"; }
malformed () { # LABEL
  local L=$1 h
  h=$(http -I http://d/_ping | tr -d '\r' | grep -iE '^(HTTP|api-version|ostype|docker-experimental|cache-control|pragma|content-length|content-type)' | sort -f | tr '\n' '|')
  check "$L HEAD /_ping headers" "$h" \
    "Api-Version: 1.50|Cache-Control: no-cache, no-store, must-revalidate|Content-Length: 0|Content-Type: text/plain; charset=utf-8|Docker-Experimental: false|HTTP/1.1 200 OK|Ostype: linux|Pragma: no-cache|"
  check "$L GET /v1.50/_ping" "$(http -w ' %{http_code} %{content_type}' http://d/v1.50/_ping)" "OK 200 text/plain; charset=utf-8"
  check "$L API v1.12: too old" "$(http -w ' %{http_code} %{content_type}' http://d/v1.12/version)" \
    '{"message":"client version 1.12 is too old. Minimum supported API version is 1.41, please upgrade your client to a newer version"} 400 application/json'
  check "$L API v1.51: too new" "$(http -w ' %{http_code}' http://d/v1.51/info)" \
    '{"message":"client version 1.51 is too new. Maximum supported API version is 1.50"} 400'
  check "$L unknown route" "$(http -w ' %{http_code} %{content_type}' http://d/v1.50/nope)" \
    '{"message":"page not found"} 404 application/json'
  check "$L later route: 501" "$(http -w ' %{http_code}' -X POST http://d/v1.50/containers/x/pause)" \
    '{"message":"this container operation is not supported by tetherd yet (POST /containers/x/pause)"} 501'
  check "$L bad JSON filters" "$(http -w ' %{http_code}' 'http://d/containers/json?filters=%7B%22name%22:')" \
    "{\"message\":\"invalid filter: unexpected token near end of file\"} 400"
  check "$L filters: not an object" "$(http -w ' %{http_code}' 'http://d/containers/json?filters=%5B1%5D')" \
    '{"message":"invalid filter: not a JSON object"} 400'
  check "$L filters: values not booleans" "$(http -w ' %{http_code}' 'http://d/containers/json?filters=%7B%22name%22:%7B%22x%22:1%7D%7D')" \
    "{\"message\":\"invalid filter: the values of 'name' must be true or false\"} 400"
  check "$L filters: the older array form" "$(http 'http://d/containers/json?all=1&filters=%7B%22name%22:%5B%22dk-up%22%5D%7D' | python3 -c 'import json,sys; print([c["Names"] for c in json.load(sys.stdin)])')" \
    "[['/dk-up']]"
  check "$L bad limit" "$(http -w ' %{http_code}' 'http://d/containers/json?limit=x')" '{"message":"invalid limit: x"} 400'
  check "$L no such container" "$(http -w ' %{http_code}' http://d/containers/nosuch/json)" '{"message":"No such container: nosuch"} 404'
  check "$L summary keys" "$(http 'http://d/v1.41/containers/json' | python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)[0]))')" \
    "['Command', 'Created', 'HostConfig', 'Id', 'Image', 'ImageID', 'Labels', 'Mounts', 'Names', 'NetworkSettings', 'Ports', 'State', 'Status']"
  printf 'GARBAGE\r\n\r\n' | timeout 5 socat -t2 - "UNIX-CONNECT:$SOCK" >/dev/null 2>&1
  ping_ok "$L garbage request line"
  head -c 65536 /dev/urandom | timeout 5 socat -t2 - "UNIX-CONNECT:$SOCK" >/dev/null 2>&1
  ping_ok "$L 64 KiB of random bytes"
  check "$L oversize header" "$(python3 -c 'print("a" * 100000)' | { read -r a; http -o /dev/null -w '%{http_code}' -H "X-Big: $a" http://d/_ping; })" "431"
  ping_ok "$L oversize header"
  check "$L oversize body (Content-Length)" "$(head -c 2000000 /dev/zero | http -w ' %{http_code}' -X POST --data-binary @- http://d/containers/create)" \
    '{"message":"request body too large: at most 1048576 bytes"} 413'
  check "$L oversize body (chunked)" "$(head -c 2000000 /dev/zero | http -w ' %{http_code}' -H 'Transfer-Encoding: chunked' -X POST --data-binary @- http://d/containers/create)" \
    '{"message":"request body too large: at most 1048576 bytes"} 413'
  ping_ok "$L oversize bodies"
  printf 'GET /info HTTP/1.1\r\nHost: d\r\n' | timeout 5 socat -t0.2 - "UNIX-CONNECT:$SOCK" >/dev/null 2>&1
  ping_ok "$L request cut mid-header"
  # the connection cap: 64 held idle, the 65th waits in the backlog unserved;
  # once they leave, tetherd accepts again. tetherd is stopped while they leave,
  # so it frees all 64 in one MHD run (MHD takes its listening socket back into
  # its epoll set only at the start of the next run: server.c's second run)
  check "$L connection cap" "$(timeout 30 python3 - "$SOCK" "$DPID" <<'PY'
import os, signal, socket, sys, time, subprocess
held = []
for _ in range(64):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.send(b"GET /_ping HTTP/1.1\r\nHost: d\r\n"); held.append(s)
time.sleep(0.5)
r = subprocess.run(["curl", "-s", "--max-time", "1", "--unix-socket", sys.argv[1], "http://d/_ping"], capture_output=True)
os.kill(int(sys.argv[2]), signal.SIGSTOP)
for s in held: s.close()
time.sleep(0.2)
os.kill(int(sys.argv[2]), signal.SIGCONT)
time.sleep(0.3)
r2 = subprocess.run(["curl", "-s", "--max-time", "3", "--unix-socket", sys.argv[1], "http://d/_ping"], capture_output=True)
print("65th:", r.stdout.decode() or "not served", "after:", r2.stdout.decode())
PY
)" "65th: not served after: OK"
}

first=1
for bin in "${DAEMONS[@]}"; do
  name=$(basename "$(dirname "$bin")")/$(basename "$bin")
  start_daemon "$bin" && ok "$name starts" || { bad "$name starts" "$(tail -3 "$T/tetherd.log")"; continue; }
  D=$DOCKER28 clients "$name docker 28" 1.50 "Error response from daemon:"
  D=$DOCKER20 clients "$name docker 20.10" 1.41 "Error:"
  malformed "$name"
  if [ "$first" = 1 ]; then
    first=0
    want_grp=$(getent group docker >/dev/null && echo docker || id -gn)
    check "socket mode and group" "$(stat -c '%a %G' "$SOCK")" "660 $want_grp"
    out=$("$bin" -H "unix://$SOCK" --state-dir "$TETHER_STATE_DIR" 2>&1); rc=$?
    check "a second tetherd on the same socket refuses" "$rc/$out" \
      "1/tetherd: $SOCK: another tetherd is serving this socket (it holds $SOCK.lock)"
    socat "UNIX-LISTEN:$T/o.sock,fork" /dev/null 2>/dev/null & other=$!
    for _ in $(seq 50); do [ -S "$T/o.sock" ] && break; sleep 0.05; done
    out=$("$bin" -H "unix://$T/o.sock" --state-dir "$TETHER_STATE_DIR" 2>&1); rc=$?
    kill "$other"; wait "$other" 2>/dev/null
    check "a socket another daemon answers on is refused" "$rc/$out" \
      "1/tetherd: $T/o.sock: another daemon is answering on this socket (is tetherd already running?)"
    kill -KILL "$DPID"; wait "$DPID" 2>/dev/null
    [ -S "$SOCK" ] && start_daemon "$bin" && ok "a stale socket (tetherd killed) is replaced" \
      || bad "a stale socket is replaced" "$(tail -3 "$T/tetherd.log")"
    check "killed and restarted: same engine ID" "$(D=$DOCKER28 dk info --format '{{.ID}}')" "$(cat "$TETHER_STATE_DIR/engine-id")"
    # the supervisor: a per-VM endpoint killed while tetherd runs is started
    # again (it adopts the running QEMU) within a second; bounded here at 5 s
    ep=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["VM"]["EndpointPid"])' \
      "$TETHER_STATE_DIR/containers/$UP/state.json")
    kill -KILL "$ep"
    t0=$(date +%s%N)
    for _ in $(seq 250); do
      ep2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["VM"]["EndpointPid"])' \
        "$TETHER_STATE_DIR/containers/$UP/state.json" 2>/dev/null)
      [ -n "$ep2" ] && [ "$ep2" != "$ep" ] && kill -0 "$ep2" 2>/dev/null && break
      sleep 0.02
    done
    took=$(( ($(date +%s%N) - t0) / 1000000 ))
    if [ "$ep2" != "$ep" ] && [ "$took" -le 5000 ] && grep -q "adopted QEMU pid" "$TETHER_STATE_DIR/containers/$UP/endpoint.log"; then
      ok "an endpoint killed under tetherd: a new one adopted the VM in $took ms"
    else
      bad "endpoint supervised" "endpoint $ep -> $ep2 after $took ms; $(tail -2 "$T/tetherd.log")"
    fi
    check "after the adoption: docker ps still shows it up" "$(D=$DOCKER28 dk ps --format '{{.Names}} {{.State}}')" "dk-up running"
  fi
  stop_daemon "$name"
done

finish
