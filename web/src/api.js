// SPDX-License-Identifier: BSD-2-Clause
// cmon-dpdk's API as the page and its feed (feed.js) read it: the page's
// own ?token= passed on with every call (doc/exporter.md).

export function apiURL(path, token) {
  if (!token) return path;
  return path + (path.includes("?") ? "&" : "?") + "token=" +
    encodeURIComponent(token);
}

export async function getJSON(path, token) {
  const r = await fetch(apiURL(path, token), { cache: "no-store" });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}
