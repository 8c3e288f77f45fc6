// SPDX-License-Identifier: BSD-2-Clause
// The page's logic without the DOM: what the topology shows (links, their
// colour and loss marker, where each container goes), how numbers are
// written, and which monitor counters mean lost work.  Unit-tested with
// `node --test` (web/test/).

// Latency colour scale (end-to-end p50, microseconds): green at or below
// GOOD, red at or above BAD, log-scaled in between, in 25 steps of hue (a
// link's colour is then written again only when its latency moves by a
// step, not at every jitter).
export const GOOD_US = 20;
export const BAD_US = 1000;

export function latencyColor(us) {
  if (us == null || !isFinite(us)) return NO_LATENCY;
  const t = Math.min(1, Math.max(0,
    Math.log(Math.max(us, 1e-3) / GOOD_US) / Math.log(BAD_US / GOOD_US)));
  // green (120) -> yellow (55) -> red (0)
  const hue = 5 * Math.round(24 * (1 - t));
  return HUES[hue] || (HUES[hue] = `hsl(${hue}, 70%, 42%)`);
}
const HUES = [];

export const NO_LATENCY = "#8a8f98";
export const LOSS_COLOR = "#d1242f";

// How a link is drawn: a lossy one in the loss colour, wider the larger
// the share lost (1 % already clearly wider, 10 % or more widest); else
// coloured by its p50, grey without one (nothing traced this interval).
export function linkStyle(l) {
  if (l.lossy)
    return { color: LOSS_COLOR, width: 4 + 6 * Math.min(1, Math.sqrt(l.lossRatio / 0.1)),
             kind: "loss" };
  return { color: latencyColor(l.p50), width: l.active ? 3 : 1.5,
           kind: l.p50 == null ? "none" : "latency" };
}

// Is @ip a unicast IPv4 address (not 0.0.0.0, multicast or broadcast)?
// A bridge's own IGMP report (0.0.0.0 > 224.0.0.22) is no container's.
export function unicast(ip) {
  const a = parseInt(ip, 10);		// the first byte
  return ip !== "0.0.0.0" && ip !== "255.255.255.255" && !(a >= 224 && a <= 239);
}

// The paths the picture draws: between unicast addresses.
export function pictured(paths) {
  return paths.filter((p) => unicast(p.src_ip) && unicast(p.dst_ip));
}

// What is wrong with the network, in words: the pairs that lost packets
// in the last interval, most lost first.
export function networkIssues(paths) {
  return paths.filter(pairLossy)
    .sort((x, y) => y.loss.ratio - x.loss.ratio)
    .map((p) => ({ pair: `${p.src} → ${p.dst} ${pairProto(p)}`, ratio: p.loss.ratio,
                   lost: p.loss.lost, seqLost: p.loss.seq_lost, hop: p.loss.hop }));
}

// A pair lost packets in its last interval (per-hop counters or sequence).
export function pairLossy(p) {
  return !!p.active && (p.loss.lost > 0 || p.loss.seq_lost > 0);
}

// Undirected links between endpoints, merged over directions and
// protocols: the worst p50, total rates, lossy if any direction is.
export function buildLinks(paths) {
  const links = new Map();
  for (const p of paths) {
    const [a, b] = p.src < p.dst ? [p.src, p.dst] : [p.dst, p.src];
    const key = a + "|" + b;
    let l = links.get(key);
    if (!l) {
      l = { key, a, b, p50: null, p99: null, bps: 0, pps: 0, lossy: false,
            lossRatio: 0, lossHop: null, active: false, pairs: [] };
      links.set(key, l);
    }
    l.pairs.push(p);
    l.active = l.active || p.active;
    if (p.active) {
      l.bps += p.bps;
      l.pps += p.pps;
    }
    const e = p.latency_us.e2e;
    if (e.count > 0) {
      if (l.p50 == null || e.p50 > l.p50) l.p50 = e.p50;
      if (l.p99 == null || e.p99 > l.p99) l.p99 = e.p99;
    }
    if (pairLossy(p)) {
      l.lossy = true;
      if (p.loss.ratio >= l.lossRatio) {
        l.lossRatio = p.loss.ratio;
        l.lossHop = p.loss.hop;
      }
    }
  }
  return [...links.values()];
}

