#!/usr/bin/env bash
# Users, groups and capabilities through tetherd, compared with the reference:
# the same docker CLI (Debian's 20.10) against tetherd (each container its own
# VM, TCG) and against Debian's dockerd 20.10 + runc on a private socket, on
# one image (busybox with the /etc/passwd and /etc/group of
# tests/host/t_confine.sh) imported into both. What dockerd cannot run here
# (--privileged: this machine withholds CAP_SYS_RESOURCE from it) is checked
# against docker's documented result instead: every capability of the VM's
# kernel, no seccomp filter, /sys writable, the VM's devices but never the
# tether's channel.
#   bash tests/docker/confine.sh TETHERD
# Env: TETHER_ASSETS (build/), DOCKER20, DOCKER28 (its names go out as CAP_X),
# DK_KEEP=1 (keep the temp dir).
DK_TAG=tdc
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
REFSOCK=$T/ref.sock REFD=
tdk () { timeout 120 "$DOCKER20" -H "unix://$SOCK" "$@"; }
ref () { timeout 120 "$DOCKER20" -H "unix://$REFSOCK" "$@"; }
finish () {
  [ -n "$REFD" ] && { kill "$REFD" 2>/dev/null; wait "$REFD" 2>/dev/null; }
  dk_finish
}

dk_start || { echo "tetherd did not start"; exit 1; }
dockerd --host "unix://$REFSOCK" --data-root "$T/droot" --exec-root "$T/dexec" --pidfile "$T/d.pid" \
  --storage-driver vfs --iptables=false --ip6tables=false --bridge=none >"$T/dockerd.log" 2>&1 &
REFD=$!
for _ in $(seq 200); do tdk version >/dev/null 2>&1 && ref version >/dev/null 2>&1 && break; sleep 0.1; done

# the image: busybox and the reference's users
mkdir -p "$T/root/bin" "$T/root/etc"
cp "${BUSYBOX:-/bin/busybox}" "$T/root/bin/busybox"
for l in sh id cat grep sed ls env printf touch sleep; do ln -s busybox "$T/root/bin/$l"; done
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'app:x:1000:1001:App:/home/app:/bin/sh' 'nohome:x:1002:1002:::/bin/sh' \
  >"$T/root/etc/passwd"
printf '%s\n' 'root:x:0:' 'appgrp:x:1001:' 'wheel:x:10:app,other' 'video:x:44:app' 'staff:x:50:' 'nohome:x:1002:' \
  >"$T/root/etc/group"
tar -C "$T/root" -c . >"$T/users.tar"
tdk import "$T/users.tar" ref/users:1 >/dev/null 2>"$T/err" || bad "import into tetherd" "$(cat "$T/err")"
ref import "$T/users.tar" ref/users:1 >/dev/null 2>"$T/err" || bad "import into dockerd" "$(cat "$T/err")"

# What a process is: ids, the kernel's group list, HOME, the capability lines.
S='printf "%s %s [%s] HOME=%s\n" "$(id -u)" "$(id -g)" "$(sed -n "s/^Groups:\t*//p" /proc/self/status | sed "s/ *$//")" "${HOME-unset}"
grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t " " " | tr "\n" ";"'
same () { # NAME FLAGS...: a run through both, output and code alike
  local name=$1 a b; shift
  a=$(tdk run --rm "$@" ref/users:1 sh -c "$S" 2>&1; echo "rc=$?")
  b=$(ref run --rm "$@" ref/users:1 sh -c "$S" 2>&1; echo "rc=$?")
  check "$name: as dockerd" "$a" "$b"
}
# A refusal: the same code, and dockerd's reason within tetherd's message.
same_refusal () { # NAME FLAGS...
  local name=$1 ra rb why; shift
  tdk run --rm "$@" ref/users:1 true >/dev/null 2>"$T/a.err"; ra=$?
  ref run --rm "$@" ref/users:1 true >/dev/null 2>"$T/b.err"; rb=$?
  why=$(head -1 "$T/b.err" | sed -e 's/^docker: Error response from daemon: //' -e 's/\.$//')
  if [ "$ra" = "$rb" ] && grep -qF -- "$why" "$T/a.err"; then ok "$name: $rb, dockerd's words"
  else bad "$name" "tetherd $ra [$(head -c 300 "$T/a.err")] dockerd $rb [$why]"; fi
}

same "-u app" -u app
same "-u 4242 (no entry)" -u 4242
same "-u nohome (HOME empty)" -u nohome
same "-u app:staff --group-add video --group-add 7" -u app:staff --group-add video --group-add 7
same "--cap-add NET_ADMIN --cap-drop chown" --cap-add NET_ADMIN --cap-drop chown
same "--cap-drop ALL --cap-add chown" --cap-drop ALL --cap-add chown
same "-u app --cap-add net_admin" -u app --cap-add net_admin
same "--security-opt no-new-privileges" --security-opt no-new-privileges
same_refusal "--cap-add foo" --cap-add foo
same_refusal "--cap-drop bar" --cap-drop bar
same_refusal "-u nosuch" -u nosuch
same_refusal "--group-add nosuch" --group-add nosuch
same_refusal "--security-opt no-new-privileges:bogus" --security-opt no-new-privileges:bogus

