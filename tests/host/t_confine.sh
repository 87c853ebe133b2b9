# Confinement as docker 20.10 + runc gives it (each expectation below is what
# Debian's dockerd 20.10.24 + runc 1.1.5 showed on this machine for the same
# flags, on an image holding the same /etc/passwd and /etc/group): root has
# docker's 14 capabilities effective and permitted, any other user none;
# inheritable and ambient empty for both; the bounding set is the 14; seccomp
# on (mode 2); no_new_privs off. The same for an exec. Then users and groups,
# --cap-add/--cap-drop/--privileged and --security-opt no-new-privileges.

caps_of () { grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' "$1" | tr -s '\t ' ' ' | tr '\n' ';'; }
# "CapInh ... Seccomp" for a set: PRM EFF BND (16 hex digits each) NNP SECCOMP
caps_line () { echo "CapInh: 0000000000000000;CapPrm: $1;CapEff: $2;CapBnd: $3;CapAmb: 0000000000000000;NoNewPrivs: $4;Seccomp: $5;"; }
DEF=00000000a80425fb NONE=0000000000000000
# What --privileged and ALL stand for: every capability the tether holds (the
# tether of these tests runs under whatever bounding set the machine gives it)
held () { awk '/^CapBnd/ { print $2 }' "/proc/$TPID/status"; }
# expect_caps WHAT WANT RUN-ARGS...: the seven lines of a run's /proc/self/status
expect_caps () {
  local what=$1 want=$2; shift 2
  ctl run "$@" cat /proc/self/status >st 2>err || fail "$what: run $*: $(cat err)"
  expect_eq "$what" "$(caps_of st)" "$want"
}
# expect_refused WHAT CODE TEXT RUN-ARGS...: run fails with CODE and docker's TEXT
expect_refused () {
  local what=$1 code=$2 text=$3 rc; shift 3
  ctl "$@" >out 2>err; rc=$?
  expect_eq "$what: code" "$rc" "$code"
  grep -qF -- "$text" err || fail "$what: want '$text' in: $(cat err)"
}

caps () {
  local root user
  root=$(caps_line $DEF $DEF $DEF 0 2) user=$(caps_line $NONE $NONE $DEF 0 2)
  expect_caps "root in a container" "$root"
  expect_caps "uid 1000 in a container" "$user" -u 1000
  ctl run -d --name confine-caps sleep 60 >/dev/null || fail "run -d"
  ctl exec confine-caps cat /proc/self/status >st 2>err || fail "exec: $(cat err)"
  expect_eq "root in an exec" "$(caps_of st)" "$root"
  ctl exec -u 1000 confine-caps cat /proc/self/status >st 2>err || fail "exec -u 1000: $(cat err)"
  expect_eq "uid 1000 in an exec" "$(caps_of st)" "$user"
  ctl rm -f confine-caps >/dev/null
}

cap_add () {
  expect_caps "--cap-add NET_ADMIN" "$(caps_line 00000000a80435fb 00000000a80435fb 00000000a80435fb 0 2)" \
    --cap-add NET_ADMIN
  expect_caps "--cap-add Cap_Sys_Admin (any case)" "$(caps_line 00000000a82425fb 00000000a82425fb 00000000a82425fb 0 2)" \
    --cap-add Cap_Sys_Admin
  expect_caps "--cap-add chown --cap-drop chown: kept" "$(caps_line $DEF $DEF $DEF 0 2)" --cap-add chown --cap-drop chown
  # a user other than root: the bounding set only (no ambient set, as docker)
  expect_caps "-u 1000 --cap-add net_admin" "$(caps_line $NONE $NONE 00000000a80435fb 0 2)" -u 1000 --cap-add net_admin
}

cap_drop () {
  expect_caps "--cap-drop chown" "$(caps_line 00000000a80425fa 00000000a80425fa 00000000a80425fa 0 2)" --cap-drop chown
  expect_caps "--cap-drop ALL" "$(caps_line $NONE $NONE $NONE 0 2)" --cap-drop ALL
  expect_caps "--cap-drop ALL --cap-add chown" "$(caps_line 0000000000000001 0000000000000001 0000000000000001 0 2)" \
    --cap-drop ALL --cap-add chown
}

cap_all () {
  local h minus
  h=$(held) minus=$(printf '%016x' $((0x$(held) & ~1)))
  expect_caps "--cap-add ALL: every capability held" "$(caps_line "$h" "$h" "$h" 0 2)" --cap-add ALL
  expect_caps "--cap-add all --cap-drop CHOWN" "$(caps_line "$minus" "$minus" "$minus" 0 2)" --cap-add all --cap-drop CHOWN
}

cap_bad () {
  expect_refused "--cap-add foo" 125 'invalid CapAdd: unknown capability: "CAP_FOO"' run --cap-add foo true
  expect_refused "--cap-drop foo" 125 'invalid CapDrop: unknown capability: "CAP_FOO"' run --cap-drop foo true
  expect_refused "--cap-add CAP_ALL" 125 'invalid CapAdd: unknown capability: "CAP_ALL"' run --cap-add CAP_ALL true
  expect_refused "--cap-add ''" 125 'invalid CapAdd: unknown capability: "CAP_"' run --cap-add '' true
  expect_refused "--privileged --cap-add foo" 125 'invalid CapAdd: unknown capability: "CAP_FOO"' \
    run --privileged --cap-add foo true
  # a capability the tether itself lacks cannot be given (runc's words)
  local h=$((0x$(held)))
  if ((h & (1 << 24))); then
    expect_caps "--cap-add SYS_RESOURCE, held" "$(caps_line 00000000a94425fb 00000000a94425fb 00000000a94425fb 0 2)" \
      --cap-add SYS_RESOURCE
  else
    expect_refused "--cap-add SYS_RESOURCE, not held" 125 "unable to apply caps: operation not permitted" \
      run --cap-add SYS_RESOURCE true
  fi
}

privileged () {
  local h
  h=$(held)
  # docker: every capability, no seccomp filter
  expect_caps "--privileged" "$(caps_line "$h" "$h" "$h" 0 0)" --privileged
  expect_caps "--privileged -u 1000" "$(caps_line $NONE $NONE "$h" 0 0)" --privileged -u 1000
  expect_caps "--privileged --cap-drop chown: still all" "$(caps_line "$h" "$h" "$h" 0 0)" --privileged --cap-drop chown
}

no_new_privs () {
  local on off
  on=$(caps_line $DEF $DEF $DEF 1 2) off=$(caps_line $DEF $DEF $DEF 0 2)
  expect_caps "no-new-privileges" "$on" --security-opt no-new-privileges
  expect_caps "no-new-privileges:true" "$on" --security-opt no-new-privileges:true
  expect_caps "no-new-privileges=true" "$on" --security-opt no-new-privileges=true
  expect_caps "no-new-privileges:false" "$off" --security-opt no-new-privileges:false
  expect_caps "-u 1000, no-new-privileges" "$(caps_line $NONE $NONE $DEF 1 2)" -u 1000 --security-opt no-new-privileges
  expect_refused "no-new-privileges:bogus" 125 'invalid --security-opt 2: "no-new-privileges:bogus"' \
    run --security-opt no-new-privileges:bogus true
  expect_refused "--security-opt bogus" 125 'Invalid --security-opt: "bogus"' run --security-opt bogus true
}

exec_caps () {
  ctl run -d --name confine-xc --cap-add NET_ADMIN --cap-drop chown --security-opt no-new-privileges sleep 60 \
    >/dev/null 2>err || fail "run -d: $(cat err)"
  ctl exec confine-xc cat /proc/self/status >st 2>err || fail "exec: $(cat err)"
  expect_eq "an exec has the container's set" "$(caps_of st)" \
    "$(caps_line 00000000a80435fa 00000000a80435fa 00000000a80435fa 1 2)"
  ctl exec -u 1000 confine-xc cat /proc/self/status >st 2>err || fail "exec -u 1000: $(cat err)"
  expect_eq "exec -u 1000" "$(caps_of st)" "$(caps_line $NONE $NONE 00000000a80435fa 1 2)"
  # docker: exec --privileged is every capability; the container's filter and no_new_privs stay
  local h
  h=$(held)
  ctl exec --privileged confine-xc cat /proc/self/status >st 2>err || fail "exec --privileged: $(cat err)"
  expect_eq "exec --privileged" "$(caps_of st)" "$(caps_line "$h" "$h" "$h" 1 2)"
  ctl rm -f confine-xc >/dev/null
}

# --- users: a second tether whose /etc/passwd and /etc/group are the files
# the docker reference ran with, bind-mounted in a mount namespace of its own
# (host mode shows containers the host's root) ---
UT=
users_tether () {
  UT=$HT_TMP/users.$$
  mkdir -p "$UT"
  cat >"$UT/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
garbage line without fields
app:x:1000:1001:App:/home/app:/bin/sh
nohome:x:1002:1002:::/bin/sh
badid:x:12x:1:bad:/bad:/bin/sh
PW
  cat >"$UT/group" <<'GR'
root:x:0:
appgrp:x:1001:
wheel:x:10:app,other
video:x:44:app
staff:x:50:
nohome:x:1002:
GR
  unshare -m --propagation private sh -c 'mount --bind "$1/passwd" /etc/passwd && mount --bind "$1/group" /etc/group &&
    exec "$2" --listen "unix:$1/s"' _ "$UT" "$HT_TMP/ht-tether" >>"$UT/log" 2>&1 &
  UPID=$!
  trap 'kill -TERM $UPID 2>/dev/null' EXIT
  wait_for 10 uctl ping >/dev/null 2>&1 || fail "the users tether: $(tail -3 "$UT/log")"
}
uctl () { "$CTL" -H "unix:$UT/s" "$@"; }
# "uid gid Groups HOME" of a process, from the kernel (busybox's id orders
# the list by the NSS lookup, not as the kernel holds it)
WHO='printf "%s %s [%s] HOME=%s\n" "$(id -u)" "$(id -g)" "$(sed -n "s/^Groups:\t*//p" /proc/self/status | sed "s/ *$//")" "${HOME-unset}"'
expect_who () { # WHAT WANT VERB ARGS...
  local what=$1 want=$2; shift 2
  uctl "$@" sh -c "$WHO" >who 2>err || fail "$what: $*: $(cat err)"
  expect_eq "$what" "$(cat who)" "$want"
}

users () {
  users_tether
  expect_who "-u app" "1000 1001 [10 44 1001] HOME=/home/app" run -u app
  expect_who "-u 1000: that user's groups too" "1000 1001 [10 44 1001] HOME=/home/app" run -u 1000
  expect_who "-u 4242: no entry" "4242 0 [0] HOME=/" run -u 4242
  expect_who "-u 4242:4343" "4242 4343 [4343] HOME=/" run -u 4242:4343
  expect_who "-u app:staff: no memberships" "1000 50 [50] HOME=/home/app" run -u app:staff
  expect_who "-u 1000:50" "1000 50 [50] HOME=/home/app" run -u 1000:50
  expect_who "-u :50" "0 50 [50] HOME=/root" run -u :50
  expect_who "-u nohome: HOME empty" "1002 1002 [1002] HOME=" run -u nohome
  expect_who "-e HOME=/x wins" "1000 1001 [10 44 1001] HOME=/x" run -u app -e HOME=/x
}

group_add () {
  users_tether
  expect_who "--group-add staff --group-add 7" "1000 1001 [7 10 44 50 1001] HOME=/home/app" \
    run -u app --group-add staff --group-add 7
  expect_who "-u app:staff --group-add video" "1000 50 [44 50] HOME=/home/app" run -u app:staff --group-add video
  expect_who "root --group-add wheel --group-add 10: once" "0 0 [0 10] HOME=/root" run --group-add wheel --group-add 10
  expect_who "-u 4242 --group-add staff" "4242 0 [0 50] HOME=/" run -u 4242 --group-add staff
}

users_bad () {
  users_tether
  local rc
  for spec in "nosuch|unable to find user nosuch: no matching entries in passwd file" \
    "app:nosuch|unable to find group nosuch: no matching entries in group file" \
    "1000:nosuch|unable to find group nosuch: no matching entries in group file" \
    "badid|unable to find user badid: no matching entries in passwd file" \
    "99999999999|uids and gids must be in range 0-2147483647"; do
    uctl run -u "${spec%%|*}" true >out 2>err; rc=$?
    expect_eq "-u ${spec%%|*}: code" "$rc" 125
    grep -qF "${spec#*|}" err || fail "-u ${spec%%|*}: want '${spec#*|}' in: $(cat err)"
  done
  uctl run --group-add nosuch true >out 2>err; rc=$?
  expect_eq "--group-add nosuch: code" "$rc" 125
  grep -qF "Unable to find group nosuch: no matching entries in group file" err || fail "--group-add nosuch: $(cat err)"
  uctl run --group-add 99999999999 true >out 2>err; rc=$?
  expect_eq "--group-add 99999999999" "$rc/$(grep -c 'uids and gids must be in range 0-2147483647' err)" "125/1"
  # a failed start leaves the container created, as docker's
  uctl run -d --name confine-nouser -u nosuch true >/dev/null 2>&1
  expect_eq "created after a bad user" "$(uctl inspect confine-nouser | python3 -c 'import json,sys; s=json.load(sys.stdin)[0]["State"]; print(s["Status"], s["ExitCode"])')" "created 125"
}

exec_users () {
  users_tether
  uctl run -d --name confine-xu -u app --group-add staff sleep 60 >/dev/null 2>err || fail "run -d: $(cat err)"
  expect_who "exec: the container's user and groups" "1000 1001 [10 44 50 1001] HOME=/home/app" exec confine-xu
  expect_who "exec -u 0: --group-add applies too" "0 0 [0 50] HOME=/root" exec -u 0 confine-xu
  expect_who "exec -u 4242" "4242 0 [0 50] HOME=/" exec -u 4242 confine-xu
  expect_who "exec -u nohome" "1002 1002 [50 1002] HOME=" exec -u nohome confine-xu
  expect_who "exec -u app:video" "1000 44 [44 50] HOME=/home/app" exec -u app:video confine-xu
  local rc
  uctl exec -u nosuch confine-xu true >out 2>err; rc=$?
  expect_eq "exec -u nosuch: runc's 126" "$rc/$(grep -c 'unable to find user nosuch: no matching entries in passwd file' err)" "126/1"
  uctl rm -f confine-xu >/dev/null
}

t caps caps 30
t cap_add cap_add 30
t cap_drop cap_drop 30
t cap_all cap_all 30
t cap_bad cap_bad 30
t privileged privileged 30
t no_new_privs no_new_privs 30
t exec_caps exec_caps 30
t users users 30
t group_add group_add 30
t users_bad users_bad 30
t exec_users exec_users 30
