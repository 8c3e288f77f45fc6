// The page with many containers, in headless Chromium, against the
// synthetic exporter tools/cmon-fake-api.py:
//   node scale.mjs URL CONTAINERS UPDATES [SCREENSHOT]
// Every container is drawn, a search finds one among them, grouping by a
// label makes a ring per value, and UPDATES updates are applied; prints each update's "cmon-render" time from the
// browser's performance timeline (drawing, style and layout) as
// "render ms: p50 P p95 P max M over N updates".  No console errors.
// Env: CHROMIUM (default /usr/bin/chromium), CMON_WEB (web/ of the tree).
import { fail, open } from "./browser.mjs";

const [url, ncts, nupd, shot] = process.argv.slice(2);
const { browser, page, errors } = await open(url, 1600, 1200);
try {
  await page.waitForFunction((n) => Number(document.body.dataset.updates) >= n,
                             Number(nupd) + 1, { timeout: 30000 + 2000 * nupd })
    .catch(async () => fail("updates applied: " +
      await page.evaluate(() => document.body.dataset.updates)));
  // (the updates' own times, before the search and grouping below)
  const ms = await page.evaluate(() => performance.getEntriesByName("cmon-render")
    .map((e) => e.duration));
  const drawn = await page.$$eval("[data-container]", (e) => e.length);
  if (drawn !== Number(ncts)) fail(`${drawn} containers drawn of ${ncts}`);
  await page.fill("#search", "ct0042");
  const lit = await page.$$eval("[data-container]:not(.dim)", (e) =>
    e.map((x) => x.dataset.container));
  if (!lit.includes("ct0042") || lit.length > 20)
    fail(`search for ct0042 leaves ${lit.length} shown: ${lit.slice(0, 5)}`);
  await page.fill("#search", "");
  // grouped by a label the runtime gives: one ring per value
  await page.waitForSelector('#group-by option[value="label:tier"]',
                            { state: "attached", timeout: 10000 })
    .catch(() => fail("no choice to group by label tier"));
  await page.selectOption("#group-by", "label:tier");
  const hubs = await page.$$eval("[data-hub]", (e) => e.map((x) => x.dataset.hub));
  if (hubs.sort().join() !== "tier=t0,tier=t1,tier=t2,tier=t3,tier=t4")
    fail(`grouped by label tier: ${hubs.slice(0, 8)}`);
  const again = await page.$$eval("[data-container]", (e) => e.length);
  if (again !== Number(ncts)) fail(`${again} containers drawn grouped by label`);
  await page.selectOption("#group-by", "");
  // (the first ones run before the stream: the topology alone)
  const upd = ms.slice(-Number(nupd)).sort((a, b) => a - b);
  const q = (f) => upd[Math.min(upd.length - 1, Math.floor(f * upd.length))];
  console.log(`render ms: p50 ${q(0.5).toFixed(1)} p95 ${q(0.95).toFixed(1)} ` +
              `max ${upd[upd.length - 1].toFixed(1)} over ${upd.length} updates ` +
              `(${ncts} containers)`);
  if (shot) await page.screenshot({ path: shot });
  if (errors.length) fail("console errors: " + errors.join(" | "));
} finally {
  await browser.close();
}
