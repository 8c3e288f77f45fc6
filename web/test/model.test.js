// Unit tests of web/src/model.js: node --test web/test/
import { test } from "node:test";
import assert from "node:assert/strict";
import * as m from "../src/model.js";

function pair(src, dst, proto, o = {}) {
  return {
    src, dst, src_ip: o.sip || "10.0.0.1", dst_ip: o.dip || "10.0.0.2",
    proto, active: o.active ?? true, packets: 10, bytes: 1000,
    pps: o.pps ?? 10, bps: o.bps ?? 8000, traced: 10,
    loss: { ratio: o.ratio ?? 0, lost: o.lost ?? 0, hop: o.hop ?? null,
            seq_lost: o.seq_lost ?? 0, seq_ratio: 0, reasons: [] },
    latency_us: {
      e2e: o.p50 == null ? { count: 0 }
        : { count: 10, p50: o.p50, p90: o.p50, p99: o.p99 ?? o.p50,
            max: o.p50, mean: o.p50 },
      hops: o.hops || [],
    },
  };
}

test("latency colours run green to red and grey when unknown", () => {
  assert.equal(m.latencyColor(5), "hsl(120, 70%, 42%)");
  assert.equal(m.latencyColor(m.GOOD_US), "hsl(120, 70%, 42%)");
  assert.equal(m.latencyColor(m.BAD_US), "hsl(0, 70%, 42%)");
  assert.equal(m.latencyColor(1e6), "hsl(0, 70%, 42%)");
  const mid = m.latencyColor(Math.sqrt(m.GOOD_US * m.BAD_US));
  assert.equal(mid, "hsl(60, 70%, 42%)");
  // (in steps: a few µs of jitter keep the colour)
  assert.equal(m.latencyColor(140), m.latencyColor(143));
  assert.notEqual(m.latencyColor(140), m.latencyColor(180));
  assert.equal(m.latencyColor(null), "#8a8f98");
});

test("a lossy link is drawn in the loss colour, wider with more loss", () => {
  const [a] = m.buildLinks([pair("a", "b", "udp", { p50: 5, lost: 3, ratio: 0.01 })]);
  const [b] = m.buildLinks([pair("a", "b", "udp", { p50: 5, lost: 30, ratio: 0.3 })]);
  const [c] = m.buildLinks([pair("a", "b", "udp", { p50: 5 })]);
  const [d] = m.buildLinks([pair("a", "b", "udp")]);
  assert.equal(m.linkStyle(a).color, m.LOSS_COLOR);
  assert.equal(m.linkStyle(a).kind, "loss");
  assert.ok(m.linkStyle(a).width > m.linkStyle(c).width);
  assert.ok(m.linkStyle(b).width > m.linkStyle(a).width);
  assert.equal(m.linkStyle(b).width, 10);
  assert.equal(m.linkStyle(c).color, m.latencyColor(5));
  assert.equal(m.linkStyle(d).color, m.NO_LATENCY);
  assert.equal(m.linkStyle(d).kind, "none");
});

test("the picture leaves out non-unicast endpoints (a bridge's IGMP)", () => {
  const ps = [pair("a", "b", "udp"),
              pair("0.0.0.0", "224.0.0.22", "other", { sip: "0.0.0.0", dip: "224.0.0.22" }),
              pair("a", "255.255.255.255", "udp", { dip: "255.255.255.255" })];
  assert.deepEqual(m.pictured(ps).map((p) => p.dst), ["b"]);
  assert.equal(m.unicast("239.1.2.3"), false);
  assert.equal(m.unicast("10.0.0.1"), true);
});

test("the network's issues: lossy pairs, most lost first", () => {
  const is = m.networkIssues([
    pair("a", "b", "udp", { lost: 3, ratio: 0.01, hop: "veth_in>veth_out" }),
    pair("c", "d", "tcp"),
    pair("e", "f", "udp", { lost: 30, ratio: 0.3 }),
  ]);
  assert.deepEqual(is.map((i) => i.pair), ["e → f udp", "a → b udp"]);
  assert.equal(is[1].hop, "veth_in>veth_out");
});