// Where an endpoint that is not a monitored container sits, seen from a
// path it ends: behind Open vSwitch when its nearest hop is a switch hop,
// on another node when that hop is on a node other than the path's far
// end, else unknown.
const OVS_HOPS = new Set(["ovs_rx", "ovs_tx"]);

function placeOf(p, end) {
  const hops = p.latency_us.hops;
  if (!hops.length) return null;
  const first = hops[0], last = hops[hops.length - 1];
  const [hop, node, other] = end === "src"
    ? [first.from, first.from_node, last.to_node]
    : [last.to, last.to_node, first.from_node];
  if (OVS_HOPS.has(hop)) return "Open vSwitch";
  if (node !== other) return "node " + node;
  return null;
}

export const ROUTED = "routed by the host";

// A container's own labels: Compose's are its project and service.
function ownLabels(rt) {
  return Object.entries(rt.labels || {})
    .filter(([k]) => !k.startsWith("com.docker.compose."));
}

// What monitored containers can be grouped by besides their bridge, from
// what the container runtime says of them: [value, text] for a <select>.
export function groupChoices(containers) {
  const keys = new Set(), nodes = new Set();
  let image = false, compose = false;
  for (const c of containers) {
    // (the cluster view's containers say which node they run on)
    if (c.monitored && c.node) nodes.add(c.node);
    const rt = c.monitored && c.runtime;
    if (!rt) continue;
    image = true;
    compose = compose || !!rt.compose_service;
    for (const [k] of ownLabels(rt)) keys.add(k);
  }
  return [["", "bridge"], ...(nodes.size > 1 ? [["node", "node"]] : []),
          ...(image ? [["image", "image"]] : []),
          ...(compose ? [["compose", "Compose service"]] : []),
          ...[...keys].sort().map((k) => ["label:" + k, "label " + k])];
}

// The group of a monitored container when grouped @by ("node" in the
// cluster view, "image", "compose", "label:KEY"; groupChoices()).
export function groupOf(c, by) {
  const rt = c.runtime;
  if (by === "node") return "node " + c.node;
  if (by === "image") return rt ? "image " + rt.image : "image not known";
  if (by === "compose")
    return rt && rt.compose_service
      ? `compose ${rt.compose_project}/${rt.compose_service}` : "not in Compose";
  const key = by.slice("label:".length);
  const v = rt && rt.labels ? rt.labels[key] : undefined;
  return v != null ? `${key}=${v}` : `no label ${key}`;
}

// The endpoints of @paths that are not monitored @containers, in the
// order they first appear, each with where a path puts it (placeOf():
// "Open vSwitch", "node N", or null; the first path that says wins).
export function strangers(containers, paths) {
  const mon = new Set();
  for (const c of containers) if (c.monitored) mon.add(c.name);
  const place = new Map();
  const placeEnd = (p, end) => {
    const n = p[end];
    if (mon.has(n) || place.get(n)) return;
    place.set(n, placeOf(p, end));
  };
  for (const p of paths) {
    placeEnd(p, "src");
    placeEnd(p, "dst");
  }
  return [...place];
}

