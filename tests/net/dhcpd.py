#!/usr/bin/env python3
"""A scripted DHCP server for tests/net (runs in the server namespace, on one
interface, for a bounded time). It answers DISCOVER with an OFFER and REQUEST
with an ACK of short leases, and misbehaves as its mode says:
  nak     the first renewal (a REQUEST with ciaddr set) gets a NAK; the
          client's next DISCOVER gets the next address
  expire  after the first lease nothing gets an answer: it runs out
Usage: dhcpd.py IFNAME SERVER_IP MODE SECONDS"""
import socket
import struct
import sys
import time

ifname, server_ip, mode, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
COOKIE = b"\x63\x82\x53\x63"
net = server_ip.rsplit(".", 1)[0]
pool = [net + ".70", net + ".71", net + ".72"]
LEASE, T1, T2 = (30, 1, 2) if mode == "nak" else (3, 1, 2)

def options(raw):
    out, i = {}, 0
    while i < len(raw):
        code = raw[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        n = raw[i + 1]
        out[code] = raw[i + 2:i + 2 + n]
        i += 2 + n
    return out

def reply(req, msg_type, yiaddr, lease):
    xid, flags = req[4:8], req[10:12]
    chaddr = req[28:44]
    head = struct.pack("!BBBB", 2, 1, 6, 0) + xid + b"\0\0" + flags
    head += socket.inet_aton("0.0.0.0") + socket.inet_aton(yiaddr) + socket.inet_aton(server_ip)
    head += socket.inet_aton("0.0.0.0") + chaddr + b"\0" * 192
    opts = bytes([53, 1, msg_type]) + bytes([54, 4]) + socket.inet_aton(server_ip)
    if msg_type != 6:
        opts += bytes([51, 4]) + struct.pack("!I", lease) + bytes([58, 4]) + struct.pack("!I", T1)
        opts += bytes([59, 4]) + struct.pack("!I", T2) + bytes([1, 4]) + socket.inet_aton("255.255.255.0")
        opts += bytes([3, 4]) + socket.inet_aton(server_ip) + bytes([6, 4]) + socket.inet_aton(server_ip)
    return head + COOKIE + opts + b"\xff"

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)  # not in every Python build; 8 on Linux
s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)  # each request's destination address
s.bind(("0.0.0.0", 67))
end = time.monotonic() + seconds
current, naked, leased = 0, False, False
while time.monotonic() < end:
    s.settimeout(max(0.05, end - time.monotonic()))
    try:
        req, anc, _, _ = s.recvmsg(1500, 64)
    except socket.timeout:
        break
    if len(req) < 240 or req[236:240] != COOKIE or req[0] != 1:
        continue
    opts = options(req[240:])
    kind = opts.get(53, b"\0")[0]
    ciaddr = socket.inet_ntoa(req[12:16])
    # struct in_pktinfo: ifindex, spec_dst, then the header's destination
    to_addr = next((socket.inet_ntoa(d[8:12]) for lvl, typ, d in anc
                    if lvl == socket.IPPROTO_IP and typ == IP_PKTINFO), "?")
    if mode == "expire" and leased:
        print("dhcpd: ignored type", kind, "from", ciaddr, "to", to_addr, flush=True)
        continue
    if kind == 1:
        out, to = reply(req, 2, pool[current], LEASE), "255.255.255.255"
    elif kind == 3 and ciaddr == "0.0.0.0":
        out, to = reply(req, 5, pool[current], LEASE), "255.255.255.255"
        leased = True
    elif kind == 3 and mode == "nak" and not naked:
        naked, current = True, current + 1
        out, to = reply(req, 6, "0.0.0.0", 0), ciaddr
    elif kind == 3:
        out, to = reply(req, 5, ciaddr, LEASE), ciaddr
    else:
        continue
    print("dhcpd: type", kind, "from", ciaddr, "to", to_addr, "->", "NAK" if out[242] == 6 else out[242], flush=True)
    s.sendto(out, (to, 68))
