#!/usr/bin/env python3
"""Boot smoke test and timing probe for the guest plumbing.

Boots QEMU (TCG) with the recipe of docs/vm.md, waits for the fixture tether
(tests/vm/fixtures/fake_tether.c) to say "pid 1 up", hot-plugs an ext4 VMDK
over QMP, waits for the guest to print its serial and mount it, presses the
ACPI power button with system_powerdown and waits for QEMU to exit.

Usage: boot_smoke.py [--iso build/bootstrap.iso | --kernel K --initrd I] [--keep DIR]
Exit status 0 if every step was seen. Prints host-side timings.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

SERIAL = "tether-layer-0"


def make_disk(work):
    tree = os.path.join(work, "tree")
    os.makedirs(os.path.join(tree, "etc"))
    with open(os.path.join(tree, "etc", "hello"), "w") as f:
        f.write("hello from an ext4 layer\n")
    raw = os.path.join(work, "layer.raw")
    vmdk = os.path.join(work, "layer.vmdk")
    subprocess.run(["mke2fs", "-q", "-t", "ext4", "-d", tree, raw, "8M"], check=True)
    subprocess.run(["qemu-img", "convert", "-O", "vmdk", raw, vmdk], check=True)
    return vmdk


def qemu_argv(args, work):
    argv = [
        "qemu-system-x86_64",
        "-accel", "tcg", "-cpu", "max",
        "-machine", "q35", "-m", str(args.mem),
        "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
        "-serial", "file:" + os.path.join(work, "console.log"),
        "-monitor", "none",
        "-qmp", "unix:%s,server=on,wait=off" % os.path.join(work, "qmp.sock"),
        "-device", "pcie-root-port,id=rp1,chassis=1,slot=1",
        "-device", "pcie-root-port,id=rp2,chassis=2,slot=2",
        "-device", "pcie-root-port,id=rp3,chassis=3,slot=3",
        "-device", "pcie-root-port,id=rp4,chassis=4,slot=4",
        "-device", "virtio-serial-pci,id=vser0",
        "-chardev", "socket,id=ch0,path=%s,server=on,wait=off" % os.path.join(work, "ch0.sock"),
        "-device", "virtserialport,chardev=ch0,name=org.tether.0",
        "-fw_cfg", "name=opt/org.tether/config,file=" + os.path.join(work, "config.bin"),
    ]
    if args.iso:
        argv += ["-cdrom", args.iso]
    else:
        argv += ["-kernel", args.kernel, "-initrd", args.initrd,
                 "-append", "console=ttyS0 panic=-1 quiet"]
    return argv


class Qmp:
    def __init__(self, path, deadline):
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.f = self.sock.makefile("rw")
        self.events = []
        json.loads(self.f.readline())  # greeting
        self.cmd("qmp_capabilities")

    def cmd(self, name, **arguments):
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        line = json.dumps(msg)
        print("qmp> " + line)
        self.f.write(line + "\n")
        self.f.flush()
        while True:
            reply = json.loads(self.f.readline())
            if "event" in reply:
                self.events.append(reply)
                continue
            print("qmp< " + json.dumps(reply))
            if "error" in reply:
                raise RuntimeError("%s: %s" % (name, reply["error"]))
            return reply["return"]


def wait_console(path, text, deadline, proc):
    while time.monotonic() < deadline:
        try:
            with open(path, errors="replace") as f:
                data = f.read()
            if text in data:
                return True
        except FileNotFoundError:
            pass
        if proc.poll() is not None:
            return False
        time.sleep(0.02)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iso")
    ap.add_argument("--kernel", default="build/kernel/vmlinuz")
    ap.add_argument("--initrd", default="build/initramfs.cpio.gz")
    ap.add_argument("--mem", type=int, default=256)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--keep", help="work directory to keep (default: a temporary one)")
    args = ap.parse_args()

    work = args.keep or tempfile.mkdtemp(prefix="tether-vm-", dir="/tmp")
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "config.bin"), "wb") as f:
        f.write(b"fw_cfg-config-bytes")
    vmdk = make_disk(work)
    argv = qemu_argv(args, work)
    print("argv: " + " ".join(argv))
    console = os.path.join(work, "console.log")

    ok = True
    t0 = time.monotonic()
    deadline = t0 + args.timeout
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    try:
        qmp = Qmp(os.path.join(work, "qmp.sock"), deadline)
        if not wait_console(console, "tether: pid 1 up", deadline, proc):
            raise RuntimeError("no 'pid 1 up'")
        t_up = time.monotonic() - t0
        print("host: 'pid 1 up' %.2f s after QEMU start" % t_up)

        qmp.cmd("blockdev-add", **{"driver": "vmdk", "node-name": "layer0", "read-only": True,
                                 "file": {"driver": "file", "filename": vmdk, "read-only": True}})
        t_plug = time.monotonic()
        qmp.cmd("device_add", driver="virtio-blk-pci", drive="layer0", bus="rp1",
                id="disk-layer0", serial=SERIAL)
        if not wait_console(console, 'serial "%s"' % SERIAL, deadline, proc):
            raise RuntimeError("guest did not see the hot-plugged disk")
        print("host: disk serial seen %.2f s after device_add" % (time.monotonic() - t_plug))
        if not wait_console(console, "tether: mounted", t_plug + 30, proc):
            print("host: ext4 mount not reported")
            ok = False

        t_pd = time.monotonic()
        qmp.cmd("system_powerdown")
        if not wait_console(console, "KEY_POWER", deadline, proc):
            raise RuntimeError("guest did not see KEY_POWER")
        print("host: KEY_POWER seen %.2f s after system_powerdown" % (time.monotonic() - t_pd))
        rc = proc.wait(timeout=max(1, deadline - time.monotonic()))
        print("host: QEMU exited %d, %.2f s after start" % (rc, time.monotonic() - t0))
        ok = ok and rc == 0
    except Exception as e:  # report, then clean up below
        print("FAIL: %s" % e)
        ok = False
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        print("---- console.log")
        with open(console, errors="replace") as f:
            sys.stdout.write(f.read())
        print("----")
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
