// The web page in headless Chromium (Debian's, driven by playwright-core)
// against a live cmon-dpdk: run by tests/web/page.sh, which sets up the
// containers, the traffic and the exporter.
//   node page.mjs URL SCREENSHOT SRC_NAME DST_NAME PAIR_ID
// Env: CMON_LOSS_CMD (shell command injecting loss on SRC>DST),
//      CMON_STOP_CMD, CMON_CONT_CMD (stopping and continuing the exporter),
//      CHROMIUM (default /usr/bin/chromium), CMON_WEB (web/ of the tree).
import { execSync } from "node:child_process";
import { fail, open } from "./browser.mjs";

const [url, shot, src, dst, pairId] = process.argv.slice(2);
const { browser, page, errors } = await open(url, 1400, 1100);
try {

  // the demo's containers appear in the topology, by name
  for (const n of [src, dst])
    await page.locator(`[data-container="${n}"]`).waitFor({ timeout: 15000 })
      .catch(() => fail(`container ${n} not shown`));
  // the topology may be drawn before the first interval; its time follows
  await page.waitForFunction(() => /last update \d/.test(
    document.getElementById("last-update").textContent), null, { timeout: 15000 })
    .catch(async () => fail("no last-update time: " +
      JSON.stringify(await page.locator("#last-update").textContent())));

  // a pair's per-hop latency appears, with units, and changes over time
  const row = page.locator(`tr[data-pair="${pairId}"]`);
  await row.waitFor({ timeout: 15000 }).catch(() => fail(`no row ${pairId}`));
  await row.click();
  const hop = page.locator('#hops [data-hop="veth_in>veth_out"]');
  await hop.waitFor({ timeout: 15000 }).catch(() => fail("no per-hop breakdown"));
  const text = await hop.textContent();
  if (!/p50 [\d.]+ (µs|ms) · p99 [\d.]+ (µs|ms)/.test(text))
    fail(`hop text without numbers and units: "${text}"`);
  const reading = () => page.$$eval("#hops [data-hop]",
    (els) => els.map((e) => e.dataset.hop + "=" + e.dataset.p50).join(" "));
  const first = await reading();
  let changed = false;
  for (let i = 0; i < 40 && !changed; i++) {
    await page.waitForTimeout(500);
    changed = (await reading()) !== first;
  }
  if (!changed) fail(`per-hop latency did not change in 20 s: ${first}`);
  const chartPoints = await page.$$eval("#chart-latency canvas", (c) => c.length);
  if (!chartPoints) fail("no latency chart");
  // the charts' legends name their series, without placeholders
  const chartText = await page.textContent("#pair-panel .charts");
  if (chartText.includes("--")) fail(`chart legend with placeholders: "${chartText}"`);

  // the legend explains every colour, grey included; labels over the links
  const legend = await page.textContent("#legend");
  if (!/grey: no latency/.test(legend) || !/loss/.test(legend))
    fail(`legend: "${legend}"`);
  const over = await page.evaluate(() => {
    const links = document.querySelectorAll("#topology .link");
    const label = document.querySelector("#topology .hub-label");
    return links.length && label ? !!(links[links.length - 1]
      .compareDocumentPosition(label) & Node.DOCUMENT_POSITION_FOLLOWING) : null;
  });
  if (over !== true) fail(`hub labels drawn under the links (${over})`);
  // one page open: one live page, whatever the connections
  await page.waitForFunction(() => /1 live page\(s\)/.test(
    document.getElementById("health").textContent), null, { timeout: 5000 })
    .catch(async () => fail("HTTP: " + await page.textContent("#health")));
  await page.locator('[data-network="ok"]').waitFor({ timeout: 5000 })
    .catch(() => fail("the network's health does not say all is well"));

  // a tooltip follows its link across updates
  const anyLink = page.locator("#topology .link").first();
  await anyLink.dispatchEvent("mousemove", { clientX: 30, clientY: 30 });
  const tipKey = await anyLink.getAttribute("data-link");
  const upd = await page.evaluate(() => document.body.dataset.updates);
  await page.waitForFunction((n) => Number(document.body.dataset.updates) > Number(n) + 1, upd,
                             { timeout: 5000 }).catch(() => fail("no updates"));
  const tipNow = await page.evaluate(() => {
    const t = document.getElementById("tooltip");
    return t.hidden ? null : t.textContent;
  });
  const [ta, tb] = tipKey.split("|");
  if (!tipNow || !tipNow.startsWith(`${ta} ↔ ${tb}`))
    fail(`tooltip after updates: "${tipNow}" (for ${tipKey})`);
  // (its pairs' figures, which the feed sends for the link pointed at)
  if (!/\n\S+ → \S+ \S+: /.test(tipNow))
    fail(`tooltip without its pairs' figures: "${tipNow}"`);
  await page.locator(`[data-link="${tipKey}"]`).dispatchEvent("mouseleave");
  if (!(await page.evaluate(() => document.getElementById("tooltip").hidden)))
    fail("tooltip stays after the pointer left");

  // pause stops updates; resume brings them back
  await page.click("#pause");
  const paused = await page.evaluate(() => document.body.dataset.updates);
  await page.waitForTimeout(1500);
  if (await page.evaluate(() => document.body.dataset.updates) !== paused)
    fail("updates applied while paused");
  if ((await page.textContent("#status")) !== "paused") fail("status not paused");
  await page.click("#pause");
  await page.waitForFunction((n) => document.body.dataset.updates !== n, paused,
                             { timeout: 5000 }).catch(() => fail("resume"));

  // the rules' panel, no alert yet
  await page.locator("#alerts-panel:not([hidden]) li.ok").waitFor({ timeout: 5000 })
    .catch(() => fail("no alerts panel saying there is no alert"));

  // loss injected on the link: its marker turns on within a few seconds
  const link = page.locator(`[data-link="${[src, dst].sort().join("|")}"]`);
  if ((await link.getAttribute("data-loss")) !== "0")
    fail("link marked lossy before any loss");
  execSync(process.env.CMON_LOSS_CMD, { stdio: "inherit" });
  const t0 = Date.now();
  await page.locator(`[data-link="${[src, dst].sort().join("|")}"][data-loss="1"]`)
    .waitFor({ timeout: 10000 }).catch(() => fail("loss marker did not turn on"));
  console.log(`loss marker on ${((Date.now() - t0) / 1000).toFixed(1)} s after the injection`);
  const lossy = page.locator(`[data-link="${[src, dst].sort().join("|")}"]`);
  const style = await lossy.getAttribute("data-style");
  const width = Number(await lossy.getAttribute("stroke-width"));
  if (style !== "loss" || !(width > 4))
    fail(`the lossy link is drawn as ${style}, ${width} wide`);
  const net = page.locator('[data-network="lossy"]');
  await net.waitFor({ timeout: 5000 })
    .catch(() => fail("the network's health does not name the loss"));
  const netText = await net.textContent();
  if (!netText.includes(`${src} → ${dst} udp`)) fail(`network health: "${netText}"`);
  console.log(netText);
  await page.locator("#loss-detail.lossy").waitFor({ timeout: 5000 })
    .catch(() => fail("pair view does not show the loss"));
  console.log("pair view: " + await page.textContent("#loss-detail"));
  const alert = page.locator('#alerts li[data-alert="c2-lossy"][data-state="firing"]');
  await alert.waitFor({ timeout: 10000 })
    .catch(() => fail("the rule's alert did not show firing"));
  const atext = await alert.textContent();
  if (!atext.includes(`${src} → ${dst} udp`) || !/now \d+\.\d+ %/.test(atext) ||
      !/firing for \d+ s/.test(atext))
    fail(`alert without its pair, value and how long it fires: "${atext}"`);
  console.log("alert: " + atext);

  // a click on the link opens its busiest pair
  await lossy.dispatchEvent("click");
  await page.waitForFunction((t) => document.getElementById("pair-title")
    .textContent.startsWith(t), `${src} → ${dst} (udp)`, { timeout: 5000 })
    .catch(async () => fail("the link opened " + await page.textContent("#pair-title")));

  // the search box filters the picture
  await page.fill("#search", dst);
  const dimmed = await page.$$eval(`[data-container="${src}"].dim`, (e) => e.length);
  if (dimmed !== 1) fail("search did not dim the other containers");
  await page.fill("#search", "");

  // the exporter stops: every figure greys out and says how old it is;
  // it goes on: live again
  execSync(process.env.CMON_STOP_CMD, { stdio: "inherit" });
  await page.waitForFunction(() => document.body.classList.contains("stale"),
                             null, { timeout: 10000 })
    .catch(() => fail("not shown stale after the exporter stopped"));
  const staleText = await page.textContent("#last-update");
  if (!/^stale: figures from .* \(\d+ s ago\)$/.test(staleText))
    fail(`stale header: "${staleText}"`);
  await page.screenshot({ path: shot.replace(/\.png$/, "-stale.png") });
  execSync(process.env.CMON_CONT_CMD, { stdio: "inherit" });
  await page.waitForFunction(() => !document.body.classList.contains("stale"),
                             null, { timeout: 10000 })
    .catch(() => fail("still stale after the exporter went on"));
  console.log(`stale: "${staleText}", then live again`);

  await page.screenshot({ path: shot, fullPage: true });
  console.log("screenshot: " + shot);
  if (errors.length) fail("console errors: " + errors.join(" | "));
} finally {
  await browser.close();
}
