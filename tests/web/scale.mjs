// The page with many containers, in headless Chromium, against the
// synthetic exporter tools/cmon-fake-api.py:
//   node scale.mjs URL CONTAINERS UPDATES [SCREENSHOT [NODES]]
// Every container is drawn (with NODES, on the page of a cluster of that
// many nodes, by its node's bridge), a search finds one among them, grouping by a
// label makes a ring per value, a container clicked shows its pairs
// only, the table orders by p99, scrolled through shows every row it
// lists and no blank, the picture follows the window's width, and UPDATES
// updates are applied; prints each update's "cmon-render" time from the
// browser's performance timeline (drawing, style and layout) as
// "render ms: p50 P p95 P max M over N updates", after the first three
// (the topology alone, then the first figures: the elements are made),
// whose times come after "made:".  No console errors.
// With CMON_FRAMES=N, N more updates are traced (the browser's timeline,
// as DevTools records it): the page thread's time for an update and the
// frame that paints it is printed as "update and its frame ms: p50 P p95
// P max M" (and on the thread's own clock, in all and by phase of the
// browser's work: script, style, layout...), and all it did between one
// update and the next as "page thread ms per update: p50 P p95 P" (timers
// and garbage collection too).
// Env: CHROMIUM (default /usr/bin/chromium), CMON_WEB (web/ of the tree).
import { fail, open } from "./browser.mjs";

// The phases of the browser's work on its thread, by the trace's events
// (the rest of a task, "other", is the task's own: taking messages in,
// scheduling).
const PHASES = {
  script: ["FunctionCall", "EvaluateScript", "TimerFire", "FireAnimationFrame",
           "HandlePostMessage", "MinorGC", "MajorGC", "V8.GCScavenger",
           "V8.GCFinalizeMC", "ResizeObserverController::DeliverObservations"],
  style: ["UpdateLayoutTree"], layout: ["Layout"], "pre-paint": ["PrePaint"],
  paint: ["Paint"], layerize: ["Layerize"], commit: ["Commit"],
};
const PHASE_OF = new Map(Object.entries(PHASES).flatMap(([k, names]) =>
  names.map((n) => [n, k])));

