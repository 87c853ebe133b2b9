#!/usr/bin/env python3
"""Runs a command on a fresh pty of ROWSxCOLS (its controlling terminal), prints
what it writes; after the output contains MARK, resizes the pty to NEWROWSxNEWCOLS
(the kernel sends SIGWINCH to the foreground group; we send one too).
  ttydrive.py ROWS COLS MARK NEWROWS NEWCOLS TIMEOUT -- CMD...
Exit status: the command's (or 124 on timeout)."""
import fcntl, os, select, signal, struct, sys, termios, time

rows, cols, mark, nrows, ncols, tmo = sys.argv[1:7]
cmd = sys.argv[8:]
master, slave = os.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", int(rows), int(cols), 0, 0))
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.close(master)
    os.execvp(cmd[0], cmd)
os.close(slave)
out = bytearray()
resized = False
end = time.monotonic() + float(tmo)
status = None
eof = False  # every slave fd closed (EIO): the master stays "readable" from then on
while time.monotonic() < end:
    r, _, _ = select.select([] if eof else [master], [], [], 0.1)
    if r:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b""
        if data:
            out += data
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            eof = True
    if not resized and mark and mark.encode() in out:
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", int(nrows), int(ncols), 0, 0))
        os.kill(pid, signal.SIGWINCH)
        resized = True
    if status is None:
        p, st = os.waitpid(pid, os.WNOHANG)
        if p:
            status = st
    if status is not None and (eof or not r):
        break
if status is None:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    sys.exit(124)
sys.exit(os.waitstatus_to_exitcode(status))
