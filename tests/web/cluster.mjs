// The cluster's page in headless Chromium (cluster.sh runs the nodes):
//   node cluster.mjs URL
// The nodes panel lists node1..3 up; each node's bridge is drawn with its
// pod; c1 > c2 is one row of the table, its hops on both nodes; after
// CMON_STOP_CMD node3 is down (panel, header, hub, pod greyed); after
// CMON_START_CMD it is up again; no console errors.
// Env: CMON_PFX, CMON_STOP_CMD, CMON_START_CMD, SHOT, SHOT_DOWN, CHROMIUM,
// CMON_WEB.
import { execSync } from "node:child_process";
import { fail, open } from "./browser.mjs";

const [url] = process.argv.slice(2);
const pfx = process.env.CMON_PFX;
const { browser, page, errors } = await open(url, 1400, 1000);
const wait = (sel, what, timeout = 20000) =>
  page.locator(sel).first().waitFor({ state: "attached", timeout })
    .catch(() => fail(what + (errors.length ? "; console: " +
                              errors.join(" | ") : "")));
try {
  for (const n of [1, 2, 3]) {
    await wait(`[data-node="node${n}"][data-up="true"]`, `node${n} not listed up`);
    await wait(`[data-hub="node${n} · cni0"]`, `no hub for node${n}'s bridge`);
    await wait(`[data-container="${pfx}c${n}"]`, `pod of node${n} not drawn`);
  }
  const header = await page.locator("#node").textContent();
  if (header !== "cluster of 3 nodes") fail(`header says "${header}"`);
  // the pods sit by their own node's bridge
  const near = await page.evaluate(() => {
    const at = (g) => { const c = g.querySelector("circle");
                        return [+c.getAttribute("cx"), +c.getAttribute("cy")]; };
    const hubs = [...document.querySelectorAll("[data-hub]")]
      .map((g) => [g.dataset.hub, at(g)]);
    return Object.fromEntries([...document.querySelectorAll("[data-container]")]
      .map((g) => { const p = at(g);
                    const d = (h) => Math.hypot(h[1][0] - p[0], h[1][1] - p[1]);
                    return [g.dataset.container,
                            hubs.reduce((x, y) => d(y) < d(x) ? y : x)[0]]; }));
  });
  for (const n of [1, 2, 3])
    if (near[`${pfx}c${n}`] !== `node${n} · cni0`)
      fail(`${pfx}c${n} drawn by ${near[`${pfx}c${n}`]}`);
  // a cross-node pair is one row, and its hops span both nodes
  const pair = `#pairs tbody tr[data-pair^="10.244.1.2>10.244.2.2/udp"]`;
  await wait(pair, "no row for c1 > c2");
  const rows = await page.locator(pair).count();
  if (rows !== 1) fail(`c1 > c2 has ${rows} rows`);
  await wait(`[data-link="${pfx}c1|${pfx}c2"]`, "no link c1 | c2");
  await page.locator(pair).click();
  await page.waitForFunction(() => [...document.querySelectorAll("#hops .hop")]
    .some((h) => h.dataset.hop.startsWith("ovl_out>")), null, { timeout: 15000 })
    .catch(() => fail("the pair's hops do not cross the overlay"));
  await page.screenshot({ path: process.env.SHOT });

  // node 3 goes down, then comes back
  execSync(process.env.CMON_STOP_CMD);
  await wait(`[data-node="node3"][data-up="false"]`, "node3 not shown down", 15000);
  const li = await page.locator(`[data-node="node3"]`).textContent();
  if (!/down: .*its figures are left out/.test(li)) fail(`node3: "${li}"`);
  await wait(`.hub-label.down`, "node3's bridge not marked down");
  await wait(`[data-container="${pfx}c3"].down`, "node3's pod not greyed");
  const h2 = await page.locator("#node").textContent();
  if (h2 !== "cluster of 3 nodes, 1 down") fail(`header says "${h2}"`);
  await page.screenshot({ path: process.env.SHOT_DOWN });
  execSync(process.env.CMON_START_CMD);
  await wait(`[data-node="node3"][data-up="true"]`, "node3 not back up", 20000);
  await wait(`[data-container="${pfx}c3"]:not(.down)`, "node3's pod still grey");
  if (errors.length) fail("console errors: " + errors.join(" | "));
  console.log("page: three nodes, their bridges and pods, c1 > c2 once " +
              "across the overlay; node3 down, then back");
} finally {
  await browser.close();
}
