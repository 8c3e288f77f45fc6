// SPDX-License-Identifier: BSD-2-Clause
// cmon's live page: topology, pairs, a pair's per-hop breakdown and time
// series, and the monitor's health, from cmon-dpdk's JSON API and event
// stream (doc/exporter.md).  The logic is in model.js; feed.js, a worker,
// reads the API and makes what is drawn of it; this file draws.
import { getJSON } from "./api.js";
import * as m from "./model.js";

const params = new URLSearchParams(location.search);
const token = params.get("token");
const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);

const state = {
  topo: null, metrics: null, view: null, health: null, nodes: null,
  status: "", paused: false, selected: null, query: "", order: "bps",
  groupBy: "", history: null, historyOf: null, charts: {}, updates: 0,
  seq: 0, tipLink: null, links: new Map(),
};
// (what an update draws before its first figures)
const NO_VIEW = { links: [], linksLeft: 0, lossyEnds: [], ends: [], rows: [],
                  rowsLeft: 0, order: "bps", selected: null, issues: [],
                  nissues: 0, tip: null };

function el(tag, attrs = {}, text) {
  const e = tag === "svg" || ["g", "circle", "line", "text", "title", "path"]
    .includes(tag) ? document.createElementNS(SVG, tag)
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}

function setStatus(s) {
  const st = $("status");
  st.className = "status " + s;
  st.textContent = { live: "live", down: "reconnecting…",
                     paused: "paused" }[s] || s;
}

function showTip(evt, text) {
  const t = $("tooltip");
  t.textContent = text;
  t.hidden = false;
  t.style.left = evt.clientX + 12 + "px";
  t.style.top = evt.clientY + 12 + "px";
}

function hideTip() {
  tip.key = null;
  $("tooltip").hidden = true;
}

// The tooltip follows what it is about by key (its figures updated at
// every update), and goes if that is gone.  The thousands of links and
// containers are not registered one by one: their kind ("link:KEY",
// "ct:NAME") makes the text from the last update when it shows.
const tip = { key: null, texts: new Map(), kinds: {} };

// (one listener for every element with a tooltip)
function marked(node, key) {
  if (node._tip !== key) {
    node._tip = key;
    node.dataset.tip = key;
  }
}

function tipped(node, text, key) {
  tip.texts.set(key, text);
  marked(node, key);
}

document.addEventListener("mousemove", (e) => {
  const n = e.target.closest ? e.target.closest("[data-tip]") : null;
  if (!n) {
    if (tip.key != null) hideTip();
    return;
  }
  tip.key = n.dataset.tip;
  // (a link's figures come from the feed, asked for when it is pointed at)
  if (tip.key.startsWith("link:") && tip.key.slice(5) !== state.tipLink) {
    state.tipLink = tip.key.slice(5);
    sendParams();
  }
  showTip(e, tipText(tip.key));
});
// (mouseleave does not bubble: caught on its way down)
document.addEventListener("mouseleave", (e) => {
  if (e.target.dataset && e.target.dataset.tip === tip.key) hideTip();
}, true);

// The text of @key now, or undefined if what it was about is gone.
function tipText(key) {
  if (tip.texts.has(key)) return tip.texts.get(key);
  const i = key.indexOf(":"), kind = tip.kinds[key.slice(0, i)];
  return kind ? kind(key.slice(i + 1)) : undefined;
}

function refreshTip() {
  if (tip.key == null) return;
  const t = tipText(tip.key);
  if (t != null) $("tooltip").textContent = t;
  else hideTip();
}

// Beyond these the picture draws the links that matter and the table the
// pairs that matter (lossy first, then the busiest): the rest is a filter
// away.
const MAX_LINKS = 600, MAX_NAMES = 150, MAX_ROWS = 60;

// Elements are kept from one update to the next and only what changed is
// written: an update's cost is then its figures, not a new picture.  (What
// was written is remembered on the element: reading the DOM back costs.)
function setAttrs(e, attrs) {
  const was = e._attrs || (e._attrs = {});
  for (const k in attrs) {
    const s = String(attrs[k]);
    if (was[k] !== s) {
      was[k] = s;
      e.setAttribute(k, s);
    }
  }
}

// (a text written again goes into the text node that is there: a new one
// would be laid out and shaped anew)
function setText(e, t) {
  if (e._text !== t) {
    e._text = t;
    const f = e.firstChild;
    if (f && f.nodeType === Node.TEXT_NODE && !f.nextSibling) f.data = t;
    else e.textContent = t;
  }
}

// @parent's children, one per item of @items, by key: made by @make
// once, brought up to date by @update at every call, in the items' order
// when @ordered; those of keys gone are removed.
function reconcile(parent, items, key, make, update, ordered = false) {
  const old = parent._keyed || new Map(), next = new Map();
  let prev = null;
  for (const it of items) {
    const k = key(it);
    let e = old.get(k);
    if (!e) e = make(it);
    update(e, it);
    next.set(k, e);
    if (ordered || !e.parentNode) {
      const want = prev ? prev.nextSibling : parent.firstChild;
      if (e !== want) parent.insertBefore(e, want);
    }
    prev = e;
  }
  for (const [k, e] of old) if (!next.has(k)) e.remove();
  parent._keyed = next;
}

