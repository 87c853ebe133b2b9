# Sourced by tests/vm/run.sh: the VMware paths that can run here. No VMware
# host exists, so the guestinfo RPC is tested against a fake hypervisor in
# tests/unit (test_bdoor, test_guestinfo); what a VM can check is that the
# probe is safe. QEMU boots the product initramfs with no fw_cfg config (a
# template's boot) and SMBIOS saying VMware: the tether probes the backdoor
# for real (ioperm, `inl` under TCG), QEMU's vmport answers GETVERSION but
# refuses the RPCI channel, and PID 1 goes on to wait for a config over its
# channel. With vmport=off the port answers nothing; without the SMBIOS vendor
# the port is never touched. The same boots show the vsock transport choice
# on a real sysfs: drivers loaded, no device, no vsock channel.

vmware_boot () { # NAME MACHINE SMBIOS... -> console in $W/vmw-NAME.log
  local name=$1 machine=$2; shift 2
  local d="$W/vmw-$name"
  mkdir -p "$d"
  # no `timeout` wrapper: $! must be QEMU itself, or the kill below leaves it running
  qemu-system-x86_64 -accel tcg -cpu max -machine "$machine" -m 256 \
    -nodefaults -no-user-config -nographic -no-reboot -monitor none \
    -serial "file:$d/console.log" "$@" \
    -device virtio-serial-pci,id=vser0 \
    -chardev "socket,id=ch0,path=$d/ch0.sock,server=on,wait=off" \
    -device virtserialport,chardev=ch0,name=org.tether.0 \
    -kernel "$TETHER_ASSETS/kernel/vmlinux" -initrd "$TETHER_ASSETS/initramfs.cpio.gz" \
    -append "console=ttyS0 panic=-1 quiet" >"$d/qemu.out" 2>&1 &
  local qpid=$! i=0
  while ! grep -q "template ready" "$d/console.log" 2>/dev/null && kill -0 $qpid 2>/dev/null && [ $i -lt 900 ]; do
    sleep 0.1; i=$((i + 1))
  done
  kill -KILL $qpid 2>/dev/null; wait $qpid 2>/dev/null
  cp "$d/console.log" "$W/vmw-$name.log" 2>/dev/null || : >"$W/vmw-$name.log"
}

vmware_line () { # LOG -> the tether's guestinfo line(s), or "none"
  local l; l=$(grep -E "guestinfo|backdoor" "$1" | tr -d '\r' | sed 's/^.*tether: //' | tr '\n' ';')
  echo "${l:-none}"
}

t_vmware_probe () {
  local smbios="type=1,manufacturer=VMware,, Inc.,product=VMware7,,1" # QEMU escapes a comma by doubling it
  vmware_boot vmport q35,vmport=on -smbios "$smbios"
  vmware_boot novmport q35,vmport=off -smbios "$smbios"
  vmware_boot qemu q35
  local f
  for f in vmport novmport qemu; do
    grep -q "template ready" "$W/vmw-$f.log" \
      || { bad "VMware probe ($f): the tether did not reach template ready" "$(tail -c 400 "$W/vmw-$f.log")"; return; }
    grep -qiE "panic|segfault|general protection" "$W/vmw-$f.log" && { bad "VMware probe ($f)" "$(tail -c 400 "$W/vmw-$f.log")"; return; }
  done
  check "VMware probe: DMI says VMware, QEMU's vmport refuses the RPCI channel" "$(vmware_line "$W/vmw-vmport.log")" \
    "warning: no guestinfo config: VMware backdoor: the hypervisor refused to open an RPCI channel (status 0x0);"
  check "VMware probe: DMI says VMware, no backdoor" "$(vmware_line "$W/vmw-novmport.log")" \
    "warning: DMI says VMware but the backdoor does not answer: no guestinfo config;"
  check "VMware probe: not VMware, the port is never touched" "$(vmware_line "$W/vmw-qemu.log")" "none"
  # The initramfs loads both vsock transports; under QEMU (no vhost-vsock here)
  # neither has a device, and a real /sys/bus/*/drivers/ directory (its module
  # link, bind files) must not read as one: no vsock line on the console.
  check "vsock: no transport with a device, no vsock channel" \
    "$(cat "$W"/vmw-*.log | grep -c "vsock")" "0"
}