test("many links: the lossy, the kept, then the busiest are drawn", () => {
  const links = m.buildLinks([
    pair("a", "b", "udp", { bps: 10 }), pair("c", "d", "udp", { bps: 30 }),
    pair("e", "f", "udp", { bps: 1, lost: 1, ratio: 0.1 }),
    pair("g", "h", "udp", { bps: 20 }), pair("i", "j", "udp", { bps: 2 }),
  ]);
  const t = m.topLinks(links, 3, (l) => l.key === "i|j");
  assert.deepEqual(t.links.map((l) => l.key), ["e|f", "i|j", "c|d"]);
  assert.equal(t.left, 2);
  assert.deepEqual([...t.lossyEnds], ["e", "f"]);
  assert.equal(m.topLinks(links, 10).left, 0);
  const rows = m.pairRows([pair("a", "b", "udp", { bps: 10 }),
    pair("c", "d", "udp", { bps: 30 }), pair("e", "f", "udp", { lost: 1, ratio: 0.1, bps: 1 })],
    "", undefined, "bps", 2);
  assert.deepEqual(rows.rows.map((p) => p.src), ["e", "c"]);
  assert.equal(rows.left, 1);
});

test("links merge directions and protocols, keep the worst", () => {
  const links = m.buildLinks([
    pair("web", "api", "tcp", { p50: 10, p99: 40, bps: 100 }),
    pair("api", "web", "tcp", { p50: 30, p99: 35, bps: 50 }),
    pair("api", "web", "udp", { p50: 5, lost: 3, ratio: 0.1,
                                 hop: "veth_in>veth_out" }),
    pair("web", "db", "icmp", { active: false, p50: 7 }),
  ]);
  assert.equal(links.length, 2);
  const wa = links.find((l) => l.key === "api|web");
  assert.equal(wa.p50, 30);
  assert.equal(wa.p99, 40);
  assert.equal(wa.bps, 100 + 50 + 8000);
  assert.equal(wa.lossy, true);
  assert.equal(wa.lossRatio, 0.1);
  assert.equal(wa.lossHop, "veth_in>veth_out");
  const wd = links.find((l) => l.key === "db|web");
  assert.equal(wd.active, false);
  assert.equal(wd.lossy, false);
  assert.equal(wd.bps, 0);
});

test("an idle pair's old loss does not mark its link", () => {
  const [l] = m.buildLinks([pair("a", "b", "udp", { active: false, lost: 5 })]);
  assert.equal(l.lossy, false);
  const [l2] = m.buildLinks([pair("a", "b", "udp", { seq_lost: 1 })]);
  assert.equal(l2.lossy, true);
});

test("groups: bridges first, strangers last, path-only endpoints added", () => {
  const gs = m.groups({
    containers: [
      { name: "x", monitored: false, bridge: null },
      { name: "a", monitored: true, bridge: "br0" },
      { name: "b", monitored: true, bridge: "br1" },
      { name: "c", monitored: true, bridge: "br1" },
    ],
    paths: [pair("a", "dpdk0", "udp")],
  });
  assert.deepEqual(gs.map((g) => g.name), ["br1", "br0", "other endpoints"]);
  assert.deepEqual(gs[2].members, ["x", "dpdk0"]);
});

test("containers routed without a bridge are a group of their own", () => {
  const gs = m.groups({
    containers: [
      { name: "a", monitored: true, bridge: "br0" },
      { name: "r1", monitored: true, bridge: null },
      { name: "r2", monitored: true, bridge: null },
      { name: "x", monitored: false, bridge: null },
    ],
    paths: [pair("r1", "r2", "udp")],
  });
  assert.deepEqual(gs.map((g) => [g.name, g.bridge, g.members]), [
    ["br0", true, ["a"]], ["routed by the host", false, ["r1", "r2"]],
    ["other endpoints", false, ["x"]]]);
});

test("an Open vSwitch bridge is a group of the containers on its ports", () => {
  const gs = m.groups({
    containers: [
      { name: "web", monitored: true, bridge: "br0", port_type: null },
      { name: "dpdk0", monitored: true, bridge: "ovsbr",
        port_type: "dpdkvhostuserclient" },
      { name: "ct1", monitored: true, bridge: "ovsbr", port_type: "dpdk" },
    ],
    paths: [pair("web", "dpdk0", "udp")],
  });
  assert.deepEqual(gs.map((g) => [g.name, g.bridge, g.ovs, g.members]), [
    ["ovsbr", true, true, ["dpdk0", "ct1"]], ["br0", true, false, ["web"]]]);
  const { hubs } = m.layout(gs, 800, 600);
  assert.deepEqual(hubs.map((h) => h.ovs), [true, false]);
});