const [url, ncts, nupd, shot, nodes = "1"] = process.argv.slice(2);
const { browser, page, errors } = await open(url, 1600, 1200);
try {
  await page.waitForFunction((n) => Number(document.body.dataset.updates) >= n,
                             Number(nupd) + 3, { polling: 250, timeout: 30000 + 2000 * nupd })
    .catch(async () => fail("updates applied: " +
      await page.evaluate(() => document.body.dataset.updates)));
  // (the updates' own times, before the search and grouping below)
  const ms = await page.evaluate(() => performance.getEntriesByName("cmon-render")
    .map((e) => e.duration));
  const drawn = await page.$$eval("[data-container]", (e) => e.length);
  if (drawn !== Number(ncts)) fail(`${drawn} containers drawn of ${ncts}`);
  if (nodes !== "1") {
    const head = await page.textContent("#node");
    if (head !== `cluster of ${nodes} nodes`) fail(`header: "${head}"`);
    const hubs = await page.$$eval("[data-hub]", (e) => e.map((x) => x.dataset.hub));
    if (hubs.length !== 10 || !hubs.every((h) => /^node\d+ · node\d+-br$/.test(h)))
      fail(`the cluster's bridges: ${hubs.slice(0, 4)}`);
    // grouped by node: a ring a node
    await page.selectOption("#group-by", "node");
    const byNode = await page.$$eval("[data-hub]", (e) => e.map((x) => x.dataset.hub));
    if (byNode.length !== Number(nodes) || !byNode.every((h) => /^node node\d+$/.test(h)))
      fail(`grouped by node: ${byNode.slice(0, 4)}`);
    await page.selectOption("#group-by", "");
  }
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
  // a container clicked: its paths only, as the filter gives them
  await page.locator('[data-container="ct0007"] circle').dispatchEvent("click");
  if (await page.inputValue("#search") !== "ct0007")
    fail(`clicking ct0007 filters by "${await page.inputValue("#search")}"`);
  // (the rows come from the page's feed, a worker: a moment later)
  const rowsOf = () => page.$$eval("#pairs tbody tr[data-pair]", (e) =>
    e.map((r) => [r.children[0].textContent, r.children[1].textContent]));
  await page.waitForFunction(() => [...document.querySelectorAll("#pairs tbody tr[data-pair]")]
    .every((r) => r.textContent.includes("ct0007")), null, { timeout: 5000 })
    .catch(async () => fail("rows with ct0007 clicked: " +
                            JSON.stringify((await rowsOf()).slice(0, 3))));
  if (!(await rowsOf()).length) fail("no row with ct0007 clicked");
  await page.locator('[data-container="ct0007"] circle').dispatchEvent("click");
  if (await page.inputValue("#search") !== "") fail("a second click keeps the filter");
  // the slowest first: the table ordered by e2e p99
  await page.click('#pairs th[data-order="p99"]');
  await page.waitForFunction(() => document.getElementById("pairs-note")
    .textContent.includes("slowest"), null, { timeout: 5000 })
    .catch(() => fail("the table not ordered by p99"));
  const p99 = await page.$$eval("#pairs tbody tr[data-pair]", (e) =>
    e.slice(0, 50).map((r) => r.children[6].textContent));
  const us = (t) => parseFloat(t) * (t.includes("ms") ? 1000 : 1);
  for (let i = 1; i < p99.length; i++)
    if (us(p99[i]) > us(p99[i - 1])) fail(`p99 order: ${p99.slice(0, i + 1)}`);
  await page.click('#pairs th[data-order="bps"]');
  // The table draws only the rows in view: scrolled through from top to
  // bottom, every row the note counts is seen, and wherever one looks in
  // the panel there is a pair's row, never a blank.
  const listed = Number((await page.textContent("#pairs-note")).match(/the (\d+)/)?.[1]);
  if (!(listed > 25)) fail(`pairs note: "${await page.textContent("#pairs-note")}"`);
  // (paused: the rows stay what they are while scrolled through)
  await page.click("#pause");
  await page.waitForTimeout(300);
  const seen = new Set();
  for (let step = 0, end = false; !end; step++) {
    const look = await page.evaluate(async (step) => {
      const panel = document.getElementById("pairs-panel");
      panel.scrollTop = step * panel.clientHeight / 2;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const r = panel.getBoundingClientRect();
      const body = document.querySelector("#pairs tbody").getBoundingClientRect();
      const rows = [], blank = [];
      for (let y = Math.max(r.top, body.top) + 2;
           y < Math.min(r.top + panel.clientHeight, body.bottom) - 2; y += 8) {
        const tr = document.elementFromPoint(r.left + 20, y)?.closest("tr[data-pair]");
        if (tr) rows.push(tr.dataset.pair);
        else blank.push(Math.round(y - r.top));
      }
      return { rows, blank, end: panel.scrollTop + panel.clientHeight >= panel.scrollHeight - 1 };
    }, step);
    if (look.blank.length) fail(`scrolled to ${step / 2} panels: blank at ${look.blank} px`);
    look.rows.forEach((id) => seen.add(id));
    end = look.end || step > 40;
  }
  if (seen.size !== listed) fail(`scrolled through the table: ${seen.size} rows seen of ${listed}`);
  await page.evaluate(() => { document.getElementById("pairs-panel").scrollTop = 0; });
  await page.click("#pause");
  // a narrower window: the picture drawn again to its new width, every
  // container in it
  const fits = () => {
    const box = document.getElementById("topology");
    const vb = box.querySelector("svg").getAttribute("viewBox");
    const out = [...box.querySelectorAll("[data-container] circle")]
      .filter((c) => Number(c.getAttribute("cx")) > box.clientWidth).length;
    return vb === `0 0 ${box.clientWidth} ${box.clientHeight}` && !out ||
      `viewBox ${vb} in ${box.clientWidth}x${box.clientHeight}, ${out} containers outside`;
  };
  for (const width of [1000, 1600]) {
    await page.setViewportSize({ width, height: 1200 });
    await page.waitForFunction(`(${fits})() === true`, null, { timeout: 5000 })
      .catch(async () => fail(`window ${width} px wide: ${await page.evaluate(fits)}`));
  }
  const made = ms.slice(0, 3).map((x) => x.toFixed(1)).join(" ");
  const upd = ms.slice(3, 3 + Number(nupd)).sort((a, b) => a - b);
  const q = (f) => upd[rank(f, upd.length)];
  console.log(`render ms: p50 ${q(0.5).toFixed(1)} p95 ${q(0.95).toFixed(1)} ` +
              `max ${upd[upd.length - 1].toFixed(1)} over ${upd.length} updates ` +
              `(${ncts} containers); made: ${made}`);
  const frames = Number(process.env.CMON_FRAMES || 0);
  if (frames) console.log(await pageThread(frames));
  if (shot) await page.screenshot({ path: shot });
  if (errors.length) fail("console errors: " + errors.join(" | "));
} finally {
  await browser.close();
}

// The index of the @f quantile of @n values sorted, by nearest rank (the
// p95 of 20 is the 19th, of 10 the 10th: the slowest).
function rank(f, n) {
  return Math.max(0, Math.ceil(f * n) - 1);
}