// Two lists of the same items (===), in the same order.
function same(a, b) {
  return !!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]);
}

// What the panels look containers up by, made once per topology (the
// feed gives one only when it changed; the figures come every second).
function topoIndex(topo) {
  if (!topo._index) {
    const cs = topo.containers;
    topo._index = {
      ips: new Map(cs.map((c) => [c.name, c.ips])),
      rts: new Map(cs.map((c) => [c.name, c.runtime])),
      monitored: new Set(cs.filter((c) => c.monitored).map((c) => c.name)),
      down: new Set(cs.filter((c) => c.down).map((c) => c.name)),
      choices: m.groupChoices(cs),
      // (an Open vSwitch bridge's ports, by the bridge's name)
      ports: new Map((topo.bridges || []).filter((b) => b.ports)
        .map((b) => [b.name, b.ports])),
      // (what the containers' circles show of the topology: a new one
      // that says the same redraws none of them)
      ctSig: cs.map((c) => c.name + (c.monitored ? "+" : "-") +
                    (c.down ? "d" : "")).join(),
    };
  }
  return topo._index;
}

// The picture's layers, drawn in this order: those that change at every
// update in a picture of their own, under the one of those that do not
// (a picture painted again is painted whole).
const LAYERS = { back: ["hubs", "links", "markers"], front: ["labels", "cts"] };
function layers(box) {
  if (!box._layers) {
    box._layers = {};
    box._svgs = [];
    for (const [pic, names] of Object.entries(LAYERS)) {
      const svg = el("svg", { class: pic });
      for (const n of names)
        svg.append(box._layers[n] = el("g", { "data-layer": n }));
      box.append(svg);
      box._svgs.push(svg);
    }
  }
  return box._layers;
}

// Groups and where their members go, computed again only when the
// groups, their members or the picture's size change.  The groups are
// made again only for a new topology, a new grouping or size, or
// endpoints that are not monitored containers (@ends: m.strangers())
// coming, going or moving.
const placed = { sig: null, pos: null, hubs: null, members: null, key: null };
function place(ends, w, h) {
  const key = [state.topo, state.groupBy, w, h, ...ends.map((e) => e.join("@"))];
  if (same(key, placed.key))
    return placed;
  placed.key = key;
  const strangers = new Set(ends.map((e) => e[0]));
  const containers = state.topo.containers
    .filter((c) => c.monitored || strangers.has(c.name));
  const gs = m.groups({ containers, ends }, state.groupBy);
  const sig = `${w}x${h}|` + gs.map((g) => g.name + (g.bridge ? "+" : "-") +
    (g.ovs ? "o" : "") + ":" + g.members.join(",")).join("|");
  if (sig !== placed.sig) {
    const { pos, hubs } = m.layout(gs, w, h);
    Object.assign(placed, { sig, pos, hubs, members: [...pos] });
  }
  return placed;
}

// The choices of "group by": the bridges, and what the runtime says.
function renderGroupChoices() {
  const sel = $("group-by");
  const choices = topoIndex(state.topo).choices;
  const sig = choices.map((c) => c[0]).join("|");
  if (sel.dataset.sig === sig) return;
  sel.dataset.sig = sig;
  sel.replaceChildren(...choices.map(([v, t]) => el("option", { value: v }, t)));
  // (a choice that went, say a label no container has any more: bridges)
  if (!choices.some((c) => c[0] === state.groupBy)) state.groupBy = "";
  sel.value = state.groupBy;
}

function hubTip(hub, hubNode, hubBridge, isDown, ports) {
  return hubTitle(hub, hubNode, hubBridge, isDown) +
    (ports ? "\n" + m.portLines(ports).join("\n") : "");
}

function hubTitle(hub, hubNode, hubBridge, isDown) {
  return hubNode ? `${hub.ovs ? "Open vSwitch" : "Linux"} bridge ` +
      `${hubBridge} on node ${hubNode}` +
      (isDown ? ": the node does not answer; its figures are left out" : "")
    : hub.bridge ? `${hub.ovs ? "Open vSwitch" : "Linux"} bridge ${hub.name}`
    : hub.name === "Open vSwitch"
      ? "endpoints behind Open vSwitch (DPDK containers on vhost-user)"
    : hub.name === m.ROUTED
      ? "containers routed by the host, without a bridge (their veths)"
    : hub.chosen ? `containers of ${hub.name}`
    : hub.name.startsWith("node ")
      ? `containers on ${hub.name}, reached across the overlay`
      : "endpoints seen in traffic that are not containers monitored here";
}

