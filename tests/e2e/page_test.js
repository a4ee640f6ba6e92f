// Browser test of leakprof's web page in a real headless Chromium.
//
//   node page_test.js --base-url=http://127.0.0.1:PORT/ [--out-dir=DIR]
//     [--chromium=/usr/bin/chromium] [--expect-xss-site]
//
// Works against the fixture server (tests/e2e/fixture_server.py) or a real
// leakprof-analyzer. Checks:
//   1. the ranked list renders (services table, ranked rows, sparklines);
//   2. a click on a site opens its page (stack, hint, charts, alert state);
//   3. with --expect-xss-site: a function name holding HTML/script
//      (main.<img src=x onerror=window.__pwned=1>) shows as text, creates no
//      element, and runs nothing (window.__pwned stays unset).
// Screenshots go to --out-dir (default $TEST_UNDECLARED_OUTPUTS_DIR).
// Prints one line per check; exits 1 on the first failure.
'use strict';

const path = require('path');
const fs = require('fs');

function parseArgs(argv) {
  const out = {chromium: '/usr/bin/chromium', outDir: process.env.TEST_UNDECLARED_OUTPUTS_DIR || '.',
    baseUrl: '', expectXss: false, timeoutMs: 60000};
  for (const a of argv) {
    let m;
    if ((m = a.match(/^--base-url=(.+)$/))) out.baseUrl = m[1];
    else if ((m = a.match(/^--out-dir=(.+)$/))) out.outDir = m[1];
    else if ((m = a.match(/^--chromium=(.+)$/))) out.chromium = m[1];
    else if ((m = a.match(/^--timeout-ms=(\d+)$/))) out.timeoutMs = Number(m[1]);
    else if (a === '--expect-xss-site') out.expectXss = true;
    else throw new Error('unknown argument ' + a);
  }
  if (!out.baseUrl) throw new Error('--base-url is required');
  if (!out.baseUrl.endsWith('/')) out.baseUrl += '/';
  return out;
}

function loadPlaywright() {
  const tried = [];
  const candidates = [process.env.LEAKPROF_NODE_MODULES, path.join(__dirname, 'node_modules')];
  // In Bazel's runfiles this file is a symlink into the source tree, where
  // `npm ci` (scripts/install-deps.sh) put node_modules.
  try { candidates.push(path.join(path.dirname(fs.realpathSync(__filename)), 'node_modules')); } catch (e) {}
  for (const dir of candidates) {
    if (!dir) continue;
    tried.push(dir);
    const p = path.join(dir, 'playwright-core');
    if (fs.existsSync(p)) return require(p);
  }
  throw new Error('playwright-core not found (tried ' + tried.join(', ') +
      '); run scripts/install-deps.sh (npm ci in tests/e2e)');
}