// Groups of the topology: one per bridge (or, grouped @by what the
// runtime says, per value: groupOf()), the containers routed without a
// bridge, then the endpoints that are not monitored containers here:
// behind Open vSwitch, on other nodes (overlay paths), or elsewhere.
// @topo: { containers, paths }, or { containers, ends } with the
// endpoints strangers() gives of the paths.
export function groups(topo, by = "") {
  const out = [];
  const byName = new Map();
  const inGroup = new Map();
  const add = (g, bridge, member, ovs = false, chosen = false) => {
    let grp = byName.get(g);
    if (!grp) {
      byName.set(g, grp = { name: g, bridge, ovs, chosen, members: [] });
      inGroup.set(g, new Set());
      out.push(grp);
    }
    if (!inGroup.get(g).has(member)) {
      inGroup.get(g).add(member);
      grp.members.push(member);
    }
  };
  const ends = topo.ends || strangers(topo.containers, topo.paths);
  const place = new Map(ends);
  for (const c of topo.containers) {
    if (c.monitored && by) add(groupOf(c, by), false, c.name, false, true);
    // (a container on an Open vSwitch port has its port's type)
    else if (c.monitored && c.bridge) add(c.bridge, true, c.name, !!c.port_type);
    // (a monitored container on no bridge: its veth is routed)
    else if (c.monitored) add(ROUTED, false, c.name);
    else add(place.get(c.name) || "other endpoints", false, c.name);
  }
  // endpoints seen only in paths (not listed as containers)
  const known = new Set(topo.containers.map((c) => c.name));
  for (const [n, where] of ends)
    if (!known.has(n)) add(where || "other endpoints", false, n);
  // bridges first, larger first; the others after, "other endpoints" last
  const rank = (g) => g.bridge || g.chosen ? 0
    : g.name === "other endpoints" ? 2 : 1;
  return out.sort((x, y) => (rank(x) - rank(y)) ||
                  (y.members.length - x.members.length) ||
                  x.name.localeCompare(y.name));
}

// An Open vSwitch bridge's ports (the topology's bridges[].ports), a line
// each: "v0: dpdkvhostuserclient, container c1", "br0: internal".
export function portLines(ports) {
  return ports.map((p) => `${p.name}: ${p.type}` +
    (p.role === "none" ? "" : `, ${p.role}`) +
    (p.container && p.container !== p.name ? ` ${p.container}` : ""));
}

// Where everything goes in a width x height picture: groups on a grid,
// each a ring of its members around a hub (the bridge), as large as its
// cell allows so names stay apart.
export function layout(gs, width, height) {
  const n = gs.length || 1;
  const cols = Math.min(n, Math.ceil(Math.sqrt(n * width / Math.max(height, 1))));
  const rows = Math.ceil(n / cols);
  const cw = width / cols, ch = height / rows;
  const pos = new Map();
  const hubs = [];
  gs.forEach((g, i) => {
    const cx = cw * (i % cols + 0.5), cy = ch * (Math.floor(i / cols) + 0.5);
    const k = g.members.length;
    const r = Math.max(20, Math.min(cw, ch) / 2 - 36);
    hubs.push({ name: g.name, bridge: g.bridge, ovs: g.ovs, chosen: g.chosen,
                x: cx, y: cy, r });
    g.members.forEach((m, j) => {
      const a = -Math.PI / 2 + (2 * Math.PI * j) / Math.max(k, 1);
      pos.set(m, { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a),
                   group: g.name });
    });
  });
  return { pos, hubs };
}

// Case-insensitive substring match of a name or any address.
export function matches(query, name, ips = [], also = []) {
  const q = (query || "").trim().toLowerCase();
  if (!q) return true;
  return name.toLowerCase().includes(q) ||
    ips.some((ip) => ip.includes(q)) ||
    also.some((s) => s.toLowerCase().includes(q));
}

// What the container runtime says of a container (topology's "runtime"),
// as lines for its tooltip and words the filter box finds it by.  Compose's
// own labels are shown as project/service, not one by one.
export function runtimeLines(rt) {
  if (!rt) return [];
  const lines = [`${rt.name} ${rt.id}: image ${rt.image}`];
  if (rt.compose_project || rt.compose_service)
    lines.push(`compose ${rt.compose_project}/${rt.compose_service}`);
  const labels = ownLabels(rt).map(([k, v]) => `${k}=${v}`);
  if (labels.length) lines.push("labels " + labels.join(", "));
  return lines;
}

export function runtimeWords(rt) {
  if (!rt) return [];
  return [rt.image, rt.compose_project, rt.compose_service,
          ...Object.entries(rt.labels || {}).map(([k, v]) => `${k}=${v}`)]
    .filter((s) => s);
}