// The picture's size, as the browser last laid it out: read when it
// changes (the ResizeObserver at the end), not at every update, where
// reading it would lay the page out once more before the update has
// changed anything.
const topoBox = { w: 0, h: 0 };

function renderTopology(v) {
  const box = $("topology");
  if (!topoBox.w) Object.assign(topoBox, { w: box.clientWidth, h: box.clientHeight });
  const w = topoBox.w || 800, h = topoBox.h || 460;
  const L = layers(box);
  for (const svg of box._svgs) setAttrs(svg, { viewBox: `0 0 ${w} ${h}` });
  if (!state.topo) {
    for (const n in L) reconcile(L[n], [], null);
    L.cts._key = null;
    tip.kinds = {};
    return;
  }
  renderGroupChoices();
  const { pos, hubs, members } = place(v.ends, w, h);
  const { ips, rts, monitored, down, ports } = topoIndex(state.topo);
  const downNodes = new Set((state.nodes || []).filter((n) => !n.up)
    .map((n) => n.name));
  const shown = !state.query.trim() ? () => true
    : (n) => m.matches(state.query, n, ips.get(n) || [],
                       m.runtimeWords(rts.get(n)));
  // (in the cluster view a bridge's group is "node · bridge")
  const hubInfo = (hub) => {
    const [node, bridge] = hub.name.includes(" · ")
      ? hub.name.split(" · ") : [null, hub.name];
    return { node, bridge, isDown: downNodes.has(node) };
  };
  reconcile(L.hubs, hubs, (hub) => hub.name, () => {
    const g = el("g");
    g.append(el("circle", { class: "hub" }));
    return g;
  }, (g, hub) => {
    const { node, bridge, isDown } = hubInfo(hub);
    setAttrs(g, { "data-hub": hub.name, "data-kind": !hub.bridge ? "group"
                  : hub.ovs ? "ovs" : "linux", class: isDown ? "down" : "" });
    setAttrs(g.firstChild, { cx: hub.x, cy: hub.y, r: hub.r * 0.35 });
    tipped(g, hubTip(hub, node, bridge, isDown, hub.ovs && ports.get(hub.name)),
           "hub:" + hub.name);
  });
  // (labels go over the links, drawn after them)
  reconcile(L.labels, hubs, (hub) => hub.name, () => el("text"), (t, hub) => {
    const { isDown } = hubInfo(hub);
    setAttrs(t, { class: "hub-label" + (isDown ? " down" : ""), x: hub.x,
                  y: hub.y + 4 });
    setText(t, hub.name + (isDown ? " (node down)" : ""));
  });
  setText($("topology-note"), v.linksLeft
    ? `(${v.linksLeft} quieter links not drawn: filter or pick a pair)` : "");
  // (names only where they can be read: all of a small picture, else
  // those the filter or a loss points at; hover for the others)
  const lossyEnds = new Set(v.lossyEnds);
  const named = (n) => pos.size <= MAX_NAMES ||
    (state.query && shown(n)) || lossyEnds.has(n);
  const drawn = v.links.filter((l) => pos.get(l.a) && pos.get(l.b));
  // (where a link goes is written only when its ends move: the places
  // are kept while the groups stay)
  reconcile(L.links, drawn, (l) => l.key, (l) => {
    const line = el("line", { "data-link": l.key });
    marked(line, "link:" + l.key);
    return line;
  }, (line, l) => {
    const a = pos.get(l.a), b = pos.get(l.b);
    if (line._a !== a || line._b !== b) {
      line._a = a;
      line._b = b;
      setAttrs(line, { x1: a.x, y1: a.y, x2: b.x, y2: b.y });
    }
    // (most links look as they did: only their figures moved)
    const dim = !(shown(l.a) || shown(l.b));
    if (line._look === l.look && line._dim === dim) return;
    line._look = l.look;
    line._dim = dim;
    const st = l.style, on = l.selected;
    setAttrs(line, {
      class: "link" + (l.active ? "" : " idle") + (on ? " selected" : "") +
        (dim ? " dim" : ""),
      stroke: st.color, "stroke-width": on ? st.width + 3 : st.width,
      "data-loss": l.lossy ? "1" : "0", "data-style": st.kind,
    });
  });
  reconcile(L.markers, drawn.filter((l) => l.lossy), (l) => l.key,
    () => el("text", { class: "loss-marker" }, "✕"), (t, l) => {
      const a = pos.get(l.a), b = pos.get(l.b);
      setAttrs(t, { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2,
                    "data-loss-marker": l.key });
    });
  const r = pos.size <= MAX_NAMES ? 7 : 4;
  // (the containers change with their places, the topology, the filter
  // and, for their names, the lossy links' ends: not at every figure)
  const ctKey = [members, r, topoIndex(state.topo).ctSig, state.query,
    state.query ? state.topo : null,
    pos.size <= MAX_NAMES ? "" : [...lossyEnds].sort().join()];
  if (!same(ctKey, L.cts._key)) reconcile(L.cts, members, ([name]) => name, ([name]) => {
    const g = el("g", { "data-container": name });
    g.append(el("circle"));
    marked(g, "ct:" + name);
    return g;
  }, (g, [name, p]) => {
    setAttrs(g, { class: "ct" + (monitored.has(name) ? "" : " unmonitored") +
                    (down.has(name) ? " down" : "") +
                    (shown(name) ? "" : " dim") });
    if (g._p !== p || g._r !== r) {
      g._p = p;
      g._r = r;
      setAttrs(g.firstChild, { cx: p.x, cy: p.y, r });
      if (g._label) setAttrs(g._label, { x: p.x, y: p.y - 11 });
    }
    if (named(name) && !g._label) {
      g.append(g._label = el("text", { x: p.x, y: p.y - 11 }, name));
    } else if (!named(name) && g._label) {
      g._label.remove();
      g._label = null;
    }
  });
  L.cts._key = ctKey;
  tip.kinds = {
    // (its ends until the feed sends its figures)
    link: (k) => !linkOf(v, k) ? undefined
      : v.tip && v.tip.key === k ? v.tip.text
      : `${linkOf(v, k).a} ↔ ${linkOf(v, k).b}`,
    ct: (name) => {
      const p = pos.get(name);
      if (!p) return undefined;
      const addr = (ips.get(name) || []).join(", ");
      return [`${name}${addr ? " (" + addr + ")" : ""}`,
        ...m.runtimeLines(rts.get(name)),
        monitored.has(name) ? `on ${p.group}` + (down.has(name)
          ? " (node down: figures left out)" : "")
          : "not monitored on this node"].join("\n");
    },
  };
}

