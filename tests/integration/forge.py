#!/usr/bin/env python3
"""Forged-annotation traffic for the integration tests.

  forge.py recv PORT               expect the forged payloads, exit 0 if exact
  forge.py send SRC DST PORT       send them (normal socket and raw socket)
"""
import socket
import struct
import sys

MAGIC = 0xC3A7


def fake_trailer(seq):
    """A syntactically valid cmon trailer (version 1, one slot, any tag)."""
    slots = struct.pack("!BBI", 1, 0, 0) + b"\xff\x00\x00\x00\x00\x00" * 3
    body = struct.pack("!BBHIIH", 1 << 4, 1, 0x12, seq, 123456, 0xBEEF)
    return body + slots + struct.pack("!H", MAGIC)


PAYLOADS = [b"plain-" + fake_trailer(1), b"evil-bit-" + fake_trailer(2)]


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def raw_udp(src, dst, port, payload):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    ulen = 8 + len(payload)
    udp = struct.pack("!HHHH", 40000, port, ulen, 0) + payload
    c = csum(s + d + struct.pack("!BBH", 0, 17, ulen) + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    # frag_off: reserved ("decision") bit + DF
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0x4242,
                     0x8000 | 0x4000, 64, 17, 0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + udp


def main():
    if sys.argv[1] == "recv":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", int(sys.argv[2])))
        s.settimeout(10)
        print("ready", flush=True)
        want = list(PAYLOADS)
        while want:
            try:
                data = s.recv(65536)
            except socket.timeout:
                print("timeout; still expecting %d payloads" % len(want))
                return 2
            if data not in want:
                print("CHANGED payload received: %r" % data)
                return 1
            want.remove(data)
            print("unchanged: %r..." % data[:12])
        return 0
    src, dst, port = sys.argv[2], sys.argv[3], int(sys.argv[4])
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(PAYLOADS[0], (dst, port))
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    r.sendto(raw_udp(src, dst, port, PAYLOADS[1]), (dst, 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
