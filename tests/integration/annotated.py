#!/usr/bin/env python3
"""Count IPv4 UDP packets that carry cmon's annotation as an IPv4 option
(integration test helper): what a hop after the switch would find.

  annotated.py frames IFACE SRC   Ethernet frames on IFACE (AF_PACKET)
                                  from address SRC
  annotated.py vxlan ADDR         VXLAN datagrams to ADDR:4789, the
                                  frame inside each

Prints "ready" once listening, then, when none came for 2 s (the first
is awaited 10 s), "received N annotated M": UDP packets seen, and those
whose IPv4 header is 20 bytes and cmon's 40-byte option (type 0x9e).
"""
import socket
import sys

OPT_TYPE = 0x9e
OPT_LEN = 40


def annotated(ip):
    return ip[0] == 0x4f and ip[20] == OPT_TYPE and ip[21] == OPT_LEN


def main():
    kind = sys.argv[1]
    if kind == "frames":
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                          socket.htons(0x0800))
        s.bind((sys.argv[2], 0))
        src = socket.inet_aton(sys.argv[3])
        skip = 0
    elif kind == "vxlan":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((sys.argv[2], 4789))
        src = None
        skip = 8                        # the VXLAN header
    else:
        sys.exit(__doc__)
    s.settimeout(10)
    print("ready", flush=True)
    n = ann = 0
    try:
        while True:
            d = s.recv(2048)[skip:]
            ip = d[14:]
            if (d[12:14] != b"\x08\x00" or len(ip) < 42 or ip[9] != 17 or
                    (src and ip[12:16] != src)):
                continue
            n += 1
            ann += annotated(ip)
            s.settimeout(2)
    except socket.timeout:
        print("received", n, "annotated", ann)


if __name__ == "__main__":
    main()
