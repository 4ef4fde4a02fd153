// tests/browser/checkin_camera.mjs — check-in by camera (issue 19), on a
// phone (390 px). The ticket's QR code (its SVG, from the server) becomes a
// Y4M video (tests/browser/ticket_y4m.py) that a Chromium of this test's
// own plays as its camera (--use-fake-device-for-media-stream,
// --use-fake-ui-for-media-stream, --use-file-for-fake-video-capture). The
// staff's check-in page asks for the camera, hands the playing video to
// BarcodeDetector.detect, and sends the code it reads.
//
// Debian's Chromium on Linux has no BarcodeDetector (the shape-detection
// API exists on Android, macOS and ChromeOS). Only when the real one is
// missing, page.addInitScript installs a stand-in that reads the frames the
// fake camera delivers and answers the ticket's code only once it sees the
// ticket's QR code there (its three finder patterns, where ticket_y4m.py
// drew them): everything from getUserMedia to the form being sent is the
// page's own code. The test prints which detector it used.
//
// The second test: without BarcodeDetector the page shows no camera
// button, and typing the code works.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { follow, logInOn, pageFor, unique } from './pages.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const STAFF = { email: 'operator@demo.kejiyun.cn', password: 'Operator-2026!' };      // head of the 成都 center
const GUEST = { email: 'zhang.wei@demo.kejiyun.cn', password: 'Demo-2026!' };        // 张伟

