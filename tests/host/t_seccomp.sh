# seccomp as docker 20.10 + runc 1.1.5 give it (every expected line below was
# seen beside dockerd on this machine, the same calls made by a static probe in
# a busybox image): docker's default profile as an allowlist, the ENOSYS of
# clone3 and of syscalls newer than the profile (runc's stub), seccomp=unconfined,
# a profile file in docker's format, and the CLI's errors for bad profiles.

# Each call's result: its return value, or the errno's name.
PROBE='
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
calls = [("clone3", 435, (0, 0)), ("personality", 135, (0x40000,)), ("fchmodat2", 452, (-1, b"x", 0, 0)),
         ("cachestat", 451, (-1, 0, 0, 0)), ("keyctl", 250, (0, 0, 0, 0)), ("unshare", 272, (0x10000000,))]
out = []
for name, nr, args in calls:
    r = libc.syscall(nr, *args)
    out.append("%s=%s" % (name, errno.errorcode[ctypes.get_errno()] if r < 0 else r))
print(" ".join(out))
'
DEFAULT_CALLS="clone3=ENOSYS personality=EPERM fchmodat2=ENOSYS cachestat=ENOSYS keyctl=EPERM unshare=EPERM"
NO_FILTER_CALLS="clone3=EINVAL personality=0 fchmodat2=EBADF cachestat=EBADF keyctl=EINVAL unshare=0"

mode_of () { grep '^Seccomp:' "$1" | tr -d ' \t'; }

default_profile () {
  ctl run cat /proc/self/status >st 2>err || fail "run: $(cat err)"
  expect_eq "run: /proc/self/status" "$(mode_of st)" "Seccomp:2"
  ctl run python3 -c "$PROBE" >out 2>err || fail "run the probe: $(cat err)"
  expect_eq "calls under the default profile" "$(cat out)" "$DEFAULT_CALLS"
  # busybox's unshare under docker: "unshare: unshare(0x10000000): Operation not permitted", 1
  ctl run unshare -U true >out 2>err; local rc=$?
  expect_eq "unshare -U true: exit" "$rc" 1
  grep -q "Operation not permitted" err || fail "unshare -U: want EPERM's text, got: $(cat err)"
  # runc exec applies the container's filter too
  ctl run -d --name sc-default sleep 60 >/dev/null || fail "run -d"
  ctl exec sc-default python3 -c "$PROBE" >out 2>err || fail "exec the probe: $(cat err)"
  expect_eq "calls in an exec" "$(cat out)" "$DEFAULT_CALLS"
  ctl rm -f sc-default >/dev/null
}

unconfined () {
  ctl run --security-opt seccomp=unconfined cat /proc/self/status >st 2>err || fail "run: $(cat err)"
  expect_eq "unconfined: /proc/self/status" "$(mode_of st)" "Seccomp:0"
  ctl run --security-opt seccomp=unconfined python3 -c "$PROBE" >out 2>err || fail "probe: $(cat err)"
  expect_eq "calls unconfined" "$(cat out)" "$NO_FILTER_CALLS"
  ctl run --security-opt seccomp=unconfined unshare -U true 2>err || fail "unshare -U unconfined: $(cat err)"
  ctl run -d --name sc-unconfined --security-opt seccomp=unconfined sleep 60 >/dev/null || fail "run -d"
  ctl exec sc-unconfined cat /proc/self/status >st 2>err || fail "exec: $(cat err)"
  expect_eq "an exec in an unconfined container" "$(mode_of st)" "Seccomp:0"
  ctl rm -f sc-unconfined >/dev/null
  # moby: a profile with no defaultAction and no syscalls is no filter at all
  echo '{}' >empty.json
  ctl run --security-opt seccomp=empty.json cat /proc/self/status >st 2>err || fail "run {}: $(cat err)"
  expect_eq "profile {}" "$(mode_of st)" "Seccomp:0"
}