test("endpoints behind Open vSwitch or on other nodes get their group", () => {
  const hop = (from, to, fn, tn) => ({ from, to, from_node: fn, to_node: tn,
                                       count: 1, p50: 1, p90: 1, p99: 1,
                                       max: 1, mean: 1 });
  const gs = m.groups({
    containers: [{ name: "web", monitored: true, bridge: "br0" }],
    paths: [
      pair("web", "dpdk0", "udp", { hops: [hop("ct_tx", "veth_in", 1, 1),
        hop("veth_in", "ovs_rx", 1, 1), hop("ovs_rx", "ovs_tx", 1, 1)] }),
      pair("db", "web", "tcp", { hops: [hop("ct_tx", "veth_in", 2, 2),
        hop("veth_in", "ovl_out", 2, 2), hop("ovl_out", "ovl_in", 2, 1),
        hop("ovl_in", "veth_out", 1, 1)] }),
      pair("web", "x", "icmp"),
    ],
  });
  assert.deepEqual(gs.map((g) => [g.name, g.members]), [
    ["br0", ["web"]], ["node 2", ["db"]], ["Open vSwitch", ["dpdk0"]],
    ["other endpoints", ["x"]]]);
});

test("layout puts every member inside the picture, apart", () => {
  const members = Array.from({ length: 300 }, (_, i) => "c" + i);
  const gs = [{ name: "br0", bridge: true, members: members.slice(0, 200) },
              { name: "br1", bridge: true, members: members.slice(200) }];
  const { pos, hubs } = m.layout(gs, 1200, 800);
  assert.equal(pos.size, 300);
  assert.equal(hubs.length, 2);
  for (const p of pos.values()) {
    assert.ok(p.x >= 0 && p.x <= 1200 && p.y >= 0 && p.y <= 800, p);
  }
  const a = pos.get("c0"), b = pos.get("c1");
  assert.ok(Math.hypot(a.x - b.x, a.y - b.y) > 5);
});

test("one group is centred", () => {
  const { hubs } = m.layout([{ name: "br0", bridge: true, members: ["a"] }],
                            600, 400);
  assert.deepEqual([hubs[0].x, hubs[0].y], [300, 200]);
});

test("search matches names and addresses, case-insensitively", () => {
  assert.ok(m.matches("", "web"));
  assert.ok(m.matches("WE", "web"));
  assert.ok(m.matches("10.0.0", "web", ["10.0.0.2"]));
  assert.ok(!m.matches("db", "web", ["10.0.0.2"]));
});

test("numbers carry units", () => {
  assert.equal(m.fmtUs(3.456), "3.5 µs");
  assert.equal(m.fmtUs(250), "250 µs");
  assert.equal(m.fmtUs(1500), "1.50 ms");
  assert.equal(m.fmtUs(null), "–");
  assert.equal(m.fmtRate(2.5e6, "bit/s"), "2.5 Mbit/s");
  assert.equal(m.fmtRate(12, "pkt/s"), "12 pkt/s");
  assert.equal(m.fmtPct(0.1), "10.00 %");
  assert.equal(m.fmtPct(0.0001), "0.010 %");
});

test("hop breakdown shares add up to one", () => {
  const p = pair("a", "b", "udp", { p50: 10, hops: [
    { from: "ct_tx", to: "veth_in", from_node: 0, to_node: 0, count: 5,
      p50: 2, p90: 2, p99: 3, max: 3, mean: 2 },
    { from: "veth_in", to: "veth_out", from_node: 0, to_node: 1, count: 5,
      p50: 6, p90: 7, p99: 9, max: 9, mean: 6 },
    { from: "veth_out", to: "ct_rx", from_node: 1, to_node: 1, count: 0 },
  ] });
  const h = m.hopBreakdown(p);
  assert.deepEqual(h.map((x) => x.hop), ["ct_tx>veth_in", "veth_in>veth_out"]);
  assert.equal(h[1].nodes, "0>1");
  assert.equal(h[0].share + h[1].share, 1);
});

test("health lists only the loss counters that are not zero", () => {
  const issues = m.healthIssues({ stamped: 9, ring_full: 2, skip_mtu: 0,
                                  influx_dropped: 5 });
  assert.deepEqual(issues.map((i) => i.counter), ["ring_full", "influx_dropped"]);
  assert.match(issues[0].what, /ring full/);
});