// The link of @key that @v draws, if it does (by the map its links
// were made again from: m.linksFrom()).
function linkOf(v, key) {
  return v.byKey ? v.byKey.get(key) : undefined;
}

// What every colour and width of a link means, grey included.
function renderLegend() {
  const l = $("legend");
  if (l.childElementCount) return;
  const swatch = (color, height = 6) => {
    const s = el("span");
    s.style.background = color;
    s.style.height = height + "px";
    return s;
  };
  l.append("e2e p50: ");
  for (const us of [m.GOOD_US, 100, m.BAD_US])
    l.append(swatch(m.latencyColor(us)),
             (us === m.BAD_US ? "≥ " : "") + m.fmtUs(us) + "  ");
  l.append(swatch(m.NO_LATENCY), "grey: no latency (no packet traced this interval)  ",
           swatch(m.LOSS_COLOR, 9), "loss in the last interval (wider: more lost)  ",
           "dashed: idle");
}

// The table draws the rows in view and a few either side; a spacer row
// above them and one below stand for the others, so that the scroll bar
// is the whole list's.  (Every figure drawn is laid out and shaped again
// when it changes: rows out of view would cost as much as those in it.)
// A row is one line, or two with the place of its loss: each height is
// measured once it is first drawn, and again when the window resizes.
const rowsView = { top: 0, height: 540, head: 60, one: 0, two: 0, pending: 0,
                   from: 0, to: 0 };
const ROWS_AROUND = 6;

function rowTall(p) {
  return m.pairLossy(p) && !!p.loss.hop;
}

// [from, to) of @rows for the panel's scroll position, and the heights
// of the rows above and below them
function rowsWindow(rows) {
  const hs = rows.map((p) => rowTall(p) ? rowsView.two || 40 : rowsView.one || 23);
  const top = rowsView.top - rowsView.head, bottom = top + rowsView.height;
  let y = 0, from = 0, to = 0;
  for (; to < rows.length && y < bottom; to++) {
    if (y + hs[to] <= top) from = to + 1;
    y += hs[to];
  }
  from = Math.max(0, from - ROWS_AROUND);
  to = Math.min(rows.length, to + ROWS_AROUND);
  const sum = (a, b) => hs.slice(a, b).reduce((x, h) => x + h, 0);
  return { from, to, above: sum(0, from), below: sum(to, rows.length) };
}

function measureRows(body) {
  const panel = $("pairs-panel");
  // (the panel as high as it grows: it may hold few rows yet)
  const most = parseFloat(getComputedStyle(panel).maxHeight);
  rowsView.height = Math.min(window.innerHeight,
                             Number.isFinite(most) ? most : Infinity);
  rowsView.head = body.getBoundingClientRect().top -
    panel.getBoundingClientRect().top + panel.scrollTop;
  for (const tr of body.querySelectorAll("tr[data-pair]")) {
    const k = tr.querySelector("small") ? "two" : "one";
    if (!rowsView[k]) rowsView[k] = tr.offsetHeight;
  }
}

