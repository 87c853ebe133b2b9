#!/usr/bin/env bash
# A container's life driven by the real docker CLIs through tetherd, each
# container its own VM (TCG): run attached, -d, --rm, -i by sha256, docker's exit
# codes, logs, wait, stop, kill, rm, name conflicts, and tetherd killed (-9) and
# started again while a container runs.
#   bash tests/docker/life.sh TETHERD
# Env: TETHER_ASSETS (build/), DOCKER28, DOCKER20, DK_KEEP=1 (keep the temp dir).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=$(realpath "${1:-$ROOT/build/tetherd}")
export TETHER_ASSETS=${TETHER_ASSETS:-$ROOT/build}
DOCKER28=${DOCKER28:-/usr/local/bin/docker}
DOCKER20=${DOCKER20:-/usr/bin/docker}
T=$(mktemp -d /tmp/tdl.XXXXXX)
export TETHER_STATE_DIR=$T/state TETHER_RUN_DIR=$T/run
mkdir -p "$TETHER_STATE_DIR" "$TETHER_RUN_DIR"
SOCK=$T/d.sock
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
pass=0 fail=0 DPID=
ok () { pass=$((pass + 1)); echo "ok   $1 (${SECONDS}s)"; }
bad () { fail=$((fail + 1)); echo "FAIL $1: $2"; }
check () { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "want [$3] got [$2]"; fi; }
qemus () { pgrep -f "qemu-system-x86_64.*$TETHER_STATE_DIR" | wc -l; }
d28 () { timeout 120 "$DOCKER28" -H "unix://$SOCK" "$@"; }
d20 () { timeout 120 "$DOCKER20" -H "unix://$SOCK" "$@"; }
start_daemon () {
  "$BIN" -H "unix://$SOCK" --state-dir "$TETHER_STATE_DIR" 2>>"$T/tetherd.log" &
  DPID=$!
  for _ in $(seq 100); do curl -s --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1 && return 0; sleep 0.05; done
  return 1
}

start_daemon || { echo "FAIL tetherd starts: $(tail -3 "$T/tetherd.log")"; exit 1; }

# run, attached: both clients; stdout apart from stderr; the code
check "docker 28: run busybox echo hi" "$(d28 run busybox echo hi 2>&1)/$?" "hi/0"
check "docker 20.10: run busybox echo hi" "$(d20 run busybox echo hi 2>&1)/$?" "hi/0"
out=$(d28 run --rm --name rm-me busybox sh -c 'echo out; echo err >&2; exit 3' 2>"$T/err"); rc=$?
check "run --rm: stdout, stderr, code" "$out/$(cat "$T/err")/$rc" "out/err/3"
check "run --rm: removed at its end" "$(d28 ps -a --filter name=rm-me -q)" ""

# the built-in image: listed, inspected, its Cmd (sh) when the run gives none
check "images: the built-in busybox" "$(d28 images --format '{{.Repository}}:{{.Tag}}')" "busybox:latest"
check "image inspect" "$(d28 image inspect -f '{{.RepoTags}} {{.Config.Cmd}} {{.Os}}' busybox)" "[busybox:latest] [sh] linux"
check "image inspect of an absent one: 1" "$(d28 image inspect nosuch >/dev/null 2>&1; echo $?)" 1
check "run -i busybox: the image's sh" "$(echo 'echo in-sh; exit 5' | d28 run -i --rm busybox; echo $?)" "in-sh
5"

# docker's codes for what cannot start, and the container stays created
d28 run --name c127 busybox /no/such >/dev/null 2>"$T/err"; check "missing command: 127" "$?" 127
grep -q 'no such file or directory' "$T/err" || bad "127's message" "$(cat "$T/err")"
d28 run busybox /etc/passwd >/dev/null 2>&1; check "not executable: 126" "$?" 126
d28 run -u nosuchuser busybox true >/dev/null 2>"$T/err"; check "unknown user: 125" "$?" 125
grep -q 'unable to find user nosuchuser' "$T/err" || bad "125's message" "$(cat "$T/err")"
check "a failed start leaves it created" "$(d28 inspect -f '{{.State.Status}} {{.State.ExitCode}}' c127)" "created 127"
d28 run nosuchimage true >/dev/null 2>"$T/err"; rc=$?
check "an absent image: 125, docker's words" "$rc/$(grep -c "Unable to find image 'nosuchimage:latest' locally" "$T/err")" "125/1"
d28 run --name 'bad name' busybox true >/dev/null 2>&1; check "a bad name: 125" "$?" 125

# stdin by sha256 (3 MiB through the hijacked socket and the VM)
head -c 3145728 /dev/urandom >"$T/in"
check "run -i: 3 MiB of stdin by sha256" "$(d28 run -i --rm busybox sha256sum <"$T/in" | cut -d' ' -f1)" \
  "$(sha256sum <"$T/in" | cut -d' ' -f1)"