test("health lists the counters cmon forgot, the kernel's and the switch's", () => {
  const issues = m.healthIssues({ hop_evicted: 3, ovs_flow_evicted: 7,
                                  ovs_flow_uncounted: 1, foreign_copies: 9,
                                  ovs_ports_unlisted: 2 });
  assert.deepEqual(issues.map((i) => i.counter),
                   ["hop_evicted", "ovs_flow_evicted", "ovs_flow_uncounted",
                    "ovs_ports_unlisted"]);
  assert.match(issues[1].what, /more flows at a thread/);
});

test("pair rows: active and busy first, filtered by either end", () => {
  const rows = m.pairRows([
    pair("a", "b", "udp", { bps: 10 }),
    pair("c", "d", "tcp", { bps: 99 }),
    pair("e", "a", "icmp", { active: false, bps: 0 }),
  ], "a").rows;
  assert.deepEqual(rows.map((r) => r.src + r.dst), ["ab", "ea"]);
});

test("a pair of a port the rules set apart has its own id and history", () => {
  const all = pair("web", "db", "tcp", { sip: "10.0.0.1", dip: "10.0.0.2" });
  const pg = { ...all, port: 5432 };
  assert.equal(m.pairProto(all), "tcp");
  assert.equal(m.pairProto(pg), "tcp:5432");
  assert.notEqual(m.pairId(all), m.pairId(pg));
  assert.equal(m.historyQuery(m.pairId(pg)),
               "src=10.0.0.1&dst=10.0.0.2&proto=tcp&port=5432");
  assert.equal(m.historyQuery(m.pairId(all)),
               "src=10.0.0.1&dst=10.0.0.2&proto=tcp&port=0");
  assert.equal(m.networkIssues([{ ...pg, loss: { ...pg.loss, lost: 3,
                                                   ratio: 0.3 } }])[0].pair,
               "web → db tcp:5432");
});

test("alerts: firing first, values in the unit of what they watch", () => {
  const a = (state, alert, expr, value) => ({
    rule: "r", alert, state, severity: "warning", src: "web", dst: "db",
    proto: "tcp", expr, value, summary: null, active_at: 1000,
    fired_at: state === "pending" ? null : 1005,
    resolved_at: state === "resolved" ? 1200 : null });
  const rows = m.alertRows([
    a("resolved", "old", "pps > 10", 3),
    a("pending", "slow", "e2e.p99 > 2ms", 0.0031),
    a("firing", "lossy", "loss.ratio > 1%", 0.052),
    a("firing", "fat", "bps > 1G", 2.5e9),
  ], 1230);
  assert.deepEqual(rows.map((r) => r.state + ":" + r.alert),
    ["firing:fat", "firing:lossy", "pending:slow", "resolved:old"]);
  assert.equal(rows[1].text, "loss.ratio > 1%, now 5.20 %; firing for 4 min");
  assert.equal(rows[2].text, "e2e.p99 > 2ms, now 3.10 ms; holding for 4 min");
  assert.equal(rows[0].text, "bps > 1G, now 2.5 Gbit/s; firing for 4 min");
  assert.equal(rows[3].text,
    "pps > 10, now 3.0 pkt/s; resolved 30 s ago after firing for 3 min");
  assert.equal(rows[1].pair, "web → db tcp");
  assert.equal(m.fmtAlertValue(a("firing", "x", "pps > 1", null)), "no data");
  assert.deepEqual(m.alertRows(undefined), []);
});

test("what the runtime says shows in words, and the filter finds it", () => {
  const rt = { name: "docker", id: "3f2a9c81d0e4", image: "nginx:1.25",
               compose_project: "shop", compose_service: "web",
               labels: { tier: "front", "com.docker.compose.service": "web" } };
  assert.deepEqual(m.runtimeLines(rt), [
    "docker 3f2a9c81d0e4: image nginx:1.25", "compose shop/web",
    "labels tier=front"]);
  assert.deepEqual(m.runtimeLines(null), []);
  const words = m.runtimeWords(rt);
  assert.ok(m.matches("nginx", "cmd-web", [], words));
  assert.ok(m.matches("tier=front", "cmd-web", [], words));
  assert.ok(!m.matches("postgres", "cmd-web", ["10.0.0.1"], words));
  const rows = m.pairRows([pair("cmd-web", "cmd-api", "tcp"),
                           pair("cmd-db", "cmd-api", "udp")], "nginx",
                          (n) => n === "cmd-web" ? words : []).rows;
  assert.deepEqual(rows.map((p) => p.src), ["cmd-web"]);
});

