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
