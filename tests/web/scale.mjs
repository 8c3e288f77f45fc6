// The page with many containers, in headless Chromium, against the
// synthetic exporter tools/cmon-fake-api.py:
//   node scale.mjs URL CONTAINERS UPDATES [SCREENSHOT]
// Every container is drawn, a search finds one among them, and UPDATES
// updates are applied; prints each update's "cmon-render" time from the
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
  const drawn = await page.$$eval("[data-container]", (e) => e.length);
  if (drawn !== Number(ncts)) fail(`${drawn} containers drawn of ${ncts}`);
  await page.fill("#search", "ct0042");
  const lit = await page.$$eval("[data-container]:not(.dim)", (e) =>
    e.map((x) => x.dataset.container));
  if (!lit.includes("ct0042") || lit.length > 20)
    fail(`search for ct0042 leaves ${lit.length} shown: ${lit.slice(0, 5)}`);
  await page.fill("#search", "");
  const ms = await page.evaluate(() => performance.getEntriesByName("cmon-render")
    .map((e) => e.duration));
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
