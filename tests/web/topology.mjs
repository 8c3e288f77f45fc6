// The page's picture of a node's network in headless Chromium (Debian's,
// driven by playwright-core), against a live exporter that the caller runs:
//   node topology.mjs URL SCREENSHOT HUB KIND CONTAINER...
// The hub HUB is drawn, of KIND (linux, ovs, or group), its tooltip says
// what it is, every CONTAINER is drawn nearer to HUB than to any other hub,
// the first two are linked, and the page logs no error.
// Env: CHROMIUM (default /usr/bin/chromium), CMON_WEB (web/ of the tree).
import { createRequire } from "node:module";
import path from "node:path";

const [url, shot, hub, kind, ...cts] = process.argv.slice(2);
const require = createRequire(path.join(process.env.CMON_WEB, "package.json"));
const { chromium } = require("playwright-core");

function fail(msg) {
  console.error("FAIL: " + msg);
  process.exit(1);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const errors = [];
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
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
  await page.screenshot({ path: shot });
  if (errors.length) fail("console errors: " + errors.join(" | "));
  console.log(`page: hub ${hub} (${kind}) with ${cts.join(", ")}`);
} finally {
  await browser.close();
}
