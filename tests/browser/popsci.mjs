// tests/browser/popsci.mjs — popular science (科普) in the browser: a
// resident on a 360 px phone sets a needs profile, finds an article in the
// personal feed with its reason, reads it, marks it useful and asks an
// expert a question with a photo. A scientist writes the article (with a
// 1600 px wide photo, resized on upload) and the operator approves it
// through the pages first; the phone must download a small variant. Run by run.mjs (export
// tests), like market.mjs.

import assert from 'node:assert/strict';
import { pickRegion } from './pages.mjs';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { expectNoHorizontalOverflow } from './tests.mjs';
import path from 'node:path';
import { startServer } from './server.mjs';

const SCIENTIST = { email: 'zhang.wei@demo.kejiyun.cn', password: 'Demo-2026!' };
const OPERATOR = { email: 'operator@demo.kejiyun.cn', password: 'Operator-2026!' };
const RESIDENT = { email: 'liu.yang@demo.kejiyun.cn', password: 'Demo-2026!' };
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

const unique = () => `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
const pathOf = (page) => new URL(page.url()).pathname;

async function follow(page, selector) {
  await Promise.all([
    page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() }),
    page.locator(selector).click(),
  ]);
  await page.waitForLoadState('load');
}

async function logIn(t, who, options) {
  const page = await t.newPage(options);
  await page.goto(`${t.base}/login`);
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
  await follow(page, 'form.form button[type="submit"]');
  assert.notEqual(pathOf(page), '/login', `${who.email} logged in`);
  return page;
}

/** A valid w×h PNG (default 1×1, a "diseased leaf"): green, a red left half. */
function png(w = 1, h = 1) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(zlib.crc32 ? zlib.crc32(body) : crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  const row = Buffer.alloc(1 + 3 * w);
  for (let x = 0; x < w; x++) row.set(x < w / 2 && w > 1 ? [0xcc, 0x22, 0x22] : [0x33, 0x99, 0x33], 1 + 3 * x);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (const b of buf) {
    c = (crc ^ b) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

async function residentJourney(t) {
  const title = `水稻纹枯病防治 ${unique()}`;
  const sci = await logIn(t, SCIENTIST);
  await sci.goto(`${t.base}/popsci/new`);
  await sci.fill('#title', title);
  await sci.fill('#summary', '分蘖末期到孕穗期是防治关键期');
  await sci.fill('#body', '## 症状\n\n叶鞘上出现云纹状病斑。\n\n## 防治\n\n1. 控制氮肥\n2. 适时晒田');
  await sci.selectOption('#topic', 'rice');
  await sci.selectOption('#audience', 'rural');
  await sci.setInputFiles('#image', { name: 'field.png', mimeType: 'image/png', buffer: png(1600, 800) });
  await follow(sci, '#popsci-form button[type="submit"]');
  const id = pathOf(sci).match(/^\/popsci\/([0-9A-Z]{26})$/)?.[1];
  assert.ok(id, `article submitted (at ${pathOf(sci)})`);

  const op = await logIn(t, OPERATOR);
  await op.goto(`${t.base}/popsci/${id}`);
  await follow(op, '#review-form button[value="approve"]');
  assert.ok((await op.locator('main').innerText()).includes(title));

  const phone = await logIn(t, RESIDENT, PHONE);
  await phone.goto(`${t.base}/popsci/profile`);
  await phone.check('input[name="topics"][value="rice"]');
  await pickRegion(phone, 'region', ['510000', '510100', '510107']);
  await phone.fill('#crops', '水稻');
  await follow(phone, '#profile-form button[type="submit"]');
  assert.equal(pathOf(phone), '/popsci/profile');
  await expectNoHorizontalOverflow(phone, 360);

  await phone.goto(`${t.base}/popsci/feed`);
  const item = phone.locator('#feed li', { hasText: title });
  assert.equal(await item.count(), 1, 'the article is in the feed');
  assert.match(await item.locator('.popsci-reason').innerText(), /因为你/);
  await expectNoHorizontalOverflow(phone, 360);
  await Promise.all([phone.waitForEvent('framenavigated'), item.locator('a').click()]);
  await phone.waitForLoadState('load');
  assert.equal(pathOf(phone), `/popsci/${id}`);
  assert.equal(await phone.locator('.popsci-body h3').first().innerText(), '症状', 'Markdown heading rendered');
  // The photo: srcset lets the phone take a small variant, never the 1280 one.
  const photo = phone.locator('article img.popsci-img').first();
  await photo.scrollIntoViewIfNeeded();
  await phone.waitForFunction((sel) => { const i = document.querySelector(sel); return i && i.complete && i.naturalWidth > 0; },
    'article img.popsci-img');
  const got = await photo.evaluate((e) => ({ src: e.currentSrc, w: e.naturalWidth, h: e.naturalHeight, shown: e.clientWidth }));
  assert.match(got.src, /\/popsci\/images\/[0-9A-Z]{26}\/(360|720)$/, `small variant chosen (${got.src})`);
  assert.equal(got.h * 2, got.w, 'aspect ratio kept');
  assert.ok(got.shown <= 360, `fits the phone (${got.shown} px)`);
  await expectNoHorizontalOverflow(phone, 360);
  await follow(phone, '#mark-useful');
  assert.ok(await phone.locator('[role="status"]').count() > 0, `marked useful (at ${phone.url()}: ${await phone.locator('main').innerText()})`);

  await phone.goto(`${t.base}/popsci/questions/new`);
  const q = `稻叶发黄有斑点 ${unique()}`;
  await phone.fill('#title', q);
  await phone.fill('#body', '最近一周叶片发黄，见照片');
  await phone.selectOption('#topic', 'plantprot');
  await pickRegion(phone, 'region', ['510000', '510100', '510107']);
  await phone.setInputFiles('#photo', { name: 'leaf.png', mimeType: 'image/png', buffer: png() });
  await expectNoHorizontalOverflow(phone, 360);
  await follow(phone, '#ask-form button[type="submit"]');
  assert.match(pathOf(phone), /^\/popsci\/questions\/[0-9A-Z]{26}$/);
  assert.equal(await phone.locator('main h1').innerText(), q);
  const img = phone.locator('img.popsci-img');
  assert.equal(await img.count(), 1, 'the photo is shown');
  await img.scrollIntoViewIfNeeded();
  await phone.waitForFunction(() => { const i = document.querySelector('img.popsci-img'); return i && i.complete; });
  // (naturalWidth is scaled by the srcset width descriptor: check the file.)
  assert.ok(await img.evaluate((e) => e.naturalWidth > 0 && /\/popsci\/images\/[0-9A-Z]{26}\/1$/.test(e.currentSrc)),
    'the photo loads');
  await expectNoHorizontalOverflow(phone, 360);
}

/** The demo's 科普 video (data/demo/popsci_media.tsv) on a 390 px phone: the
 *  page embeds it from the instance's own store and the browser can play it. */
async function demoVideoPlays(t) {
  await videoPlaysAt390(t, t.base, '三分钟看懂人工智能如何识别病虫害');
}

/** The 青海 demo profile (data/demo/qinghai/, its own server): a 科普
 *  article shows its drawn poster on a 390 px phone, and its video (光伏治沙)
 *  plays there. */
async function qinghaiPictureAndVideo(t) {
  const bin = path.resolve(process.env.KEJIYUN_BIN || './kejiyun');
  const qh = await startServer(bin, { demoArgs: ['--profile', 'qinghai'] });
  try {
    const page = await t.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const list = await (await page.request.get(`${qh.base}/api/v1/popsci?per_page=50`)).json();
    const item = list.items.find((i) => i.title === '牦牛冷季补饲：什么时候补、补什么');
    assert.ok(item, 'the Qinghai article is published');
    await page.goto(`${qh.base}/popsci/${item.id}`);
    const img = page.locator('img.popsci-img').first();
    await img.scrollIntoViewIfNeeded();
    await page.waitForFunction(() => { const i = document.querySelector('img.popsci-img'); return i && i.complete; });
    const shown = await img.evaluate((e) => ({ natural: e.naturalWidth, width: e.getBoundingClientRect().width,
                                               src: e.currentSrc }));
    assert.ok(shown.natural > 0 && /\/popsci\/images\/[0-9A-Z]{26}/.test(shown.src), `the poster loads: ${JSON.stringify(shown)}`);
    assert.ok(shown.width > 200 && shown.width <= 390, `the poster fits the phone: ${JSON.stringify(shown)}`);
    await expectNoHorizontalOverflow(page, 390);
    await page.close();
    await videoPlaysAt390(t, qh.base, '光伏治沙：板上发电、板下种草、板间放羊');
  } finally {
    const { code, log } = await qh.stop();
    assert.equal(code, 0, `the Qinghai server exited ${code}:\n${log.slice(-2000)}`);
    assert.ok(!/AddressSanitizer|runtime error:/.test(log), `sanitizer report in its log:\n${log.slice(-3000)}`);
  }
}

/** The 科普 video item titled title at base, on a 390 px phone: embedded
 *  from that instance's own store, playing, fitting the screen. */
async function videoPlaysAt390(t, base, title) {
  const page = await t.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const list = await (await page.request.get(`${base}/api/v1/popsci?per_page=50`)).json();
  const item = list.items.find((i) => i.title === title);
  assert.ok(item, `the demo video item is published: ${title}`);
  await page.goto(`${base}/popsci/${item.id}`);
  const video = page.locator('#video-player');
  await video.waitFor();
  assert.match(await video.getAttribute('src'), /^\/popsci\/videos\/[0-9A-Z]{26}$/, 'served by this instance');
  const state = await page.evaluate(() => new Promise((resolve) => {
    const v = document.getElementById('video-player');
    const done = () => resolve({ readyState: v.readyState, duration: v.duration, time: v.currentTime,
                                 error: v.error && v.error.code, width: v.getBoundingClientRect().width });
    v.muted = true;
    v.addEventListener('timeupdate', () => { if (v.currentTime > 0.2) done(); });
    v.addEventListener('error', done);
    v.play().catch(done);
    setTimeout(done, 15000);
  }));
  assert.equal(state.error, null, `no media error (${JSON.stringify(state)})`);
  assert.ok(state.readyState >= 2 && state.duration > 5 && state.time > 0.2, `the video plays: ${JSON.stringify(state)}`);
  assert.ok(state.width > 200 && state.width <= 390, `the player fits the phone: ${state.width}`);
  await expectNoHorizontalOverflow(page, 390);
}

export const tests = [
  { name: 'popsci: the demo video plays in the page at 390 px', fn: demoVideoPlays, budget: 4 },
  { name: 'popsci: the Qinghai profile shows a drawn poster and plays its video at 390 px', fn: qinghaiPictureAndVideo, budget: 12 },
  { name: 'popsci: article reviewed; resident at 360 px sets profile, reads from feed, marks useful, asks with photo', fn: residentJourney, budget: 20 },
];
