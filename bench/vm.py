#!/usr/bin/env python3
"""VM figures for make bench: cold boot split from guest timing marks, and the
relay rate over virtio-serial against a raw write to the same kind of port.
Prints table rows (same columns as bench/run.sh)."""
import json, os, re, socket, subprocess, sys, tempfile, time

B = os.environ.get("B", "build")
CTL = os.path.join(B, "tetherctl")
STATE = os.environ["TETHER_STATE_DIR"]
BYTES = 256 * 1024 * 1024
BOOTS = int(os.environ.get("BOOTS", "3"))


def row(measure, ours, peer, ratio, note):
    print("%-44s %14s %14s %10s  %s" % (measure, ours, peer, ratio, note))


def rfc3339_ns(s):
    m = re.match(r"(\d+-\d+-\d+T\d+:\d+:\d+)\.(\d{9})Z", s)
    t = time.mktime(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")) - time.timezone
    return int(t) * 10**9 + int(m.group(2))


def cold_boots():
    splits = []
    for _ in range(BOOTS):
        out = subprocess.run([CTL, "run", "-d", "--", "true"], capture_output=True, text=True, check=True)
        cid = out.stdout.strip()
        subprocess.run([CTL, "wait", cid], capture_output=True, check=True)
        d = os.path.join(STATE, "containers", cid)
        for _ in range(100):  # the endpoint finishes state.json, then exits
            st = json.load(open(os.path.join(d, "state.json")))
            if st["State"]["Status"] == "exited":
                break
            time.sleep(0.1)
        con = open(os.path.join(d, "console.log"), errors="replace").read()
        k_init = int(re.search(r"init: started at (\d+) ms", con).group(1))
        k_tether = int(re.search(r"init: exec /tether at (\d+) ms", con).group(1))
        k_exec = int(re.search(r"container exec'd at (\d+) ms", con).group(1))
        total = (rfc3339_ns(st["State"]["StartedAt"]) - rfc3339_ns(st["VM"]["BootAt"])) // 10**6
        splits.append((total, total - k_exec, k_init, k_tether - k_init, k_exec - k_tether))
        subprocess.run([CTL, "rm", "-f", cid], capture_output=True)
    med = sorted(splits)[len(splits) // 2]
    row("cold boot TCG: QEMU start -> container execve", "%d ms" % med[0], "VIC: 7-8 s", "", "median of %d" % BOOTS)
    row("  firmware + kernel load (before kernel)", "%d ms" % med[1], "", "", "")
    row("  kernel start -> init", "%d ms" % med[2], "", "", "")
    row("  init (modules, switch root)", "%d ms" % med[3], "", "", "")
    row("  tether (channel, hello, disks, mounts, exec)", "%d ms" % med[4], "", "", "")


def relay_rate(heartbeat_ms=None, nbytes=BYTES):
    env = dict(os.environ)
    if heartbeat_ms:
        env["TETHER_HEARTBEAT_MS"] = str(heartbeat_ms)
    p = subprocess.Popen([CTL, "run", "--", "head", "-c", str(nbytes), "/dev/zero"], stdout=subprocess.PIPE, env=env)
    first = p.stdout.read(1)
    t0 = time.monotonic()
    n = len(first)
    while True:
        b = p.stdout.read1(1 << 20)
        if not b:
            break
        n += len(b)
    t1 = time.monotonic()
    p.wait()
    return n, (n - 1) / (1 << 20) / (t1 - t0)


def heartbeat_cost():
    """The relay with the default heartbeat against one with none during the
    run, alternated so that a noisy host weighs on both alike."""
    runs = {1000: [], 60000: []}
    for _ in range(3):
        for hb in runs:
            runs[hb].append(relay_rate(heartbeat_ms=hb, nbytes=64 << 20)[1])
    return [sorted(runs[hb])[1] for hb in (1000, 60000)]


def in_guest_pipe_rate():
    """The same writer into a plain pipe inside the container: the ceiling any
    relay of it can reach on this vCPU."""
    out = subprocess.run([CTL, "run", "--", "sh", "-c", "time head -c %d /dev/zero | cat >/dev/null" % BYTES],
                         capture_output=True, text=True)
    m = re.search(r"real\s+(?:(\d+)m\s*)?([\d.]+)s", out.stderr)
    secs = (int(m.group(1) or 0) * 60 + float(m.group(2))) if m else 0
    return BYTES / (1 << 20) / secs if secs else 0


def raw_rate(kernel, initrd):
    tmp = tempfile.mkdtemp(prefix="tether-raw.")
    sock = os.path.join(tmp, "ch.sock")
    q = subprocess.Popen(["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-machine", "q35", "-m", "128",
                          "-nodefaults", "-no-user-config", "-nographic", "-no-reboot", "-monitor", "none",
                          "-serial", "file:" + os.path.join(tmp, "console.log"),
                          "-device", "virtio-serial-pci",
                          "-chardev", "socket,id=ch0,path=%s,server=on,wait=off" % sock,
                          "-device", "virtserialport,chardev=ch0,name=org.tether.0",
                          "-kernel", kernel, "-initrd", initrd, "-append", "console=ttyS0 panic=-1 quiet"])
    s = socket.socket(socket.AF_UNIX)
    for _ in range(200):
        try:
            s.connect(sock)
            break
        except OSError:
            time.sleep(0.05)
    n = 0
    t0 = None
    while n < BYTES + 1:
        b = s.recv(1 << 20)
        if not b:
            break
        if t0 is None:
            t0 = time.monotonic()
        n += len(b)
    t1 = time.monotonic()
    q.wait(timeout=60)
    return n, (n - 1) / (1 << 20) / (t1 - t0)


def main():
    cold_boots()
    n, ours = relay_rate()
    kernel, initrd = sys.argv[1], sys.argv[2]
    rn, raw = raw_rate(kernel, initrd)
    pipe = in_guest_pipe_rate()
    beats = heartbeat_cost()
    row("relay over virtio-serial (256 MiB, TCG)", "%.1f MiB/s" % ours, "%.1f MiB/s" % raw, "%.2f" % (ours / raw),
        "peer: the same 4 KiB writes straight to the port; %s bytes" % ("all" if n == BYTES and rn == BYTES + 1 else "MISSING"))
    row("relay over virtio-serial vs head | cat in guest", "%.1f MiB/s" % ours, "%.1f MiB/s" % pipe,
        "%.2f" % (ours / pipe if pipe else 0), "peer: busybox head | cat > /dev/null inside the container")
    row("relay with heartbeats every 1 s vs every 60 s", "%.1f MiB/s" % beats[0], "%.1f MiB/s" % beats[1],
        "%.2f" % (beats[0] / beats[1] if beats[1] else 0), "target >= 0.9: median of 3 each, 64 MiB, alternated")


main()
