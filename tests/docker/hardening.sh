#!/usr/bin/env bash
# --read-only, --tmpfs, --mount type=tmpfs, --ulimit, --shm-size, --sysctl and
# systempaths=unconfined through tetherd with the real docker CLI, each
# container its own VM (TCG; 2 VMs, ~30 s), and the daemon's refusals. Each
# expected line is what dockerd 20.10 + runc printed here for the same command
# (dockerd takes an unknown ulimit or sysctl at create and fails at start;
# tetherd refuses them at create, 400).
#   bash tests/docker/hardening.sh TETHERD
# Env: TETHER_ASSETS (build/), DOCKER28, DK_KEEP=1 (keep the temp dir).
DK_TAG=tdh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
create () { curl -s --unix-socket "$SOCK" -H 'Content-Type: application/json' -d "$1" http://d/v1.41/containers/create; }
dk_start || { echo "tetherd did not start"; exit 1; }

# shellcheck disable=SC2016
S='touch /x; echo "touch $?"; grep " / " /proc/mounts | cut -d" " -f4 | cut -d, -f1
  grep -E " /run/t | /m " /proc/mounts | sort; stat -c %a /m; ulimit -n; grep " /dev/shm " /proc/mounts | tail -1
  cat /proc/sys/kernel/msgmax; wc -c </proc/keys'
out=$(d28 run --rm --read-only --tmpfs /run/t --mount type=tmpfs,target=/m,tmpfs-size=2m,tmpfs-mode=700 \
  --ulimit nofile=100:200 --shm-size 1m --sysctl kernel.msgmax=12345 busybox sh -c "$S" 2>&1 | sed 's/,inode64//')
check "read-only root, tmpfs mounts, ulimit, shm-size, sysctl, masked /proc/keys" "$out" \
  "touch: /x: Read-only file system
touch 1
ro
tmpfs /m tmpfs rw,nosuid,nodev,noexec,relatime,size=2048k,mode=700 0 0
tmpfs /run/t tmpfs rw,nosuid,nodev,noexec,relatime 0 0
700
100
shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k 0 0
12345
0"

out=$(d28 run --rm --security-opt systempaths=unconfined busybox \
  sh -c 'grep -c -E " /proc/(sys|keys|bus) | /sys/firmware " /proc/mounts' 2>&1)
check "systempaths=unconfined: no masked or read-only paths" "$out" 0

out=$(d28 run --rm --tmpfs rel busybox true 2>&1); rc=$?
check "--tmpfs rel: dockerd's text, 125" "$rc/$(echo "$out" | head -1)" \
  "125/docker: Error response from daemon: invalid mount path: 'rel' mount path must be absolute"
check "ShmSize -1" "$(create '{"Image":"busybox","Cmd":["true"],"HostConfig":{"ShmSize":-1}}')" \
  '{"message":"SHM size can not be less than 0"}'
check "a sysctl outside the container's namespaces" \
  "$(create '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Sysctls":{"kernel.foo":"1"}}}')" \
  '{"message":"sysctl \"kernel.foo\" is not in a separate kernel namespace"}'
check "an unknown ulimit" \
  "$(create '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Ulimits":[{"Name":"foo","Soft":1,"Hard":1}]}}')" \
  '{"message":"invalid ulimit type: foo"}'

# inspect's HostConfig for these options: each line is what dockerd 20.10
# showed for the same `docker create` (no VM is booted)
hc () {
  d28 inspect "$1" | python3 -c 'import json, sys
h = json.load(sys.stdin)[0]["HostConfig"]
for k in ["SecurityOpt", "ReadonlyRootfs", "Tmpfs", "Ulimits", "Sysctls", "ShmSize", "MaskedPaths", "ReadonlyPaths"]:
    print(k, json.dumps(h.get(k, "absent")))'
}
DM='["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"]'
DR='["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]'
d28 create --name hc-plain busybox true >/dev/null
check "inspect: docker's defaults" "$(hc hc-plain)" "SecurityOpt null
ReadonlyRootfs false
Tmpfs \"absent\"
Ulimits []
Sysctls \"absent\"
ShmSize 67108864
MaskedPaths $DM
ReadonlyPaths $DR"
d28 create --name hc-all --read-only --tmpfs /run:size=1m --tmpfs /tmp --ulimit nofile=100:200 --ulimit nproc=50 \
  --sysctl kernel.shmmax=1000 --shm-size 8m --security-opt no-new-privileges --security-opt seccomp=unconfined \
  --mount type=tmpfs,target=/m busybox true >/dev/null
check "inspect: security options, read-only, tmpfs, ulimits, sysctls, shm size" "$(hc hc-all)" \
  "SecurityOpt [\"no-new-privileges\", \"seccomp=unconfined\"]
ReadonlyRootfs true
Tmpfs {\"/run\": \"size=1m\", \"/tmp\": \"\"}
Ulimits [{\"Name\": \"nofile\", \"Hard\": 200, \"Soft\": 100}, {\"Name\": \"nproc\", \"Hard\": 50, \"Soft\": 50}]
Sysctls {\"kernel.shmmax\": \"1000\"}
ShmSize 8388608
MaskedPaths $DM
ReadonlyPaths $DR"
printf '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}' >"$T/prof.json"
d28 create --name hc-priv --privileged --security-opt systempaths=unconfined --security-opt "seccomp=$T/prof.json" \
  busybox true >/dev/null
d28 create --name hc-priv2 --privileged busybox true >/dev/null
d28 create --name hc-paths --security-opt systempaths=unconfined --security-opt no-new-privileges:true busybox true >/dev/null
check "inspect: a profile's text, --privileged, systempaths=unconfined" \
  "$(hc hc-priv | sed -n '1p;7,8p'; hc hc-priv2 | sed -n '1p;7,8p'; hc hc-paths | sed -n '1p;7,8p')" \
  "SecurityOpt [\"seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_ERRNO\\\",\\\"syscalls\\\":[{\\\"names\\\":[\\\"read\\\"],\\\"action\\\":\\\"SCMP_ACT_ALLOW\\\"}]}\", \"label=disable\"]
MaskedPaths []
ReadonlyPaths []
SecurityOpt [\"label=disable\"]
MaskedPaths null
ReadonlyPaths null
SecurityOpt [\"no-new-privileges:true\"]
MaskedPaths []
ReadonlyPaths []"
d28 rm hc-plain hc-all hc-priv hc-priv2 hc-paths >/dev/null

dk_finish
