// tests/browser/fed.mjs — federation (issue 17 §2) in the browser: a second
// instance (青海科创云) peers with the suite's server; a listing published on
// the suite's server shows on the peer with its origin label, an enterprise
// of the peer expresses interest from the listing page, the owner accepts it
// on the origin's EOI page, and the acceptance with the owner's name comes
// back to the asker's EOI page. Then, on a 390 px phone at the peer, the
// origin labels of a studio, a 科普 item and a 揭榜 (in the 揭榜 list, with
// the link to apply at the origin), and the origin filter of those lists.

import assert from 'node:assert/strict';
import path from 'node:path';
import { followTo, logInOn, pathOf } from './pages.mjs';
import { expectNoHorizontalOverflow } from './tests.mjs';
import { startServer } from './server.mjs';

const ADMIN = { email: 'admin@demo.kejiyun.cn', password: 'Admin-2026!' };
const ZHANG_WEI = { email: 'zhang.wei@demo.kejiyun.cn', password: 'Demo-2026!' };
const WANG_FANG = { email: 'wang.fang@demo.kejiyun.cn', password: 'Demo-2026!' };
const OPERATOR = { email: 'operator@demo.kejiyun.cn', password: 'Operator-2026!' };
const LIU_YANG = { email: 'liu.yang@demo.kejiyun.cn', password: 'Demo-2026!' };
const day = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function api(base, method, p, token, body) {
  const r = await fetch(`${base}${p}`, {
    method,
    headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text };
}

async function tokenOf(base, who) {
  const r = await api(base, 'POST', '/api/v1/login', null, who);
  assert.equal(r.status, 200, `login ${who.email} at ${base}: ${r.text}`);
  return r.json.token;
}

async function until(what, fn, ms = 60000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(300);
  }
}

