// tests/browser/orgverify.mjs — issue 14's second journey, on phones (390
// px): an organization's admin applies for verification with the business
// licence (a file upload), the operator of its region verifies it from the
// review queue, the badge appears on the organization's page, and the
// admin approves a newcomer's request to join. Every page of the journey is
// checked for sideways scrolling.

import assert from 'node:assert/strict';
import { linkIn } from './mail.mjs';
import { follow, followTo, logInOn, pathOf, unique } from './pages.mjs';

const PASSWORD = 'Browser-Verify-2026!';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const OPERATOR = { email: 'operator@demo.kejiyun.cn', password: 'Operator-2026!' };   // 成都 (510100)
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();
const me = (page) => page.evaluate(async () => (await fetch('/api/v1/me', { headers: { Accept: 'application/json' } })).json());

async function expectNoSideways(page, what) {
  const { sw, iw } = await page.evaluate(() => ({ sw: document.scrollingElement.scrollWidth, iw: window.innerWidth }));
  assert.ok(sw <= iw, `${what || pathOf(page)}: scrollWidth ${sw} > innerWidth ${iw}`);
}

/** A fresh unified social credit code (GB 32100-2015 check character). */
function creditCode(division) {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const seq = String(Date.now() % 10000000).padStart(7, '0');
  const body = `91${division}MA${seq}`;
  let total = 0;
  for (let i = 0; i < 17; i++) total += chars.indexOf(body[i]) * weights[i];
  return body + chars[(31 - (total % 31)) % 31];
}

async function registerVerified(t, page, fields) {
  const r = await fetch(`${t.base}/api/v1/register`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ password: PASSWORD, role: 'org_member', region: '510100', org_type: 'enterprise',
                           org_region: '510100', ...fields }),
  });
  assert.equal(r.status, 202, `register ${fields.email}`);
  const msg = await t.mail.wait((m) => m.to.includes(fields.email) && m.subject.includes('验证'));
  await page.goto(`${t.base}${linkIn(msg, '/verify-email?token=')}`);
  await page.locator('#verify-result[data-state="ok"]').waitFor();
  await logInOn(page, t.base, { email: fields.email, password: PASSWORD });
}

async function verifyAndApprove(t) {
  const id = unique();
  const orgName = `蓉城认证科技有限公司${id.slice(-4)}`;
  const code = creditCode('510100');
  const founderEmail = `verify.founder.${id}@example.org`;
  const founder = await t.newPage(PHONE);
  await registerVerified(t, founder, { email: founderEmail, name: `认证 创始人${id.slice(-3)}`, org_name: orgName,
                                      org_credit_code: code });
  const orgId = (await me(founder)).org_id;
  assert.ok(orgId, 'the founder has an organization');

  // Before: no badge; the page says a code alone proves nothing.
  await founder.goto(`${t.base}/orgs/${orgId}`);
  assert.equal(await founder.locator('[data-verified-org]').count(), 0, 'no badge before verification');
  await expectNoSideways(founder, '/orgs/{id}');

  // The admin applies with the licence (upload) from their organization's page.
  await followTo(founder, '#org-verification-link', /^\/orgs\/[^/]+\/verification$/);
  await expectNoSideways(founder, '/orgs/{id}/verification');
  await founder.fill('#legal_rep', '王法人');
  await founder.setInputFiles('#licence', { name: '营业执照.pdf', mimeType: 'application/pdf', buffer: PDF });
  await followTo(founder, '#orgverify-submit', /^\/orgs\/[^/]+\/verification$/);
  await founder.locator('#orgverify-sent').waitFor();
  assert.equal(await founder.locator('#orgverify-state').getAttribute('data-state'), 'pending');
  await expectNoSideways(founder, '/orgs/{id}/verification (pending)');

  // The operator of its region finds it in the queue and verifies it.
  const op = await t.newPage(PHONE);
  await logInOn(op, t.base, OPERATOR);
  await op.goto(`${t.base}/org-verifications`);
  await expectNoSideways(op, '/org-verifications');
  await followTo(op, op.locator('#orgverify-queue tr', { hasText: orgName }).locator('a').first(), /^\/orgs\/[^/]+\/verification$/);
  assert.ok((await text(op.locator('#orgverify-application'))).includes('王法人'), 'the application is shown');
  await expectNoSideways(op, '/orgs/{id}/verification (operator)');
  await follow(op, '#orgverify-verify-btn');
  assert.equal(await op.locator('#orgverify-state').getAttribute('data-state'), 'verified');

  // The badge is on the organization's page, for everyone.
  const anon = await t.newPage(PHONE);
  await anon.goto(`${t.base}/orgs/${orgId}`);
  assert.equal(await anon.locator('h1 [data-verified-org]').count(), 1, 'badge after verification');
  assert.equal(await anon.locator('#org-verification-link').count(), 0, 'the public sees no verification link');
  await expectNoSideways(anon, '/orgs/{id} (verified)');

  // A newcomer names the organization's code; its admin approves on the members page.
  const newcomerEmail = `verify.joiner.${id}@example.org`;
  const newcomer = await t.newPage(PHONE);
  await registerVerified(t, newcomer, { email: newcomerEmail, name: `认证 新人${id.slice(-3)}`, org_name: orgName,
                                       org_credit_code: code });
  assert.equal((await me(newcomer)).org_request?.status, 'pending', 'a pending request');
  await founder.goto(`${t.base}/orgs/${orgId}/members`);
  assert.equal(await founder.locator('[data-verified-org]').count(), 1, 'badge on the members page');
  await expectNoSideways(founder, '/orgs/{id}/members');
  const row = founder.locator('#org-requests tr', { hasText: newcomerEmail });
  await row.waitFor();
  await follow(founder, row.locator('form[action$="/approve"] button'));
  assert.equal(await founder.locator('#org-members tr', { hasText: newcomerEmail }).count(), 1, 'newcomer is a member');
  assert.equal((await me(newcomer)).org_id, orgId, 'the newcomer belongs to the organization');
}

export const tests = [
  { name: 'orgverify: apply with the licence, operator verifies, admin approves a member (390 px)', fn: verifyAndApprove, budget: 10 },
];
