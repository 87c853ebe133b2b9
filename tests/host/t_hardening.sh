# --read-only, --tmpfs, --ulimit, --shm-size, --sysctl and docker's masked and
# read-only paths, as docker 20.10 + runc give them (each expected line was
# seen beside dockerd on this machine: a busybox image, --network none), and
# the errors of bad values (the docker CLI's and the daemon's texts).

read_only () {
  local x=/ht-read-only-$$
  ctl run --read-only sh -c "touch $x; echo \$?; grep ' / ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1; touch /dev/shm/ht-ro-$$ && rm /dev/shm/ht-ro-$$ && echo shm" >out 2>err \
    || fail "run --read-only: $(cat err)"
  [[ -e $x ]] && { rm -f "$x"; fail "--read-only: the file was made on the host's root"; }
  # docker: "touch: /x: Read-only file system", 1; "/" ro; /dev/shm writable
  expect_eq "--read-only: touch, the root's flag, /dev/shm" "$(echo $(cat out))" "1 ro shm"
  grep -q "Read-only file system" err || fail "--read-only: want EROFS's text, got: $(cat err)"
  ctl run sh -c "grep ' / ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1" >out 2>err || fail "run: $(cat err)"
  expect_eq "without --read-only" "$(cat out)" "rw"
}

tmpfs () {
  local a=$HT_TMP/tmpfs-a b=$HT_TMP/tmpfs-b
  ctl run --tmpfs "$a" --tmpfs "$b:size=1m,mode=1777,exec" sh -c "grep -E ' ($a|$b) ' /proc/mounts; stat -c %a $b" \
    >out 2>err || fail "run --tmpfs: $(cat err)"
  # docker: "tmpfs /run tmpfs rw,nosuid,nodev,noexec,relatime 0 0",
  # "tmpfs /t2 tmpfs rw,nosuid,nodev,relatime,size=1024k 0 0", 1777
  expect_eq "--tmpfs" "$(cat out)" "tmpfs $a tmpfs rw,nosuid,nodev,noexec,relatime 0 0
tmpfs $b tmpfs rw,nosuid,nodev,relatime,size=1024k 0 0
1777"
  grep -q " $a " /proc/mounts && fail "--tmpfs: the mount leaked into the host's namespace"
  ctl run --tmpfs "$a:ro" sh -c "grep ' $a ' /proc/mounts | cut -d' ' -f4" >out 2>err || fail "run: $(cat err)"
  expect_eq "--tmpfs PATH:ro" "$(cat out)" "ro,nosuid,nodev,noexec,relatime"
}

ulimits () {
  ctl run --ulimit nofile=100:200 --ulimit nproc=50 --ulimit core=0 \
    sh -c "grep -E '^Max (open files|processes|core)' /proc/self/limits | tr -s ' ' | sed 's/ *\$//'" >out 2>err \
    || fail "run --ulimit: $(cat err)"
  expect_eq "--ulimit" "$(cat out)" "Max core file size 0 0 bytes
Max processes 50 50 processes
Max open files 100 200 files"
  # docker's CLI: the last --ulimit of a name wins
  ctl run --ulimit nofile=100:200 --ulimit nofile=300 sh -c 'ulimit -n; ulimit -Hn' >out 2>err || fail "$(cat err)"
  expect_eq "a repeated --ulimit" "$(echo $(cat out))" "300 300"
}

shm_size () {
  # the last mount on /dev/shm is the one seen (host mode: over the host's)
  ctl run sh -c "grep ' /dev/shm ' /proc/mounts | tail -1" >out 2>err || fail "run: $(cat err)"
  expect_eq "/dev/shm by default" "$(cat out)" "shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k 0 0"
  ctl run --shm-size 1m sh -c "grep ' /dev/shm ' /proc/mounts | tail -1" >out 2>err || fail "run: $(cat err)"
  expect_eq "--shm-size 1m" "$(cat out)" "shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k 0 0"
}

sysctls () {
  local host_max; host_max=$(cat /proc/sys/kernel/msgmax)
  ctl run --sysctl kernel.msgmax=12345 --sysctl fs.mqueue.msg_max=20 \
    cat /proc/sys/kernel/msgmax /proc/sys/fs/mqueue/msg_max >out 2>err || fail "run --sysctl: $(cat err)"
  expect_eq "--sysctl" "$(echo $(cat out))" "12345 20"
  expect_eq "the host's kernel.msgmax" "$(cat /proc/sys/kernel/msgmax)" "$host_max"
  # runc: host mode shares the host's network namespace
  ctl run --sysctl net.ipv4.ip_forward=1 true 2>err; local rc=$?
  expect_eq "net.* in host mode: exit" "$rc" 125
  grep -q 'sysctl "net.ipv4.ip_forward" not allowed in host network namespace' err || fail "net.*: $(cat err)"
}