// Thread time by phase in @tasks (of the page thread's events @on): each
// event's own time (its thread time less that of the events within it).
function phasesOf(on, tasks) {
  const out = Object.fromEntries(Object.keys(PHASES).concat("other")
    .map((k) => [k, 0]));
  for (const t of tasks) {
    const evs = on.filter((e) => e.ph === "X" && e.tdur != null &&
                          e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur)
      .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
    const stack = [];	// [event, its phase]
    for (const e of evs) {
      while (stack.length && stack.at(-1)[0].ts + stack.at(-1)[0].dur <= e.ts)
        stack.pop();
      // (an event of no phase is its nearest ancestor's: a Paint's parts, paint)
      const k = PHASE_OF.get(e.name) ?? stack.at(-1)?.[1] ?? "other";
      if (stack.length) out[stack.at(-1)[1]] -= e.tdur / 1000;
      out[k] += e.tdur / 1000;
      stack.push([e, k]);
    }
  }
  return out;
}

// The page thread's busy time per update over @n updates, as DevTools
// records it: the update's task and the frame that paints it ("update and
// its frame", what must fit in a frame of 16.7 ms), and all its top-level
// tasks from one "cmon-render" to the next ("page thread": timers, garbage
// collection and the header's clock too).
async function pageThread(n) {
  const cdp = await page.context().newCDPSession(page);
  const ev = [];
  cdp.on("Tracing.dataCollected", (d) => ev.push(...d.value));
  const done = new Promise((r) => cdp.once("Tracing.tracingComplete", r));
  await cdp.send("Tracing.start", {
    categories: "devtools.timeline,disabled-by-default-devtools.timeline," +
                "blink.user_timing,__metadata",
    transferMode: "ReportEvents" });
  const from = Number(await page.evaluate(() => document.body.dataset.updates));
  await page.waitForFunction((k) => Number(document.body.dataset.updates) >= k,
                             from + n + 1, { polling: 250, timeout: 5000 * (n + 2) })
    .catch(() => fail("updates while traced"));
  await cdp.send("Tracing.end");
  await done;
  const main = ev.find((e) => e.name === "thread_name" &&
                       e.args.name === "CrRendererMain");
  if (!main) fail("no page thread in the trace");
  const on = ev.filter((e) => e.pid === main.pid && e.tid === main.tid);
  const at = ev.filter((e) => e.name === "cmon-render" && e.ph === "b" &&
                       e.pid === main.pid).map((e) => e.ts).sort((a, b) => a - b);
  const tasks = on.filter((e) => e.ph === "X" && e.name === "RunTask")
    .sort((a, b) => a.ts - b.ts);
  const paints = on.filter((e) => e.ph === "X" && e.name === "Paint");
  const within = (t, ts) => ts >= t.ts && ts < t.ts + t.dur;
  // (an update's task: the one its "cmon-render" began in)
  const upd = at.map((ts) => tasks.findIndex((t) => within(t, ts)));
  const busy = [], frame = [], cpu = [], phases = [];
  for (let i = 0; i + 1 < upd.length; i++) {
    if (upd[i] < 0 || upd[i + 1] < 0) continue;
    const mine = tasks.slice(upd[i], upd[i + 1]);
    busy.push(mine.reduce((x, t) => x + t.dur, 0) / 1000);
    const f = mine.slice(1).find((t) => paints.some((p) => within(t, p.ts)));
    if (f) frame.push((mine[0].dur + f.dur) / 1000);
    if (f && mine[0].tdur != null && f.tdur != null) {
      cpu.push((mine[0].tdur + f.tdur) / 1000);
      phases.push(phasesOf(on, [mine[0], f]));
    }
  }
  if (!busy.length || !frame.length) fail("no update traced");
  const q = (a, f) => a.sort((x, y) => x - y)[rank(f, a.length)]
    .toFixed(1);
  return `update and its frame ms: p50 ${q(frame, 0.5)} p95 ${q(frame, 0.95)} ` +
    `max ${q(frame, 1)} over ${frame.length} updates\n` +
    (cpu.length ? `update and its frame, thread clock ms: p50 ${q(cpu, 0.5)} ` +
     `p95 ${q(cpu, 0.95)} max ${q(cpu, 1)} over ${cpu.length} updates\n` +
     "update and its frame by phase, thread clock ms (p50 each):" +
     Object.keys(PHASES).concat("other").map((k) =>
       ` ${k} ${q(phases.map((x) => x[k]), 0.5)}`).join("") + "\n" : "") +
    `page thread ms per update: p50 ${q(busy, 0.5)} p95 ${q(busy, 0.95)} ` +
    `over ${busy.length} updates`;
}