export function fmtUs(us) {
  if (us == null || !isFinite(us)) return "–";
  if (us >= 1e6) return (us / 1e6).toFixed(2) + " s";
  if (us >= 1e3) return (us / 1e3).toFixed(2) + " ms";
  return us.toFixed(us >= 100 ? 0 : 1) + " µs";
}

export function fmtRate(v, unit) {
  if (v == null || !isFinite(v)) return "–";
  const steps = [[1e9, "G"], [1e6, "M"], [1e3, "k"]];
  for (const [d, p] of steps)
    if (v >= d) return (v / d).toFixed(1) + " " + p + unit;
  return v.toFixed(v >= 10 ? 0 : 1) + " " + unit;
}

export function fmtPct(r) {
  if (r == null || !isFinite(r)) return "–";
  return (100 * r).toFixed(r > 0 && r < 0.001 ? 3 : 2) + " %";
}

// Per-hop breakdown of a pair: each segment's p50/p99 and its share of
// the sum of segment means (which equals the end-to-end mean).
export function hopBreakdown(p) {
  const hops = p.latency_us.hops.filter((h) => h.count > 0);
  const total = hops.reduce((s, h) => s + h.mean, 0);
  return hops.map((h) => ({
    hop: h.from + ">" + h.to,
    nodes: h.from_node === h.to_node ? String(h.from_node)
                                     : h.from_node + ">" + h.to_node,
    p50: h.p50, p99: h.p99, mean: h.mean, count: h.count,
    share: total > 0 ? h.mean / total : 0,
  }));
}

// Monitor counters that count work lost or not done; their meaning.
export const LOSS_COUNTERS = {
  skip_mtu: "not stamped: no room under the MTU",
  skip_ipopt: "not stamped: IPv4 options present",
  skip_frag: "not stamped: IPv4 fragment",
  skip_room: "not stamped: a kernel helper refused to make room",
  skip_seq: "not stamped: other CPUs kept its flow's sequence number busy",
  bad_version: "annotation of an unknown version, passed untouched",
  bad_tag: "forged or stale annotation, passed untouched",
  malformed: "malformed annotation, passed untouched",
  ring_full: "records lost: kernel ring full",
  drops_unread: "kernel drops whose packet could not be read (flow unknown)",
  capture_full: "packets not dumped: capture ring full",
  uplink_stripped: "traced packets left the node outside the overlay " +
    "(annotation removed at the uplink)",
  hop_evicted: "per-hop counters the kernel forgot (more flows than " +
    "--flow-entries): their flows' counts missed since the last read, " +
    "compared anew",
  drop_evicted: "drop counters the kernel forgot (more than " +
    "--flow-entries): drops missed since the last read",
  seq_evicted: "traced flows whose sequence numbers started again at 1 " +
    "(their place taken by other flows)",
  nat_evicted: "flows NATed on their way forgotten (more new ones in an " +
    "interval than --flow-entries): towards another node, counted twice " +
    "on this node, once under the address their sender used; towards a " +
    "container here, its drops there shown under the address it was " +
    "NATed to",
  ovs_skip_mtu: "not stamped in Open vSwitch: no room under the MTU",
  ovs_skip_frag: "not stamped in Open vSwitch: IPv4 fragment",
  ovs_skip_ipopt: "not stamped in Open vSwitch: IPv4 options present",
  ovs_skip_room: "not stamped in Open vSwitch: no headroom",
  ovs_no_slot: "Open vSwitch hop not written: no free slot",
  ovs_bad_version: "Open vSwitch: annotation of an unknown version",
  ovs_bad_tag: "Open vSwitch: forged or stale annotation",
  ovs_malformed: "Open vSwitch: malformed annotation",
  ovs_ring_full: "records lost: Open vSwitch ring full",
  ovs_capture_full: "packets not dumped: Open vSwitch capture ring full",
  ovs_flow_evicted: "Open vSwitch per-flow counters taken by other flows " +
    "(more flows at a thread than its table holds): their flows' counts " +
    "missed since the last read, compared anew",
  ovs_flow_uncounted: "packets Open vSwitch did not count per flow " +
    "(datapath threads beyond 16, or a packet in several buffers)",
  ovs_ports_unlisted: "Open vSwitch ports numbered 1024 and up: not " +
    "named, and their containers' kernel side not watched",
  influx_dropped: "InfluxDB lines dropped while it was unreachable",
  influx_rejected: "InfluxDB lines rejected",
  agg_bad_records: "records the engine could not use",
  agg_overflow: "inputs beyond the engine's bounds",
  export_overflow: "series beyond the exporter's bounds",
  pcap_write_errors: "pcap writes that failed",
  pcap_bad_captures: "captured frames with an unusable record, not dumped",
  rules_refused: "edits of the rule file refused (the rules in force stay)",
  alerts_send_failed: "posts of alerts to Alertmanager that failed",
  alerts_dropped: "alerts not sent or not kept: a queue or table was full",
};

