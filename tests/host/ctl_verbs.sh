#!/bin/sh
# tetherctl's host-mode verbs against a real `tether --listen`: stdout, stderr and
# exit codes as DESIGN §5 states them. Needs root (the tether makes namespaces).
# Usage: tests/host/ctl_verbs.sh [TETHER] [TETHERCTL]
set -u
TETHER=${1:-build/san/tether}
CTL=${2:-build/san/tetherctl}
dir=$(mktemp -d /tmp/ctlv.XXXXXX)
fails=0
passes=0
"$TETHER" --listen "unix:$dir/s" >"$dir/tether.log" 2>&1 &
tpid=$!
trap 'kill $tpid 2>/dev/null; wait $tpid 2>/dev/null; rm -rf "$dir"' EXIT
i=0
while [ ! -S "$dir/s" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
export TETHER_HOST="unix:$dir/s"

# check NAME WANT_RC WANT_STDOUT WANT_STDERR -- CMD...: stdout/stderr compared exactly
check () {
  name=$1 want_rc=$2 want_out=$3 want_err=$4
  shift 5
  "$@" >"$dir/out" 2>"$dir/err"
  rc=$?
  out=$(cat "$dir/out") err=$(cat "$dir/err")
  if [ "$rc" != "$want_rc" ] || [ "$out" != "$want_out" ] || [ "$err" != "$want_err" ]; then
    echo "FAIL $name: rc=$rc (want $want_rc) out=[$out] (want [$want_out]) err=[$err] (want [$want_err])"
    fails=$((fails + 1))
  else
    echo "ok   $name"
    passes=$((passes + 1))
  fi
}

check run-stdout 0 "hello" "" -- "$CTL" run echo hello
check run-code-and-streams 3 "out" "err" -- "$CTL" run sh -c 'echo out; echo err >&2; exit 3'
check run-signal-death 137 "" "" -- "$CTL" run --init sh -c 'kill -9 $$'
check run-pid1-survives 0 "survived" "" -- "$CTL" run sh -c 'kill -9 $$; echo survived'
check run-not-found 127 "" 'tetherctl: exec: "no-such-cmd": executable file not found in $PATH' -- "$CTL" run no-such-cmd
check run-env 0 "1 x" "" -- "$CTL" run -e A=1 -e B=x -- sh -c 'echo $A $B'
check run-workdir-created 0 "$dir/new" "" -- "$CTL" run -w "$dir/new" pwd
check run-stdin 0 "piped" "" -- sh -c "echo piped | '$CTL' run -i cat"
check run-no-stdin-without-i 0 "" "" -- sh -c "echo piped | '$CTL' run cat"
head -c 3000000 /dev/urandom >"$dir/big"
check run-stdin-3MB 0 "" "" -- sh -c "'$CTL' run -i cat <'$dir/big' >'$dir/big.out'"
check run-stdin-3MB-same 0 "" "" -- cmp "$dir/big" "$dir/big.out"
# our stdout closed (| head): leave the session quietly with 141, as a SIGPIPE death
check run-epipe 0 "y" "" -- sh -c "{ '$CTL' run yes; echo \$? >'$dir/rc'; } | head -1"
check run-epipe-rc 0 "141" "" -- cat "$dir/rc"
check run-bad-signal 125 "" "tetherctl: run: invalid signal: NOPE" -- "$CTL" run --stop-signal NOPE true
check run-no-command 125 "" "tetherctl: run: a command is required (see tetherctl run --help)" -- "$CTL" run

# --init: the signals below kill the command (as PID 1 it would ignore them)
id=$("$CTL" run -d --init --name web sleep 100)
check run-d-id 0 "64" "" -- sh -c "printf %s '$id' | wc -c | tr -d ' '"
check exec 0 "inside" "" -- "$CTL" exec web echo inside
check exec-code 4 "" "" -- "$CTL" exec web sh -c 'exit 4'
check exec-not-found 1 "" "tetherctl: no such container: nosuch" -- "$CTL" exec nosuch true
check exec-d 0 "" "" -- "$CTL" exec -d web true
check ps-running 0 "web" "" -- sh -c "'$CTL' ps | awk 'NR>1 && \$NF == \"web\" {print \$NF}'"
check kill-usr1 0 "web" "" -- "$CTL" kill -s SIGUSR1 web
check wait 0 "138" "" -- "$CTL" wait web
short=${id%"${id#????????????}"}
check kill-not-running 1 "" "tetherctl: web: container $short is not running" -- "$CTL" kill web
check inspect-state 0 "exited 138 /web" "" -- sh -c "'$CTL' inspect web | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print(d[\"State\"][\"Status\"], d[\"State\"][\"ExitCode\"], d[\"Name\"])'"
check inspect-missing 0 "1" "tetherctl: nosuch: no such container: nosuch" -- sh -c "'$CTL' inspect web nosuch | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'"
check inspect-missing-rc 1 "" "" -- sh -c "'$CTL' inspect web nosuch >/dev/null 2>&1"
check rm 0 "web" "" -- "$CTL" rm web

id=$("$CTL" run -d sh -c 'trap "" TERM; sleep 100')
short=${id%"${id#????????????}"}
check rm-running 1 "" "tetherctl: $id: container $short is running: stop it first or use -f" -- "$CTL" rm "$id"
check stop-t0 0 "$id" "" -- "$CTL" stop -t 0 "$id"
check rm-after-stop 0 "$id" "" -- "$CTL" rm "$id"

"$CTL" run --init sleep 100 &
rpid=$!
sleep 1
kill -TERM $rpid
wait $rpid
rc=$?
if [ $rc = 143 ]; then echo "ok   sig-proxy-term"; passes=$((passes + 1)); else echo "FAIL sig-proxy-term: rc=$rc"; fails=$((fails + 1)); fi

check ping 0 "ok" "" -- sh -c "'$CTL' ping | grep -q '^uptime: ' && echo ok"
check logs-host-mode 1 "" "tetherctl: logs: a host-mode tether keeps no logs (it frees output once a client acks it); logs are kept for container VMs (tetherctl without -H)" -- "$CTL" logs web
# --help shows that mode's options: VM-only ones without -H, none with it
check help-run-vm 0 "1" "" -- sh -c "TETHER_HOST= '$CTL' run --help | grep -c -- '--serial' || true"
check help-run-host 0 "0" "" -- sh -c "'$CTL' run --help | grep -c -- '--serial' || true"
check help-logs-vm 0 "1" "" -- sh -c "TETHER_HOST= '$CTL' logs --help | grep -ci '^usage: tetherctl logs'"
kill $tpid; wait $tpid 2>/dev/null
check lost-tether 1 "" "tetherctl: cannot connect to $dir/s: No such file or directory" -- "$CTL" ps
echo "$passes passed, $fails failed"
[ $fails = 0 ]
