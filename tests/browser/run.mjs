#!/usr/bin/env node
// tests/browser/run.mjs — the browser test suite. Starts a real kejiyun
// server (binary from KEJIYUN_BIN, default ./kejiyun) with demo data, drives
// Debian's /usr/bin/chromium headless through playwright-core and prints one
// line per test ("ok - name" / "not ok - name: reason"), then exactly
// "browser: N passed, N failed"; exits 1 if anything failed. A missing
// browser, library or server counts as failure, never as a silent skip.
//
// Tests come from tests.mjs (accounts, language, layout), market.mjs (the
// marketplace journeys), search.mjs (search, facets, matches,
// suggestions), popsci.mjs (科普), challenge.mjs (揭榜挂帅), deal.mjs (a deal
// from inquiry to reviews) and trust.mjs (organization membership, sessions,
// password reset, issue 12's pages on phones), orgverify.mjs (verified
// organizations, issue 14), workorder.mjs (work orders, issue 14), event.mjs (events, issue 19), phone.mjs
// (issue 15's first visit on a phone), widths.mjs (no page wider than a phone), axe.mjs (axe-core on the main
// pages) and walk.mjs (every kind of user's pages on a 360 px phone: widths, 44 px controls, English in English), in that order, all against one
// server, which sends its e-mails to a real SMTP server (mail.mjs): journeys
// read them as t.mail.wait(pred).
//
// Environment: KEJIYUN_BIN (server binary), CHROMIUM_BIN (browser,
// default /usr/bin/chromium-headless-shell, else /usr/bin/chromium: the
// headless shell is the same Blink and V8 without the desktop browser
// around them, and costs about half the CPU: 27 s against 49 s for the
// axe, widths and market journeys, and the browser tests were a third of
// the suite's CPU), KEJIYUN_BROWSER_TIMEOUT_MS (per-action cap,
// default 20000; the ASan server is slow, so the default is generous; a
// test's own cap is its budget, default 6, times this), KEJIYUN_BROWSER_ONLY
// (a regular expression: run only the tests whose name matches).
// Artifacts (screenshots, failure shots) go to tests/artifacts/.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tests as basicTests } from './tests.mjs';
import { tests as marketTests } from './market.mjs';
import { tests as searchTests } from './search.mjs';
import { tests as popsciTests } from './popsci.mjs';
import { tests as challengeTests } from './challenge.mjs';
import { tests as dealTests } from './deal.mjs';
import { tests as trustTests } from './trust.mjs';
import { tests as orgverifyTests } from './orgverify.mjs';
import { tests as workorderTests } from './workorder.mjs';
import { tests as eventTests } from './event.mjs';
import { tests as phoneTests } from './phone.mjs';
import { tests as widthTests } from './widths.mjs';
import { tests as axeTests } from './axe.mjs';
import { tests as statsTests } from './stats.mjs';
import { tests as fedTests } from './fed.mjs';
import { tests as langTests } from './lang.mjs';
import { tests as cameraTests } from './checkin_camera.mjs';
import { tests as walkTests } from './walk.mjs';
import { startMailSink } from './mail.mjs';
import { startServer } from './server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.resolve(process.env.KEJIYUN_BIN || './kejiyun');
const CHROMIUM = process.env.CHROMIUM_BIN
  || ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find((p) => fs.existsSync(p)) || '/usr/bin/chromium';