# the seccomp filter is built for the container's set (moby: the spec's
# bounding set): --cap-add SYS_ADMIN lets mount through; no-new-privileges and
# seccomp= together through one SecurityOpt parser
M='mkdir -p /mnt; busybox mount -t tmpfs none /mnt; echo "mount=$?"
grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -d "\t " | tr "\n" ";"'
for f in "" "--cap-add SYS_ADMIN" "--cap-add SYS_ADMIN --security-opt no-new-privileges --security-opt seccomp=unconfined"; do
  # shellcheck disable=SC2086
  check "mount -t tmpfs [$f]: as dockerd" "$(tdk run --rm $f ref/users:1 sh -c "$M" 2>&1)" \
    "$(ref run --rm $f ref/users:1 sh -c "$M" 2>&1)"
done

# inspect shows the options as the client sent them
fmt='{{.HostConfig.CapAdd}} {{.HostConfig.CapDrop}} {{.HostConfig.GroupAdd}} {{.HostConfig.Privileged}}'
tdk create --name ci --cap-add net_admin --cap-drop ALL --group-add staff ref/users:1 true >/dev/null
ref create --name ci --cap-add net_admin --cap-drop ALL --group-add staff ref/users:1 true >/dev/null
check "inspect: HostConfig's lists as dockerd's" "$(tdk inspect -f "$fmt" ci)" "$(ref inspect -f "$fmt" ci)"
tdk rm ci >/dev/null; ref rm ci >/dev/null

# the 28.x CLI upper-cases the names and puts CAP_ in front before it sends them
t28 () { timeout 120 "$DOCKER28" -H "unix://$SOCK" "$@"; }
r28 () { timeout 120 "$DOCKER28" -H "unix://$REFSOCK" "$@"; }
check "docker 28: --cap-add net_admin --cap-drop chown as dockerd" \
  "$(t28 run --rm --cap-add net_admin --cap-drop chown ref/users:1 sh -c "$S" 2>&1)" \
  "$(r28 run --rm --cap-add net_admin --cap-drop chown ref/users:1 sh -c "$S" 2>&1)"
t28 create --name ci28 --cap-add net_admin --group-add 7 ref/users:1 true >/dev/null
r28 create --name ci28 --cap-add net_admin --group-add 7 ref/users:1 true >/dev/null
check "docker 28: inspect as dockerd" "$(t28 inspect -f "$fmt" ci28)" "$(r28 inspect -f "$fmt" ci28)"
t28 rm ci28 >/dev/null; r28 rm ci28 >/dev/null

# exec: the container's groups and capabilities, its user's HOME
tdk run -d --name cx -u app --group-add staff --cap-add NET_ADMIN ref/users:1 sleep 600 >/dev/null
ref run -d --name cx -u app --group-add staff --cap-add NET_ADMIN ref/users:1 sleep 600 >/dev/null
for u in "" "-u 0" "-u 4242" "-u nohome"; do
  # shellcheck disable=SC2086
  check "exec $u: as dockerd" "$(tdk exec $u cx sh -c "$S" 2>&1)" "$(ref exec $u cx sh -c "$S" 2>&1)"
done
# exec --privileged: every capability of the VM's kernel (dockerd cannot here)
all=$(printf '%016x' $(( (1 << ($(cat /proc/sys/kernel/cap_last_cap) + 1)) - 1 )))
check "exec --privileged: every capability" "$(tdk exec --privileged -u 0 cx sh -c "$S" 2>&1 | tail -1)" \
  "CapInh: 0000000000000000;CapPrm: $all;CapEff: $all;CapBnd: $all;CapAmb: 0000000000000000;NoNewPrivs: 0;Seccomp: 2;"
tdk rm -f cx >/dev/null; ref rm -f cx >/dev/null

# --privileged in a VM (the guest kernel is this machine's Debian one: the same last capability)
out=$(tdk run --rm --privileged ref/users:1 sh -c "$S"'
echo; grep " /sys " /proc/mounts | cut -d" " -f4 | cut -d, -f1
ls /dev | grep -cE "^(vport|ttyS1$|vsock$|vhost-vsock$)"
ls /dev | grep -qE "^sd[a-z]$" && echo disks
ls /dev | grep -cE "^(ttyS0|mem|kmsg)$"' 2>&1)
check "--privileged: every capability, no filter, /sys rw, VM devices, none of the channel's" "$out" \
  "0 0 [0] HOME=/root
CapInh: 0000000000000000;CapPrm: $all;CapEff: $all;CapBnd: $all;CapAmb: 0000000000000000;NoNewPrivs: 0;Seccomp: 0;
rw
0
disks
3"
check "without --privileged: no disk, no channel in /dev" \
  "$(tdk run --rm ref/users:1 sh -c 'ls /dev | grep -cE "^(sd[a-z]|vport.*|ttyS1|vsock)$"')" 0

finish
