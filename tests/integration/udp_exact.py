#!/usr/bin/env python3
"""Byte-exact UDP delivery check (integration test helper).

  udp_exact.py recv PORT SIZES   receive until every size arrived, verify
  udp_exact.py send ADDR PORT SIZES [REPEAT]

SIZES is "lo-hi" or "lo-hi/step".  Each datagram's payload is a pattern
derived from its size and a per-size seed, so any added, missing or changed
byte is detected.  The receiver exits 0 when every size arrived intact, 1
on a mismatch, 2 on timeout (listing what is missing).
"""
import socket
import sys
import time


def sizes(spec):
    rng, _, step = spec.partition("/")
    lo, _, hi = rng.partition("-")
    return list(range(int(lo), int(hi or lo) + 1, int(step or 1)))


BASE = bytes(((i * 31 + 7) & 0xFF) for i in range(66000))


def payload(n):
    """n bytes whose content depends on n (offset 7n mod 251)."""
    off = (n * 7) % 251
    return BASE[off:off + n]


def recv(port, spec):
    want = set(sizes(spec))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE (root)
    s.bind(("0.0.0.0", port))
    s.settimeout(20)
    print("ready", flush=True)
    bad = 0
    try:
        while want:
            data = s.recv(65536)
            n = len(data)
            if data != payload(n):
                bad += 1
                print(f"MISMATCH len={n}", flush=True)
                continue
            want.discard(n)
    except socket.timeout:
        print(f"timeout; missing sizes: {sorted(want)[:20]}...", flush=True)
        return 2
    print("all sizes byte-exact" if not bad else f"{bad} mismatches")
    return 1 if bad else 0


def send(addr, port, spec, repeat=3):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(repeat):
        for i, n in enumerate(sizes(spec)):
            s.sendto(payload(n), (addr, port))
            if i % 100 == 99:
                time.sleep(0.002)  # let the receiver keep up
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "recv":
        sys.exit(recv(int(sys.argv[2]), sys.argv[3]))
    sys.exit(send(sys.argv[2], int(sys.argv[3]), sys.argv[4],
                  int(sys.argv[5]) if len(sys.argv) > 5 else 3))
