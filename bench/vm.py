#!/usr/bin/env python3
"""VM figures for make bench: cold boot split from guest timing marks, a clone
of a template (#12) against it with its split from the endpoint's log, the
memory of 10 clones, and the relay rate over virtio-serial against a raw write
to the same kind of port.
Prints table rows (same columns as bench/run.sh)."""
import json, os, re, socket, subprocess, sys, tempfile, time

B = os.environ.get("B", "build")
CTL = os.path.join(B, "tetherctl")
STATE = os.environ["TETHER_STATE_DIR"]
BYTES = 256 * 1024 * 1024
BOOTS = int(os.environ.get("BOOTS", "3"))
CLONES = int(os.environ.get("CLONES", "5"))


def row(measure, ours, peer, ratio, note):
    print("%-44s %14s %14s %10s  %s" % (measure, ours, peer, ratio, note))


def rfc3339_ns(s):
    m = re.match(r"(\d+-\d+-\d+T\d+:\d+:\d+)\.(\d{9})Z", s)
    t = time.mktime(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")) - time.timezone
    return int(t) * 10**9 + int(m.group(2))


def ctl(*args, **kw):
    return subprocess.run([CTL] + list(args), capture_output=True, text=True, check=True, **kw).stdout


def state_of(cid):
    return json.load(open(os.path.join(STATE, "containers", cid, "state.json")))


def watch_console(cid, needle, limit_s=120):
    """The host's clock when needle shows in the VM's console.log (QEMU writes
    the serial port to it as the guest does): the one instant a cold boot and a
    clone can both be timed by on the host. A guest's StartedAt is its own
    clock: on the RTC's whole second until the first hello steps it, then behind
    the host by that hello's age. None if the line was there at the first look."""
    path = os.path.join(STATE, "containers", cid, "console.log")
    buf, first, deadline = "", True, time.monotonic() + limit_s
    with open(path, errors="replace") as f:
        while time.monotonic() < deadline:
            buf += f.read()
            t = time.time_ns()
            if needle in buf:
                return None if first else t
            first = False
            buf = buf[buf.rfind("\n") + 1:] if "\n" in buf else buf
            time.sleep(0.002)
    raise RuntimeError("%s: no %r on the console within %d s" % (cid, needle, limit_s))


def finished(cid):
    ctl("wait", cid)
    for _ in range(100):  # the endpoint finishes state.json, then exits
        st = state_of(cid)
        if st["State"]["Status"] == "exited":
            return st
        time.sleep(0.1)
    return st


def boot_one(clone):
    """One run of `true`, detached: the VM's start as inspect and the logs tell
    it, every instant on the host's clock (ms after VM.BootAt, the spawn)."""
    cid = ctl("run", "-d", *([] if clone else ["--no-template"]), "--", "true").strip()
    t_exec = watch_console(cid, "container exec'd at")
    st = finished(cid)
    d = os.path.join(STATE, "containers", cid)
    boot = rfc3339_ns(st["VM"]["BootAt"])
    ms = lambda t: (t - boot) / 10**6
    r = {"start": st["VM"]["Start"], "late": t_exec is None}
    if t_exec is not None:
        r["total"] = ms(t_exec)
        r["lag"] = (t_exec - rfc3339_ns(st["State"]["StartedAt"])) / 10**6  # the guest's clock behind the host's
    con = open(os.path.join(d, "console.log"), errors="replace").read()
    r["k_exec"] = int(re.search(r"container exec'd at (\d+) ms", con).group(1))
    if clone:
        log = open(os.path.join(d, "endpoint.log"), errors="replace").read()
        m = re.search(r"clone: QMP answered in (\d+) ms, state loaded in (\d+) ms, resumed in (\d+) ms", log)
        r["qmp"], r["load"], r["cont"] = (int(x) for x in m.groups())
        m = re.search(r"^(\S+) endpoint: restored in \d+ ms, \d+ disks plugged in (\d+) ms", log, re.M)
        r["plug"], plugged = int(m.group(2)), ms(rfc3339_ns(m.group(1)))
        r["bookkeeping"] = plugged - r["plug"] - r["qmp"] - r["load"] - r["cont"]
        r["hello"] = ms(rfc3339_ns(st["VM"]["HelloAt"])) - plugged
        if t_exec is not None:
            r["tether"] = r["total"] - ms(rfc3339_ns(st["VM"]["HelloAt"]))
    else:
        r["k_init"] = int(re.search(r"init: started at (\d+) ms", con).group(1))
        r["k_tether"] = int(re.search(r"init: exec /tether at (\d+) ms", con).group(1))
    ctl("rm", "-f", cid)
    return r


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else 0


def boots():
    """Cold boots and clones of the default shape's template, alternated so a
    noisy host weighs on both alike."""
    t0 = time.monotonic()
    ctl("template", "create")
    tpl_ms = (time.monotonic() - t0) * 1000
    cold, clones = [], []
    for i in range(max(BOOTS, CLONES)):
        if i < BOOTS:
            cold.append(boot_one(False))
        if i < CLONES:
            clones.append(boot_one(True))
    bad = sum(r["start"] != "cold" for r in cold) + sum(r["start"] != "clone" for r in clones)
    late = sum(r["late"] for r in cold + clones)
    cold = [r for r in cold if not r["late"]]
    clones = [r for r in clones if not r["late"]]
    c = sorted(cold, key=lambda r: r["total"])[len(cold) // 2]
    note = "median of %d; host clock: BootAt -> the console's exec line" % len(cold)
    if bad or late:
        note += "; %d started the wrong way, %d timed late (dropped)" % (bad, late)
    row("cold boot TCG: QEMU start -> container execve", "%d ms" % c["total"], "VIC: 7-8 s", "", note)
    row("  firmware + kernel load (before kernel)", "%d ms" % (c["total"] - c["k_exec"]), "", "", "")
    row("  kernel start -> init", "%d ms" % c["k_init"], "", "", "")
    row("  init (modules, switch root)", "%d ms" % (c["k_tether"] - c["k_init"]), "", "", "")
    row("  tether (channel, hello, disks, mounts, exec)", "%d ms" % (c["k_exec"] - c["k_tether"]), "", "", "")
    k = median([r["total"] for r in clones])
    row("clone TCG: QEMU start -> container execve", "%d ms" % k, "%d ms" % c["total"],
        "%.0f %%" % (100 * k / c["total"]),
        "target <= 25 %%, aim 10 %%; median of %d, peer: the cold boot" % len(clones))
    for label, key in (("QEMU start (spawn -> QMP answers)", "qmp"), ("state load (migrate-incoming)", "load"),
                       ("resume (cont)", "cont"), ("endpoint (state.json, fsync)", "bookkeeping"),
                       ("disk hot-plug (2 disks)", "plug"), ("handshake (connect, hello -> reply)", "hello"),
                       ("tether: config -> container execve", "tether")):
        row("  " + label, "%d ms" % median([r[key] for r in clones]), "", "", "median of each" if key == "qmp" else "")
    lc, lk = median([r["lag"] for r in cold]), median([r["lag"] for r in clones])
    row("StartedAt behind the host's clock: clone", "%d ms" % lk, "%d ms" % lc, "",
        "guest clock set by a hello; peer: cold boot (a hello queued <= 250 ms, or the RTC's second)")
    row("template create (ms)", "%d" % tpl_ms, "%d" % c["total"], "%.2f" % (tpl_ms / c["total"]),
        "once per shape: a cold boot to the tether's wait + save; peer: the cold boot")


def pss_kb(pid):
    for l in open("/proc/%d/smaps_rollup" % pid):
        if l.startswith("Pss:"):
            return int(l.split()[1])
    return 0


def clone_memory(n=10):
    """PSS of n clones of one template running at once (`sleep`), a cold VM
    beside them as the peer."""
    ids = [ctl("run", "-d", "--no-template", "--", "sleep", "600").strip()]
    ids += [ctl("run", "-d", "--", "sleep", "600").strip() for _ in range(n)]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        sts = [state_of(i) for i in ids]
        if all(st["State"]["Status"] == "running" for st in sts):
            break
        time.sleep(0.2)
    time.sleep(1)
    sts = [state_of(i) for i in ids]
    starts = [st["VM"]["Start"] for st in sts]
    pss = [pss_kb(st["VM"]["QemuPid"]) for st in sts]
    running = sum(st["State"]["Status"] == "running" for st in sts)
    for i in ids:
        subprocess.run([CTL, "rm", "-f", i], capture_output=True)
    kp, cp = pss[1:], pss[0]
    mib = lambda kb: "%.1f MiB" % (kb / 1024)
    ok = starts[0] == "cold" and all(s == "clone" for s in starts[1:]) and running == n + 1
    row("PSS per clone, %d clones running" % n, mib(median(kp)), mib(cp), "%.2f" % (median(kp) / cp if cp else 0),
        "median (%s-%s); peer: a cold VM beside them%s" % (mib(min(kp)), mib(max(kp)),
                                                          "" if ok else "; NOT ALL RUNNING AS ASKED"))


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


def send_through(port, nbytes):
    """nbytes to 127.0.0.1:port, then the time until the far end closes (it has read all)."""
    chunk = b"\0" * (1 << 20)
    c = socket.create_connection(("127.0.0.1", port), timeout=120)
    t0 = time.monotonic()
    for _ in range(nbytes >> 20):
        c.sendall(chunk)
    c.shutdown(socket.SHUT_WR)
    while c.recv(65536):
        pass
    dt = time.monotonic() - t0
    c.close()
    return nbytes / (1 << 20) / dt


def tcp_rate(nbytes=64 << 20):
    """TCP host -> container through a published port (QEMU's user network)
    against the same transfer to a reader on the host's loopback."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    cid = ctl("run", "-d", "-p", "127.0.0.1:%d:5001" % port, "--", "sh", "-c",
              "echo READY; exec nc -l -p 5001 >/dev/null").strip()
    for _ in range(600):
        if "READY" in subprocess.run([CTL, "logs", cid], capture_output=True, text=True).stdout:
            break
        time.sleep(0.1)
    time.sleep(1)  # nc's listen() after the echo
    ours = send_through(port, nbytes)
    subprocess.run([CTL, "rm", "-f", cid], capture_output=True)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    sink = subprocess.Popen([sys.executable, "-c", """
import socket, sys
s = socket.socket(fileno=int(sys.argv[1])); c, _ = s.accept()
while c.recv(1 << 20): pass
c.close()
""", str(srv.fileno())], pass_fds=(srv.fileno(),))
    peer = send_through(srv.getsockname()[1], nbytes)
    sink.wait(timeout=60)
    srv.close()
    row("TCP host -> container via -p (64 MiB, TCG)", "%.1f MiB/s" % ours, "%.1f MiB/s" % peer,
        "%.2f" % (ours / peer if peer else 0), "peer: the same transfer to a reader on the host's loopback")


def main():
    tcp_rate()
    boots()
    clone_memory()
    ctl("template", "rm", "--all")  # the relay rows below boot cold, as before
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