export function healthIssues(counters) {
  return Object.entries(LOSS_COUNTERS)
    .filter(([k]) => counters[k] > 0)
    .map(([k, what]) => ({ counter: k, value: counters[k], what }));
}

// The first @n of @items in the order of @cmp, as a stable sort would
// give them, without sorting the rest (the table and the picture want a
// few out of thousands, at every update).
export function topN(items, n, cmp) {
  if (items.length <= n) return [...items].sort(cmp);
  const top = [];
  for (const it of items) {
    if (top.length === n && cmp(it, top[n - 1]) >= 0) continue;
    let lo = 0, hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(it, top[mid]) < 0) hi = mid;
      else lo = mid + 1;
    }
    top.splice(lo, 0, it);
    if (top.length > n) top.pop();
  }
  return top;
}

// At most @n links to draw: the lossy ones, those @keep says (the
// selected pair's), then the busiest; with how many were left out and the
// ends of the lossy ones.
export function topLinks(links, n, keep = () => false) {
  const sorted = links.length <= n ? links
    : topN(links.map((l) => ({ l, r: (l.lossy ? 2 : 0) + (keep(l) ? 1 : 0) })), n,
           (x, y) => (y.r - x.r) || (y.l.bps - x.l.bps)).map((x) => x.l);
  const lossyEnds = new Set();
  for (const l of sorted)
    if (l.lossy) lossyEnds.add(l.a).add(l.b);
  return { links: sorted, left: links.length - sorted.length, lossyEnds };
}

// What the table can be ordered by, largest first (idle pairs last).
export const PAIR_ORDERS = {
  bps: { text: "the busiest", key: (p) => p.bps },
  p99: { text: "the slowest (e2e p99)",
         key: (p) => p.latency_us.e2e.count ? p.latency_us.e2e.p99 : -1 },
  loss: { text: "the lossiest", key: (p) => p.loss.ratio },
};

const byText = (x, y) => x < y ? -1 : x > y ? 1 : 0;

// Rows of the table: the pairs a query on either end finds, in the order
// @by (PAIR_ORDERS; the busiest first by default), idle pairs last; at
// most @n of them, with how many more there are.  Past @n, by default,
// the pairs that lost packets come first (the order chosen otherwise
// says what comes first).
export function pairRows(paths, query, words = () => [], by = "bps", n = Infinity) {
  const key = PAIR_ORDERS[by].key;
  const found = (query || "").trim() ? paths
    .filter((p) => matches(query, p.src, [p.src_ip], words(p.src)) ||
                   matches(query, p.dst, [p.dst_ip], words(p.dst)))
    : paths;
  const lossyFirst = found.length > n && by === "bps";
  // (each row's keys made once, not at each comparison)
  const rows = found.map((p) => ({ p, l: lossyFirst && pairLossy(p) ? 1 : 0,
                                   a: p.active ? 1 : 0, k: key(p) }));
  const top = topN(rows, n, (x, y) => (y.l - x.l) || (y.a - x.a) ||
    (y.k - x.k) || byText(x.p.src, y.p.src) || byText(x.p.dst, y.p.dst) ||
    byText(pairProto(x.p), pairProto(y.p)));
  return { rows: top.map((r) => r.p), left: found.length - top.length };
}