# -d, logs, wait, stop; a name in use
id=$(d28 run -d --name lf busybox sh -c 'echo a; sleep 1; echo b >&2; exec sleep 600')
check "run -d prints the id" "${#id}" 64
check "inspect: docker's 23 top-level keys, GraphDriver names the disks" "$(d28 inspect lf | python3 -c 'import json,sys
o = json.load(sys.stdin)[0]
want = "Id Created Path Args State Image ResolvConfPath HostnamePath HostsPath LogPath Name RestartCount Driver Platform MountLabel ProcessLabel AppArmorProfile ExecIDs HostConfig GraphDriver Mounts Config NetworkSettings".split()
g = o["GraphDriver"]["Data"]
print([k for k in want if k not in o], g["LowerDir"].endswith(".vmdk"), g["UpperDir"].endswith("/top.img"), o["Config"]["Image"])')" \
  "[] True True busybox"
for _ in $(seq 300); do [ "$(d28 logs lf 2>&1 | tr '\n' ' ')" = "a b " ] && break; sleep 0.1; done
check "logs: both streams" "$(d28 logs lf 2>/dev/null)/$(d28 logs lf 2>&1 >/dev/null)" "a/b"
check "logs -t --tail 1" "$(d28 logs -t --tail 1 lf 2>&1 | grep -cE '^[0-9-]{10}T[0-9:]{8}\.[0-9]{9}Z b$')" 1
d28 run -d --name lf busybox true >/dev/null 2>"$T/err"; rc=$?
check "a name in use: 125, Conflict" "$rc/$(grep -c 'Conflict. The container name "/lf" is already in use' "$T/err")" "125/1"
# exec: codes, streams, stdin, HOSTNAME, launch errors on stdout (docker's), -d, -t
out=$(d28 exec lf sh -c 'echo o; echo e >&2; exit 4' 2>"$T/err"); rc=$?
check "exec: stdout, stderr, code" "$out/$(cat "$T/err")/$rc" "o/e/4"
check "exec -i: stdin" "$(echo hello | d28 exec -i lf cat)" "hello"
check "exec env has HOSTNAME" "$(d28 exec lf env | grep -c "^HOSTNAME=${id:0:12}$")" 1
out=$(d28 exec lf /no/such 2>/dev/null); rc=$?
check "exec of a missing binary: 126, the reason on stdout" "$rc/$(printf '%s' "$out" | grep -c '/no/such')" "126/1"
check "exec -u nosuchuser: 126" "$(d28 exec -u nosuchuser lf true >/dev/null 2>&1; echo $?)" 126
check "exec -d" "$(d28 exec -d lf sleep 1; echo $?)" 0
check "exec -t: a tty" "$(d28 exec -t lf tty </dev/null | tr -d '\r')" "/dev/pts/0"
check "exec on a missing container: 1" "$(d28 exec nosuchc true >/dev/null 2>&1; echo $?)" 1
check "docker 20.10: exec" "$(d20 exec lf echo twenty)" "twenty"
# exec -it on a client pty of 40x120, resized to 50x100 (SIGWINCH): the tty follows
check "exec -it: the size, then the resize" "$(timeout 60 python3 - "$DOCKER28" "$SOCK" <<'PY'
import fcntl, os, pty, signal, struct, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "-H", "unix://" + sys.argv[2], "exec", "-it", "lf", "sh", "-c", "stty size; sleep 2; stty size"])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
time.sleep(1)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 100, 0, 0))
os.kill(pid, signal.SIGWINCH)
out = b""
while True:
    try:
        b = os.read(fd, 1024)
    except OSError:
        break
    if not b:
        break
    out += b
print(out.decode().replace("\r", "").strip().replace("\n", "/"))
PY
)" "40 120/50 100"
(d28 wait lf >"$T/wait.out" 2>&1) & wpid=$!
sleep 1
t0=$SECONDS
check "stop -t 1 (sleep is PID 1: SIGKILL at the timeout)" "$(d28 stop -t 1 lf)" "lf"
wait $wpid
check "wait: 137" "$(cat "$T/wait.out")" 137
check "kill of a stopped one: 1" "$(d28 kill lf >/dev/null 2>&1; echo $?)" 1
check "rm" "$(d28 rm lf)" "lf"
check "rm -f of an absent one: 0" "$(d28 rm -f lf >/dev/null 2>&1; echo $?)" 0

# start -a of an ended container: a new VM from its disks (the top disk kept
# what the first run wrote), the next run's output, its code; restart
d28 run --name again busybox sh -c 'echo run; [ -e /was ] && echo again; touch /was; exit 2' >/dev/null 2>&1
out=$(d28 start -a again 2>&1); rc=$?
check "start -a of an ended one: its next run, its code" "$(echo $out)/$rc" "run again/2"
check "logs across both runs" "$(d28 logs again | tr '\n' ' ')" "run run again "
d28 run -d --name rr busybox sh -c 'echo up; exec sleep 600' >/dev/null
check "restart -t 1" "$(d28 restart -t 1 rr)" "rr"
for _ in $(seq 300); do [ "$(d28 logs rr 2>&1 | tr '\n' ' ')" = "up up " ] && break; sleep 0.1; done
check "restarted: running, both runs logged" "$(d28 ps --filter name=rr --format '{{.State}}')/$(d28 logs rr | tr '\n' ' ')" "running/up up "
d28 rm -f rr again >/dev/null

