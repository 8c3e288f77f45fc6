// The page's feed given an event it cannot parse (the synthetic exporter
// cuts its second event short, CMON_FAKE_BAD=2): the page reports it in
// the console, naming it, and goes on with the next events.
//   node feed.mjs URL
// Env: CHROMIUM (default /usr/bin/chromium), CMON_WEB (web/ of the tree).
import { fail, open } from "./browser.mjs";

const [url] = process.argv.slice(2);
const { browser, page, errors } = await open(url, 1200, 900);
try {
  // (the topology, the first event, then four after the bad one)
  await page.waitForFunction(() => Number(document.body.dataset.updates) >= 6,
                             null, { polling: 250, timeout: 20000 })
    .catch(async () => fail("updates stopped after the bad event: " +
      await page.evaluate(() => document.body.dataset.updates) +
      "; console: " + errors.join(" | ")));
  if (errors.length !== 1 || !/^event: .*JSON/.test(errors[0]))
    fail("the bad event not reported once, as an event: " + errors.join(" | "));
  if (await page.evaluate(() => document.body.classList.contains("stale")))
    fail("the page shows stale figures");
  const rows = await page.$$eval("#pairs tbody tr[data-pair]", (e) => e.length);
  if (!rows) fail("no pair shown after the bad event");
  console.log(`reported: "${errors[0].slice(0, 80)}"; ${rows} rows, updates go on`);
} finally {
  await browser.close();
}