// Pairs now: the last interval's (@metrics), then the idle ones the
// engine still knows (@topo's paths).
export function currentPaths(metrics, topo) {
  const out = new Map();
  for (const p of metrics ? metrics.pairs : [])
    out.set(pairId(p), p);
  for (const p of topo && topo.paths ? topo.paths : [])
    if (!out.has(pairId(p))) out.set(pairId(p), { ...p, active: false });
  return [...out.values()];
}

// A link's tooltip: its ends, then each of its pairs' figures.
export function linkText(l) {
  const lines = [`${l.a} ↔ ${l.b}`];
  for (const p of l.pairs) {
    lines.push(`${p.src} → ${p.dst} ${pairProto(p)}: ` +
      (p.active ? `${fmtRate(p.pps, "pkt/s")}, ${fmtRate(p.bps, "bit/s")}, ` +
        `p50 ${fmtUs(p.latency_us.e2e.p50)}, p99 ${fmtUs(p.latency_us.e2e.p99)}, ` +
        `loss ${fmtPct(p.loss.ratio)}${p.loss.hop ? " at " + p.loss.hop : ""}`
        : "idle"));
  }
  return lines.join("\n");
}

// What the page draws of an update, made from every pair away from the
// page's thread (feed.js), so that what crosses to the page is what it
// draws: the links to draw (at most @q.links; each with its style and its
// busiest pair), the tooltip of the link @q.tip (its key) if it is drawn
// (the page shows one at a time: hundreds of them made and sent at every
// update cost more than the page's drawing), the endpoints that are not containers
// (strangers()), the table's rows (@q.rows at most, @q.query and
// @q.order: pairRows()), the selected pair (@q.selected: its id), and
// the network's issues (the first five, and how many).  @d: { metrics,
// topo } (topo.paths: the idle pairs).
export function view(d, q) {
  const paths = currentPaths(d.metrics, d.topo);
  const pic = pictured(paths);
  const cs = d.topo ? d.topo.containers : [];
  const has = (l) => l.pairs.some((p) => pairId(p) === q.selected);
  const top = topLinks(buildLinks(pic), q.links, has);
  const rts = new Map(cs.map((c) => [c.name, c.runtime]));
  const rows = pairRows(paths, q.query, (n) => runtimeWords(rts.get(n)),
                        q.order, q.rows);
  const issues = networkIssues(paths);
  const tipped = q.tip ? top.links.find((l) => l.key === q.tip) : null;
  return {
    links: top.links.map((l) => {
      const style = linkStyle(l), selected = has(l);
      return {
        key: l.key, a: l.a, b: l.b, active: l.active, lossy: l.lossy,
        selected, style,
        // (all the page draws of it: the same look is not drawn again)
        look: [l.active, selected, l.lossy, style.color, style.width,
               style.kind].join(),
        busiest: pairId(l.pairs.reduce((x, y) => y.bps > x.bps ? y : x)),
      };
    }),
    tip: tipped ? { key: tipped.key, text: linkText(tipped) } : null,
    linksLeft: top.left, lossyEnds: [...top.lossyEnds],
    ends: strangers(cs, pic),
    rows: rows.rows.map(rowOf), rowsLeft: rows.left, order: q.order,
    selected: paths.find((p) => pairId(p) === q.selected) || null,
    issues: issues.slice(0, 5), nissues: issues.length,
  };
}