function renderPairs(v) {
  const body = document.querySelector("#pairs tbody");
  const rts = state.topo ? topoIndex(state.topo).rts : new Map();
  // (the order the rows come in, which the feed says)
  const order = m.PAIR_ORDERS[v.order].text;
  setText($("pairs-note"), v.rowsLeft
    ? `the ${v.rows.length} ` + (v.order === "bps"
      ? "that lost most, then the busiest" : order) +
      `; ${v.rowsLeft} more: filter to find them`
    : `last interval, ${order} first`);
  for (const th of document.querySelectorAll("#pairs th[data-order]"))
    setAttrs(th, { class: th.dataset.order === v.order ? "ordered" : "" });
  const w = rowsWindow(v.rows);
  Object.assign(rowsView, { from: w.from, to: w.to });
  const drawn = v.rows.slice(w.from, w.to);
  const items = [{ gap: "above", h: w.above }, ...drawn,
                 { gap: "below", h: w.below }];
  reconcile(body, items, (p) => p.gap || m.pairId(p), (p) => {
    if (p.gap) {
      const tr = el("tr", { class: "gap" });
      tr.append(el("td", { colspan: 8 }));
      return tr;
    }
    const tr = el("tr", { "data-pair": m.pairId(p) });
    for (let i = 0; i < 8; i++) tr.append(el("td"));
    return tr;
  }, (tr, p) => {
    if (p.gap) {
      setAttrs(tr.firstChild, { style: `height: ${p.h}px` });
      return;
    }
    const e2e = p.latency_us.e2e;
    const lossy = m.pairLossy(p);
    setAttrs(tr, { class: (p.active ? "" : "idle") +
                   (m.pairId(p) === state.selected ? " selected" : "") });
    const cells = [
      [p.src, ""], [p.dst, ""], [m.pairProto(p), ""],
      [p.active ? m.fmtRate(p.pps, "pkt/s") : "idle", "num"],
      [p.active ? m.fmtRate(p.bps, "bit/s") : "–", "num"],
      [m.fmtUs(e2e.p50), "num"], [m.fmtUs(e2e.p99), "num"],
      [m.fmtPct(p.loss.ratio), "num" + (lossy ? " lossy" : "")],
    ];
    cells.forEach(([t, c], i) => {
      const td = tr.children[i];
      setAttrs(td, { class: c });
      if (i < 7) setText(td, t);
    });
    // (the loss cell: its figure, and where packets vanished)
    const last = tr.children[7];
    const at = lossy && p.loss.hop ? "at " + p.loss.hop : null;
    if (last.firstChild?.nodeValue !== cells[7][0] ||
        (last.querySelector("small")?.textContent ?? null) !== at) {
      last.replaceChildren(cells[7][0]);
      if (at) last.append(el("small", {}, at));
    }
    for (const [i, n] of [[0, p.src], [1, p.dst]]) {
      const td = tr.children[i], rt = rts.get(n);
      if (td._rt !== rt) {
        td._rt = rt;
        setAttrs(td, { title: m.runtimeLines(rt).join("\n") });
      }
    }
  }, true);
  if (!rowsView.one && drawn.some((p) => !rowTall(p)) ||
      !rowsView.two && drawn.some(rowTall))
    measureRows(body);
}

function renderPair(v) {
  const p = v.selected && m.pairId(v.selected) === state.selected
    ? v.selected : null;
  const hops = $("hops"), loss = $("loss-detail");
  hops.replaceChildren();
  loss.replaceChildren();
  loss.className = "";
  if (!p) {
    setText($("pair-title"), "Select a pair or a link");
    return;
  }
  setText($("pair-title"),
    `${p.src} → ${p.dst} (${m.pairProto(p)}) — end to end p50 ` +
    `${m.fmtUs(p.latency_us.e2e.p50)}, p99 ${m.fmtUs(p.latency_us.e2e.p99)}` +
    (p.active ? "" : " — idle"));
  for (const h of m.hopBreakdown(p)) {
    const d = el("div", { class: "hop", "data-hop": h.hop,
                          "data-p50": h.p50.toFixed(3) });
    d.style.flex = `${Math.max(h.share, 0.04)} 1 0`;
    d.style.background = m.latencyColor(h.p50 * 4);
    d.append(el("b", {}, h.hop), `p50 ${m.fmtUs(h.p50)} · p99 ${m.fmtUs(h.p99)}`);
    tipped(d, `${h.hop} (node ${h.nodes})\np50 ${m.fmtUs(h.p50)}, ` +
      `p99 ${m.fmtUs(h.p99)}, mean ${m.fmtUs(h.mean)}\n` +
      `${(100 * h.share).toFixed(0)} % of the end-to-end time, ` +
      `${h.count} traced packets`, "hop:" + h.hop);
    hops.append(d);
  }
  if (m.pairLossy(p)) {
    loss.className = "lossy";
    loss.append(`Loss ${m.fmtPct(p.loss.ratio)} (${p.loss.lost} packets` +
      (p.loss.seq_lost ? `, ${p.loss.seq_lost} traced missing` : "") + ")" +
      (p.loss.hop ? ` between ${p.loss.hop.replace(">", " and ")}` : ""));
    for (const r of p.loss.reasons)
      loss.append(el("div", {}, `kernel drop ${r.reason} on ${r.dev}: ${r.count}`));
  } else {
    loss.append("No loss in the last interval.");
  }
}