# named volumes: created, written by one VM, read by another, refused while a
# container names it, removed after; host paths are refused by name
check "volume create" "$(d28 volume create vdata)" "vdata"
d28 run --name vw -v vdata:/data busybox sh -c 'echo kept > /data/f' >/dev/null 2>&1
check "a volume outlives its container's VM" "$(d28 run --rm -v vdata:/data busybox cat /data/f)" "kept"
check "volume ls" "$(d28 volume ls -q)" "vdata"
check "volume rm while a container names it: 1" "$(d28 volume rm vdata >/dev/null 2>&1; echo $?)" 1
d28 rm vw >/dev/null
check "volume rm" "$(d28 volume rm vdata)" "vdata"
out=$(d28 run --rm -v /tmp:/x busybox true 2>&1); rc=$?
check "bind mounts of host paths: 125, said" "$rc/$(printf '%s' "$out" | grep -c 'bind mounts of host paths')" "125/1"

# a signal's death under --init: 128 + 15, as docker's
check "run --init, the command killed by SIGTERM: 143" "$(d28 run --rm --init busybox sh -c 'kill -TERM $$'; echo $?)" 143

# two clients attached at once to a tty container: what one types both see; the
# first detaches with docker's keys (ctrl-p ctrl-q, never sent) and the
# container runs on
d28 run -dit --name two busybox sh >/dev/null
"$DOCKER28" -H "unix://$SOCK" attach --no-stdin two >"$T/b.out" 2>&1 & bpid=$!
sleep 1
out=$(timeout 60 python3 - "$DOCKER28" "$SOCK" <<'PY'
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "-H", "unix://" + sys.argv[2], "attach", "two"])
time.sleep(1.5)
os.write(fd, b"echo hi-from-a\r")
time.sleep(2)
os.write(fd, b"\x10\x11")
out = b""
while True:
    try:
        b = os.read(fd, 1024)
    except OSError:
        break
    if not b:
        break
    out += b
_, st = os.waitpid(pid, 0)
print("escape" if b"read escape sequence" in out else "no-escape", os.waitstatus_to_exitcode(st))
PY
)
# 1: what the 28.x CLI exits with after a detach from dockerd 20.10 + runc too
check "attach: detach keys end the client (read escape sequence, 1 as with dockerd)" "$out" "escape 1"
check "attach: a second client saw the first one's typing" "$(grep -c hi-from-a "$T/b.out")" 2
check "after the detach: still running" "$(d28 ps --filter name=two --format '{{.State}}')" "running"
d28 rm -f two >/dev/null; wait $bpid 2>/dev/null

# a client that leaves mid-wait (killed CLI, run -d dropping its wait) frees its
# worker: none of tetherd's children is left once nothing is asked
d28 run -d --name lw busybox sleep 600 >/dev/null
"$DOCKER28" -H "unix://$SOCK" wait lw >/dev/null 2>&1 & cpid=$! # the CLI itself, to kill it
sleep 1
check "a waiter: one worker" "$(pgrep -P "$DPID" | wc -l)" 1
kill -KILL $cpid; wait $cpid 2>/dev/null
sleep 1
check "a waiter that left: no worker left behind" "$(pgrep -P "$DPID" | wc -l)" 0
d28 rm -f lw >/dev/null
# an attach over HTTP/1.0 (no upgrade possible) is refused, tetherd lives
curl -s --http1.0 --max-time 5 --unix-socket "$SOCK" -X POST "http://d/v1.50/containers/lf/attach?stream=1" >/dev/null 2>&1
check "attach over HTTP/1.0: tetherd still answers" "$(curl -s --unix-socket "$SOCK" http://d/_ping)" "OK"

# tetherd killed while a container runs: started again, it finds it from the disk
d28 run -d --name survive busybox sh -c 'i=0; while [ $i -lt 300 ]; do echo line $i; i=$((i+1)); sleep 0.1; done; exit 7' >/dev/null
sleep 3
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null
start_daemon && ok "tetherd started again after kill -9" || bad "tetherd restart" "$(tail -3 "$T/tetherd.log")"
check "ps after the restart" "$(d28 ps --format '{{.Names}} {{.State}}')" "survive running"
check "wait after the restart" "$(d28 wait survive)" 7
check "logs complete after the restart" "$(d28 logs survive | md5sum)" "$(for i in $(seq 0 299); do echo line $i; done | md5sum)"
check "rm -f of a running one" "$(d28 run -d --name rf busybox sleep 600 >/dev/null; d28 rm -f rf)" "rf"

kill -TERM "$DPID"; wait "$DPID"; rc=$?
check "SIGTERM: a clean exit" "$rc" 0
sleep 1
check "no QEMU left" "$(qemus)" 0
pkill -KILL -f "qemu-system-x86_64.*$TETHER_STATE_DIR" 2>/dev/null
[ "$fail" = 0 ] && [ -z "${DK_KEEP:-}" ] && rm -rf "$T"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
