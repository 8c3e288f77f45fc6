#!/usr/bin/env python3
"""Checksums of annotated UDP datagrams in flight (integration test helper).

  csum_check.py PCAPNG

Reads a capture cmon-kern --pcap wrote (each packet as its strip hop saw
it, trailer on board, with the strip hop's slot added in the agent's
copy) of datagrams whose checksums their sender computed, and checks the
UDP checksum of every IPv4 UDP datagram carrying cmon's decision bit: it
must verify over the whole datagram, or be zero (none).  (A checksum a
device is still to complete holds only the pseudo-header's sum, which
the agent's copy does not keep: such captures are not for this check.)

Prints "checked C none N bad B" and exits 1 if any was bad, 2 if no
annotated datagram was found.
"""
import struct
import sys

DECISION_BIT = 0x8000  # the reserved fragment flag


def fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def sum16(b):
    if len(b) & 1:
        b += b"\0"
    return sum(struct.unpack(f"!{len(b) // 2}H", b))


def frames(path):
    """The packet data of every Enhanced Packet Block of a pcapng file."""
    with open(path, "rb") as f:
        data = f.read()
    end = "<"
    off = 0
    while off + 12 <= len(data):
        btype = struct.unpack_from(end + "I", data, off)[0]
        if btype == 0x0A0D0D0A:  # section header: its byte order
            end = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        blen = struct.unpack_from(end + "I", data, off + 4)[0]
        if blen < 12:
            raise SystemExit(f"{path}: bad block length at {off}")
        if btype == 6:
            caplen = struct.unpack_from(end + "I", data, off + 20)[0]
            yield data[off + 28:off + 28 + caplen]
        off += blen


def main():
    checked = none = bad = 0
    for frame in frames(sys.argv[1]):
        if len(frame) < 14 + 28 or frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0xF) * 4
        tot, frag, proto = struct.unpack_from("!H2xHxB", ip, 2)
        if proto != 17 or not frag & DECISION_BIT or frag & 0x3FFF:
            continue
        udp = ip[ihl:tot]
        if len(udp) < 8 or len(udp) != tot - ihl:
            continue  # snapped
        check = struct.unpack_from("!H", udp, 6)[0]
        pseudo = sum16(ip[12:20]) + 17 + len(udp)
        if not check:
            none += 1
        elif fold(pseudo + sum16(udp)) == 0xFFFF:
            checked += 1
        else:
            bad += 1
            if bad <= 5:
                print(f"bad checksum {check:#06x}: {len(udp)} B of UDP")
    print(f"checked {checked} none {none} bad {bad}")
    sys.exit(1 if bad else 2 if not checked + none else 0)


if __name__ == "__main__":
    main()