function chart(id, series, data, fmt) {
  const box = $(id);
  const opts = {
    width: Math.max(box.clientWidth, 300), height: 180,
    scales: { x: { time: true } },
    series: [{}, ...series.map((s) => ({ label: s[0], stroke: s[1], width: 1.5,
                                          value: (u, v) => fmt(v) }))],
    axes: [{}, { size: 100, values: (u, vals) => vals.map(fmt) }],
    // (the figures are on the axes and in the pair's title; a live legend
    // reads "--" until the pointer is over the chart)
    legend: { live: false },
  };
  if (state.charts[id]) state.charts[id].destroy();
  box.replaceChildren();
  state.charts[id] = new uPlot(opts, data, box);
}

async function loadHistory() {
  let h;
  try {
    // (in the cluster view, a pair another node reports: its history)
    const p = state.view && state.view.selected;
    const self = (state.nodes || []).find((n) => n.self);
    const node = p && p.node && self && p.node !== self.name
      ? `&node=${encodeURIComponent(p.node)}` : "";
    h = await getJSON(`/api/v1/history?${m.historyQuery(state.selected)}${node}`,
                      token);
  } catch {
    h = { points: [] };
  }
  state.history = { t: [], p50: [], p99: [], bps: [] };
  // (a series' first interval may have begun before its first packet:
  // its rate is no dip to draw)
  h.points.forEach((pt, i) => pushPoint(pt.t, pt.e2e_p50_us, pt.e2e_p99_us,
                                        i ? pt.bps : null));
  drawCharts();
}

function pushPoint(t, p50, p99, bps) {
  const s = state.history;
  if (!s || (s.t.length && t <= s.t[s.t.length - 1])) return;
  s.t.push(t);
  s.p50.push(p50);
  s.p99.push(p99);
  s.bps.push(bps);
  if (s.t.length > 900) for (const k of Object.keys(s)) s[k].shift();
}

function drawCharts() {
  const s = state.history;
  if (!s) return;
  if (!state.charts["chart-latency"]) {
    chart("chart-latency", [["p50", "#1f6feb"], ["p99", "#c62828"]],
          [s.t, s.p50, s.p99], m.fmtUs);
    chart("chart-rate", [["throughput", "#1a7f37"]], [s.t, s.bps],
          (v) => m.fmtRate(v, "bit/s"));
  } else {
    state.charts["chart-latency"].setData([s.t, s.p50, s.p99]);
    state.charts["chart-rate"].setData([s.t, s.bps]);
  }
}

// (its history is read once the feed has the pair: in the cluster view,
// the node that reports it)
function select(id) {
  state.selected = id;
  state.history = state.historyOf = null;
  for (const c of Object.values(state.charts)) c.destroy();
  state.charts = {};
  sendParams();
  render();
}

// The rules' alerts (cmon-kern --rules): shown only with rules.
function renderAlerts() {
  const mx = state.metrics;
  const panel = $("alerts-panel");
  panel.hidden = !mx || !mx.rules;
  if (panel.hidden) return;
  $("rules-info").textContent =
    `rules ${mx.rules.source}, revision ${mx.rules.revision}`;
  const err = $("rules-error");
  err.hidden = !mx.rules.error;
  err.textContent = mx.rules.error ? "rule file refused: " + mx.rules.error : "";
  const list = $("alerts");
  list.replaceChildren();
  // (ages by the exporter's clock, not this browser's)
  const rows = m.alertRows(mx.alerts, mx.time);
  if (!rows.length)
    list.append(el("li", { class: "ok" }, "no alert"));
  for (const r of rows) {
    const li = el("li", { class: r.state, "data-alert": r.alert,
                          "data-state": r.state });
    li.append(el("span", { class: "state" }, r.state),
              el("strong", {}, r.alert), ` (${r.rule}, ${r.severity}) `,
              el("span", {}, r.pair), " — " + r.text);
    if (r.summary) tipped(li, r.summary, `alert:${r.rule}/${r.alert}/${r.pair}`);
    list.append(li);
  }
}

// The network's health in words (what the figures say), apart from the
// monitor's own (what it did not see).
function renderNetwork(v) {
  const box = $("network");
  const line = !state.metrics ? null
    : !v.nissues ? ["ok", "Network: no pair lost packets in the last interval."]
    : ["lossy", `Network: ${v.nissues} pair(s) lost packets in the last interval: ` +
      v.issues.map((i) => i.lost
        ? `${i.pair} ${m.fmtPct(i.ratio)} (${i.lost} packets` +
          `${i.hop ? ", between " + i.hop.replace(">", " and ") : ""})`
        // (the counters confirm a gap after three reads; traced packets
        // missing show it first)
        : `${i.pair} (${i.seqLost} traced packet(s) missing)`)
        .join("; ") + (v.nissues > v.issues.length ? "; …" : "")];
  // (one line, written only when it says something new)
  reconcile(box, line ? [line] : [], () => "line", () => el("div"), (d, [k, text]) => {
    setAttrs(d, { class: k === "ok" ? "ok" : "bad", "data-network": k });
    setText(d, text);
  });
}