custom_profile () {
  # docker: "mkdir: can't create directory '/x': Permission denied" (EACCES = 13)
  echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}' >mkdir.json
  ctl run --security-opt seccomp=mkdir.json sh -c 'grep Seccomp: /proc/self/status; mkdir "$0"' "$HT_TMP/sc-dir" >out 2>err
  local rc=$?
  expect_eq "mkdir denied: exit" "$rc" 1
  expect_eq "mkdir denied: mode" "$(tr -d ' \t' <out)" "Seccomp:2"
  grep -q "Permission denied" err || fail "mkdir: want EACCES's text, got: $(cat err)"
  [[ -e "$HT_TMP/sc-dir" ]] && fail "mkdir made the directory"
  # the rest is allowed: no default-profile behaviour left
  ctl run --security-opt seccomp=mkdir.json python3 -c "$PROBE" >out 2>err || fail "probe: $(cat err)"
  expect_eq "calls under an allow-all profile" "$(cat out)" "$NO_FILTER_CALLS"
  # names libseccomp does not know are skipped (runc); the others still apply; no errnoRet: EPERM
  echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["nosuchcall","mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}' >unk.json
  ctl run --security-opt seccomp=unk.json mkdir "$HT_TMP/sc-dir" 2>err; rc=$?
  expect_eq "unknown names: exit" "$rc" 1
  grep -q "Operation not permitted" err || fail "mkdir: want EPERM's text, got: $(cat err)"
  # an exec gets the container's custom filter
  ctl run -d --name sc-custom --security-opt seccomp=mkdir.json sleep 60 >/dev/null || fail "run -d"
  ctl exec sc-custom mkdir "$HT_TMP/sc-dir" 2>err; rc=$?
  expect_eq "exec under the custom profile: exit" "$rc" 1
  ctl rm -f sc-custom >/dev/null
  # moby's default.json itself, sent as a custom profile, behaves as the built-in copy
  ctl run --security-opt seccomp="$ROOT/tests/unit/fixtures/seccomp-default-20.10.24.json" python3 -c "$PROBE" \
    >out 2>err || fail "probe under default.json: $(cat err)"
  expect_eq "calls under moby's default.json" "$(cat out)" "$DEFAULT_CALLS"
}

# The docker CLI's and runc's words; nothing is started.
bad_profiles () {
  local rc
  echo 'not json' >bad.json
  ctl run --security-opt seccomp=bad.json true 2>err; rc=$?
  expect_eq "not JSON: exit" "$rc" 125
  grep -q "compacting json for seccomp profile (bad.json) failed" err || fail "not JSON: $(cat err)"
  ctl run --security-opt seccomp=nosuch.json true 2>err; rc=$?
  expect_eq "no file: exit" "$rc" 125
  grep -q "opening seccomp profile (nosuch.json) failed: open nosuch.json: No such file or directory" err \
    || fail "no file: $(cat err)"
  echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_BOGUS"}]}' >act.json
  ctl run --security-opt seccomp=act.json true 2>err; rc=$?
  expect_eq "bad action: exit" "$rc" 125
  grep -q "string SCMP_ACT_BOGUS is not a valid action for seccomp" err || fail "bad action: $(cat err)"
  ctl run --security-opt seccomp true 2>err; rc=$?
  expect_eq "no value: exit" "$rc" 125
  grep -q 'Invalid --security-opt: "seccomp"' err || fail "no value: $(cat err)"
  python3 -c 'import json; print(json.dumps({"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}] * 1025}))' >many.json
  ctl run --security-opt seccomp=many.json true 2>err; rc=$?
  expect_eq "1025 entries: exit" "$rc" 125
  grep -q "1025 syscall entries (at most 1024)" err || fail "1025 entries: $(cat err)"
  python3 -c 'import json; print(json.dumps({"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["n%058d" % i for i in range(j * 2, j * 2 + 2)], "action": "SCMP_ACT_ERRNO"} for j in range(1000)]}))' >big.json
  ctl run --security-opt seccomp=big.json true 2>err; rc=$?
  expect_eq "oversize: exit" "$rc" 125
  grep -q "seccomp profile too large" err || fail "oversize: $(cat err)"
}