const ACTION_TIMEOUT_MS = Number(process.env.KEJIYUN_BROWSER_TIMEOUT_MS) || 20000;
const DEFAULT_BUDGET = 6; // a test's time cap, in per-action timeouts
const ONLY = process.env.KEJIYUN_BROWSER_ONLY ? new RegExp(process.env.KEJIYUN_BROWSER_ONLY) : null;
// The journey files in order, with the seconds each took on a whole run
// (make test, 2 cores): KEJIYUN_BROWSER_SHARD=K/N runs the K-th of N
// shares of the files (each file whole and in order, the shares balanced
// by these times, longest first; a file not listed counts 5 s a test), so
// that tests/run can run two browser suites side by side, each with a
// server and a browser of its own. Without it, every file.
const FILES = [
  ['tests', basicTests, 6.9], ['market', marketTests, 14.6], ['search', searchTests, 10.6], ['popsci', popsciTests, 5.6],
  ['challenge', challengeTests, 11.1], ['deal', dealTests, 8.3], ['trust', trustTests, 10.8], ['orgverify', orgverifyTests, 4.4],
  ['workorder', workorderTests, 6.3], ['event', eventTests, 19.4], ['phone', phoneTests, 15.5], ['widths', widthTests, 15.9],
  ['stats', statsTests, 1.9], ['axe', axeTests, 31], ['fed', fedTests, 12.2], ['lang', langTests, 1.8],
  ['checkin_camera', cameraTests, 6.8], ['walk', walkTests, 20],
];
const SHARD = (process.env.KEJIYUN_BROWSER_SHARD || '').match(/^(\d+)\/(\d+)$/);
function shardOf(files) {
  if (!SHARD) return files;
  const [k, n] = [Number(SHARD[1]), Number(SHARD[2])];
  const load = new Array(n).fill(0);
  const mine = new Set();
  const weight = ([, list, secs]) => secs ?? 5 * list.length;
  for (const f of [...files].sort((a, b) => weight(b) - weight(a))) {
    const i = load.indexOf(Math.min(...load));
    load[i] += weight(f);
    if (i === k - 1) mine.add(f[0]);
  }
  return files.filter((f) => mine.has(f[0]));
}
// The part's name in the closing line (tests/run counts "NAME: N passed, N failed").
const PART = process.env.KEJIYUN_BROWSER_PART || 'browser';
const tests = shardOf(FILES).flatMap(([, list]) => list)
  .filter((test) => !ONLY || ONLY.test(test.name));
const ARTIFACTS = path.join(ROOT, 'tests', 'artifacts');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-gpu'];
// Printed with "sanitizer" failures: what a server log must not contain.
const SANITIZER_MARKERS = [/ERROR: AddressSanitizer/, /ERROR: LeakSanitizer/, /runtime error:/];

let passed = 0;
let failed = 0;
// "FAILED browser NAME: REASON" lines, printed again right above the closing
// line (tests/failures.py): CI shows only the tail of the output.
const failedLines = [];
// tests/timeline.py: one line per test in KEJIYUN_TIMELINE (when tests/run
// keeps a timeline), with the server's CPU during the test.
const TIMELINE = process.env.KEJIYUN_TIMELINE || null;
let serverPid = null;
const procCpu = (pid) => {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(')').pop().trim().split(/\s+/);
    return (Number(f[11]) + Number(f[12])) / 100;   // USER_HZ, 100 on Linux
  } catch { return 0; }
};
const timeline = (name, startMs, endMs, extra) => {
  if (!TIMELINE) return;
  try {
    fs.appendFileSync(TIMELINE, JSON.stringify({ kind: 'browser', name, start: startMs / 1000, end: endMs / 1000, ...extra }) + '\n');
  } catch { /* the timeline is a convenience */ }
};
const report = (name, error, ms) => {
  const took = ms === undefined ? '' : ` (${(ms / 1000).toFixed(1)} s)`;
  if (!error) { passed++; console.log(`ok - ${name}${took}`); return; }
  failed++;
  const reason = String(error && error.message ? error.message : error).replace(/\s+/g, ' ').trim();
  console.log(`not ok - ${name}${took}: ${reason}`);
  const first = reason.length > 240 ? `${reason.slice(0, 239)}…` : reason;
  failedLines.push(`FAILED browser ${name}: ${first}`);
};