let failures = 0;
function check(cond, what) {
  if (!cond) {
    console.log('FAIL ' + what);
    failures++;
    throw new Error(what);
  }
  console.log('ok   ' + what);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const {chromium} = loadPlaywright();
  fs.mkdirSync(opts.outDir, {recursive: true});
  const browser = await chromium.launch({
    executablePath: opts.chromium,
    headless: true,
    // Root in a container: Chromium's own sandbox cannot start.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    timeout: opts.timeoutMs,
  });
  const errors = [];
  const dialogs = [];
  try {
    const page = await browser.newPage({viewport: {width: 1280, height: 900}});
    page.setDefaultTimeout(opts.timeoutMs);
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
    const shot = async (name) => {
      const file = path.join(opts.outDir, name + '.png');
      await page.screenshot({path: file, fullPage: true});
      console.log('     screenshot ' + file);
    };

    // 1. The ranked list.
    await page.goto(opts.baseUrl, {waitUntil: 'load'});
    await page.waitForSelector('body[data-ready]');
    const ready = await page.getAttribute('body', 'data-ready');
    check(ready === 'list', 'list view loaded (data-ready=' + ready + ')');
    const rows = await page.$$eval('#suspects tbody tr[data-site-id]', (trs) => trs.map((tr) => ({
      rank: Number(tr.children[0].textContent),
      suspect: tr.classList.contains('suspect'),
      fn: tr.querySelector('a.site-link').textContent,
      spark: tr.querySelectorAll('svg.spark polyline').length,
    })));
    check(rows.length > 0, 'ranked list has ' + rows.length + ' rows');
    check(rows.every((r, i) => i === 0 || rows[i - 1].rank <= r.rank), 'rows ordered by rank');
    check(rows.some((r) => r.suspect), 'at least one row is marked suspect');
    check(rows.some((r) => r.spark > 0), 'sparklines drawn (' + rows.filter((r) => r.spark > 0).length + ')');
    const services = await page.$$eval('#services tbody tr', (trs) => trs.length);
    check(services > 0, 'services table has ' + services + ' rows');
    await shot('01-list');

    // 2. Click the first suspect: its site page.
    const first = await page.$('#suspects tbody tr.suspect a.site-link');
    const firstName = await first.textContent();
    await page.evaluate(() => document.body.removeAttribute('data-ready'));
    await first.click();
    await page.waitForSelector('body[data-ready="site"]');
    check(/^#\/site\//.test(await page.evaluate(() => location.hash)), 'click opened a #/site/ route');
    const title = await page.textContent('#site-function');
    check(title === firstName, 'site page is for the clicked function (' + title + ')');
    const frames = await page.$$eval('#stack li', (lis) => lis.length);
    check(frames > 0, 'site page shows the stack (' + frames + ' frames)');
    check(await page.$('#alert-state') !== null, 'site page shows the alert state (' +
        (await page.textContent('#alert-state')) + ')');
    const fleetChart = await page.$$eval('svg.chart polyline', (p) => p.length);
    check(fleetChart > 0, 'site page draws charts (' + fleetChart + ')');
    await shot('02-site');

    // 3. Hostile text stays text.
    if (opts.expectXss) {
      await page.evaluate(() => { location.hash = '#/'; });
      await page.waitForSelector('#suspects a.site-link');
      const evil = await page.$$eval('#suspects a.site-link', (as) =>
        as.map((a) => a.textContent).filter((t) => t.includes('<img')));
      check(evil.length === 1 && evil[0] === 'main.<img src=x onerror=window.__pwned=1>',
          'hostile function name shown verbatim as text in the list');
      check(await page.$$eval('#app img', (x) => x.length) === 0, 'no <img> element created in the list');
      const link = await page.$('#suspects a.site-link >> text=main.<img');
      await page.evaluate(() => document.body.removeAttribute('data-ready'));
      await link.click();
      await page.waitForSelector('body[data-ready="site"]');
      check((await page.textContent('#site-function')) === 'main.<img src=x onerror=window.__pwned=1>',
          'hostile function name shown verbatim on its site page');
      const hint = await page.$eval('#hint', (h) => ({text: h.textContent, kids: h.childElementCount}))
          .catch(() => null);
      check(hint === null || hint.kids === 0, 'hint is plain text' +
          (hint && hint.text.includes('<script>') ? ' (a <script> in it shown as text)' : ''));
      check(await page.$$eval('#app img, #app script', (x) => x.length) === 0,
          'no <img>/<script> element created on the site page');
      await page.waitForTimeout(500);  // give any injected handler a chance to run
      check(await page.evaluate(() => window.__pwned === undefined), 'window.__pwned unset: nothing ran');
      check(dialogs.length === 0, 'no dialogs opened');
      await shot('03-hostile-site');
    }
    check(errors.length === 0, 'no JavaScript errors on the page' + (errors.length ? ': ' + errors.join('; ') : ''));
  } finally {
    await browser.close();
  }
}

main().then(() => {
  console.log(failures === 0 ? 'PASS' : 'FAIL');
  process.exit(failures === 0 ? 0 : 1);
}, (e) => {
  console.log('FAIL ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
