#!/usr/bin/env python3
"""Write the fuzz harnesses' seed corpora: seeds.py DIR.

Each harness gets DIR/<name>/ with a few well-formed inputs to start from
(libFuzzer mutates them): frames of every protocol the hops parse, config
files, peer documents, URLs.  Made here rather than committed as binary
files, so a reader sees what they are.
"""
import os
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(proto, l4, opts=b"", frag=0, tos=0):
    ihl = 5 + len(opts) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, 20 + len(opts) + len(l4),
                    0x1234, frag, 64, proto, 0, bytes([10, 1, 0, 2]),
                    bytes([10, 1, 0, 3])) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + l4


def l4(proto, payload):
    pseudo = lambda n: struct.pack("!4s4sBBH", bytes([10, 1, 0, 2]),
                                   bytes([10, 1, 0, 3]), 0, proto, n)
    if proto == 17:
        u = struct.pack("!HHHH", 12345, 5000, 8 + len(payload), 0) + payload
        c = csum(pseudo(len(u)) + u) or 0xffff
        return u[:6] + struct.pack("!H", c) + u[8:]
    if proto == 6:
        t = struct.pack("!HHIIBBHHH", 12345, 5000, 1, 0, 0x50, 0x18, 512, 0,
                        0) + payload
        return t[:16] + struct.pack("!H", csum(pseudo(len(t)) + t)) + t[18:]
    m = struct.pack("!BBHHH", 8, 0, 0, 77, 1) + payload
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def eth(ip):
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip


def frames():
    for proto in (17, 6, 1):
        for n in (0, 1, 100, 1400):
            yield eth(ipv4(proto, l4(proto, bytes(range(256)) * 6)[:8 + n]))
    p = l4(17, b"x" * 64)
    yield eth(ipv4(17, p, opts=b"\x01" * 4))            # NOP options
    yield eth(ipv4(17, p, opts=bytes([30, 40]) + b"\0" * 38))  # forged option
    yield eth(ipv4(17, p, frag=0x8000))                  # decision bit
    yield eth(ipv4(17, p, frag=0x2000))                  # a fragment
    # a decision bit with something trailer-like at the end
    yield eth(ipv4(17, l4(17, b"y" * 40 + b"\0" * 38 + b"\xc3\x0a"),
                   frag=0x8000))


def nlattr(t, payload):
    ln = 4 + len(payload)
    return struct.pack("=HH", ln, t) + payload + b"\0" * ((4 - ln % 4) % 4)


def nlmsg(t, body, flags=2, seq=0):
    return struct.pack("=IHHII", 16 + len(body), t, flags, seq, 0) + body


def netlink():
    """Replies as a dump gives them: links (RTM_NEWLINK) and IPv4
    addresses (RTM_NEWADDR), then NLMSG_DONE."""
    done = nlmsg(3, struct.pack("=i", 0))
    link = nlmsg(16, struct.pack("=BxHiII", 0, 1, 7, 0x1003, 0) +
                 nlattr(3, b"cmonv1\0") + nlattr(10, struct.pack("=I", 4)) +
                 nlattr(5, struct.pack("=I", 12)) +
                 nlattr(37, struct.pack("=i", 2)) +
                 nlattr(4, struct.pack("=I", 1500)) +
                 nlattr(18 | 0x8000, nlattr(1, b"veth\0")))
    addr = nlmsg(20, struct.pack("=BBBBI", 2, 24, 0, 0, 7) +
                 nlattr(2, bytes([10, 1, 0, 2])) +
                 nlattr(1, bytes([10, 1, 0, 2])))
    return [b"\0" + link + link + done, b"\1" + addr + addr + done,
            b"\0" + nlmsg(2, struct.pack("=iIHHII", -1, 16, 16, 0, 0, 0))]


