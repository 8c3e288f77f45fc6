#!/usr/bin/env python3
"""A synthetic cmon exporter for measuring the web page at scale.

  cmon-fake-api.py WEB_ROOT CONTAINERS BRIDGES PAIRS [PORT [NODES]]

Serves WEB_ROOT (web/dist) and the API the page reads, as cmon-dpdk
would (doc/exporter.md), for CONTAINERS containers spread over BRIDGES
bridges ("node<i>-br") and PAIRS pairs between them with steady made-up
figures; an event every second.  With NODES > 1, the exporter of a
cluster instead (/api/v1/cluster, as --peer gives it): bridge i on node
i % NODES, each node's documents with its own containers, the others'
it exchanges traffic with as endpoints it does not monitor, and the
pairs either end of which it hosts (a pair between two nodes in both).
Prints "serving http://127.0.0.1:PORT/" once it listens (PORT 0: any
free one).  CMON_FAKE_BAD=N in the environment: the Nth event is cut
short (malformed JSON), for tests/web/feed.sh.  For tools/cmon-bench-page and tests/web/scale.mjs: no part
of cmon runs, only the page is measured.
"""
import http.server
import itertools
import json
import os
import random
import socketserver
import sys
import time

root, ncts, nbr, npairs = sys.argv[1], *map(int, sys.argv[2:5])
port = int(sys.argv[5]) if len(sys.argv) > 5 else 0
nnodes = int(sys.argv[6]) if len(sys.argv) > 6 else 1
rng = random.Random(1)


def ip(i):
    return f"10.{100 + i // 60000}.{i // 250 % 240}.{i % 250 + 2}"


CTS = [{"name": f"ct{i:04d}", "ips": [ip(i)], "bridge": f"node{i % nbr}-br",
        "port": f"veth{i}", "port_type": None, "netns": 4026531000 + i,
        "monitored": True,
        "runtime": {"name": "docker", "id": f"{i:012x}", "image": f"img{i % 3}",
                    "compose_project": "", "compose_service": "",
                    "labels": {"tier": f"t{i % 5}"}}} for i in range(ncts)]
PAIRS = []
for k in range(npairs):
    a = rng.randrange(ncts)
    b = (a + 1 + rng.randrange(ncts - 1)) % ncts
    PAIRS.append((a, b, rng.choice(["tcp", "udp", "icmp"])))


def pair(k, t):
    a, b, proto = PAIRS[k]
    lossy = k % 97 == 0
    p50 = 5 + (k % 50) * 3 + (t % 7)
    return {
        "src": CTS[a]["name"], "dst": CTS[b]["name"],
        "src_ip": CTS[a]["ips"][0], "dst_ip": CTS[b]["ips"][0],
        "proto": proto, "active": True, "packets": 1000, "bytes": 800000,
        "pps": 1000.0, "bps": 6.4e6, "traced": 31, "sample": 32,
        "rule": None,
        "loss": {"ratio": 0.02 if lossy else 0.0, "lost": 20 if lossy else 0,
                 "hop": "veth_in>veth_out" if lossy else None,
                 "seq_lost": 0, "seq_ratio": 0.0, "reasons": []},
        "latency_us": {
            "e2e": {"count": 31, "p50": p50, "p90": p50 * 2, "p99": p50 * 3,
                    "max": p50 * 4, "mean": p50 * 1.2},
            "hops": [{"from": "veth_in", "to": "veth_out", "from_node": 0,
                      "to_node": 0, "count": 31, "p50": p50, "p90": p50 * 2,
                      "p99": p50 * 3, "max": p50 * 4, "mean": p50 * 1.2}]},
    }


def node_of(i):
    return i % nbr % nnodes


def on(node, k):
    """Does @node report pair @k (all of them with one node)?"""
    a, b, _ = PAIRS[k]
    return node is None or node in (node_of(a), node_of(b))


def metrics(node=None):
    t = int(time.time())
    return {"time": time.time(), "interval_s": 1.0,
            "node": "fake" if node is None else f"node{node}",
            "sample": 32, "counters": {}, "clocks": [],
            "pairs": [pair(k, t) for k in range(npairs) if on(node, k)],
            "alerts": []}


def topology(idle_only=False, node=None, pairs=None):
    """@node's topology (None: the one node's), its paths @pairs when
    given (its metrics' pairs, else made again)."""
    # (every made-up pair is active: ?paths=idle lists none)
    mine = [c for i, c in enumerate(CTS) if node is None or node_of(i) == node]
    names = {c["name"] for c in mine}
    # (the other nodes' containers it exchanges traffic with)
    seen = {x for k in range(npairs) if on(node, k) for x in PAIRS[k][:2]}
    strangers = [{"name": CTS[i]["ips"][0], "ips": CTS[i]["ips"],
                  "bridge": None, "port": None, "port_type": None,
                  "monitored": False, "runtime": None}
                 for i in sorted(seen) if CTS[i]["name"] not in names]
    return {"time": time.time(),
            "node": "fake" if node is None else f"node{node}",
            "containers": mine + strangers,
            "bridges": [{"name": f"node{j}-br", "type": "linux",
                         "containers": [c["name"] for c in mine
                                        if c["bridge"] == f"node{j}-br"]}
                        for j in range(nbr) if node is None or j % nnodes == node],
            "paths": [] if idle_only else
            pairs if pairs is not None else metrics(node)["pairs"]}


CLUSTER = [None, b""]


def cluster():
    """The cluster document, made once a second (a big one takes a
    while): cmon-dpdk too publishes its documents once per interval."""
    t = int(time.time())
    if CLUSTER[0] != t:
        CLUSTER[:] = [t, json.dumps(cluster_doc()).encode()]
    return CLUSTER[1]


def node_doc(n):
    """Node @n's part of the cluster document (None: the one node)."""
    m = metrics(n)
    return {"node": "fake" if n is None else f"node{n}", "self": not n,
            "url": "" if n is None else f"http://node{n}.fake:9417",
            "up": True, "age_s": 0, "error": None, "metrics": m,
            "topology": topology(False, n, m["pairs"])}


def cluster_doc():
    nodes = [None] if nnodes == 1 else range(nnodes)
    return {"time": time.time(), "nodes": [node_doc(n) for n in nodes]}


HEALTH = {"time": 0, "node": "fake", "interval_s": 1.0, "sample": 32,
          "sinks": {"http": {"port": 0, "clients": 1, "streams": 1},
                    "influxdb": None},
          "history_bytes": 0, "history_series": 0, "history_evicted": 0,
          "counters": {}}


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)

    def log_message(self, *a):
        pass

    def send_json(self, doc):
        body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/api/v1/topology":
            return self.send_json(topology("paths=idle" in self.path))
        if path == "/api/v1/health":
            return self.send_json(HEALTH)
        if path == "/api/v1/cluster":
            return self.send_json(cluster())
        if path == "/api/v1/history":
            return self.send_json({"points": []})
        if path == "/api/v1/events":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            try:
                for n in itertools.count(1):
                    # (CMON_FAKE_BAD=N: the Nth event is cut short)
                    data = json.dumps(metrics())
                    if n == int(os.environ.get("CMON_FAKE_BAD", 0)):
                        data = data[:len(data) // 2]
                    self.wfile.write(f"event: metrics\ndata: {data}\n\n".encode())
                    self.wfile.flush()
                    time.sleep(1)
            except (BrokenPipeError, ConnectionResetError):
                return
        return super().do_GET()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", port), Handler)
print(f"serving http://127.0.0.1:{srv.server_address[1]}/", flush=True)
srv.serve_forever()
