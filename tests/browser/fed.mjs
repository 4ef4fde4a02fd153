// tests/browser/fed.mjs — federation (issue 17 §2) in the browser: a second
// instance (青海科创云) peers with the suite's server; a listing published on
// the suite's server shows on the peer with its origin label, an enterprise
// of the peer expresses interest from the listing page, the owner accepts it
// on the origin's EOI page, and the acceptance with the owner's name comes
// back to the asker's EOI page.

import assert from 'node:assert/strict';
import path from 'node:path';
import { followTo, logInOn, pathOf } from './pages.mjs';
import { startServer } from './server.mjs';

const ADMIN = { email: 'admin@demo.kejiyun.cn', password: 'Admin-2026!' };
const ZHANG_WEI = { email: 'zhang.wei@demo.kejiyun.cn', password: 'Demo-2026!' };
const WANG_FANG = { email: 'wang.fang@demo.kejiyun.cn', password: 'Demo-2026!' };
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
  } finally {
    const { code, log } = await peer.stop();
    assert.equal(code, 0, `peer exited ${code}:\n${log.slice(-2000)}`);
    assert.ok(!/AddressSanitizer|runtime error:/.test(log), `sanitizer report in the peer's log:\n${log.slice(-3000)}`);
  }
}

export const tests = [
  { name: 'federation: a remote listing carries its origin label; an EOI goes to the origin and the acceptance comes back', fn: remoteEoiRoundTrip },
];