// The cluster view's nodes: which answer, which do not and why.
function renderNodes() {
  const panel = $("nodes-panel");
  panel.hidden = !state.nodes;
  if (panel.hidden) return;
  const list = $("nodes");
  list.replaceChildren();
  for (const n of state.nodes) {
    const li = el("li", { class: n.up ? "ok" : "bad", "data-node": n.name,
                          "data-up": String(n.up) });
    li.append(el("strong", {}, n.name), " — " + m.nodeText(n));
    tipped(li, n.url, "node:" + n.name);
    list.append(li);
  }
}

// The monitor's own health, its rows kept and their figures written.
function renderHealth() {
  const box = $("health");
  const hl = state.health;
  if (!hl) {
    box.replaceChildren();
    box._parts = null;
    return;
  }
  if (!box._parts) {
    const left = el("div"), list = el("div"), mid = el("dl"), sinks = el("dl");
    left.append(el("h3", {}, "What it did not see"), list);
    box.replaceChildren(left, mid, sinks);
    box._parts = { list, mid, sinks };
  }
  const { list, mid, sinks } = box._parts;
  const issues = m.healthIssues(hl.counters);
  const lines = issues.length
    ? issues.map((i) => [i.counter, "bad", `${i.counter}: ${i.value} — ${i.what}`])
    : [["ok", "ok", "it lost none of its own records or stamps"]];
  reconcile(list, lines, (l) => l[0], () => el("div"), (d, [k, cls, text]) => {
    setAttrs(d, { class: cls, "data-health": k });
    setText(d, text);
  }, true);
  // (a row: a <div> around its <dt> and <dd>, laid out as if not there)
  const row = () => {
    const d = el("div");
    d.append(el("dt"), el("dd"));
    return d;
  };
  const c = hl.counters;
  reconcile(mid, [
    ["sampling", hl.sample ? `1 in ${hl.sample}` : "–",
     "packets whose per-hop timing is recorded; every packet is counted"],
    ["stamped", String(c.stamped ?? c.ovs_stamped ?? 0), "annotations attached"],
    ["records", String(c.records ?? c.ovs_records ?? 0), "traced packets recorded"],
    ["sampled out", String(c.sampled_out ?? 0), "counted, not traced (sampling)"],
    ["records pending", String((c.records_pending ?? 0) + (c.ring_pending ?? 0)),
     "records waiting for their last hop or in the Open vSwitch ring"],
  ], (r) => r[0], row, (d, [k, v, tip]) => {
    setText(d.firstChild, k);
    setText(d.lastChild, v);
    tipped(d, tip, "health:" + k);
  }, true);
  const ix = hl.sinks.influxdb;
  reconcile(sinks, [
    ["HTTP", `${hl.sinks.http.streams} live page(s), ` +
     `${hl.sinks.http.clients} connection(s)`, true],
    ix ? ["InfluxDB", (ix.connected ? "connected" : "unreachable") +
          `, ${ix.written} lines written, ${ix.dropped} dropped`, ix.connected]
       : ["InfluxDB", "not configured", true],
    ["history", m.fmtRate(hl.history_bytes, "B"), true],
  ], (r) => r[0], row, (d, [k, v, ok]) => {
    setText(d.firstChild, k);
    setText(d.lastChild, v);
    setAttrs(d.lastChild, { class: ok ? "ok" : "bad" });
  }, true);
}

// Each update's cost goes on the browser's performance timeline:
// "cmon-render", the drawing and the style and layout it causes (read at
// once rather than at the next frame), for tools/cmon-bench-page.
function render() {
  const t0 = performance.now();
  const v = state.view || NO_VIEW;
  const mx = state.metrics;
  if (state.nodes) {
    const down = state.nodes.filter((n) => !n.up).length;
    setText($("node"), `cluster of ${state.nodes.length} nodes` +
      (down ? `, ${down} down` : ""));
  } else if (mx) {
    setText($("node"), "node " + (mx.node || "–"));
  }
  if (mx) {
    setText($("sampling"), mx.sample ? `sampling 1/${mx.sample}` : "");
    $("last-update").dataset.time = mx.time;
  }
  tip.texts.clear();
  renderTopology(v);
  renderPairs(v);
  renderPair(v);
  renderNetwork(v);
  renderHealth();
  renderNodes();
  renderAlerts();
  refreshTip();
  tick();
  document.body.getBoundingClientRect();	// style and layout, now
  performance.measure("cmon-render", { start: t0 });
  document.body.dataset.updates = String(++state.updates);
}

