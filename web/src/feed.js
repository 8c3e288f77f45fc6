// SPDX-License-Identifier: BSD-2-Clause
// The page's feed, a module worker: it reads cmon-dpdk's API (the event
// stream of one node, or the cluster document of many, polled), parses
// every pair and makes what the page draws of them (model.js view()), so
// that the page's own thread gets only that: at a thousand containers
// the event alone is over a megabyte of JSON a second.
//
// From the page: { type: "start", token }, then { type: "params", seq,
// query, order, selected, links, rows, tip } whenever one changes, and
// { type: "pause", paused }.  To the page: { type: "status", status }
// ("live", "down") and { type: "view", update, seq, metrics (without its
// pairs; null before the first figures), topo (without its paths;
// undefined: unchanged), nodes, health, view }: update true for new
// figures, false for new params; seq the params it was made for.  The
// view's links are those the page does not have yet (m.linksDelta()).
import * as api from "./api.js";
import * as m from "./model.js";

let token = null;
let params = null;
let paused = false;
let latest = null;	// the last figures read
let shown = null;	// the figures shown (latest, unless paused)
let topoSig = null;	// what the page was last given of the topology,
let topoOf = null;	// made of this one
let topo = null, topoAt = 0;
const linksSent = new Map();	// what the page has of each link drawn

const getJSON = (path) => api.getJSON(path, token);

function post(update) {
  if (!shown || !params) return;
  const { pairs, ...metrics } = shown.metrics || {};
  // (the topology goes to the page only when it says something new)
  const { paths, ...t } = shown.topo || {};
  let fresh = false;
  if (shown.topo !== topoOf) {
    const sig = shown.topo ? JSON.stringify([t.containers, t.bridges]) : null;
    fresh = sig !== topoSig;
    topoSig = sig;
    topoOf = shown.topo;
  }
  const view = m.view(shown, params);
  view.links = m.linksDelta(view.links, linksSent);
  postMessage({
    type: "view", update, seq: params.seq, metrics: shown.metrics && metrics,
    topo: fresh ? (shown.topo ? t : null) : undefined,
    nodes: shown.nodes, health: shown.health, view,
  });
}

function take(data) {
  latest = data;
  if (paused) return;
  shown = latest;
  post(true);
}

async function health() {
  try {
    return await getJSON("/api/v1/health");
  } catch {
    return null;	/* shown as stale by the last-update time */
  }
}

// One node: its event stream, the topology every 2 s (only its idle
// pairs: the event has the others).
async function onMetrics(mx) {
  if (Date.now() - topoAt > 2000) {
    try {
      topo = await getJSON("/api/v1/topology?paths=idle");
      topoAt = Date.now();
    } catch (e) {
      console.warn("topology:", e.message);
    }
  }
  take({ metrics: mx, topo, nodes: null, health: await health() });
}

let es = null;
function connect() {
  es = new EventSource(api.apiURL("/api/v1/events", token));
  // (events in order: one is applied before the next is parsed; one
  // that cannot be is reported, and the next taken)
  let queue = Promise.resolve();
  es.addEventListener("metrics", (e) => {
    queue = queue.then(() => onMetrics(JSON.parse(e.data)))
      .catch((err) => console.error("event:", err.message));
  });
  es.onopen = () => postMessage({ type: "status", status: "live" });
  es.onerror = () => postMessage({ type: "status", status: "down" });
}

// The cluster view: this exporter's figures for every node it knows
// (--peer), polled as one document (/api/v1/cluster) every second; @doc:
// one just read.
async function pollCluster(doc) {
  let v;
  try {
    v = m.mergeCluster(doc || await getJSON("/api/v1/cluster"));
  } catch {
    postMessage({ type: "status", status: "down" });
    return;
  }
  postMessage({ type: "status", status: "live" });
  take({ metrics: v.metrics, topo: v.topo, nodes: v.nodes,
         health: await health() });
}

// The cluster document, if this exporter has peers (else null).
const clusterDoc = () => getJSON("/api/v1/cluster")
  .then((cl) => cl.nodes.length > 1 ? cl : null, () => null);

async function startCluster(doc) {
  if (es) es.close();
  await pollCluster(doc);
  setInterval(() => pollCluster(), 1000);
}

// One node's exporter streams its figures; one with peers serves the
// cluster's, polled.  (Peers found in etcd come a few seconds after the
// exporter starts: a page opened before looks again.)
async function start() {
  const doc = await clusterDoc();
  if (doc) return startCluster(doc);
  try {
    topo = await getJSON("/api/v1/topology?paths=idle");
    topoAt = Date.now();
    // (the containers before the first figures)
    take({ metrics: null, topo, nodes: null, health: null });
  } catch (e) {
    console.warn("topology:", e.message);
  }
  connect();
  const look = setInterval(async () => {
    const later = await clusterDoc();
    if (later) {
      clearInterval(look);
      startCluster(later);
    }
  }, 10000);
}

onmessage = (e) => {
  const msg = e.data;
  if (msg.type === "start") {
    token = msg.token;
    start();
  } else if (msg.type === "params") {
    params = msg;
    post(false);
  } else if (msg.type === "pause") {
    paused = msg.paused;
    if (!paused && latest !== shown) {
      shown = latest;
      post(true);
    }
  }
};