# moby decides the profile's capability conditions on the container's own set:
# docker 20.10 + runc here, --cap-add SYS_ADMIN: `mount -t tmpfs none /mnt` 0,
# the tmpfs in /proc/self/mounts, Seccomp 2; an exec in that container the
# same; the default set: "mount: permission denied (are you root?)", 1. With
# SYS_ADMIN held, an EPERM can only be the filter's.
MOUNT_TMPFS='mount -t tmpfs none /mnt && grep -q "^none /mnt tmpfs " /proc/self/mounts && grep Seccomp: /proc/self/status'
cap_add_sys_admin () {
  local rc
  ctl run --cap-add SYS_ADMIN sh -c "$MOUNT_TMPFS" >out 2>err || fail "--cap-add SYS_ADMIN: mount refused: $(cat err)"
  expect_eq "--cap-add SYS_ADMIN: still filtered" "$(tr -d ' \t' <out)" "Seccomp:2"
  ctl run --cap-add sys_admin unshare -m true 2>err || fail "--cap-add sys_admin: unshare -m: $(cat err)"
  ctl run sh -c "$MOUNT_TMPFS" >out 2>err; rc=$?
  [[ $rc != 0 ]] || fail "the default set: mount allowed"
  # docker's TweakCapabilities: an add wins over a drop of the same (docker here: mount 0)
  ctl run --cap-add SYS_ADMIN --cap-drop sys_admin sh -c "$MOUNT_TMPFS" >out 2>err \
    || fail "SYS_ADMIN added and dropped: $(cat err)"
  ctl run -d --name sc-sysadmin --cap-add SYS_ADMIN sleep 60 >/dev/null || fail "run -d"
  ctl exec sc-sysadmin sh -c "$MOUNT_TMPFS" >out 2>err || fail "exec in a SYS_ADMIN container: $(cat err)"
  ctl rm -f sc-sysadmin >/dev/null
  # runc exec keeps the container's filter, built on its set: exec --privileged
  # into a default container holds SYS_ADMIN and the filter still refuses mount
  # (dockerd cannot run exec --privileged here: see docs/security.md)
  ctl run -d --name sc-default-set sleep 60 >/dev/null || fail "run -d"
  ctl exec --privileged sc-default-set sh -c "$MOUNT_TMPFS" >out 2>err; rc=$?
  [[ $rc != 0 ]] || fail "exec --privileged in a default container: mount allowed"
  grep -q "ermission denied\|not permitted" err || fail "exec --privileged: want EPERM's text, got: $(cat err)"
  ctl rm -f sc-default-set >/dev/null
  # --privileged: no filter at all, whatever seccomp= says (dockerd)
  echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mount"],"action":"SCMP_ACT_ERRNO"}]}' >nomount.json
  ctl run --cap-add SYS_ADMIN --security-opt seccomp=nomount.json sh -c "$MOUNT_TMPFS" >out 2>err; rc=$?
  [[ $rc != 0 ]] || fail "a profile denying mount: mount allowed"
  ctl run --privileged --security-opt seccomp=nomount.json sh -c "$MOUNT_TMPFS" >out 2>err \
    || fail "--privileged: $(cat err)"
  expect_eq "--privileged with a profile: no filter" "$(tr -d ' \t' <out)" "Seccomp:0"
  # no-new-privileges and seccomp= in one container (one --security-opt parser)
  ctl run --cap-add SYS_ADMIN --security-opt no-new-privileges --security-opt seccomp=unconfined \
    grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status >out 2>err || fail "nnp + unconfined: $(cat err)"
  expect_eq "no-new-privileges with seccomp=unconfined" "$(tr -d ' \t' <out | tr '\n' ' ')" "NoNewPrivs:1 Seccomp:0 "
}

t default_profile default_profile 60
t unconfined unconfined 60
t custom_profile custom_profile 60
t bad_profiles bad_profiles 30
t cap_add_sys_admin cap_add_sys_admin 60
