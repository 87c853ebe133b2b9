#!/usr/bin/env python3
"""Writes image archives as `docker save` (docker 20.10) lays them out, for the
load tests: manifest.json, <config-hex>.json, <layer-id>/layer.tar.

  mkimage.py OUT.tar --tag NAME:TAG [--layers N] [--bad KIND]

The bottom layer is a busybox root (Debian's busybox-static, an applet link
per command the tests use, /etc/passwd and /etc/group); the next ones are:
  2: /data/keep, /data/gone, /data/old/x, /opq/a
  3: a whiteout for /data/gone, /opq made opaque (/opq/a hidden) with /opq/b
  4..N: /layers/N (one file each: a 20-layer image)
The config sets Env, Cmd, WorkingDir, Labels, StopSignal, ExposedPorts,
Volumes and a Healthcheck as a Dockerfile would.

--bad KIND makes a hostile archive: digest (a layer that does not match its
diff id), dotdot (an entry ../escape), abs (an entry /abs-escape), symlink (a
symlink to / followed by an entry through it), hardlink (a hard link to
/etc/passwd), bomb (a gzip layer of 256 MiB of zeros in 250 KiB: the test
sets TETHER_LAYER_MAX_MB below it).
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import tarfile

APPLETS = ["sh", "echo", "cat", "ls", "true", "false", "sleep", "env", "id", "pwd", "test", "grep", "wc",
           "head", "sha256sum", "ps", "kill", "mkdir", "rm", "touch", "stat", "hostname", "date", "uname"]


def add_file(t, name, data, mode=0o644, uid=0, gid=0):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mode = mode
    ti.uid, ti.gid = uid, gid
    ti.mtime = 1700000000
    t.addfile(ti, io.BytesIO(data))


def add_dir(t, name, mode=0o755):
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.DIRTYPE
    ti.mode = mode
    ti.mtime = 1700000000
    t.addfile(ti)


def add_link(t, name, target, hard=False):
    ti = tarfile.TarInfo(name)
    ti.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    ti.linkname = target
    ti.mtime = 1700000000
    t.addfile(ti)


def layer(build):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        build(t)
    return buf.getvalue()


def base(t):
    for d in ["bin", "etc", "tmp", "root", "data", "proc", "sys", "dev", "run"]:
        add_dir(t, d, 0o1777 if d == "tmp" else 0o755)
    with open(os.environ.get("BUSYBOX", "/bin/busybox"), "rb") as f:
        add_file(t, "bin/busybox", f.read(), 0o755)
    for a in APPLETS:
        add_link(t, "bin/" + a, "busybox")
    add_file(t, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n")
    add_file(t, "etc/group", b"root:x:0:\nnobody:x:65534:\n")
    # the image's VOLUME /vol holds files: a new volume gets them (copy-up)
    ti = tarfile.TarInfo("vol")
    ti.type, ti.mode, ti.uid, ti.gid, ti.mtime = tarfile.DIRTYPE, 0o750, 1000, 1000, 1700000000
    t.addfile(ti)
    add_file(t, "vol/seed", b"from the image\n", 0o640, 1000, 1000)
    add_link(t, "vol/link", "/etc/passwd")


def second(t):
    add_dir(t, "data")
    add_file(t, "data/keep", b"kept\n")
    add_file(t, "data/gone", b"should be deleted\n")
    add_dir(t, "data/old")
    add_file(t, "data/old/x", b"x\n")
    add_dir(t, "opq")
    add_file(t, "opq/a", b"a\n")


def third(t):
    add_dir(t, "data")
    add_file(t, "data/.wh.gone", b"")
    add_dir(t, "opq")
    add_file(t, "opq/.wh..wh..opq", b"")
    add_file(t, "opq/b", b"b\n")


def nth(n):
    def build(t):
        add_dir(t, "layers")
        add_file(t, "layers/%d" % n, b"layer %d\n" % n)
    return build


def hostile(kind):
    def build(t):
        if kind == "dotdot":
            add_file(t, "../escape", b"out\n")
        elif kind == "abs":
            add_file(t, "/abs-escape-" + str(os.getpid()), b"out\n")
        elif kind == "symlink":
            add_link(t, "up", "/")
            add_file(t, "up/tmp/symlink-escape", b"out\n")
        elif kind == "hardlink":
            add_link(t, "pw", "/etc/passwd", hard=True)
        elif kind == "bomb":
            ti = tarfile.TarInfo("zeros")
            ti.size = BOMB_BYTES
            ti.mtime = 1700000000

            class Zeros(io.RawIOBase):
                def readable(self):
                    return True

                def readinto(self, b):
                    b[:] = bytes(len(b))
                    return len(b)
            t.addfile(ti, io.BufferedReader(Zeros(), 1 << 20))
    return build


BOMB_BYTES = 256 << 20  # gzip makes it 250 KiB: the test bounds layers at 64 MiB


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--tag", action="append", default=[])
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--bad", default="")
    a = ap.parse_args()
    builds = [base, second, third][: a.layers] + [nth(i) for i in range(4, a.layers + 1)]
    if a.bad and a.bad != "digest":
        builds.append(hostile(a.bad))
    blobs = [layer(b) for b in builds]
    diff_ids = ["sha256:" + hashlib.sha256(b).hexdigest() for b in blobs]
    if a.bad == "bomb":
        blobs[-1] = gzip.compress(blobs[-1], 1)
    if a.bad == "digest":
        blobs[-1] = blobs[-1][:-1024] + b"\1" + blobs[-1][-1023:]
    config = {
        "architecture": "amd64", "os": "linux", "created": "2026-11-30T12:00:00.123456789Z",
        "config": {
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "FROM_IMAGE=yes",
                    "OVERRIDE=image"],
            "Cmd": ["sh", "-c", "echo image-cmd in $(pwd)"], "WorkingDir": "/data",
            "Labels": {"org.test.layer": "image", "org.test.keep": "yes"}, "StopSignal": "SIGUSR1",
            "ExposedPorts": {"80/tcp": {}}, "Volumes": {"/vol": {}},
            "Healthcheck": {"Test": ["CMD-SHELL", "test -e /data/keep"], "Interval": 1000000000,
                            "Retries": 2},
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2026-11-30T12:00:00Z", "created_by": "mkimage.py"} for _ in blobs],
    }
    cfg = json.dumps(config, sort_keys=True).encode()
    cfg_hex = hashlib.sha256(cfg).hexdigest()
    with tarfile.open(a.out, "w", format=tarfile.PAX_FORMAT) as t:
        paths = []
        for i, b in enumerate(blobs):
            lid = hashlib.sha256(b"%d" % i + diff_ids[i].encode()).hexdigest()
            add_dir(t, lid)
            add_file(t, lid + "/VERSION", b"1.0")
            add_file(t, lid + "/layer.tar", b)
            add_file(t, lid + "/json", json.dumps({"id": lid}).encode())
            paths.append(lid + "/layer.tar")
        add_file(t, cfg_hex + ".json", cfg)
        add_file(t, "manifest.json", json.dumps([{"Config": cfg_hex + ".json", "RepoTags": a.tag,
                                                   "Layers": paths}]).encode())
    print("sha256:" + cfg_hex)


if __name__ == "__main__":
    main()