// What the table draws of a pair (the rest stays in the feed).
function rowOf(p) {
  const { p50, p99 } = p.latency_us.e2e, l = p.loss;
  return {
    src: p.src, dst: p.dst, src_ip: p.src_ip, dst_ip: p.dst_ip, proto: p.proto,
    port: p.port, _id: pairId(p), active: p.active, pps: p.pps, bps: p.bps,
    latency_us: { e2e: { p50, p99 } },
    loss: { ratio: l.ratio, lost: l.lost, seq_lost: l.seq_lost, hop: l.hop },
  };
}

// A view's links as they cross from the feed to the page: at every
// update most look as they did, and the page has them already.  To the
// page go the keys of the links drawn, in order, and the links it does not
// have as they are now; @sent (key → what the page has of that link) is
// brought up to date.  linksFrom() makes the list again on the page.
export function linksDelta(links, sent) {
  const keys = [], changed = [];
  const now = new Map();
  for (const l of links) {
    const has = l.look + "|" + l.busiest;
    keys.push(l.key);
    if (sent.get(l.key) !== has) changed.push(l);
    now.set(l.key, has);
  }
  sent.clear();
  for (const [k, has] of now) sent.set(k, has);
  return { keys, changed };
}

// The links of @delta (linksDelta()) from those the page had (@had: key
// → link): { links, had } (had for the next one).  Every delta the feed
// sends is applied, in order, so that both sides have the same links.
export function linksFrom(delta, had) {
  const next = new Map();
  for (const k of delta.keys) next.set(k, had.get(k));
  for (const l of delta.changed) next.set(l.key, l);
  return { links: [...next.values()], had: next };
}

// A pair's protocol, and the port the rules set it apart by: "tcp:5432".
export function pairProto(p) {
  return p.port ? `${p.proto}:${p.port}` : p.proto;
}

// (remembered on the pair: every panel asks at every update)
export function pairId(p) {
  return p._id || (p._id = p.src_ip + ">" + p.dst_ip + "/" + pairProto(p));
}

// The history query of a pair's id (pairId()).
export function historyQuery(id) {
  const [sip, rest] = id.split(">");
  const [dip, pp] = rest.split("/");
  const [proto, port] = pp.split(":");
  return `src=${sip}&dst=${dip}&proto=${proto}&port=${port || 0}`;
}

// An alert's value in the unit of what it watches.
export function fmtAlertValue(a) {
  if (a.value == null) return "no data";
  if (/^(e2e|segment)/.test(a.expr)) return fmtUs(a.value * 1e6);
  if (a.expr.startsWith("loss.ratio")) return fmtPct(a.value);
  if (a.expr.startsWith("bps")) return fmtRate(a.value, "bit/s");
  if (a.expr.startsWith("pps")) return fmtRate(a.value, "pkt/s");
  return String(a.value);
}

const ALERT_ORDER = { firing: 0, pending: 1, resolved: 2 };

