// The page's picture of a node's network in headless Chromium (Debian's,
// driven by playwright-core), against a live exporter that the caller runs:
//   node topology.mjs URL SCREENSHOT HUB KIND CONTAINER...
// The hub HUB is drawn, of KIND (linux, ovs, or group), its tooltip says
// what it is (an Open vSwitch bridge's: its ports), every CONTAINER is drawn nearer to HUB than to any other hub,
// the first two are linked, and the page logs no error.
// Env: CHROMIUM (default /usr/bin/chromium), CMON_WEB (web/ of the tree).
import { fail, open } from "./browser.mjs";

const [url, shot, hub, kind, ...cts] = process.argv.slice(2);
const { browser, page, errors } = await open(url, 1200, 900);
try {
  const h = page.locator(`[data-hub="${hub}"]`);
  await h.waitFor({ timeout: 15000 }).catch(() => fail(`no hub ${hub}`));
  const k = await h.getAttribute("data-kind");
  if (k !== kind) fail(`hub ${hub} is drawn as ${k}, not ${kind}`);
  for (const c of cts)
    await page.locator(`[data-container="${c}"]`).waitFor({ timeout: 15000 })
      .catch(() => fail(`container ${c} not shown`));
  const link = [cts[0], cts[1]].sort().join("|");
  // (attached: a level line has no height, which "visible" refuses)
  await page.locator(`[data-link="${link}"]`)
    .waitFor({ state: "attached", timeout: 15000 })
    .catch(() => fail(`no link ${link}`));

  // each container sits in its hub's ring: nearer to it than to the others
  const where = await page.evaluate(() => {
    const at = (g) => { const c = g.querySelector("circle");
                        return [+c.getAttribute("cx"), +c.getAttribute("cy")]; };
    return {
      hubs: [...document.querySelectorAll("[data-hub]")]
        .map((g) => [g.dataset.hub, at(g)]),
      cts: Object.fromEntries([...document.querySelectorAll("[data-container]")]
        .map((g) => [g.dataset.container, at(g)])),
    };
  });
  const d = (p, q) => Math.hypot(p[0] - q[0], p[1] - q[1]);
  for (const c of cts) {
    const near = where.hubs.reduce((x, y) =>
      d(where.cts[c], y[1]) < d(where.cts[c], x[1]) ? y : x);
    if (near[0] !== hub) fail(`${c} is drawn by hub ${near[0]}, not ${hub}`);
  }

  // the hub's tooltip names it
  await h.dispatchEvent("mousemove", { clientX: 20, clientY: 20 });
  const tip = await page.locator("#tooltip").textContent();
  if (!tip || !(kind === "group" ? tip.length > 10 : tip.includes(hub)))
    fail(`hub tooltip: "${tip}"`);
  // an Open vSwitch bridge's lists its ports: its own, and the containers'
  if (kind === "ovs")
    for (const line of [`${hub}: internal`, ...cts.map((c) => `${c}: `)])
      if (!tip.includes(line)) fail(`hub tooltip without "${line}": "${tip}"`);
  await page.screenshot({ path: shot });
  if (errors.length) fail("console errors: " + errors.join(" | "));
  console.log(`page: hub ${hub} (${kind}) with ${cts.join(", ")}`);
} finally {
  await browser.close();
}
