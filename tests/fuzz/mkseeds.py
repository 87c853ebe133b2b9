#!/usr/bin/env python3
"""Writes the binary seeds of tests/fuzz/corpus/ (protobuf and framed inputs
that are tedious to write by hand), with tests/host/tproto.py's encoders.
Run from the repository top: python3 tests/fuzz/mkseeds.py"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "host"))
from tproto import f_bytes, f_int  # noqa: E402

CID = "ab" * 32
CID2 = "cd" * 32


def write(target, name, data):
    d = os.path.join("tests", "fuzz", "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def config(cid=CID, argv=("sh", "-c", "echo hi"), extra=b""):
    return f_bytes(1, cid) + b"".join(f_bytes(3, a) for a in argv) + extra


def disk(serial, role, path="", ro=True):
    return f_bytes(1, serial) + f_int(2, role) + (f_bytes(3, path) if path else b"") + (f_int(4, 1) if ro else b"")


# ---- cfg: a packed ContainerConfig as fw_cfg holds it ----
write("cfg", "plain", config())
write("cfg", "full", config(extra=f_bytes(2, "web-1") + f_bytes(4, "PATH=/bin") + f_bytes(4, "A=b")
                      + f_bytes(5, "/srv") + f_bytes(6, "1000:100") + f_int(7, 1) + f_int(8, 1)
                      + f_int(9, 15) + f_int(10, 3) + f_bytes(11, "host") + f_bytes(12, disk("layer0", 1))
                      + f_bytes(12, disk("top", 2, ro=False))
                      + f_bytes(12, disk("vol1", 3, "/data", ro=False)) + f_bytes(16, "db:10.0.0.2") + f_bytes(17, "10.0.0.1")
                      + f_int(18, 1) + f_int(19, 24) + f_int(20, 80) + f_int(24, 1) + f_bytes(25, "busybox")
                      + f_bytes(26, "k=v")))
write("cfg", "health", config(extra=f_bytes(22, f_bytes(1, "CMD-SHELL") + f_bytes(1, "true")
                                           + f_int(2, 1000000000) + f_int(3, 500000000) + f_int(5, 3))
                             + f_bytes(23, f_bytes(1, "on-failure") + f_int(2, 2))))
write("cfg", "bad-env", config(extra=f_bytes(4, "=x")))


# ---- tether: operations of tests/fuzz/tether.c ----
def m(rid, field, body):
    return f_int(1, rid) + f_bytes(field, body)


def ctrl(msgbytes, client=0):
    return bytes([0 | client << 4]) + struct.pack("<H", len(msgbytes)) + msgbytes


def data(handle, stream, off, b, client=0):
    return bytes([1 | client << 4, handle, stream]) + struct.pack("<HH", off, len(b)) + b


def ack(handle, client=0):
    return bytes([3 | client << 4, handle])


def proc(k, act, arg=0, b=None):
    out = bytes([4, k, act]) + struct.pack("<H", arg)
    if act in (0, 1, 7):
        out += struct.pack("<H", len(b or b"")) + (b or b"")
    return out


def tick(ms):
    return bytes([5]) + struct.pack("<H", ms // 4)


def create(rid, cfg):
    return ctrl(m(rid, 12, f_bytes(1, cfg)))


def attach(rid, ref, handle, stdin=False, client=0):
    return ctrl(m(rid, 17, f_bytes(1, ref) + f_int(2, handle) + (f_int(5, 1) if stdin else b"")), client)


def start(rid, ref):
    return ctrl(m(rid, 13, f_bytes(1, ref)))


run_out = (create(2, config()) + attach(3, CID, 5) + start(4, CID) + proc(0, 6) + proc(0, 9)
           + proc(0, 0, 0, b"hello\n") + proc(0, 1, 0, b"oops\n") + ack(5) + proc(0, 12, 0x0300) + ack(5)
           + ctrl(m(6, 27, f_bytes(1, "abab"))) + ctrl(m(7, 25, f_bytes(1, CID))))
write("tether", "run-output-exit", run_out)
write("tether", "tty-stdin", create(2, config(extra=f_int(7, 1) + f_int(8, 1))) + attach(3, CID, 2, True)
      + start(4, CID) + proc(0, 10) + proc(0, 6) + ctrl(m(5, 21, f_int(1, 2) + f_int(2, 40) + f_int(3, 100)))
      + data(2, 0, 0, b"ls\n") + proc(0, 4) + proc(0, 0, 0, b"bin etc\r\n") + ack(2)
      + ctrl(m(6, 22, f_int(1, 2) + f_int(2, 3))) + proc(0, 12, 0) + ack(2))
write("tether", "exec", create(2, config()) + start(3, CID) + proc(0, 6) + proc(0, 9)
      + ctrl(m(4, 15, f_bytes(1, CID) + f_bytes(2, "e1") + f_int(3, 7) + f_bytes(4, "ps") + f_int(9, 1)))
      + proc(1, 6) + proc(1, 11) + proc(1, 0, 0, b"PID\n") + ack(7) + proc(1, 12, 0x0100) + tick(1200) + ack(7)
      + ctrl(m(5, 17, f_bytes(1, "e1") + f_int(2, 8))) + ctrl(m(6, 20, f_bytes(1, CID) + f_int(2, 15))))
write("tether", "stop-timeout", create(2, config(extra=f_int(10, 2))) + start(3, CID) + proc(0, 6)
      + ctrl(m(4, 24, f_bytes(1, CID)), 1) + ctrl(m(5, 23, f_bytes(1, CID))) + tick(2500) + ack(0, 1))
write("tether", "init-restart", create(2, config(extra=f_int(24, 1) + f_bytes(23, f_bytes(1, "always"))))
      + start(3, CID) + proc(0, 6) + proc(0, 9) + proc(0, 8, 0x0100) + proc(0, 12, 0) + tick(200)
      + proc(0, 6) + ctrl(m(4, 20, f_bytes(1, CID) + f_int(2, 2))) + proc(0, 13)
      + ctrl(m(5, 26, f_int(1, 1))) + ctrl(m(6, 31, f_int(1, 5))))
write("tether", "health-two-clients", create(2, config(extra=f_bytes(2, "web") + f_bytes(22, f_bytes(1, "CMD")
                                                            + f_bytes(1, "true") + f_int(2, 1000000000))))
      + attach(3, "web", 1) + attach(4, "web", 1, client=1) + start(5, "web") + proc(0, 6)
      + tick(1100) + proc(1, 6) + proc(1, 0, 0, b"ok") + proc(1, 12, 0) + tick(100) + create(6, config(CID2))
      + bytes([6, 0]) + ctrl(m(7, 25, f_bytes(1, "web") + f_int(2, 1))))
write("tether", "garbage", bytes([2]) + struct.pack("<H", 9) + b"Th\x01\x01garb" + ctrl(b"\xff\xff")
      + data(9, 3, 0, b"x"))


# ---- image: parts of tests/fuzz/image.c, NUL-separated; "@N"/"%N"/"#N" = part N's digest/path/size ----
DIFF = "sha256:" + "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
CONFIG = ('{"architecture":"amd64","os":"linux","created":"2024-01-02T03:04:05Z","config":{"Cmd":["sh"],'
          '"Entrypoint":["/init"],"Env":["PATH=/bin","A=2"],"User":"nobody","WorkingDir":"/w",'
          '"Labels":{"a":"b"},"ExposedPorts":{"80/tcp":{}},"Volumes":{"/data":{}},"StopSignal":"SIGINT",'
          '"Healthcheck":{"Test":["CMD","true"],"Interval":1000000000,"Retries":3}},'
          '"rootfs":{"type":"layers","diff_ids":["%s"]}}' % DIFF)
write("image", "docker-save", b"\0".join([
    b'[{"Config":"%1","RepoTags":["busybox:latest","localhost:5000/x/y:1"],"Layers":["%2"]}]',
    CONFIG.encode(), b"layer tar bytes"]))
OCI_MANIFEST = ('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",'
                '"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"@%d","size":#%d},'
                '"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"@%d","size":#%d}]}')
write("image", "oci", b"\0".join([
    b'{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",'
    b'"digest":"@1","size":#1,"annotations":{"io.containerd.image.name":"docker.io/library/alpine:3"},'
    b'"platform":{"architecture":"amd64","os":"linux"}}]}',
    (OCI_MANIFEST % (2, 2, 3, 3)).encode(), CONFIG.encode(), b"gzip bytes"]))
write("image", "oci-nested", b"\0".join([
    b'{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"@1",'
    b'"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}',
    b'{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"@2",'
    b'"platform":{"architecture":"arm64"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json",'
    b'"digest":"@3","annotations":{"org.opencontainers.image.ref.name":"example.com/app:v1"}}]}',
    (OCI_MANIFEST % (4, 4, 5, 5)).encode(), (OCI_MANIFEST % (4, 4, 5, 5)).encode(), CONFIG.encode(), b"l"]))


# ---- proxy: operations of tests/fuzz/proxy.c ----
PCID = "fedcba9876543210" * 4


def guest(msgbytes):
    return bytes([0]) + struct.pack("<H", len(msgbytes)) + msgbytes


def gdata(h, stream, off, b):
    return bytes([1, h, stream]) + struct.pack("<HH", off, len(b)) + b


def client(cl, msgbytes, data_handle=None):
    if data_handle is None:
        return bytes([2, cl, 0, 0]) + struct.pack("<H", len(msgbytes)) + msgbytes
    return bytes([2, cl, 1, data_handle]) + struct.pack("<H", len(msgbytes)) + msgbytes


exit_body = (f_bytes(1, PCID) + f_int(2, 2) + f_int(3, 1) + f_int(4, 3) + f_int(6, 1700000000000000000)
             + f_int(7, 1700000001000000000) + f_int(8, 5) + f_int(9, 0) + f_bytes(10, "why"))
write("proxy", "attach-data-exit",
      client(0, m(7, 17, f_bytes(1, PCID) + f_int(2, 5) + f_int(5, 1)))
      + guest(m(1, 18, f_int(1, 2) + f_int(2, 0) + f_int(3, 0) + f_bytes(5, PCID)))
      + gdata(2, 1, 0, b"hello") + client(0, m(0, 28, f_int(1, 5) + f_int(2, 5)))
      + client(0, b"\x01" + bytes(16) + b"in", data_handle=5)
      + guest(m(0, 29, exit_body)) + bytes([3, 0]))
write("proxy", "log-and-info", bytes([4]) + gdata(1, 1, 0, b"out\n") + gdata(1, 2, 0, b"err\n")
      + guest(m(0, 33, f_int(1, 1) + f_int(2, 1700000000000000000) + f_int(3, 1)))
      + guest(m(2, 30, f_bytes(1, f_bytes(1, config(PCID)) + f_bytes(2, "running") + f_int(3, 42) + f_int(9, 1))))
      + guest(m(0, 14, f_bytes(1, PCID) + f_int(2, 1) + f_int(3, 42) + f_int(5, 1)))
      + guest(m(0, 29, exit_body.replace(f_int(2, 2), f_int(2, 1)))) + bytes([5, 1]))
write("proxy", "exec-two-clients",
      client(1, m(3, 15, f_bytes(1, PCID) + f_bytes(2, "x1") + f_int(3, 9) + f_bytes(4, "ls")))
      + client(0, m(4, 26, f_int(1, 1))) + guest(m(1, 16, f_bytes(1, "x1") + f_int(2, 77)))
      + guest(m(2, 30, f_int(2, 1))) + guest(m(2, 30, b"")) + gdata(2, 1, 0, b"a")
      + guest(m(0, 29, f_bytes(1, "x1") + f_int(2, 2))) + guest(m(9, 35, f_int(1, 3) + f_bytes(2, "bad")))
      + bytes([6]))

# ---- netlink: seq, 16 bytes of request arguments, then the kernel's reply ----
NLMSG_ERROR, NLMSG_DONE, RTM_NEWLINK = 2, 3, 16


def nlmsg(mtype, seq, payload, flags=0):
    body = payload + bytes(-len(payload) % 4)
    return struct.pack("<IHHII", 16 + len(payload), mtype, flags, seq, 0) + body


def nlerr(seq, errno, req_type=RTM_NEWLINK):
    return nlmsg(NLMSG_ERROR, seq, struct.pack("<i", -errno) + struct.pack("<IHHII", 32, req_type, 5, seq, 0))


ARGS = struct.pack("<IIbBIH", 3, 1500, 24, 1, 0x0f02000a, 0x0101)  # if 3, mtu 1500, /24, unicast
write("netlink", "ack", struct.pack("<I", 7) + ARGS + nlerr(7, 0))
write("netlink", "eexist", struct.pack("<I", 7) + ARGS + nlerr(7, 17))
write("netlink", "other-seq-then-ack", struct.pack("<I", 9) + ARGS + nlerr(8, 1) + nlmsg(NLMSG_DONE, 9, b"\0" * 4)
      + nlerr(9, 0))
write("netlink", "short-error", struct.pack("<I", 1) + ARGS + nlmsg(NLMSG_ERROR, 1, b"\xff\xff"))
write("netlink", "link-dump", struct.pack("<I", 2) + ARGS + nlmsg(RTM_NEWLINK, 2, bytes(16) + b"\x08\x00\x04\x00\xdc\x05\x00\x00"))

# ---- seccomp: docker-format profiles (the default one is the unit fixture's) ----
write("seccomp", "small-errno", b'{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"architectures":'
      b'["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"syscalls":[{"names":["read","write","exit_group"],'
      b'"action":"SCMP_ACT_ALLOW"}]}')
write("seccomp", "args-caps", b'{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["clone"],'
      b'"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":2114060288,"op":"SCMP_CMP_MASKED_EQ"}],'
      b'"excludes":{"caps":["CAP_SYS_ADMIN"]}},{"names":["personality"],"action":"SCMP_ACT_ALLOW",'
      b'"args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]},{"names":["reboot"],"action":"SCMP_ACT_ALLOW",'
      b'"includes":{"caps":["CAP_SYS_BOOT"],"minKernel":"4.8"}}]}')
write("seccomp", "archmap", b'{"defaultAction":"SCMP_ACT_KILL_PROCESS","archMap":[{"architecture":'
      b'"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86","SCMP_ARCH_X32"]}],"syscalls":['
      b'{"name":"getpid","action":"SCMP_ACT_ERRNO","errnoRet":38},{"names":["ptrace"],'
      b'"action":"SCMP_ACT_TRACE","includes":{"arches":["amd64"]}}]}')
write("seccomp", "unconfined", b"{}")
