#!/usr/bin/env python3
"""Reliability checks that need the protocol itself (tests/host/t_reliab.sh).

  wedge SOCK SECONDS            an attached client of a container that prints without
                                pause sends bursts of lists and a ping: every burst answered
  wedge-channel TETHER DIR SECS the same over tether --channel on a pty pair (the VM channel code)
  wedge-vm SOCK CID SECONDS     the same through a VM's endpoint socket, on container CID
  exec-cap SOCK N               N running execs in each of two containers removed with them,
                                then an exec must still start
  many SOCK N                   creates N containers with ~2 KB of config each (for ps -a)
  rmall SOCK PREFIX             removes every container whose name starts with PREFIX
  exec-reattach SOCK            an exec whose client vanished unacked: a new client gets all
                                of its output and its exit
  exec-records SOCK N           N finished execs nobody attached to: the newest stay, the
                                oldest past the cap are dropped
  half-close SOCK               a client that shut down its sending side still gets the
                                output and the exit
Each exits 0 when every check held, else prints what failed and exits 1.
"""
import os
import random
import socket
import subprocess
import sys
import time

from tproto import (FAILS, Peer, check, err_text, f_bytes, f_int, hello_body, msg, one, pty_tether)

# Msg body field numbers (proto/tether.proto)
CREATE, START, EXEC, ATTACH, SIGNAL, LIST, INSPECT, REMOVE, ACK, PING = 12, 13, 15, 17, 20, 26, 27, 25, 28, 31


def new_id():
    return "%064x" % random.getrandbits(256)


def config(cid, argv, name=None, env=()):
    b = f_bytes(1, cid)
    if name:
        b += f_bytes(2, name)
    for a in argv:
        b += f_bytes(3, a)
    for e in env:
        b += f_bytes(4, e)
    return b


def connect(sock):
    p = Peer.unix(sock)
    m = p.request(1, 10, hello_body())
    if not check(m is not None and m[0] == "hello_reply", "hello answered"):
        sys.exit(1)
    return p


class Rids:
    def __init__(self, start=100):
        self.n = start

    def __call__(self):
        self.n += 1
        return self.n


def create_start(p, rid, cid, argv, attach_handle=None, name=None, env=()):
    m = p.request(rid(), CREATE, f_bytes(1, config(cid, argv, name, env)))
    check(m is not None and m[0] == "ok", "create %s (%s)" % (argv[0], err_text(m) if m and m[0] == "error" else "ok"))
    if attach_handle:
        m = p.request(rid(), ATTACH, f_bytes(1, cid) + f_int(2, attach_handle))
        check(m is not None and m[0] == "attached", "attach")
    m = p.request(rid(), START, f_bytes(1, cid), timeout=15)
    check(m is not None and m[0] == "started", "start (%s)" % (err_text(m) if m and m[0] == "error" else "ok"))


def remove(p, rid, cid, timeout=20):
    m = p.request(rid(), REMOVE, f_bytes(1, cid) + f_int(2, 1), timeout=timeout)
    return m is not None and m[0] == "ok"


# ---- the wedge: bursts of requests on a connection whose out ring the relay drains ----
# Output without pause: the out ring drains through the relay path (direct writes
# of data frames) while requests wait for it to drain.
PRINTER = "while :; do echo wedge-line-0123456789abcdefghij; done"