async function remoteEoiRoundTrip(t) {
  const bin = path.resolve(process.env.KEJIYUN_BIN || './kejiyun');
  const peer = await startServer(bin, { extraArgs: ['--fed-sync-ms', '500', '--site-name', '青海科创云', '--site-name-en', 'Qinghai'] });
  try {
    // Both operators add each other (over the API; the page is the same call).
    const docA = (await api(t.base, 'GET', '/api/v1/federation/instance')).json;
    const docB = (await api(peer.base, 'GET', '/api/v1/federation/instance')).json;
    const adminA = await tokenOf(t.base, ADMIN), adminB = await tokenOf(peer.base, ADMIN);
    assert.equal((await api(t.base, 'POST', '/api/v1/federation/peers', adminA, { url: peer.base, public_key: docB.public_key })).status, 201);
    assert.equal((await api(peer.base, 'POST', '/api/v1/federation/peers', adminB, { url: t.base, public_key: docA.public_key })).status, 201);

    // 张伟 publishes on the suite's server (reviewed by its administrator).
    const zhang = await tokenOf(t.base, ZHANG_WEI);
    const title = `高原储能联调成果${Date.now().toString(36)}`;
    const made = await api(t.base, 'POST', '/api/v1/listings', zhang, {
      kind: 'achievement', title, summary: '面向高原电站的储能联调方案。', domain: 'D0101', region: '510107', trl: 6,
      coop_modes: ['transfer'], keywords: ['储能'], submit: true,
    });
    assert.equal(made.status, 201, made.text);
    const id = made.json.id;
    assert.equal((await api(t.base, 'POST', `/api/v1/listings/${id}/actions`, adminA, { action: 'approve' })).status, 200);
    await until('the listing at the peer', async () => (await api(peer.base, 'GET', `/api/v1/listings/${id}`)).status === 200);

    // On the peer, the listing page says where it comes from.
    const asker = await t.newPage();
    await logInOn(asker, peer.base, WANG_FANG);
    await asker.goto(`${peer.base}/listings/${id}`);
    const label = (await asker.locator('#listing-origin').innerText()).trim();
    assert.equal(label, t.zh('fed.from', docA.name['zh-CN']), '#listing-origin');
    assert.equal(await asker.locator('#listing-origin').getAttribute('data-origin'), docA.instance_id);
    // 王芳 expresses interest there; the EOI page says it went to the origin.
    await asker.fill('#eoi-form #message', '青海的高原电站希望与贵团队合作储能联调。');
    const [, eoi] = await followTo(asker, '#send-eoi', /^\/eois\/([^/]+)$/);
    assert.equal((await asker.locator('#eoi-remote').innerText()).trim(), t.zh('fed.eoi.remote', docA.name['zh-CN']));

    // The owner finds it among the EOIs received on the origin and accepts.
    await until('the EOI at the origin', async () => {
      const r = await api(t.base, 'GET', '/api/v1/eois', zhang);
      return r.json.received.some((e) => e.id === eoi);
    });
    const owner = await t.newPage();
    await logInOn(owner, t.base, ZHANG_WEI);
    await owner.goto(`${t.base}/eois/${eoi}`);
    assert.match(await owner.locator('#counterpart').innerText(), /王芳/);
    await followTo(owner, '#accept-eoi', new RegExp(`^/eois/${eoi}$`));
    assert.equal((await owner.locator('#eoi-status').innerText()).trim(), t.zh('eoi.status.accepted'));

    // The acceptance comes back to the asker's instance, with the owner's name.
    await until('the acceptance at the asker', async () => {
      await asker.goto(`${peer.base}/eois/${eoi}`);
      return (await asker.locator('#eoi-status').innerText()).trim() === t.zh('eoi.status.accepted');
    });
    assert.match(await asker.locator('#counterpart').innerText(), /张伟/);
    assert.equal(pathOf(asker), `/eois/${eoi}`);
    await otherKindsLabelled(t, peer, docA, { adminA, zhang });
  } finally {
    const { code, log } = await peer.stop();
    assert.equal(code, 0, `peer exited ${code}:\n${log.slice(-2000)}`);
    assert.ok(!/AddressSanitizer|runtime error:/.test(log), `sanitizer report in the peer's log:\n${log.slice(-3000)}`);
  }
}