test("the cluster view: each pair once, from its destination's node", () => {
  const ct = (name, ip, bridge = "cni0") =>
    ({ name, ips: [ip], bridge, port: "v", monitored: true });
  const stranger = (ip) => ({ name: ip, ips: [ip], bridge: null, port: null,
                              monitored: false });
  const node = (name, self, up, cts, pairs, extra = []) => ({
    node: name, self, url: `http://${name}/`, up, age_s: up ? 0.5 : 12,
    error: up ? null : "Couldn't connect to server",
    metrics: { node: name, time: 1e9 + (self ? 1 : 2), pairs, alerts: [],
               containers: {} },
    topology: { node: name, containers: [...cts, ...extra],
                bridges: [{ name: "cni0", type: "linux",
                            containers: cts.map((c) => c.name) }],
                paths: pairs },
  });
  const ab1 = pair("a", "10.0.2.2", "udp",
                   { sip: "10.0.1.2", dip: "10.0.2.2", pps: 100 });
  const ab2 = pair("10.0.1.2", "b", "udp",
                   { sip: "10.0.1.2", dip: "10.0.2.2", pps: 90 });
  const ca = pair("10.0.3.2", "a", "tcp", { sip: "10.0.3.2", dip: "10.0.1.2" });
  const stale = pair("c", "10.0.1.2", "udp", { sip: "10.0.3.2", dip: "10.0.1.2" });
  const v = m.mergeCluster({ time: 1e9, nodes: [
    node("n1", true, true, [ct("a", "10.0.1.2")], [ab1, ca],
         [stranger("10.0.2.2"), stranger("10.0.3.2")]),
    node("n2", false, true, [ct("b", "10.0.2.2")], [ab2]),
    node("n3", false, false, [ct("c", "10.0.3.2")], [stale]),
  ] });
  const ab = v.metrics.pairs.filter((p) => p.src_ip === "10.0.1.2");
  assert.equal(ab.length, 1);
  assert.equal(ab[0].pps, 90);			// the receiving node's figures
  assert.equal(ab[0].node, "n2");
  assert.deepEqual([ab[0].src, ab[0].dst], ["a", "b"]);
  const c = v.metrics.pairs.find((p) => p.proto === "tcp");
  assert.deepEqual([c.src, c.dst, c.node], ["c", "a", "n1"]);
  assert.equal(v.metrics.pairs.length, 2);	// n3's stale figures left out
  assert.equal(v.metrics.time, 1e9 + 2);
  assert.deepEqual(v.topo.containers.map((x) => [x.name, x.bridge, !!x.down]),
    [["a", "n1 · cni0", false], ["b", "n2 · cni0", false],
     ["c", "n3 · cni0", true]]);
  const gs = m.groups({ containers: v.topo.containers, paths: v.topo.paths });
  assert.deepEqual(gs.map((g) => g.name), ["n1 · cni0", "n2 · cni0", "n3 · cni0"]);
  // grouped by node: one ring a node, whatever its bridges
  assert.ok(m.groupChoices(v.topo.containers).some((c) => c[0] === "node"));
  assert.ok(!m.groupChoices([{ name: "a", monitored: true }])
    .some((c) => c[0] === "node"));
  assert.deepEqual(m.groups({ containers: v.topo.containers, paths: [] }, "node")
    .map((g) => [g.name, g.members]),
    [["node n1", ["a"]], ["node n2", ["b"]], ["node n3", ["c"]]]);
  assert.deepEqual(v.nodes.map((n) => [n.name, n.up, n.containers]),
    [["n1", true, 1], ["n2", true, 1], ["n3", false, 1]]);
  assert.match(m.nodeText(v.nodes[2]), /^down: Couldn't connect to server \(last answer 12 s ago\)/);
  assert.match(m.nodeText(v.nodes[0]), /^up, 1 container\(s\) \(this node\)/);
});

test("containers grouped by what the runtime says: image, Compose, label", () => {
  const rt = (image, labels, svc = "") => ({ name: "docker", id: "x", image,
    compose_project: svc ? "shop" : "", compose_service: svc, labels });
  const cts = [
    { name: "web1", ips: ["10.0.0.2"], bridge: "br0", monitored: true,
      runtime: rt("nginx", { tier: "front" }, "web") },
    { name: "web2", ips: ["10.0.0.3"], bridge: "br1", monitored: true,
      runtime: rt("nginx", { tier: "front" }, "web") },
    { name: "db", ips: ["10.0.0.4"], bridge: "br0", monitored: true,
      runtime: rt("postgres", { tier: "back", "com.docker.compose.x": "1" }) },
    { name: "lone", ips: ["10.0.0.5"], bridge: "br0", monitored: true },
    { name: "10.9.9.9", ips: ["10.9.9.9"], bridge: null, monitored: false },
  ];
  assert.deepEqual(m.groupChoices(cts).map((c) => c[0]),
                   ["", "image", "compose", "label:tier"]);
  const by = (k) => m.groups({ containers: cts, paths: [] }, k)
    .map((g) => [g.name, g.members.join(",")]);
  assert.deepEqual(by("label:tier"), [["tier=front", "web1,web2"],
    ["no label tier", "lone"], ["tier=back", "db"],
    ["other endpoints", "10.9.9.9"]]);
  assert.deepEqual(by("compose")[0], ["compose shop/web", "web1,web2"]);
  assert.deepEqual(by("image")[0], ["image nginx", "web1,web2"]);
  assert.deepEqual(by("")[0], ["br0", "web1,db,lone"]);
});

test("the table in the order chosen: busiest, slowest or lossiest first", () => {
  const ps = [
    pair("a", "b", "udp", { bps: 900, p50: 10, p99: 20 }),
    pair("c", "d", "udp", { bps: 100, p50: 500, p99: 900 }),
    pair("e", "f", "udp", { bps: 500, ratio: 0.2, lost: 9 }),
    pair("g", "h", "udp", { bps: 0, active: false, p50: 1, p99: 9999 }),
  ];
  const order = (by, n) => m.pairRows(ps, "", undefined, by, n).rows.map((p) => p.src);
  assert.deepEqual(order("bps"), ["a", "e", "c", "g"]);
  assert.deepEqual(order("p99"), ["c", "a", "e", "g"]);
  assert.deepEqual(order("loss"), ["e", "a", "c", "g"]);
  // the first N: the lossy first by default, else in the order chosen
  assert.deepEqual(order("bps", 2), ["e", "a"]);
  assert.deepEqual(order("p99", 2), ["c", "a"]);
  assert.equal(m.pairRows(ps, "", undefined, "bps", 2).left, 2);
  assert.equal(m.pairRows(ps, "", undefined, "bps", 4).left, 0);
});

test("the first N are those a stable sort puts first", () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const cmp = (x, y) => y.k - x.k;
  for (const [len, n] of [[0, 3], [5, 10], [200, 1], [200, 7], [1000, 60], [50, 50]]) {
    const items = Array.from({ length: len }, (_, i) => ({ i, k: Math.floor(rnd() * 20) }));
    const want = [...items].sort(cmp).slice(0, n).map((x) => x.i);
    assert.deepEqual(m.topN(items, n, cmp).map((x) => x.i), want, `${len} items, ${n}`);
  }
});