system_paths () {
  # docker: /proc/sys and the others read-only, /proc/keys and /proc/timer_list
  # are /dev/null, /proc/acpi and /sys/firmware empty read-only tmpfs
  ctl run sh -c 'echo 1 >/proc/sys/kernel/msgmax; echo $?; wc -c </proc/keys; wc -c </proc/timer_list; ls /proc/acpi /sys/firmware | wc -w
    grep -E " /proc/(bus|fs|irq|sys|acpi) | /sys/firmware " /proc/mounts | cut -d" " -f2,4 | cut -d, -f1' >out 2>err
  expect_eq "masked and read-only paths" "$(echo $(cat out))" \
    "2 0 0 2 /proc/bus ro /proc/fs ro /proc/irq ro /proc/sys ro /proc/acpi ro /sys/firmware ro"
  grep -q "Read-only file system" err || fail "/proc/sys: want EROFS, got: $(cat err)"
  ctl run --security-opt systempaths=unconfined sh -c 'grep -c -E " /proc/(sys|keys|bus) | /sys/firmware " /proc/mounts' \
    >out 2>err
  expect_eq "systempaths=unconfined" "$(cat out)" "0"
}

bad_values () {
  local a rc want
  while IFS='|' read -r a want; do
    # shellcheck disable=SC2086
    ctl run $a true 2>err; rc=$?
    expect_eq "$a: exit" "$rc" 125
    grep -qF -- "$want" err || fail "$a: want '$want', got: $(cat err)"
  done <<'LIST'
--ulimit foo=1|invalid argument "foo=1" for "--ulimit" flag: invalid ulimit type: foo
--ulimit nofile=200:100|invalid argument "nofile=200:100" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: 200 > 100
--ulimit nofile|invalid argument "nofile" for "--ulimit" flag: invalid ulimit argument: nofile
--ulimit nofile=x|invalid argument "nofile=x" for "--ulimit" flag: strconv.ParseInt: parsing "x": invalid syntax
--shm-size x|invalid argument "x" for "--shm-size" flag: invalid size: 'x'
--shm-size -1|invalid argument "-1" for "--shm-size" flag: invalid size: '-1'
--tmpfs rel|invalid mount path: 'rel' mount path must be absolute
--tmpfs /|invalid specification: destination can't be '/'
--tmpfs /x:bogus|invalid tmpfs option ["bogus"]
--sysctl kernel.foo=1|invalid argument "kernel.foo=1" for "--sysctl" flag: sysctl 'kernel.foo=1' is not whitelisted
--sysctl kernel.hostname=x|invalid argument "kernel.hostname=x" for "--sysctl" flag: sysctl 'kernel.hostname=x' is not whitelisted
--sysctl foo|invalid argument "foo" for "--sysctl" flag: sysctl 'foo' is not whitelisted
LIST
  # a value the kernel refuses fails at the start, as runc's mount does
  ctl run --tmpfs "$HT_TMP/tmpfs-bad:size=abc" true 2>err; rc=$?
  expect_eq "tmpfs size=abc: exit" "$rc" 125
  grep -q "mount tmpfs on $HT_TMP/tmpfs-bad (size=abc): Invalid argument" err || fail "size=abc: $(cat err)"
  ctl ping >/dev/null || fail "the tether is down"
}

# inspect's HostConfig in host mode, as dockerd 20.10 showed it for the same
# options (tests/docker/hardening.sh has the docker CLI's side)
inspect_fields () {
  ctl run -d --name ht-insp --read-only --tmpfs "$HT_TMP/tmpfs-insp:size=1m" --ulimit nofile=100:200 \
    --sysctl kernel.shmmax=1000 --shm-size 8m --security-opt no-new-privileges:true \
    --security-opt systempaths=unconfined -- sleep 30 >/dev/null 2>err || fail "run -d: $(cat err)"
  ctl inspect ht-insp >out 2>err || fail "inspect: $(cat err)"
  python3 -c 'import json, sys
o = json.load(open(sys.argv[1])); o = o[0] if isinstance(o, list) else o; h = o["HostConfig"]
for k in ["SecurityOpt", "ReadonlyRootfs", "Tmpfs", "Ulimits", "Sysctls", "ShmSize", "MaskedPaths", "ReadonlyPaths"]:
    print(k, json.dumps(h.get(k, "absent")))' out >fields 2>&1
  expect_eq "inspect: the hardening fields" "$(cat fields)" "SecurityOpt [\"no-new-privileges:true\"]
ReadonlyRootfs true
Tmpfs {\"$HT_TMP/tmpfs-insp\": \"size=1m\"}
Ulimits [{\"Name\": \"nofile\", \"Hard\": 200, \"Soft\": 100}]
Sysctls {\"kernel.shmmax\": \"1000\"}
ShmSize 8388608
MaskedPaths []
ReadonlyPaths []"
  ctl rm -f ht-insp >/dev/null 2>&1
}

t read_only read_only 30
t tmpfs tmpfs 30
t ulimits ulimits 30
t shm_size shm_size 30
t sysctls sysctls 30
t system_paths system_paths 30
t bad_values bad_values 60
t inspect_fields inspect_fields 30
