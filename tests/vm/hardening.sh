# --read-only, --tmpfs, --ulimit, --shm-size, --sysctl and docker's masked and
# read-only paths in a container VM; sourced by run.sh (VM_ONLY=vm_hardening).
# Each expected value is docker 20.10 + runc's on this machine (busybox), but
# for net.* sysctls, which a VM gives its container (its network is the VM's).

t_vm_hardening () {
  local name="hardening in a VM"
  # shellcheck disable=SC2016
  local script='touch /x 2>/dev/null; echo "touch $?"; grep " / " /proc/mounts | cut -d" " -f4 | cut -d, -f1
    echo 127.0.0.2 h >>/etc/hosts && echo hosts-rw; grep " /run/t " /proc/mounts; ulimit -n; ulimit -Hn
    grep " /dev/shm " /proc/mounts | tail -1; cat /proc/sys/kernel/msgmax /proc/sys/net/ipv4/ip_forward
    wc -c </proc/keys; echo 1 2>/dev/null >/proc/sys/kernel/msgmax || echo sys-ro; ls /sys/firmware | wc -l'
  local out
  # sed: the guest's newer kernel also shows tmpfs's inode64
  out=$(timeout 180 "$CTL" run --read-only --tmpfs /run/t:size=1m --ulimit nofile=100:200 --shm-size 2m \
    --sysctl kernel.msgmax=12345 --sysctl net.ipv4.ip_forward=1 -- sh -c "$script" 2>"$W/hd.err" | sed 's/,inode64//')
  check "$name" "$out" "touch 1
ro
hosts-rw
tmpfs /run/t tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k 0 0
100
200
shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=2048k 0 0
12345
1
0
sys-ro
0"
  [ -s "$W/hd.err" ] && bad "$name: stderr" "$(head -c 300 "$W/hd.err")"
  out=$(timeout 180 "$CTL" run --security-opt systempaths=unconfined -- \
    sh -c 'grep -c -E " /proc/(sys|keys|bus) | /sys/firmware " /proc/mounts' 2>&1)
  check "$name: systempaths=unconfined" "$out" "0"
}