/** "YYYY-MM-DDTHH:MM" in UTC+8, days from now. */
function local(days, hour, minute = 0) {
  const d = new Date(Date.now() + 8 * 3600e3 + days * 86400e3);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(hour)}:${p(minute)}`;
}

/** A JSON API call with the page's session and CSRF token; asserts the status. */
async function api(page, t, method, p, body, status) {
  const token = await page.locator('meta[name="csrf-token"]').getAttribute('content');
  const r = await page.request.fetch(`${t.base}${p}`, {
    method, data: body,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRF-Token': token },
  });
  assert.equal(r.status(), status, `${method} ${p}: ${await r.text()}`);
  return r.json();
}

/** A published event with open registration and one guest registered:
 *  {id, code (the guest's ticket code), svg (its QR code)}. */
async function eventWithGuest(t) {
  const staff = await pageFor(t, STAFF, PHONE);
  const ev = await api(staff, t, 'POST', '/api/v1/events', {
    name_zh: `扫码签到测试 ${unique().slice(-5)}`, starts_at: local(3, 9), ends_at: local(3, 18) }, 201);
  for (const action of ['publish', 'open_registration']) {
    await api(staff, t, 'POST', `/api/v1/events/${ev.id}/actions`, { action }, 200);
  }
  const guest = await pageFor(t, GUEST, PHONE);
  const reg = await api(guest, t, 'POST', `/api/v1/events/${ev.id}/registrations`, { country: 'CN' }, 201);
  assert.equal(reg.state, 'approved');
  const svg = await (await guest.request.get(`${t.base}/events/${ev.id}/ticket.svg`)).text();
  assert.match(svg, /^<svg /);
  return { id: ev.id, code: reg.ticket_code, svg };
}

/* Installed before the page's scripts, only where BarcodeDetector is
 * missing: reads the video frame and answers arg.code when the ticket's QR
 * code is in it (each finder pattern: dark centre, light ring at 2
 * modules, dark ring at 3). */
function standInDetector(arg) {
  window.__kjDetector = 'BarcodeDetector' in window ? 'real' : 'stand-in';
  if (window.__kjDetector === 'real') return;
  const g = arg.geometry;
  window.BarcodeDetector = class {
    constructor(options) { this.formats = (options && options.formats) || []; }
    static getSupportedFormats() { return Promise.resolve(['qr_code']); }
    async detect(source) {
      const w = source.videoWidth, h = source.videoHeight;
      if (!w || !h) return [];
      const canvas = document.createElement('canvas');
      canvas.width = w; canvas.height = h;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(source, 0, 0, w, h);
      sessionStorage.setItem('kjFrames', String(Number(sessionStorage.getItem('kjFrames') || 0) + 1));
      const sx = w / g.width, sy = h / g.height;
      const luma = (mx, my) => {   // the brightness at the middle of module (mx, my)
        const px = Math.round((g.left + (mx + 0.5) * g.scale) * sx), py = Math.round((g.top + (my + 0.5) * g.scale) * sy);
        const d = ctx.getImageData(px, py, 1, 1).data;
        return (d[0] + d[1] + d[2]) / 3;
      };
      const q = 4, n = g.size - 2 * q;   // quiet zone, modules of the code
      const finder = (cx, cy) => luma(cx, cy) < 80 && luma(cx + 2, cy) > 170 && luma(cx, cy - 2) > 170 && luma(cx + 3, cy) < 80;
      const seen = finder(q + 3, q + 3) && finder(q + n - 4, q + 3) && finder(q + 3, q + n - 4) && luma(1, 1) > 170;
      return seen ? [{ rawValue: arg.code, format: 'qr_code', boundingBox: new DOMRect(g.left, g.top, g.size * g.scale, g.size * g.scale) }] : [];
    }
  };
}

async function cameraCheckin(t) {
  const ev = await eventWithGuest(t);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kejiyun-camera-'));
  const svgFile = path.join(dir, 'ticket.svg'), video = path.join(dir, 'ticket.y4m');
  fs.writeFileSync(svgFile, ev.svg);
  const geometry = JSON.parse(execFileSync('python3', [path.join(HERE, 'ticket_y4m.py'), svgFile, video], { encoding: 'utf8' }));
  const browser = await t.launch(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`]);
  try {
    const context = await browser.newContext({ locale: 'zh-CN', ...PHONE, permissions: ['camera'] });
    context.setDefaultTimeout(20000);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(standInDetector, { code: ev.code, geometry });
    await logInOn(page, t.base, STAFF);
    await page.goto(`${t.base}/events/${ev.id}/checkin`);
    const used = await page.evaluate(() => window.__kjDetector);
    console.log(`# camera check-in: fake camera playing the ticket's QR code; BarcodeDetector: ${used === 'real' ? "Chromium's own" : 'stand-in (Chromium on Linux has none)'}`);
    const scan = page.locator('#ck-scan');
    await scan.waitFor({ state: 'visible' });
    await follow(page, scan);      // camera on, the code read, the form sent
    await page.locator('#ev-checked').waitFor();
    assert.match(await page.locator('#ev-checked').innerText(), /张伟/);
    if (used !== 'real') assert.ok(Number(await page.evaluate(() => sessionStorage.getItem('kjFrames'))) >= 1, 'the stand-in read camera frames');
    const { sw, iw } = await page.evaluate(() => ({ sw: document.scrollingElement.scrollWidth, iw: window.innerWidth }));
    assert.ok(sw <= iw, `check-in page: scrollWidth ${sw} > innerWidth ${iw}`);
    // The staff's list shows the guest checked in; scanning the same ticket again is refused.
    const regs = await api(page, t, 'GET', `/api/v1/events/${ev.id}/registrations`, undefined, 200);
    assert.equal(regs.items.find((r) => r.name === '张伟').state, 'checked_in');
    await page.goto(`${t.base}/events/${ev.id}/checkin`);
    await follow(page, page.locator('#ck-scan'));
    assert.equal((await page.locator('#ev-checkin-error').innerText()).trim(), t.zh('err.event.checked_in_twice'));
    assert.deepEqual(errors, []);
  } finally {
    await browser.close().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function typedWithoutDetector(t) {
  const ev = await eventWithGuest(t);
  const page = await t.newPage(PHONE);
  await page.addInitScript(() => { delete window.BarcodeDetector; });
  await logInOn(page, t.base, STAFF);
  await page.goto(`${t.base}/events/${ev.id}/checkin`);
  assert.equal(await page.evaluate(() => 'BarcodeDetector' in window), false);
  assert.equal(await page.locator('#ck-camera').isHidden(), true, 'no camera box without BarcodeDetector');
  assert.equal(await page.locator('#ck-scan').isVisible(), false, 'no camera button without BarcodeDetector');
  await page.fill('#ck-code', ev.code.toLowerCase().replace(/(.{5})/, '$1-'));   // typed loosely: case and dashes do not matter
  await follow(page, '#ck-submit');
  assert.match(await page.locator('#ev-checked').innerText(), /张伟/);
}

export const tests = [
  { name: 'event/checkin-camera: staff scan a ticket with the camera (fake camera playing the QR code) at 390 px', fn: cameraCheckin, budget: 8 },
  { name: 'event/checkin-typed: without BarcodeDetector there is no camera button and the typed code checks in', fn: typedWithoutDetector },
];