def pcap(frames):
    """A classic pcap file (Ethernet, nanosecond timestamps)."""
    out = struct.pack("=IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 65535, 1)
    for i, f in enumerate(frames):
        out += struct.pack("=IIII", 1700000000 + i, i * 1000, len(f),
                           len(f)) + f
    return out


def pcapng(frames):
    """A pcapng file: section, interface (ns), enhanced packet blocks."""
    def block(t, body):
        body += b"\0" * ((4 - len(body) % 4) % 4)
        return struct.pack("=II", t, len(body) + 12) + body + \
            struct.pack("=I", len(body) + 12)
    out = block(0x0A0D0D0A, struct.pack("=IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("=HHI", 1, 0, 65535) +
                 struct.pack("=HHB", 9, 1, 9) + b"\0\0\0" +
                 struct.pack("=HH", 0, 0))
    for i, f in enumerate(frames):
        ts = 1700000000 * 10**9 + i
        out += block(6, struct.pack("=IIIII", 0, ts >> 32, ts & 0xffffffff,
                                    len(f), len(f)) + f)
    return out


def write(d, name, items):
    os.makedirs(os.path.join(d, name), exist_ok=True)
    for i, b in enumerate(items):
        with open(os.path.join(d, name, "seed-%02d" % i), "wb") as f:
            f.write(b)


def main():
    d = sys.argv[1]
    fr = list(frames())
    write(d, "dp", [bytes([m]) + f for f in fr for m in (0, 1, 2)])
    write(d, "cfgfile", [
        b"# cmon-dpdk.conf\nbridge = docker0\ninterval = 1.5\nquiet\n",
        b'node = "node one" # a comment\nsample=32\nct-hops = false\n',
        b"json = yes\nhttp = 127.0.0.1:9417\n",
    ])
    write(d, "peers", [
        b'{"links":[{"from_node":1,"to_node":2,"samples":5,"low_us":25.1}],'
        b'"pairs":[]}',
        b'{"time":1.0,"node_id":1,"counters":[{"src_ip":"10.244.1.2",'
        b'"dst_ip":"10.244.2.2","sport":4000,"dport":5003,"proto":17,'
        b'"tp":2,"node":1,"packets":20000,"bytes":4560000,'
        b'"partial":false,"epoch":77}]}',
    ])
    write(d, "nl", netlink())
    write(d, "pcap", [pcap(fr[:6]), pcapng(fr[6:]), pcap(fr[-3:])[:-7]])
    write(d, "url", [b"http://user:pw@db:8086/x?token=abc&a=1",
                     b"https://h/?token=t#f", b"http://h/a@b", b":8086"])
    write(d, "http", [b"/\0s3cret-token", b"/index.html\0Bearer",
                      b"/js/app.js\0s3cret-tokex", b"/../etc/passwd\0",
                      b"/a/b/\0s3cret-token-"])
    tpl = (b"templates:\n  - template: docker-bridge\n    bridges: [br0]\n"
           b"    hops: [veth_in, veth_out, host_in]\n"
           b"  - template: t2\n    extends: docker-bridge\n"
           b"    overlay: vx0\n    hops: [ovl_out, ovl_in]\n"
           b"    drop_hops: [host_in]\n")
    write(d, "rules", [
        b"version: 1\n" + tpl + b"template: t2\nsample: 4\n"
        b"alertmanager: [http://127.0.0.1:9093]\nrules:\n"
        b"  - name: a\n    select:\n      from: { containers: [\"w*\"],"
        b" labels: { app: web, x: \"*\" }, netns: [n1] }\n"
        b"      to: { cidr: [10.0.0.0/8, 1.2.3.4] }\n"
        b"      protocols: [tcp, udp]\n      ports: [80, 8000-8080]\n"
        b"    measure:\n      metrics: [latency]\n      sample: 2\n"
        b"      capture: { file: /tmp/a.pcap, size_mib: 4, count: 2 }\n"
        b"    alerts:\n      - name: s\n        when: e2e.p99 > 1.5ms\n"
        b"        for: 10s\n        summary: slow\n"
        b"      - name: l\n        when: loss.ratio >= 2%\n"
        b"        severity: critical\n"
        b"      - name: g\n        when: segment(veth_in,ovl_out).p50 < 20us\n"
        b"  - name: b\n    select: { protocols: icmp }\n    ignore: yes\n",
        b"version: 1\n" + tpl + b"rules:\n  - name: r\n    alerts:\n"
        b"      - { name: p, when: pps > 10k }\n"
        b"      - { name: q, when: bps <= 1G, for: 1m }\n"
        b"      - { name: r, when: loss.lost > 0 }\n",
        b"version: 1\nrules: [\n",
        b"version: 2\nsampel: x\n",
    ])


if __name__ == "__main__":
    main()