function finish() {
  if (failedLines.length) {
    console.log(`failed (${failedLines.length}; screenshots in tests/artifacts/):`);
    for (const line of failedLines.slice(0, 40)) console.log(line);
    if (failedLines.length > 40) console.log(`FAILED ... and ${failedLines.length - 40} more (see the lines above)`);
  }
  console.log(`${PART}: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

/** Loads playwright-core or returns the reason it cannot be used. */
async function loadPlaywright() {
  if (!fs.existsSync(path.join(ROOT, 'node_modules', 'playwright-core'))) {
    return { reason: 'node_modules/playwright-core is missing: run "npm ci" (or "npm install") in the repository root' };
  }
  // playwright-core ends the process on a Node.js older than it supports
  // (process.exit in its bootstrap), which would leave no closing line:
  // say why instead (Debian 12's nodejs is 18; playwright-core 1.65 needs 20).
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'playwright-core', 'package.json'), 'utf8'));
    const need = Number(((pkg.engines && pkg.engines.node) || '').replace(/^[^0-9]*/, '').split('.')[0]) || 0;
    const have = Number(process.versions.node.split('.')[0]);
    if (have < need) {
      return { reason: `playwright-core ${pkg.version} needs Node.js ${need} or newer, this is ${process.versions.node}`
        + ` (Debian 12 ships 18: install Node.js ${need} or newer, see scripts/deps.sh)` };
    }
  } catch (e) {
    return { reason: `cannot read node_modules/playwright-core/package.json: ${e.message}` };
  }
  try {
    const mod = await import('playwright-core');
    return { chromium: mod.chromium };
  } catch (e) {
    return { reason: `cannot load playwright-core: ${e.message}` };
  }
}

/**
 * Reads i18n/<lang>.tsv and every i18n/<lang>.<part>.tsv (one per feature,
 * as the server does) into a key → message map; tests assert catalog texts.
 */
function loadCatalog(lang) {
  const map = new Map();
  const dir = path.join(ROOT, 'i18n');
  const files = [`${lang}.tsv`, ...fs.readdirSync(dir).filter((f) => f.startsWith(`${lang}.`) && f.endsWith('.tsv')
    && f !== `${lang}.tsv`).sort()];
  for (const file of files) {
    for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const tab = line.indexOf('\t');
      if (tab > 0) map.set(line.slice(0, tab), line.slice(tab + 1));
    }
  }
  return (key, ...args) => {
    const msg = map.get(key);
    if (msg === undefined) throw new Error(`i18n/${lang}*.tsv has no key ${key}`);
    return msg.replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i)]));
  };
}

const withTimeout = (promise, ms, what) => {
  let timer;
  const limit = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms); });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
};

/** Runs one test in its own browser context; failures leave a screenshot. */
async function runTest(browser, test, env) {
  const contexts = [];
  const t = {
    ...env,
    // Opens a fresh context (own cookies); Chinese is the default language,
    // as for most visitors. Subresource failures (CSS 404, …) fail the test.
    async newPage(options = {}) {
      const context = await browser.newContext({ locale: 'zh-CN', ...options });
      context.setDefaultTimeout(ACTION_TIMEOUT_MS);
      context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (e) => t.problems.push(`script error: ${e.message}`));
      page.on('response', (r) => {
        const type = r.request().resourceType();
        if (type !== 'document' && r.status() >= 400 && !r.url().endsWith('/favicon.ico')) {
          t.problems.push(`${type} ${r.url()} answered ${r.status()}`);
        }
      });
      return page;
    },
    problems: [],
  };
  let error = null;
  const started = Date.now();
  const cpu0 = serverPid ? procCpu(serverPid) : 0;
  try {
    await withTimeout(test.fn(t), (test.budget || DEFAULT_BUDGET) * ACTION_TIMEOUT_MS, 'test');
    if (t.problems.length) throw new Error(t.problems.join('; '));
  } catch (e) {
    // Journeys use several contexts (one per user) and the failing step may
    // be in any of them, so every context's page is shot, numbered in the
    // order the contexts were opened.
    const pages = contexts.map((c) => c.pages().at(-1)).filter(Boolean);
    const stem = `fail-${test.name.replace(/[^a-z0-9]+/gi, '-')}`;
    const where = [];
    for (const [i, page] of pages.entries()) {
      const shot = path.join(ARTIFACTS, pages.length > 1 ? `${stem}-${i + 1}.png` : `${stem}.png`);
      await page.screenshot({ path: shot, fullPage: true, timeout: 5000 }).catch(() => {});
      where.push(`${page.url()}: ${path.relative(ROOT, shot)}`);
    }
    error = where.length ? new Error(`${e.message} (pages: ${where.join('; ')})`) : e;
  } finally {
    for (const c of contexts) await c.close().catch(() => {});
  }
  report(test.name, error, Date.now() - started);
  timeline(test.name, started, Date.now(), { server_cpu: serverPid ? Math.round((procCpu(serverPid) - cpu0) * 100) / 100 : 0 });
}

/** Screenshots of Chinese pages are useless without a CJK font (tofu boxes). */
function noteMissingCjkFont() {
  const r = spawnSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' });
  if (r.status === 0 && !r.stdout.trim()) {
    console.log('# note: no Chinese font installed (fc-list :lang=zh is empty); screenshots will show boxes.'
      + ' apt-get install -y fonts-wqy-microhei (or fonts-noto-cjk) fixes that.');
  }
}

async function main() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // Failure shots of an earlier run would be mistaken for this run's (the
  // first shard removes them: the others start with it).
  if (!SHARD || SHARD[1] === '1') {
    for (const f of fs.readdirSync(ARTIFACTS)) if (/^fail-.*\.png$/.test(f)) fs.rmSync(path.join(ARTIFACTS, f));
  }
  noteMissingCjkFont();
  const notRun = (reason) => {
    for (const test of tests) report(test.name, `not run: ${reason}`);
  };

  const pw = await loadPlaywright();
  if (!pw.chromium) { report('setup: playwright-core', pw.reason); notRun('no playwright-core'); return; }
  if (!fs.existsSync(CHROMIUM)) {
    report('setup: chromium', `${CHROMIUM} not found (apt-get install -y chromium-headless-shell, or set CHROMIUM_BIN)`);
    notRun('no browser');
    return;
  }

  let mail;
  try {
    mail = await startMailSink();
  } catch (e) {
    report('setup: SMTP server', e);
    notRun('no SMTP server');
    return;
  }
  let server;
  const serverStarted = Date.now();
  try {
    server = await startServer(BIN, { healthTimeoutMs: Math.max(60000, 3 * ACTION_TIMEOUT_MS), extraArgs: [...mail.serverArgs, '--fed-sync-ms', '1000'] });  // fed.mjs: peers sync every second
  } catch (e) {
    mail.stop();
    report('setup: server', e);
    notRun('no server');
    return;
  }

  timeline('setup: server (demo load, start to healthy)', serverStarted, Date.now(), {});
  let browser;
  try {
    browser = await pw.chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60000 });
  } catch (e) {
    report('setup: chromium launch', e);
    notRun('browser did not start');
  }

  if (browser) {
    // launch(args): a browser of the test's own with extra Chromium
    // switches (checkin_camera.mjs: a fake camera playing a file); the test closes it.
    const launch = (args) => pw.chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...args], timeout: 60000 });
    serverPid = server.pid;
    const env = { base: server.base, artifacts: ARTIFACTS, zh: loadCatalog('zh-CN'), en: loadCatalog('en'), mail, launch };
    for (const test of tests) await runTest(browser, test, env);
    await browser.close().catch(() => {});
  }

  // The server must survive the whole session and stop cleanly; under the
  // sanitizer build this is where memory errors seen in the browser surface.
  const { code, signal, log } = await server.stop();
  mail.stop();
  const marker = SANITIZER_MARKERS.find((re) => re.test(log));
  report('server exits cleanly on SIGTERM',
    code !== 0 ? `exit code ${code}, signal ${signal}` : marker ? `sanitizer report in server log (${marker})` : null);
  if (failed) {
    const tail = log.trimEnd().split('\n').slice(-40);
    console.log('# server log (last lines):');
    for (const line of tail) console.log(`#   ${line}`);
  }
}

main().catch((e) => report('runner', e)).finally(finish);