def wedge_on(p, seconds, label, vm_cid=None):
    """vm_cid: attach to that running container (a VM's) instead of making one."""
    rid = Rids()
    extra = []
    if vm_cid:
        cid = vm_cid
        m = p.request(rid(), ATTACH, f_bytes(1, cid) + f_int(2, 1), timeout=30)
        if not check(m is not None and m[0] == "attached", "%s: attach (%s)" % (label, err_text(m))):
            return False
    else:
        cid = new_id()
        # Some listed containers with a config of ~2 KB each make the list replies big.
        for i in range(12):
            x = new_id()
            p.request(rid(), CREATE, f_bytes(1, config(x, ["true"], env=["PAD%d=%s" % (k, "x" * 200) for k in range(10)])))
            extra.append(x)
        create_start(p, rid, cid, ["sh", "-c", PRINTER], attach_handle=1)
    got = {1: 0, 2: 0}
    acked = {1: 0, 2: 0}
    end = time.monotonic() + seconds
    rounds = 0
    while time.monotonic() < end:
        want = set()
        burst = b""
        for _ in range(6):
            r = rid()
            want.add(r)
            burst += msg(r, LIST, f_int(1, 1))
        r = rid()
        want.add(r)
        burst += msg(r, PING, f_int(1, time.time_ns()))
        # short random gaps between the requests of a burst
        for chunk in (burst[:len(burst) // 2], burst[len(burst) // 2:]):
            p.send(chunk)
            time.sleep(random.random() * 0.002)

        def pred(m):
            if m[0] == "data":
                stream, off, data = m[2]
                if off + len(data) > got[stream]:
                    got[stream] = off + len(data)
                if got[stream] - acked[stream] > 128 * 1024:
                    acked[stream] = got[stream]
                    p.send(msg(0, ACK, f_int(1, 1) + f_int(2, got[1]) + f_int(3, got[2])))
                return False
            if m[1] in want and m[0] in ("pong", "error") or (m[0] == "container_list" and not one(m[2], 2)):
                want.discard(m[1])
            return not want

        m, _ = p.recv_until(pred, timeout=10)
        rounds += 1
        if m is None:
            check(False, "%s: round %d: %d of 7 replies missing after 10 s (stdout at %d)"
                  % (label, rounds, len(want), got[1]))
            return False  # the connection is wedged: nothing more will be answered on it
        time.sleep(random.random() * 0.01)
    print("  %s: %d rounds of 6 lists + 1 ping answered in %d s, %d bytes relayed meanwhile"
          % (label, rounds, seconds, got[1]))
    check(got[1] > 0, "%s: output flowed (%d bytes)" % (label, got[1]))
    if vm_cid:
        return not FAILS
    check(remove(p, rid, cid), "%s: rm -f of the printing container answered" % label)
    for x in extra:
        remove(p, rid, x)
    return not FAILS


def wedge(sock, seconds):
    return wedge_on(connect(sock), int(seconds), "unix")


def wedge_channel(tether, workdir, seconds):
    with pty_tether(tether, workdir, "wedge-channel.log") as (proc, p):
        m = p.request(1, 10, hello_body(), timeout=10)
        if not check(m is not None and m[0] == "hello_reply", "hello over the pty"):
            return False
        wedge_on(p, int(seconds), "channel")
        check(proc.poll() is None, "tether --channel still running")
        return not FAILS


# ---- exec counters: execs freed with their container must not count any more ----
def exec_cap(sock, n):
    n = int(n)
    p = connect(sock)
    rid = Rids()
    for round_ in range(2):
        cid = new_id()
        create_start(p, rid, cid, ["sleep", "1000"])
        failed = 0
        for base in range(0, n, 200):
            batch = {}
            out = b""
            for i in range(base, min(n, base + 200)):
                r = rid()
                batch[r] = i
                body = f_bytes(1, cid) + f_bytes(2, "x%d-%d-%s" % (round_, i, cid[:8])) + f_bytes(4, "sleep") + \
                    f_bytes(4, "1000") + f_int(10, 1)
                out += msg(r, EXEC, body)
            p.send(out)

            def pred(m, batch=batch):
                nonlocal failed
                if m[1] in batch and m[0] in ("exec_started", "error"):
                    if m[0] == "error":
                        if failed == 0:
                            print("  first exec error: %s" % err_text(m))
                        failed += 1
                    del batch[m[1]]
                return not batch

            m, _ = p.recv_until(pred, timeout=60)
            if not check(m is not None, "round %d: every exec of a batch answered" % round_):
                return False
        check(failed == 0, "round %d: %d execs started, %d refused" % (round_, n - failed, failed))
        check(remove(p, rid, cid, timeout=60), "round %d: rm -f with %d running execs" % (round_, n))
    cid = new_id()
    create_start(p, rid, cid, ["sleep", "1000"])
    m = p.request(rid(), EXEC, f_bytes(1, cid) + f_bytes(2, "after-" + cid[:8]) + f_bytes(4, "true") + f_int(10, 1))
    check(m is not None and m[0] == "exec_started", "an exec starts after %d execs went with their containers (%s)"
          % (2 * n, err_text(m) if m and m[0] == "error" else "ok"))
    remove(p, rid, cid)
    return not FAILS


def many(sock, n, prefix):
    p = connect(sock)
    rid = Rids()
    pad = ["PAD%d=%s" % (k, "y" * 190) for k in range(10)]
    for base in range(0, int(n), 100):
        want = set()
        out = b""
        for i in range(base, min(int(n), base + 100)):
            r = rid()
            want.add(r)
            out += msg(r, CREATE, f_bytes(1, config(new_id(), ["true"], name="%s%d" % (prefix, i), env=pad)))
        p.send(out)
        m, _ = p.recv_until(lambda m: (want.discard(m[1]) if m[0] in ("ok", "error") else None) or not want, 30)
        if not check(m is not None, "creates %d.. answered" % base):
            return False
    return not FAILS


def rmall(sock, prefix):
    p = connect(sock)
    rid = Rids()
    names = []
    r = rid()
    p.send(msg(r, LIST, f_int(1, 1)))
    while True:
        m, _ = p.recv_until(lambda m: m[1] == r and m[0] == "container_list", 30)
        if m is None:
            return check(False, "list for rmall answered")
        from tproto import pb_decode
        for ci in m[2].get(1, []):
            d = pb_decode(ci)
            cfg = pb_decode(one(d, 1, b""))
            name = one(cfg, 2, b"").decode()
            if name.startswith(prefix):
                names.append(one(cfg, 1, b"").decode())
        if not one(m[2], 2):
            break
    want = set()
    out = b""
    for cid in names:
        q = rid()
        want.add(q)
        out += msg(q, REMOVE, f_bytes(1, cid) + f_int(2, 1))
    p.send(out)
    m, _ = p.recv_until(lambda m: (want.discard(m[1]) if m[0] in ("ok", "error") else None) or not want, 60)
    return check(m is not None or not names, "removed %d containers named %s*" % (len(names), prefix))


# ---- finished execs kept for a client that comes back ----
def collect(p, handle, timeout=20):
    out = {1: bytearray(), 2: bytearray()}
    ex = [None]

    def pred(m):
        if m[0] == "data" and m[1] == handle:
            stream, off, data = m[2]
            if off == len(out[stream]):
                out[stream] += data
            return False
        if m[0] == "exit" and one(m[2], 2) == handle:
            ex[0] = m
            return True
        return False

    p.recv_until(pred, timeout)
    return out, ex[0]


def exec_reattach(sock):
    p = connect(sock)
    rid = Rids()
    cid = new_id()
    create_start(p, rid, cid, ["sleep", "1000"])
    eid = "reattach-" + cid[:12]
    body = f_bytes(1, cid) + f_bytes(2, eid) + f_int(3, 5) + f_bytes(4, "sh") + f_bytes(4, "-c") + \
        f_bytes(4, "echo first; sleep 1; echo second; echo err >&2; exit 3")
    m = p.request(rid(), EXEC, body)
    check(m is not None and m[0] == "exec_started", "exec started")
    m, _ = p.recv_until(lambda m: m[0] == "data", 5)
    check(m is not None and m[2][2].startswith(b"first"), "first output arrived before the client left")
    p.sock.close()  # gone without an ack
    time.sleep(2)   # the exec ends while nobody is attached
    q = connect(sock)
    m = q.request(rid(), ATTACH, f_bytes(1, eid) + f_int(2, 9))
    check(m is not None and m[0] == "attached", "attach to the finished exec by its id (%s)"
          % (err_text(m) if m and m[0] == "error" else "ok"))
    out, ex = collect(q, 9)
    check(bytes(out[1]) == b"first\nsecond\n", "every stdout byte of the exec (%r)" % bytes(out[1]))
    check(bytes(out[2]) == b"err\n", "its stderr (%r)" % bytes(out[2]))
    check(ex is not None and one(ex[2], 4) == 3, "its exit code 3 (%s)" % (one(ex[2], 4) if ex else "no exit"))
    q.send(msg(0, ACK, f_int(1, 9) + f_int(2, len(out[1])) + f_int(3, len(out[2]))))
    time.sleep(0.3)
    m = q.request(rid(), ATTACH, f_bytes(1, eid) + f_int(2, 10))
    check(m is not None and m[0] == "error", "once delivered and acked, the record is gone (%s)"
          % (m[0] if m else None))
    remove(q, rid, cid)
    return not FAILS


def exec_records(sock, n):
    n = int(n)
    p = connect(sock)
    rid = Rids()
    cid = new_id()
    create_start(p, rid, cid, ["sleep", "1000"], name="exec-records")
    for i in range(n):
        body = f_bytes(1, cid) + f_bytes(2, "rec-%d-%s" % (i, cid[:8])) + f_bytes(4, "sh") + f_bytes(4, "-c") + \
            f_bytes(4, "echo rec %d; exit %d" % (i, i % 100))
        m = p.request(rid(), EXEC, body)  # handle 0: nobody attached
        check(m is not None and m[0] == "exec_started", "exec %d started" % i) or sys.exit(1)
    time.sleep(1.5)
    last = n - 1
    m = p.request(rid(), ATTACH, f_bytes(1, "rec-%d-%s" % (last, cid[:8])) + f_int(2, 3))
    check(m is not None and m[0] == "attached", "the newest unattached exec record is kept")
    out, ex = collect(p, 3)
    check(bytes(out[1]) == b"rec %d\n" % last and ex is not None and one(ex[2], 4) == last % 100,
          "its output and exit code (%r, %s)" % (bytes(out[1]), one(ex[2], 4) if ex else None))
    m = p.request(rid(), ATTACH, f_bytes(1, "rec-0-%s" % cid[:8]) + f_int(2, 4))
    check(m is not None and m[0] == "error", "the oldest past the cap was dropped")
    return not FAILS


def half_close(sock):
    p = connect(sock)
    rid = Rids()
    cid = new_id()
    create_start(p, rid, cid, ["sh", "-c", "sleep 0.5; echo after-shutdown; exit 4"], attach_handle=2)
    p.sock.shutdown(socket.SHUT_WR)
    out, ex = collect(p, 2, timeout=10)
    check(bytes(out[1]) == b"after-shutdown\n", "output after SHUT_WR (%r)" % bytes(out[1]))
    check(ex is not None and one(ex[2], 4) == 4, "exit after SHUT_WR (%s)" % (one(ex[2], 4) if ex else "none"))
    q = connect(sock)
    remove(q, rid, cid)
    return not FAILS


if __name__ == "__main__":
    a = sys.argv
    fn = {"wedge": lambda: wedge(a[2], a[3]),
          "wedge-channel": lambda: wedge_channel(a[2], a[3], a[4]),
          "wedge-vm": lambda: wedge_on(connect(a[2]), int(a[4]), "vm", vm_cid=a[3]),
          "exec-cap": lambda: exec_cap(a[2], a[3]),
          "many": lambda: many(a[2], a[3], a[4]),
          "rmall": lambda: rmall(a[2], a[3]),
          "exec-reattach": lambda: exec_reattach(a[2]),
          "exec-records": lambda: exec_records(a[2], a[3]),
          "half-close": lambda: half_close(a[2])}[a[1]]
    sys.exit(0 if fn() else 1)