test("an update's view: what the page draws of every pair, made in the feed", () => {
  const mx = { pairs: [
    pair("web", "db", "tcp", { sip: "10.0.0.1", dip: "10.0.0.2", bps: 900, p50: 30 }),
    pair("db", "web", "tcp", { sip: "10.0.0.2", dip: "10.0.0.1", bps: 100,
                               lost: 4, ratio: 0.04, hop: "veth_in>veth_out" }),
    pair("web", "ext", "udp", { sip: "10.0.0.1", dip: "10.9.0.9", bps: 50 }),
    pair("web", "igmp", "udp", { sip: "0.0.0.0", dip: "224.0.0.22" }),
  ] };
  const topo = {
    containers: [{ name: "web", monitored: true, bridge: "br0" },
                 { name: "db", monitored: true, bridge: "br0" }],
    // (the idle pairs: one the metrics also have is theirs)
    paths: [pair("web", "db", "tcp", { sip: "10.0.0.1", dip: "10.0.0.2",
                                       active: false }),
            pair("db", "cache", "tcp", { sip: "10.0.0.2", dip: "10.0.0.3",
                                         active: false })],
  };
  const q = { query: "", order: "bps", selected: "10.0.0.1>10.0.0.2/tcp",
              links: 10, rows: 10, tip: "db|web" };
  const v = m.view({ metrics: mx, topo }, q);
  const l = v.links.find((x) => x.key === "db|web");
  assert.equal(l.busiest, "10.0.0.1>10.0.0.2/tcp");
  assert.ok(l.lossy && l.selected && l.style.kind === "loss");
  // (its look, by which the page writes a link only when it changed:
  // another with the selection, the same for the links it left alone)
  const v2 = m.view({ metrics: mx, topo }, { ...q, selected: null });
  assert.notEqual(v2.links.find((x) => x.key === "db|web").look, l.look);
  for (const x of v2.links.filter((x) => x.key !== "db|web"))
    assert.equal(x.look, v.links.find((y) => y.key === x.key).look);
  // the tooltip of the link asked for, and of no other
  assert.equal(v.tip.key, "db|web");
  assert.match(v.tip.text, /^db ↔ web\nweb → db tcp: .*\ndb → web tcp: .*loss 4\.00 % at veth_in>veth_out/);
  assert.ok(v.links.every((x) => x.tip === undefined));
  assert.equal(m.view({ metrics: mx, topo }, { ...q, tip: "gone|web" }).tip, null);
  assert.deepEqual(v.links.map((x) => x.key).sort(),
                   ["cache|db", "db|web", "ext|web"]);
  assert.deepEqual(v.lossyEnds.sort(), ["db", "web"]);
  assert.deepEqual(v.ends.map((e) => e[0]).sort(), ["cache", "ext"]);
  // the busiest first (the IGMP report too), idle last
  assert.deepEqual(v.rows.map((p) => `${p.src}>${p.dst}:${p.active}`),
    ["web>igmp:true", "web>db:true", "db>web:true", "web>ext:true", "db>cache:false"]);
  // (a row: what the table draws of the pair, not its hops)
  assert.equal(m.pairId(v.rows[1]), "10.0.0.1>10.0.0.2/tcp");
  assert.equal(v.rows[1].latency_us.e2e.p50, 30);
  assert.ok(v.rows.every((r) => !r.latency_us.hops && r.pps != null));
  // past the rows shown, the lossy first
  const four = m.view({ metrics: mx, topo }, { ...q, rows: 4 });
  assert.deepEqual(four.rows.map((p) => `${p.src}>${p.dst}`),
                   ["db>web", "web>igmp", "web>db", "web>ext"]);
  assert.equal(four.rowsLeft, 1);
  assert.equal(v.selected.bps, 900);
  assert.equal(v.nissues, 1);
  assert.equal(v.issues[0].lost, 4);
  const f = m.view({ metrics: mx, topo }, { ...q, query: "ext", order: "p99",
                                            rows: 1, selected: null });
  assert.deepEqual(f.rows.map((p) => p.dst), ["ext"]);
  assert.equal(f.order, "p99");
  assert.ok(!f.selected && !f.links.some((x) => x.selected));
  assert.equal(m.view({ metrics: mx, topo }, { ...q, links: 1 }).linksLeft, 2);
});

