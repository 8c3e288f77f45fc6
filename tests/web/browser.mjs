// What the browser tests share: Debian's Chromium, headless, driven by
// playwright-core from web/node_modules (CMON_WEB: web/ of the tree;
// CHROMIUM: the browser, default /usr/bin/chromium).
import { createRequire } from "node:module";
import path from "node:path";

export function fail(msg) {
  console.error("FAIL: " + msg);
  process.exit(1);
}

// A page at @url of @width x @height; errors collects what it logs as an
// error and what it throws.  Close the browser when done.
export async function open(url, width, height) {
  const require = createRequire(path.join(process.env.CMON_WEB, "package.json"));
  const { chromium } = require("playwright-core");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
  });
  const errors = [];
  const page = await browser.newPage({ viewport: { width, height } });
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  return { browser, page, errors };
}