// A span of seconds in words: "40 s", "3 min", "2 h".
export function fmtAge(s) {
  if (s == null || !isFinite(s)) return "–";
  s = Math.max(0, s);
  return s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min`
    : `${Math.round(s / 3600)} h`;
}

// An alert's history in words, at wall clock @now (seconds).
export function alertWhen(a, now) {
  if (a.state === "firing") return `firing for ${fmtAge(now - a.fired_at)}`;
  if (a.state === "pending") return `holding for ${fmtAge(now - a.active_at)}`;
  return `resolved ${fmtAge(now - a.resolved_at)} ago` + (a.fired_at
    ? ` after firing for ${fmtAge(a.resolved_at - a.fired_at)}` : "");
}

// Alerts for their panel: firing first, then pending, then resolved;
// their history in words at wall clock @now (alertWhen()).
export function alertRows(alerts, now = Date.now() / 1000) {
  return [...(alerts || [])]
    .sort((x, y) => (ALERT_ORDER[x.state] - ALERT_ORDER[y.state]) ||
          (x.rule + x.alert + x.src + x.dst)
            .localeCompare(y.rule + y.alert + y.src + y.dst))
    .map((a) => ({
      state: a.state, severity: a.severity, rule: a.rule, alert: a.alert,
      pair: `${a.src} → ${a.dst} ${pairProto(a)}` +
        (a.node ? ` on ${a.node}` : ""),
      text: `${a.expr}, now ${fmtAlertValue(a)}; ${alertWhen(a, now)}`,
      summary: a.summary,
    }));
}

// The cluster view (/api/v1/cluster): every node's documents as one
// metrics document and one topology.  A pair is shown once, with the
// figures of the node its destination container runs on (else its
// source's; else the first that has it), as that node's own API gives
// them: no pair is counted twice.  Containers are named as the node they
// run on names them, and grouped by node and bridge.  A node that does
// not answer is down: its containers stay, marked, and its figures go.
export function mergeCluster(doc) {
  const nodes = doc.nodes.map((n) => ({
    name: n.node || (n.metrics && n.metrics.node) || n.url,
    self: !!n.self, url: n.url, up: !!n.up && !!n.metrics, age: n.age_s,
    error: n.error, metrics: n.metrics, topo: n.topology,
  }));
  const home = new Map(), nameOf = new Map();
  for (const n of nodes)
    for (const c of n.topo ? n.topo.containers : [])
      if (c.monitored)
        for (const ip of c.ips) {
          home.set(ip, n.name);
          nameOf.set(ip, c.name);
        }
  const containers = [], named = new Set();
  for (const monitored of [true, false])
    for (const n of nodes)
      for (const c of n.topo ? n.topo.containers : []) {
        if (c.monitored !== monitored || named.has(c.name) ||
            (!monitored && c.ips.some((ip) => home.has(ip))))
          continue;
        named.add(c.name);
        containers.push({ ...c, node: n.name, down: monitored && !n.up,
                          bridge: c.bridge && `${n.name} · ${c.bridge}` });
      }
  const up = nodes.filter((n) => n.up);
  const once = (lists) => {
    const out = new Map();
    for (const [node, pairs] of lists)
      for (const p of pairs) {
        const id = pairId(p), cur = out.get(id);
        const owner = home.get(p.dst_ip) || home.get(p.src_ip);
        if (cur && (cur.node === owner || node !== owner)) continue;
        out.set(id, { ...p, node, src: nameOf.get(p.src_ip) || p.src,
                      dst: nameOf.get(p.dst_ip) || p.dst });
      }
    return [...out.values()];
  };
  const self = nodes.find((n) => n.self) || nodes[0];
  const base = self.metrics || (up[0] && up[0].metrics) || {};
  const ruled = up.find((n) => n.metrics.rules);
  const metrics = {
    ...base, time: Math.max(0, ...up.map((n) => n.metrics.time)),
    pairs: once(up.map((n) => [n.name, n.metrics.pairs])),
    alerts: up.flatMap((n) => (n.metrics.alerts || [])
      .map((a) => ({ ...a, node: n.name }))),
    // (the rules in force: this node's, else the first node's that has)
    rules: base.rules || (ruled ? ruled.metrics.rules : null),
    containers: Object.assign({}, ...up.map((n) => n.metrics.containers || {})),
  };
  const topo = {
    ...(self.topo || {}), containers,
    bridges: nodes.flatMap((n) => (n.topo ? n.topo.bridges : [])
      .map((b) => ({ ...b, name: `${n.name} · ${b.name}` }))),
    paths: once(up.filter((n) => n.topo).map((n) => [n.name, n.topo.paths])),
  };
  return {
    metrics, topo,
    nodes: nodes.map((n) => ({
      name: n.name, self: n.self, url: n.url, up: n.up, age: n.age,
      error: n.error, containers: containers
        .filter((c) => c.monitored && c.node === n.name).length,
    })),
  };
}

// A node's state in words, for the nodes panel.
export function nodeText(n) {
  const age = n.age == null ? "never answered"
    : `last answer ${n.age < 1.5 ? "now" : Math.round(n.age) + " s ago"}`;
  return n.up ? `up, ${n.containers} container(s)${n.self ? " (this node)" : ""}`
    : `down: ${n.error || "no answer"} (${age}); its figures are left out`;
}