test("a view's links cross to the page as what changed, and are whole there", () => {
  const link = (key, look, busiest = "p") => ({ key, look, busiest });
  const sent = new Map();
  let had = new Map();
  const views = [
    [link("a|b", "x"), link("b|c", "x")],
    [link("a|b", "x"), link("b|c", "y")],		// one's look changed
    [link("b|c", "y", "q"), link("c|d", "x")],	// busiest changed; one gone, one new
    [link("a|b", "x"), link("c|d", "x"), link("b|c", "y", "q")],	// back, reordered
  ];
  const crossed = [];
  for (const links of views) {
    const delta = m.linksDelta(links, sent);
    crossed.push(delta.changed.map((l) => l.key));
    // (as the page gets it: a copy)
    const r = m.linksFrom(structuredClone(delta), had);
    had = r.had;
    assert.deepEqual(r.links, links);
  }
  assert.deepEqual(crossed, [["a|b", "b|c"], ["b|c"], ["b|c", "c|d"], ["a|b"]]);
});

test("an Open vSwitch bridge's ports read as their types, roles and containers", () => {
  assert.deepEqual(m.portLines([
    { name: "br0", type: "internal", role: "none", container: null },
    { name: "v0", type: "dpdkvhostuserclient", role: "container", container: "v0" },
    { name: "c2", type: "dpdk", role: "container", container: "web-1" },
    { name: "upo", type: "dpdk", role: "trunk", container: null },
  ]), ["br0: internal", "v0: dpdkvhostuserclient, container",
       "c2: dpdk, container web-1", "upo: dpdk, trunk"]);
});