// Figures older than three intervals (and 3 s) are stale: the panels
// grey out and the header says how old they are.
function tick() {
  const lu = $("last-update");
  const t = Number(lu.dataset.time);
  if (!t) return;
  const age = Math.max(0, Date.now() / 1000 - t);
  const interval = state.metrics ? state.metrics.interval_s || 1 : 1;
  const stale = !state.paused && age > Math.max(3, 3 * interval);
  document.body.classList.toggle("stale", stale);
  setText(lu, (stale ? "stale: figures from " : "last update ") +
    new Date(t * 1000).toLocaleTimeString() +
    ` (${age < 1.5 ? "now" : Math.round(age) + " s ago"})`);
}

// The feed (feed.js) reads the API in a worker; the page sends it what
// it shows (sendParams()) and draws what comes back.
const feed = new Worker(new URL("feed.js", import.meta.url), { type: "module" });
feed.onerror = (e) => console.error("feed:", e.message);

function sendParams() {
  feed.postMessage({ type: "params", seq: ++state.seq, query: state.query,
                     order: state.order, selected: state.selected,
                     links: MAX_LINKS, rows: MAX_ROWS, tip: state.tipLink });
}

feed.onmessage = (e) => {
  const msg = e.data;
  if (msg.type === "status") {
    state.status = msg.status;
    setStatus(state.paused ? "paused" : msg.status);
    return;
  }
  // (the documents are taken whatever; a view made for what the page
  // showed before is not: the one for now is on its way)
  if (msg.topo !== undefined) state.topo = msg.topo;
  if (msg.metrics) state.metrics = msg.metrics;
  if (msg.health) state.health = msg.health;
  state.nodes = msg.nodes;
  // (the links come as what changed: every view's are taken, in order)
  const links = m.linksFrom(msg.view.links, state.links);
  state.links = links.had;
  msg.view.links = links.links;
  msg.view.byKey = links.had;
  if (msg.seq !== state.seq) return;
  state.view = msg.view;
  const p = state.view && state.view.selected;
  if (msg.update && p && state.history)
    pushPoint(Number(state.metrics.time.toFixed(3)),
              p.latency_us.e2e.p50 ?? null, p.latency_us.e2e.p99 ?? null, p.bps);
  render();
  if (p && state.historyOf !== state.selected) {
    state.historyOf = state.selected;
    loadHistory();
  } else if (msg.update) {
    drawCharts();
  }
};

$("pause").addEventListener("click", () => {
  state.paused = !state.paused;
  $("pause").textContent = state.paused ? "Resume" : "Pause";
  setStatus(state.paused ? "paused" : state.status);
  feed.postMessage({ type: "pause", paused: state.paused });
});
document.querySelector("#pairs thead").addEventListener("click", (e) => {
  const th = e.target.closest("th[data-order]");
  if (!th) return;
  state.order = th.dataset.order;
  sendParams();
  render();
});
// (a container clicked: its paths, and only them, as the filter would)
$("topology").addEventListener("click", (e) => {
  const g = e.target.closest("[data-container]");
  if (!g) return;
  const name = g.dataset.container;
  state.query = state.query === name ? "" : name;
  $("search").value = state.query;
  sendParams();
  render();
});
document.querySelector("#pairs tbody").addEventListener("click", (e) => {
  const tr = e.target.closest("tr[data-pair]");
  if (tr) select(tr.dataset.pair);
});
$("topology").addEventListener("click", (e) => {
  // (a link opens its busiest pair)
  const n = e.target.closest("[data-link]");
  const l = n && linkOf(state.view || NO_VIEW, n.dataset.link);
  if (l) select(l.busiest);
});
$("group-by").addEventListener("change", (e) => {
  state.groupBy = e.target.value;
  render();
});
$("search").addEventListener("input", (e) => {
  state.query = e.target.value;
  sendParams();
  render();
});
// (scrolled: the rows now in view, at the next frame)
$("pairs-panel").addEventListener("scroll", (e) => {
  rowsView.top = e.target.scrollTop;
  if (rowsView.pending) return;
  rowsView.pending = requestAnimationFrame(() => {
    rowsView.pending = 0;
    const rows = (state.view || NO_VIEW).rows, w = rowsWindow(rows);
    if (w.from !== rowsView.from || w.to !== rowsView.to)
      renderPairs(state.view || NO_VIEW);
  });
});
window.addEventListener("resize", () => {
  rowsView.one = rowsView.two = 0;
  render();
});
// (the picture resized, by the window or by the page's scroll bar coming
// or going: drawn again at its new size, read here, where the page is
// laid out already)
new ResizeObserver(() => {
  const box = $("topology"), w = box.clientWidth, h = box.clientHeight;
  if (w === topoBox.w && h === topoBox.h) return;
  const first = !topoBox.w;	// (its size before anything was drawn)
  Object.assign(topoBox, { w, h });
  if (!first) render();
}).observe($("topology"));
setInterval(tick, 1000);
renderLegend();
feed.postMessage({ type: "start", token });
sendParams();
