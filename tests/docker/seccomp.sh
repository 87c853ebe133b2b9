#!/usr/bin/env bash
# seccomp through tetherd with the real docker CLI, each container its own VM
# (TCG): docker's default profile, --security-opt seccomp=unconfined, a profile
# file the CLI reads and sends inline (HostConfig.SecurityOpt "seccomp=<json>"),
# a profile the daemon refuses. Each expected line is what dockerd 20.10 + runc
# printed here for the same command.
#   bash tests/docker/seccomp.sh TETHERD
# Env: TETHER_ASSETS (build/), DOCKER28, DK_KEEP=1 (keep the temp dir).
DK_TAG=tds
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dk_start || { echo "tetherd did not start"; exit 1; }

check "info: SecurityOptions" "$(d28 info --format '{{json .SecurityOptions}}')" '["name=seccomp,profile=default"]'

# dockerd: "Seccomp: 2", "unshare: unshare(0x10000000): Operation not permitted", rc=1
out=$(d28 run --rm busybox sh -c 'grep Seccomp: /proc/self/status; unshare -U true; echo rc=$?' 2>&1)
check "default profile: mode 2, unshare -U refused" "$(echo $out)" \
  "Seccomp: 2 unshare: unshare(0x10000000): Operation not permitted rc=1"

# dockerd: "Seccomp: 0", rc=0
out=$(d28 run --rm --security-opt seccomp=unconfined busybox sh -c 'grep Seccomp: /proc/self/status; unshare -U true; echo rc=$?' 2>&1)
check "seccomp=unconfined: mode 0, unshare -U runs" "$(echo $out)" "Seccomp: 0 rc=0"

# dockerd: "Seccomp: 2", "mkdir: can't create directory '/x': Permission denied", rc=1
echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}' >"$T/mkdir.json"
out=$(d28 run --rm --security-opt seccomp="$T/mkdir.json" busybox sh -c 'grep Seccomp: /proc/self/status; mkdir /x; echo rc=$?' 2>&1)
check "a profile file: mkdir gets its errnoRet" "$(echo $out)" \
  "Seccomp: 2 mkdir: can't create directory '/x': Permission denied rc=1"

# dockerd (runc at start): "... string SCMP_ACT_BOGUS is not a valid action for seccomp ...", 125
echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_BOGUS"}]}' >"$T/act.json"
d28 run --rm --security-opt seccomp="$T/act.json" busybox true >/dev/null 2>"$T/err"; rc=$?
check "a bad action: 125 with runc's words" "$rc/$(grep -c 'string SCMP_ACT_BOGUS is not a valid action for seccomp' "$T/err")" "125/1"

dk_finish