// A studio, a 科普 item and a 揭榜 of the suite's server, seen at the peer
// on a phone: each labelled "来自 <origin>", each list filtered by origin.
async function otherKindsLabelled(t, peer, docA, { adminA, zhang }) {
  const run = Date.now().toString(36);
  const from = t.zh('fed.from', docA.name['zh-CN']);
  const studio = await api(t.base, 'POST', '/api/v1/studios', zhang, { name: `高原光储工作室${run}`, intro: '高原光伏与储能运维。', region: '510107' });
  assert.equal(studio.status, 201, studio.text);
  const ps = await api(t.base, 'POST', '/api/v1/popsci', zhang, { title: `高原蔬菜防冻${run}`, summary: '防冻要点', body: '覆膜与补温。', topic: 'rice', audience: 'rural' });
  assert.equal(ps.status, 201, ps.text);
  assert.equal((await api(t.base, 'POST', `/api/v1/popsci/${ps.json.id}/review`, adminA, { action: 'approve' })).status, 200);
  const op = await tokenOf(t.base, OPERATOR), liu = await tokenOf(t.base, LIU_YANG);
  const list = await api(t.base, 'POST', '/api/v1/challenge-lists', op, { title: `川青联合揭榜${run}`, description: '测试榜单', period_start: day(0), period_end: day(60) });
  assert.equal(list.status, 201, list.text);
  const entry = await api(t.base, 'POST', `/api/v1/challenge-lists/${list.json.id}/challenges`, liu, {
    direction: 'tech_wanted', title: `高寒储能电池攻关${run}`, domain: 'D0401', problem: '需要在零下三十度稳定工作的储能电池。',
    difficulties: '低温容量衰减', indicators: [{ name: '低温容量', target: '≥ 80', unit: '%', verification: '第三方测试' }],
    deliverables: '样机一套', bounty: '200', payment_terms: '签约 30%，验收 70%', task_period: '12 个月', eligibility: '不限',
    ip_terms: 'nonexclusive_licence', deadline: day(10), contact: '刘洋 028-00000000',
  });
  assert.equal(entry.status, 201, entry.text);
  assert.equal((await api(t.base, 'POST', `/api/v1/challenges/${entry.json.id}/actions`, adminA, { action: 'approve' })).status, 200);
  await until('the studio, 科普 item and 揭榜 at the peer', async () => {
    const s = await api(peer.base, 'GET', `/api/v1/studios/${studio.json.id}`);
    const c = await api(peer.base, 'GET', `/api/v1/popsci/${ps.json.id}`);
    const l = await api(peer.base, 'GET', `/api/v1/challenge-lists?origin=${docA.instance_id}`);
    return s.status === 200 && c.status === 200 && l.json.items.some((g) => g.id === list.json.id);
  });

  const page = await t.newPage({ viewport: { width: 390, height: 800 }, isMobile: true, hasTouch: true });
  const tag = (scope) => page.locator(`${scope} .tag-origin[data-origin="${docA.instance_id}"]`).first();
  // Studios: the filter offers the peer by name; choosing it keeps A's studio, labelled.
  await page.goto(`${peer.base}/studios`);
  await page.selectOption('#origin-filter', docA.instance_id);
  await page.locator('form.studio-filter button[type="submit"]').click();
  await page.waitForURL((u) => new URL(u).searchParams.get('origin') === docA.instance_id);
  const card = page.locator('.studio-card', { has: page.locator(`a[href="/studios/${studio.json.id}"]`) });
  assert.equal((await card.locator('.tag-origin').innerText()).trim(), from, 'studio card label');
  await expectNoHorizontalOverflow(page, 390);
  await page.screenshot({ path: path.join(t.artifacts, 'fed-studios-390.png'), fullPage: true });
  await page.goto(`${peer.base}/studios?origin=local`);
  assert.equal(await page.locator(`a[href="/studios/${studio.json.id}"]`).count(), 0, 'origin=local leaves out the peer\'s studio');
  // 科普: the list under the filter, labelled.
  await page.goto(`${peer.base}/popsci?origin=remote`);
  const item = page.locator('.popsci-item', { has: page.locator(`a[href="/popsci/${ps.json.id}"]`) });
  assert.equal((await item.locator('.tag-origin').innerText()).trim(), from, '科普 item label');
  await expectNoHorizontalOverflow(page, 390);
  // 揭榜: A's list among the peer's own, labelled, with the link to apply at A.
  await page.goto(`${peer.base}/challenge-lists`);
  const remote = page.locator(`.challenge-remote[data-list="${list.json.id}"]`);
  assert.equal((await remote.locator('.tag-origin').innerText()).trim(), from, '揭榜 label');
  assert.equal(await remote.locator(`li[data-id="${entry.json.id}"] a`).getAttribute('href'), `${t.base}/challenges/${entry.json.id}`);
  assert.ok(await tag('.challenge-lists').isVisible());
  await expectNoHorizontalOverflow(page, 390);
  await page.screenshot({ path: path.join(t.artifacts, 'fed-challenges-390.png'), fullPage: true });
  await page.selectOption('#origin-filter', 'local');
  await page.locator('#origin-filter').evaluate((el) => el.form.requestSubmit());
  await page.waitForURL((u) => new URL(u).searchParams.get('origin') === 'local');
  assert.equal(await page.locator('.challenge-remote').count(), 0, 'origin=local: no peer\'s 揭榜');
}

export const tests = [
  { name: 'federation: a remote listing carries its origin label; an EOI goes to the origin and the acceptance comes back; studio, 科普 and 揭榜 labels and the origin filter at 390 px', fn: remoteEoiRoundTrip, budget: 15 },
];
