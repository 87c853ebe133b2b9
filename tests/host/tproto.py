#!/usr/bin/env python3
"""A minimal tether protocol client for the host tests (no protobuf library).

Frames as in proto/frame.h, messages hand-encoded with the field numbers of
proto/tether.proto. Subcommands (each exits 0 when every check held, else 1
after printing what failed):
  badinput SOCK          malformed frames and unknown ids on a unix socket
  channel TETHER WORKDIR tether --channel over a pty pair, garbage around frames
  noack SOCK             lossless resume: a client reads without acking and goes;
                         a new one attached from offset 0 gets every byte from the
                         last ack on (output is freed on ack, not on send)
  times SOCK             started/finished ns in the exit message, in Wait and in
                         inspect: finished - started is how long the process ran,
                         and stays the same however late a client asks
  hostile SOCK [PID KB]  wrong hello version, out-of-order stdin, acks past what was
                         sent, bad data frames, a truncated frame, invalid UTF-8
                         names, and (given the tether's PID) RSS growth <= KB over
                         300 hostile connections
  raw SOCK HEX           send bytes, print the decoded replies (debugging)
"""
import contextlib
import os
import select
import socket
import struct
import subprocess
import sys
import time

# ---- CRC-32C (reflected 0x82F63B78) ----
_T = []
for _b in range(256):
    _c = _b
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _T.append(_c)


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = _T[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283

CONTROL, DATA = 1, 2
ERR = {1: "BAD_REQUEST", 2: "NOT_FOUND", 3: "CONFLICT", 4: "LIMIT", 5: "LAUNCH",
       6: "VERSION", 7: "FRAME", 8: "INTERNAL", 9: "TIMEOUT"}


def header(ftype, handle, length, version=1, flags=0, bad_crc=False):
    h = struct.pack("<2sBBBBIIH", b"Th", version, ftype, flags, 0, handle, length, 0)
    crc = crc32c(h)
    if bad_crc:
        crc ^= 0x1
    return h + struct.pack("<I", crc)


def frame(ftype, handle, payload, **kw):
    return header(ftype, handle, len(payload), **kw) + payload


# ---- protobuf, by hand ----
def varint(v):
    v &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def f_int(num, v):
    return varint(num << 3) + varint(v)


def f_bytes(num, b):
    if isinstance(b, str):
        b = b.encode()
    return varint(num << 3 | 2) + varint(len(b)) + b


def msg(rid, body_field, body):
    return frame(CONTROL, 0, f_int(1, rid) + f_bytes(body_field, body))


def read_varint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, i


def pb_decode(b):
    """{field: [values]}; varints as int, length-delimited as bytes."""
    out = {}
    i = 0
    while i < len(b):
        key, i = read_varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(b, i)
        elif wt == 2:
            n, i = read_varint(b, i)
            v = bytes(b[i:i + n])
            i += n
        elif wt == 1:
            v = struct.unpack_from("<Q", b, i)[0]
            i += 8
        elif wt == 5:
            v = struct.unpack_from("<I", b, i)[0]
            i += 4
        else:
            raise ValueError("wire type %d" % wt)
        out.setdefault(num, []).append(v)
    return out


def one(d, k, default=0):
    return d.get(k, [default])[-1]


BODY = {11: "hello_reply", 14: "started", 16: "exec_started", 18: "attached", 28: "ack",
        29: "exit", 30: "container_list", 32: "pong", 33: "heartbeat", 34: "ok", 35: "error"}


class Decoder:
    """Frames from a byte stream, with resync on a bad header (like proto/frame.c)."""

    def __init__(self):
        self.buf = bytearray()

    def feed(self, data):
        self.buf += data
        out = []
        while True:
            j = self.buf.find(b"Th")
            if j < 0:
                del self.buf[:max(0, len(self.buf) - 1)]
                return out
            del self.buf[:j]
            if len(self.buf) < 20:
                return out
            h = bytes(self.buf[:20])
            if struct.unpack_from("<I", h, 16)[0] != crc32c(h[:16]):
                del self.buf[:1]
                continue
            _, ver, ftype, flags, _, handle, length, _ = struct.unpack_from("<2sBBBBIIH", h)
            total = 20 + length + (4 if flags & 1 else 0)
            if len(self.buf) < total:
                return out
            payload = bytes(self.buf[20:20 + length])
            del self.buf[:total]
            out.append((ftype, handle, payload))


def describe(ftype, handle, payload):
    """(kind, request_id, fields) for a control frame; ('data', handle, (stream, off, bytes))."""
    if ftype == DATA:
        stream = payload[0]
        off = struct.unpack_from("<Q", payload, 4)[0]
        return ("data", handle, (stream, off, payload[20:]))
    d = pb_decode(payload)
    rid = one(d, 1)
    for k, name in BODY.items():
        if k in d:
            return (name, rid, pb_decode(d[k][-1]))
    return ("unknown", rid, d)


class Peer:
    def __init__(self, rfd, wfd=None, sock=None):
        self.rfd, self.wfd, self.sock = rfd, (rfd if wfd is None else wfd), sock
        self.dec = Decoder()
        self.pending = []
        self.closed = False

    @classmethod
    def unix(cls, path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        return cls(s.fileno(), sock=s)

    def send(self, b):
        view = memoryview(b)
        while view:
            try:
                n = os.write(self.wfd, view)
            except BlockingIOError:
                select.select([], [self.wfd], [], 1)
                continue
            view = view[n:]

    def recv_until(self, pred, timeout=5.0):
        """Collects messages until pred(msg) is true; returns (match or None, all seen)."""
        seen = []
        end = time.monotonic() + timeout
        while True:
            while self.pending:
                m = self.pending.pop(0)
                seen.append(m)
                if pred(m):
                    return m, seen
            left = end - time.monotonic()
            if left <= 0 or self.closed:
                return None, seen
            r, _, _ = select.select([self.rfd], [], [], left)
            if not r:
                continue
            try:
                data = os.read(self.rfd, 65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                self.closed = True
                continue
            self.pending += [describe(*f) for f in self.dec.feed(data)]

    def request(self, rid, field, body, timeout=5.0):
        self.send(msg(rid, field, body))
        m, _ = self.recv_until(lambda m: m[0] != "data" and m[1] == rid and m[0] not in ("ack", "heartbeat"),
                               timeout)
        return m


def hello_body(pcrc=False):
    return f_int(1, 1) + f_int(2, 1) + f_int(3, 3) + f_int(4, time.time_ns()) + \
        (f_int(5, 1) if pcrc else b"") + f_bytes(6, "htest")


FAILS = []


def check(cond, what):
    if cond:
        print("  ok:", what)
    else:
        print("  FAILED:", what)
        FAILS.append(what)
    return cond


def is_error(m, code=None, rid=None):
    return m is not None and m[0] == "error" and (code is None or one(m[2], 1) == code) \
        and (rid is None or m[1] == rid)


def err_text(m):
    return one(m[2], 2, b"").decode(errors="replace") if m else "(no reply)"


def ping(p, rid):
    m = p.request(rid, 31, f_int(1, time.time_ns()))
    return m if m and m[0] == "pong" else None


# ---- badinput ----
def badinput(sock):
    # 1. a request before hello
    p = Peer.unix(sock)
    m = p.request(5, 31, f_int(1, 1))
    check(is_error(m, 1, 5), "ping before hello -> error BAD_REQUEST (%s)" % err_text(m))

    # 2. raw garbage, then a hello: the decoder resyncs and answers
    p = Peer.unix(sock)
    garbage = bytes((i * 37 + 11) % 251 for i in range(4096)).replace(b"T", b"t") + b"T" + b"Tx" * 5
    p.send(garbage)
    m = p.request(1, 10, hello_body())
    check(m is not None and m[0] == "hello_reply" and one(m[2], 1) == 1,
          "4 KiB of garbage then hello -> hello_reply version 1")
    pg = ping(p, 2)
    check(pg is not None and one(pg[2], 11) >= len(garbage), "pong dropped_bytes >= garbage (%s)"
          % (one(pg[2], 11) if pg else None))

    # 3. an oversize length with a valid header CRC (just past the cap: skipped whole)
    p.send(header(CONTROL, 0, 65536 + 2) + b"\0" * (65536 + 2))
    m, _ = p.recv_until(lambda m: m[0] == "error", 5)
    check(is_error(m, 7, 0), "payload 65538 -> error FRAME rid 0 (%s)" % err_text(m))
    check(ping(p, 3) is not None, "ping answered after the oversize frame")

    # 3b. a huge length with a valid header CRC: rejected, then rescanned
    p.send(header(CONTROL, 0, 0x7FFFFFF0) + b"\xaa" * 100)
    m, _ = p.recv_until(lambda m: m[0] == "error", 5)
    check(is_error(m, 7, 0), "payload 2 GiB -> error FRAME rid 0 (%s)" % err_text(m))
    check(ping(p, 4) is not None, "ping answered after the 2 GiB header")

    # 4. a bad header CRC: no frame, resync, the next frame is read
    before = ping(p, 5)
    p.send(frame(CONTROL, 0, f_int(1, 6) + f_bytes(31, f_int(1, 1)), bad_crc=True))
    after = ping(p, 7)
    check(after is not None, "ping answered after a bad-CRC header")
    m, _ = p.recv_until(lambda m: m[1] == 6, 0.3)
    check(m is None, "the bad-CRC frame was not executed")
    if before and after:
        check(one(after[2], 10) > one(before[2], 10), "pong resyncs grew (%d -> %d)"
              % (one(before[2], 10), one(after[2], 10)))

    # 5. a well-framed payload that is not protobuf
    p.send(frame(CONTROL, 0, b"\xff" * 16))
    m, _ = p.recv_until(lambda m: m[0] == "error", 5)
    check(is_error(m, 1), "non-protobuf control payload -> error BAD_REQUEST (%s)" % err_text(m))

    # 6. a valid Msg with an unknown body field
    m = p.request(8, 99, b"")
    check(is_error(m, 1, 8), "unknown message type -> error BAD_REQUEST rid 8 (%s)" % err_text(m))

    # 7. unknown ids
    for rid, field, body, what in ((9, 13, f_bytes(1, "nosuchid"), "start"),
                                   (10, 17, f_bytes(1, "nosuchid") + f_int(2, 1), "attach"),
                                   (11, 27, f_bytes(1, "nosuchid"), "inspect"),
                                   (12, 20, f_bytes(1, "nosuchid") + f_int(2, 9), "signal"),
                                   (13, 25, f_bytes(1, "nosuchid"), "remove"),
                                   (14, 24, f_bytes(1, "nosuchid"), "wait")):
        m = p.request(rid, field, body)
        check(is_error(m, 2, rid), "%s nosuchid -> error NOT_FOUND (%s)" % (what, err_text(m)))
    # data on a handle nobody attached, a resize and a detach of unknown handles
    p.send(frame(DATA, 77, struct.pack("<B3xQq", 0, 0, 0) + b"hello"))
    m = p.request(15, 21, f_int(1, 77) + f_int(2, 10) + f_int(3, 10))
    check(m is not None and m[0] in ("error", "ok"), "resize of an unknown handle answered (%s)"
          % (m[0] if m else None))
    check(ping(p, 16) is not None, "ping answered after data on an unknown handle")

    # 8. a frame of an unsupported version, and an unknown frame type
    p.send(header(CONTROL, 0, 4, version=9) + b"abcd")
    m, _ = p.recv_until(lambda m: m[0] == "error", 5)
    check(is_error(m, 7, 0), "frame version 9 -> error FRAME (%s)" % err_text(m))
    p.send(frame(7, 0, b"abcd"))
    check(ping(p, 17) is not None, "ping answered after a frame of unknown type")

    # 9. a payload CRC mismatch on a pcrc connection
    q = Peer.unix(sock)
    m = q.request(1, 10, hello_body(pcrc=True))
    check(m is not None and m[0] == "hello_reply" and one(m[2], 4) == 1, "hello with payload_crc agreed")
    body = f_int(1, 2) + f_bytes(31, f_int(1, 1))
    q.send(header(CONTROL, 0, len(body), flags=1) + body + struct.pack("<I", crc32c(body) ^ 1))
    m, _ = q.recv_until(lambda m: m[0] == "error", 5)
    check(is_error(m, 7, 0), "bad payload CRC -> error FRAME (%s)" % err_text(m))
    q.send(header(CONTROL, 0, len(body), flags=1) + body + struct.pack("<I", crc32c(body)))
    m, _ = q.recv_until(lambda m: m[0] == "pong", 5)
    check(m is not None, "ping with a good payload CRC -> pong")

    # 10. a peer that vanishes mid-frame, and a fresh client afterwards
    r = Peer.unix(sock)
    r.send(msg(1, 10, hello_body())[:30])
    r.sock.close()
    s = Peer.unix(sock)
    s.request(1, 10, hello_body())
    check(ping(s, 2) is not None, "a fresh client is served after all that")
    return not FAILS


# ---- channel over a pty pair ----
@contextlib.contextmanager
def pty_tether(tether, workdir, logname):
    """tether --channel on a raw pty pair; yields (proc, peer) and ends both."""
    import tty
    master, slave = os.openpty()
    tty.setraw(master)
    log = open(os.path.join(workdir, logname), "wb")
    proc = subprocess.Popen([tether, "--channel", os.ttyname(slave)], stdout=log, stderr=log)
    try:
        os.set_blocking(master, False)
        time.sleep(0.3)
        yield proc, Peer(master)
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
        os.close(slave)
        log.close()


def channel(tether, workdir):
    with pty_tether(tether, workdir, "channel.log") as (proc, p):
        g1 = b"\x00garbage at boot\r\nTh\x01" + bytes(range(256)).replace(b"T", b"") + b"T"
        p.send(g1)
        m = p.request(1, 10, hello_body(), timeout=10)
        check(m is not None and m[0] == "hello_reply" and one(m[2], 1) == 1,
              "hello over the pty answered (version %s)" % (one(m[2], 1) if m else None))
        if m is None:
            return False
        check(one(m[2], 5, b"").startswith(b"0."), "hello_reply carries tether_version %r"
              % one(m[2], 5, b""))
        pg1 = ping(p, 2)
        check(pg1 is not None, "ping/pong over the channel")
        g2 = b"\xde\xad\xbe\xef" * 64 + b"Th\x01\x01"
        p.send(g2)
        pg2 = ping(p, 3)
        check(pg2 is not None, "ping/pong after garbage between frames")
        if pg1 and pg2:
            r1, d1 = one(pg1[2], 10), one(pg1[2], 11)
            r2, d2 = one(pg2[2], 10), one(pg2[2], 11)
            check(d1 >= len(g1) - 40, "dropped_bytes counts the boot garbage (%d of %d)" % (d1, len(g1)))
            check(d2 - d1 >= len(g2), "dropped_bytes grew by the garbage between frames (%d)" % (d2 - d1))
            check(r2 > r1 and r1 >= 1, "resyncs counted (%d then %d)" % (r1, r2))
        # a container over the channel: create, attach, start, collect stdout, exit
        cid = "%064x" % int.from_bytes(os.urandom(32), "big")
        cfg = f_bytes(1, cid) + f_bytes(3, "sh") + f_bytes(3, "-c") + \
            f_bytes(3, "seq 1 20000; echo to-err >&2; exit 7")
        m = p.request(4, 12, f_bytes(1, cfg))
        check(m is not None and m[0] == "ok", "create over the channel (%s)" % (m[0] if m else None))
        p.send(garbage_between := b"noise\x00Th")
        m = p.request(5, 17, f_bytes(1, cid) + f_int(2, 1))
        check(m is not None and m[0] == "attached", "attach over the channel")
        m = p.request(6, 13, f_bytes(1, cid))
        check(m is not None and m[0] == "started", "start over the channel")
        out = {1: bytearray(), 2: bytearray()}
        exitm = [None]
        acked = {1: 0, 2: 0}

        def pred(mm):
            if mm[0] == "data":
                stream, off, data = mm[2]
                if off == len(out[stream]):
                    out[stream] += data
                if len(out[stream]) - acked[stream] > 65536:
                    acked[stream] = len(out[stream])
                    p.send(msg(0, 28, f_int(1, 1) + f_int(2, len(out[1])) + f_int(3, len(out[2]))))
                return False
            if mm[0] == "exit":
                exitm[0] = mm
                return True
            return False

        p.recv_until(pred, timeout=20)
        p.send(msg(0, 28, f_int(1, 1) + f_int(2, len(out[1])) + f_int(3, len(out[2]))))
        want = "".join("%d\n" % i for i in range(1, 20001)).encode()
        check(exitm[0] is not None and one(exitm[0][2], 4) == 7, "exit code 7 over the channel (%s)"
              % (one(exitm[0][2], 4) if exitm[0] else "no exit"))
        check(bytes(out[1]) == want, "stdout over the channel complete (%d of %d bytes)"
              % (len(out[1]), len(want)))
        check(bytes(out[2]) == b"to-err\n", "stderr over the channel (%r)" % bytes(out[2][:40]))
        if exitm[0]:
            check(one(exitm[0][2], 8) == len(want), "exit stdout_final = %d" % one(exitm[0][2], 8))
        check(proc.poll() is None, "tether --channel still running")
        return not FAILS


# ---- shared helpers for the session tests ----
def new_id():
    return "%064x" % int.from_bytes(os.urandom(32), "big")


def hello(sock):
    p = Peer.unix(sock)
    m = p.request(1, 10, hello_body())
    if not (m and m[0] == "hello_reply"):
        raise SystemExit("no hello_reply from %s" % sock)
    return p


def create(p, rid, cid, argv):
    cfg = f_bytes(1, cid) + b"".join(f_bytes(3, a) for a in argv)
    m = p.request(rid, 12, f_bytes(1, cfg))
    check(m is not None and m[0] == "ok", "create %s (%s)" % (cid[:12], err_text(m) if m and m[0] == "error" else m and m[0]))


def attach(p, rid, ref, handle, out_off=0, err_off=0):
    m = p.request(rid, 17, f_bytes(1, ref) + f_int(2, handle) + f_int(3, out_off) + f_int(4, err_off))
    check(m is not None and m[0] == "attached", "attach %s on handle %d (%s)"
          % (ref[:12], handle, err_text(m) if m and m[0] == "error" else m and m[0]))
    return m


def ack(p, handle, out_off, err_off, exit_run=0):
    p.send(msg(0, 28, f_int(1, handle) + f_int(2, out_off) + f_int(3, err_off)
               + (f_int(5, exit_run) if exit_run else b"")))


def collect(p, handle, out, stop, timeout=20):
    """Appends the data frames of `handle` to out[1]/out[2] (checking offsets: no gap,
    no duplicate) until stop(out, msg) is true; never acks. Returns the exit message
    of that handle if one arrived, and whether the offsets were contiguous."""
    state = {"exit": None, "gap": None}

    def pred(m):
        if m[0] == "data" and m[1] == handle:
            stream, off, data = m[2]
            if off != out[stream + 10] + len(out[stream]) and state["gap"] is None:
                state["gap"] = "stream %d: frame at %d, have up to %d" % (stream, off, out[stream + 10] + len(out[stream]))
            elif off == out[stream + 10] + len(out[stream]):
                out[stream] += data
        elif m[0] == "exit" and one(m[2], 2) == handle:
            state["exit"] = m
        return stop(out, m)

    p.recv_until(pred, timeout)
    return state["exit"], state["gap"]


def streams(base_out=0, base_err=0):
    # out[1], out[2]: bytes from the bases; out[11], out[12]: the base offsets
    return {1: bytearray(), 2: bytearray(), 11: base_out, 12: base_err}


# ---- noack: output is freed when acked, not when sent ----
def noack(sock):
    part1 = "".join("o%d\n" % i for i in range(1, 40001)).encode()
    part2 = "".join("p%d\n" % i for i in range(1, 20001)).encode()
    err = "".join("e%d\n" % i for i in range(1, 20001)).encode()
    want_out = part1 + part2
    script = "seq 1 40000 | sed s/^/o/; seq 1 20000 | sed s/^/e/ >&2; sleep 1.5; seq 1 20000 | sed s/^/p/; exit 5"
    cid = new_id()
    p1 = hello(sock)
    create(p1, 2, cid, ["sh", "-c", script])
    attach(p1, 3, cid, 1)
    m = p1.request(4, 13, f_bytes(1, cid))
    check(m is not None and m[0] == "started", "start (%s)" % (m and m[0]))
    # Client 1 reads all of the first burst; it acks only the first K bytes of stdout.
    K = 100000
    o1 = streams()
    ex, gap = collect(p1, 1, o1, lambda o, m: len(o[1]) >= len(part1) and len(o[2]) >= len(err), 20)
    check(gap is None, "client 1: offsets contiguous (%s)" % gap)
    check(bytes(o1[1][:len(part1)]) == part1 and bytes(o1[2]) == err,
          "client 1 read the first burst (%d/%d stdout, %d/%d stderr)" % (len(o1[1]), len(part1), len(o1[2]), len(err)))
    ack(p1, 1, K, 0)
    ping(p1, 5)  # the ack is taken before the ping is answered
    p1.sock.close()  # gone, as if killed: everything past K was sent and never acked
    # Client 2 attaches from offset 0: the tether resumes at what was acked (K) and
    # must still hold every byte from there, sent or not.
    p2 = hello(sock)
    m = attach(p2, 2, cid, 7, 0, 0)
    if m:
        check(one(m[2], 2) == K and one(m[2], 3) == 0,
              "attached at stdout %d stderr %d (want %d and 0: the last acked offsets)" % (one(m[2], 2), one(m[2], 3), K))
    o2 = streams(K, 0)
    ex, gap = collect(p2, 7, o2, lambda o, m: m[0] == "exit" and one(m[2], 2) == 7, 30)
    check(gap is None, "client 2: offsets contiguous (%s)" % gap)
    check(bytes(o2[1]) == want_out[K:], "client 2 got stdout from %d to the end (%d of %d bytes)"
          % (K, len(o2[1]), len(want_out) - K))
    check(bytes(o2[2]) == err, "client 2 got all of stderr (%d of %d bytes)" % (len(o2[2]), len(err)))
    check(ex is not None and one(ex[2], 4) == 5, "client 2: exit 5 (%s)" % (one(ex[2], 4) if ex else "no exit"))
    if ex:
        check(one(ex[2], 8) == len(want_out) and one(ex[2], 9) == len(err),
              "exit finals %d/%d" % (one(ex[2], 8), one(ex[2], 9)))
    # Client 2 never acked either: a third client, after it is gone, gets it all again.
    p2.sock.close()
    p3 = hello(sock)
    attach(p3, 2, cid, 9, K, 0)
    o3 = streams(K, 0)
    ex, gap = collect(p3, 9, o3, lambda o, m: m[0] == "exit" and one(m[2], 2) == 9, 30)
    check(gap is None and bytes(o3[1]) == want_out[K:] and bytes(o3[2]) == err and ex is not None,
          "client 3 (after an unacked client 2) got everything again (%d of %d stdout)" % (len(o3[1]), len(want_out) - K))
    ack(p3, 9, len(want_out), len(err), 1)
    m = p3.request(3, 25, f_bytes(1, cid) + f_int(2, 1))
    check(m is not None and m[0] == "ok", "remove (%s)" % (m and m[0]))
    return not FAILS


# ---- times: finished_ns is taken at reap and never again ----
def inspect_info(p, rid, ref):
    m = p.request(rid, 27, f_bytes(1, ref))
    if not (m and m[0] == "container_list" and 1 in m[2]):
        check(False, "inspect %s (%s)" % (ref[:12], m and m[0]))
        return {}
    return pb_decode(m[2][1][0])


def check_span(what, started, finished, lo_ms, hi_ms):
    ms = (finished - started) / 1e6
    check(started > 0 and lo_ms <= ms <= hi_ms, "%s: finished - started = %.0f ms (want %d..%d)" % (what, ms, lo_ms, hi_ms))


def early_stdin(sock):
    """stdin sent before the container's first run (a clone's VM gets its config
    before it has found its disks: the client's attach and bytes arrive first)
    waits for the process, and so does its close: the process reads it all, then
    EOF. Before the fix the bytes were taken as /dev/null takes them."""
    cid = new_id()
    p = hello(sock)
    cfg = f_bytes(1, cid) + b"".join(f_bytes(3, a) for a in ["sh", "-c", "cat; echo end"]) + f_int(8, 1)
    m = p.request(2, 12, f_bytes(1, cfg))
    check(m is not None and m[0] == "ok", "create with open stdin (%s)" % (m and m[0]))
    m = p.request(3, 17, f_bytes(1, cid) + f_int(2, 1) + f_int(5, 1))
    check(m is not None and m[0] == "attached", "attach with stdin before the start (%s)" % (m and m[0]))
    payload = b"".join(b"early line %d\n" % i for i in range(2000))
    for off in range(0, len(payload), 8192):
        p.send(frame(DATA, 1, struct.pack("<B3xQq", 0, off, 0) + payload[off:off + 8192]))
    p.send(msg(4, 22, f_int(1, 1) + f_int(2, len(payload))))
    time.sleep(0.5)  # everything is at the tether before the start
    m = p.request(5, 13, f_bytes(1, cid))
    check(m is not None and m[0] == "started", "start (%s)" % (m and m[0]))
    out = streams()
    ex, gap = collect(p, 1, out, lambda o, m: m[0] == "exit", 20)
    check(ex is not None and one(ex[2], 4) == 0, "exit 0 (%s)" % (one(ex[2], 4) if ex else "no exit"))
    check(gap is None and bytes(out[1]) == payload + b"end\n",
          "the process read every early byte, then EOF (%d of %d bytes, %r)"
          % (len(out[1]), len(payload) + 4, bytes(out[1][-20:])))
    return not FAILS


def times(sock):
    cid = new_id()
    p = hello(sock)
    create(p, 2, cid, ["sh", "-c", "sleep 1; exit 2"])
    attach(p, 3, cid, 1)
    m = p.request(4, 13, f_bytes(1, cid))
    check(m is not None and m[0] == "started", "start (%s)" % (m and m[0]))
    ex, _ = collect(p, 1, streams(), lambda o, m: m[0] == "exit", 20)
    if not check(ex is not None and one(ex[2], 4) == 2, "primary: exit 2 (%s)" % (one(ex[2], 4) if ex else "no exit")):
        return False
    st, fin = one(ex[2], 6), one(ex[2], 7)
    check_span("primary exit message", st, fin, 950, 2500)
    now = time.time_ns()
    check(fin <= now, "primary: finished_ns is not in the future (%d ns ahead)" % (fin - now))
    ack(p, 1, 0, 0, 1)
    time.sleep(1.0)  # a client that asks late must get the same times
    w = p.request(5, 24, f_bytes(1, cid))
    check(w is not None and w[0] == "exit" and one(w[2], 6) == st and one(w[2], 7) == fin,
          "primary: Wait 1 s later gives the same started/finished (%s)"
          % (str((one(w[2], 6) - st, one(w[2], 7) - fin)) if w and w[0] == "exit" else w and w[0],))
    info = inspect_info(p, 6, cid)
    check(one(info, 7) == st and one(info, 8) == fin, "primary: inspect gives the same started/finished (%s)"
          % (str((one(info, 7) - st, one(info, 8) - fin)) if info else None,))
    info2 = inspect_info(p, 7, cid)
    check(one(info2, 8) == fin, "primary: a second inspect gives the same finished")

    # an exec: its times come from the tether's own reaper
    host = new_id()
    create(p, 8, host, ["sleep", "30"])
    m = p.request(9, 13, f_bytes(1, host))
    check(m is not None and m[0] == "started", "start the exec's container (%s)" % (m and m[0]))
    xid = "times-x-%d" % os.getpid()
    m = p.request(10, 15, f_bytes(1, host) + f_bytes(2, xid) + f_int(3, 2)
                  + b"".join(f_bytes(4, a) for a in ["sh", "-c", "sleep 1; exit 3"]))
    check(m is not None and m[0] == "exec_started", "exec (%s)" % (err_text(m) if m and m[0] == "error" else m and m[0]))
    ex, _ = collect(p, 2, streams(), lambda o, m: m[0] == "exit" and one(m[2], 2) == 2, 20)
    if check(ex is not None and one(ex[2], 4) == 3, "exec: exit 3 (%s)" % (one(ex[2], 4) if ex else "no exit")):
        xst, xfin = one(ex[2], 6), one(ex[2], 7)
        check_span("exec exit message", xst, xfin, 950, 2500)
        time.sleep(1.0)
        attach(p, 11, xid, 3)  # not acked: the record is kept; a new handle gets the exit again
        ex2, _ = collect(p, 3, streams(), lambda o, m: m[0] == "exit" and one(m[2], 2) == 3, 10)
        check(ex2 is not None and one(ex2[2], 6) == xst and one(ex2[2], 7) == xfin,
              "exec: the exit 1 s later has the same started/finished (%s)"
              % (str((one(ex2[2], 6) - xst, one(ex2[2], 7) - xfin)) if ex2 else "no exit",))
    for rid, ref in ((12, cid), (13, host)):
        m = p.request(rid, 25, f_bytes(1, ref) + f_int(2, 1))
        check(m is not None and m[0] == "ok", "remove %s (%s)" % (ref[:12], m and m[0]))
    return not FAILS


# ---- restarts: one attachment sees every run's output and exit, in order ----
def restarts(sock, counter):
    script = ("n=$(cat %s 2>/dev/null || echo 0); n=$((n+1)); echo $n >%s; echo out$n; echo err$n >&2; exit 3"
              % (counter, counter))
    cid = new_id()
    p = hello(sock)
    policy = f_bytes(1, "on-failure") + f_int(2, 3)
    cfg = f_bytes(1, cid) + b"".join(f_bytes(3, a) for a in ["sh", "-c", script]) + f_bytes(23, policy)
    m = p.request(2, 12, f_bytes(1, cfg))
    check(m is not None and m[0] == "ok", "create with on-failure:3 (%s)" % (err_text(m) if m and m[0] == "error" else m and m[0]))
    attach(p, 3, cid, 1)
    m = p.request(4, 13, f_bytes(1, cid))
    check(m is not None and m[0] == "started", "start (%s)" % (m and m[0]))
    out = streams()
    exits = []
    state = {"gap": None}

    def pred(m):
        if m[0] == "data" and m[1] == 1:
            stream, off, data = m[2]
            have = out[stream + 10] + len(out[stream])
            if off != have and state["gap"] is None:
                state["gap"] = "stream %d: frame at %d, have up to %d" % (stream, off, have)
            elif off == have:
                out[stream] += data
                ack(p, 1, len(out[1]), len(out[2]))
        elif m[0] == "exit" and one(m[2], 2) == 1:
            exits.append(m[2])
            check(one(m[2], 8) == len(out[1]) and one(m[2], 9) == len(out[2]),
                  "exit of run %d after all its output (finals %d/%d, have %d/%d)"
                  % (one(m[2], 3), one(m[2], 8), one(m[2], 9), len(out[1]), len(out[2])))
            ack(p, 1, len(out[1]), len(out[2]), one(m[2], 3))
        return len(exits) >= 4

    p.recv_until(pred, 15)
    check(state["gap"] is None, "offsets continue across runs (%s)" % state["gap"])
    check(bytes(out[1]) == b"out1\nout2\nout3\nout4\n", "stdout of the 4 runs in order: %r" % bytes(out[1]))
    check(bytes(out[2]) == b"err1\nerr2\nerr3\nerr4\n", "stderr of the 4 runs in order: %r" % bytes(out[2]))
    check([one(e, 3) for e in exits] == [1, 2, 3, 4], "runs %r" % [one(e, 3) for e in exits])
    check(all(one(e, 4) == 3 for e in exits), "every run exited 3")
    check([one(e, 11) for e in exits] == [1, 1, 1, 0], "exit says whether a run follows: %r" % [one(e, 11) for e in exits])
    check([one(e, 12) for e in exits] == [1, 2, 3, 3], "exit carries RestartCount: %r" % [one(e, 12) for e in exits])
    if len(exits) == 4:
        gaps = [(one(exits[k + 1], 6) - one(exits[k], 7)) / 1e6 for k in range(3)]
        print("  back-off gaps (ms):", ["%.0f" % g for g in gaps])
        check(gaps[0] >= 90 and gaps[1] >= 1.6 * gaps[0] and gaps[2] >= 1.6 * gaps[1] and gaps[2] < 2000,
              "back-off doubles from 100 ms: %r" % ["%.0f" % g for g in gaps])
    m, _ = p.recv_until(lambda m: m[0] == "exit" and one(m[2], 2) == 1, 1.5)
    check(m is None, "no fifth run (on-failure:3)")
    m = p.request(5, 25, f_bytes(1, cid) + f_int(2, 1))
    check(m is not None and m[0] == "ok", "remove (%s)" % (m and m[0]))
    return not FAILS



# ---- hostile: the cases badinput leaves out (docs/bad-input.md) ----
def vm_rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def what(m):
    """An error's text, else the kind of the reply."""
    return err_text(m) if m is None or m[0] == "error" else m[0]


def hostile(sock, tpid=0, rss_slack_kb=0):
    # 1. a hello with no common version: ERR_VERSION with the ranges; the
    # connection stays un-helloed (requests refused) until a good hello
    p = Peer.unix(sock)
    m = p.request(1, 10, f_int(1, 5) + f_int(2, 9) + f_bytes(6, "htest"))
    check(is_error(m, 6, 1) and "no common protocol version: client 5..9" in what(m),
          "hello for versions 5..9 -> error VERSION (%s)" % what(m))
    m = p.request(2, 31, f_int(1, 1))
    check(is_error(m, 1, 2), "ping after the refused hello -> BAD_REQUEST (%s)" % what(m))
    m = p.request(3, 10, hello_body())
    check(m is not None and m[0] == "hello_reply", "a good hello afterwards is answered")

    # 2. out-of-order stdin: a gap is refused, an overlap taken once, nothing lost
    cid = new_id()
    cfg = f_bytes(1, cid) + f_bytes(3, "cat") + f_int(8, 1)
    m = p.request(4, 12, f_bytes(1, cfg))
    check(m is not None and m[0] == "ok", "create cat with open stdin (%s)" % what(m))
    m = p.request(5, 17, f_bytes(1, cid) + f_int(2, 1) + f_int(5, 1))
    check(m is not None and m[0] == "attached", "attach with stdin (%s)" % what(m))
    m = p.request(6, 13, f_bytes(1, cid))
    check(m is not None and m[0] == "started", "start (%s)" % what(m))

    def stdin(off, data):
        p.send(frame(DATA, 1, struct.pack("<B3xQq", 0, off, 0) + data))
    stdin(10, b"LATE")
    m, _ = p.recv_until(lambda m: m[0] == "error", 5)
    check(is_error(m, 1) and "stdin offset gap" in what(m), "stdin at offset 10 first -> error (%s)" % what(m))
    stdin(0, b"0123456789")
    stdin(5, b"56789abc")      # overlaps: only "abc" is new
    stdin(2, b"23")            # entirely old: ignored
    p.send(msg(7, 22, f_int(1, 1) + f_int(2, 13)))
    out = streams()
    ex, gap = collect(p, 1, out, lambda o, m: m[0] == "exit" and one(m[2], 2) == 1, 10)
    check(gap is None and bytes(out[1]) == b"0123456789abc",
          "cat read each stdin byte once, in order (%r, %s)" % (bytes(out[1]), gap))
    check(ex is not None and one(ex[2], 4) == 0, "cat exit 0 (%s)" % (one(ex[2], 4) if ex else "no exit"))

    # 3. a client that acks output it was never sent frees nothing it did not get
    cid2 = new_id()
    create(p, 8, cid2, ["sh", "-c", "sleep 0.3; echo first; sleep 0.3; echo second"])
    attach(p, 9, cid2, 2)
    ack(p, 2, 1 << 60, 1 << 60)
    m = p.request(10, 13, f_bytes(1, cid2))
    check(m is not None and m[0] == "started", "start (%s)" % what(m))
    ack(p, 2, 1 << 62, 0)
    p.send(msg(0, 28, f_int(1, 4242) + f_int(2, 99)))  # an ack on a handle nobody has
    m = p.request(17, 19, f_int(1, 4242))
    check(is_error(m, 2, 17) and what(m) == "no such handle", "detach of a handle nobody has -> NOT_FOUND (%s)" % what(m))
    m = p.request(18, 21, f_int(1, 4242) + f_int(2, 10) + f_int(3, 10))
    check(is_error(m, 2, 18) and what(m) == "no tty on that handle", "resize of a handle nobody has -> NOT_FOUND (%s)" % what(m))
    ex, gap = collect(p, 2, (o := streams()), lambda o, m: m[0] == "exit" and one(m[2], 2) == 2, 10)
    check(gap is None and bytes(o[1]) == b"first\nsecond\n" and ex is not None and one(ex[2], 8) == 13,
          "acks past what was sent freed nothing early (%r, final %s)" % (bytes(o[1]), one(ex[2], 8) if ex else None))
    p2 = hello(sock)  # a second client from 0 still gets every byte: nothing was freed unsent
    attach(p2, 2, cid2, 5)
    ex2, _ = collect(p2, 5, (o2 := streams()), lambda o, m: m[0] == "exit" and one(m[2], 2) == 5, 10)
    check(bytes(o2[1]) == b"first\nsecond\n", "a later client from offset 0 got all (%r)" % bytes(o2[1]))
    ack(p2, 5, 13, 0, 1)

    # 4. data frames the session layer cannot take: a short sub-header, stream 3
    # (refused by data_hdr_decode), stdout data from a client, an unknown handle
    p.send(frame(DATA, 1, b"\x00\x00"))
    p.send(frame(DATA, 1, struct.pack("<B3xQq", 3, 0, 0) + b"x"))
    p.send(frame(DATA, 2, struct.pack("<B3xQq", 1, 0, 0) + b"fake stdout"))
    p.send(frame(DATA, 0xFFFFFFFF, struct.pack("<B3xQq", 0, 1 << 63, 0) + b"y"))
    p.send(msg(11, 31, f_int(1, 1)))
    pg, seen = p.recv_until(lambda m: m[0] == "pong" and m[1] == 11, 5)
    errs = [(one(m[2], 1), what(m)) for m in seen if m[0] == "error"]
    want = [(1, "data frame: bad sub-header or not stdin")] * 3 + [(2, "data frame for an unknown handle")]
    check(errs == want, "bad data frames -> 3 BAD_REQUEST, 1 NOT_FOUND (%r)" % errs)
    check(pg is not None, "ping answered after malformed data frames")

    # 5. a truncated frame: a header promising 100 bytes, 30 sent; the decoder
    # waits for the rest, the next bytes complete it (the peer's framing is
    # broken, so the connection loses one frame's worth), and it serves on
    r = hello(sock)
    r.send(header(CONTROL, 0, 100) + b"\x08" * 30)
    time.sleep(0.2)
    r.send(b"\0" * 70)
    m, _ = r.recv_until(lambda m: m[0] == "error", 5)
    check(is_error(m, 1), "the completed junk frame -> BAD_REQUEST (%s)" % what(m))
    check(ping(r, 12) is not None, "ping answered after the truncated frame")

    # 6. invalid UTF-8 through the raw protocol: a name is refused as docker
    # refuses it; argv and env bytes are taken as they are, and tetherctl lists
    # and inspects them as valid UTF-8 (U+FFFD), never a crash
    cfg = f_bytes(1, new_id()) + f_bytes(2, b"bad\xff\xfename") + f_bytes(3, b"true")
    m = p.request(13, 12, f_bytes(1, cfg))
    check(is_error(m, 1, 13) and "Invalid container name (bad" in what(m),
          "create with an invalid UTF-8 name -> BAD_REQUEST (%s)" % what(m))
    cid3 = new_id()
    cfg = f_bytes(1, cid3) + f_bytes(2, "utf8-args") + f_bytes(3, b"echo") + f_bytes(3, b"x\xc3(y") \
        + f_bytes(4, b"BAD=\xff\xfe")
    m = p.request(13, 12, f_bytes(1, cfg))
    check(m is not None and m[0] == "ok", "create with argv and env that are not UTF-8 (%s)" % what(m))
    state = {"cid3": cid3 if m and m[0] == "ok" else None}

    # 7. memory stays bounded: 300 rounds of garbage, oversize headers, junk
    # payloads and refused hellos on fresh connections
    rss0 = vm_rss_kb(tpid) if tpid else -1
    for i in range(300):
        q = Peer.unix(sock)
        q.send(bytes(range(256)) * 8 + header(CONTROL, 0, 0x7FFFFFF0) + header(CONTROL, 0, 4, version=9) + b"abcd")
        q.send(msg(1, 10, f_int(1, 7) + f_int(2, 8)) + frame(CONTROL, 0, b"\xff" * 64))
        if i % 50 == 0:
            q.recv_until(lambda m: False, 0.05)
        q.sock.close()
    check(ping(p, 14) is not None, "ping answered after 300 hostile connections")
    if tpid:
        rss1 = vm_rss_kb(tpid)
        check(rss1 - rss0 <= rss_slack_kb, "tether RSS %d -> %d kB (growth <= %d kB)" % (rss0, rss1, rss_slack_kb))
    for rid, ref in ((15, cid), (16, cid2)):
        m = p.request(rid, 25, f_bytes(1, ref) + f_int(2, 1))
        check(m is not None and m[0] == "ok", "remove %s (%s)" % (ref[:12], what(m)))
    if state["cid3"]:
        print("UTF8CID", state["cid3"])
    return not FAILS


def raw(sock, hexstr):
    p = Peer.unix(sock)
    p.send(bytes.fromhex(hexstr))
    _, seen = p.recv_until(lambda m: False, 1)
    for m in seen:
        print(m)
    return True


if __name__ == "__main__":
    cmd = sys.argv[1]
    ok = {"badinput": lambda: badinput(sys.argv[2]),
          "channel": lambda: channel(sys.argv[2], sys.argv[3]),
          "noack": lambda: noack(sys.argv[2]),
          "times": lambda: times(sys.argv[2]),
          "earlystdin": lambda: early_stdin(sys.argv[2]),
          "restarts": lambda: restarts(sys.argv[2], sys.argv[3]),
          "hostile": lambda: hostile(sys.argv[2], *[int(a) for a in sys.argv[3:5]]),
          "raw": lambda: raw(sys.argv[2], sys.argv[3])}[cmd]()
    sys.exit(0 if ok else 1)
