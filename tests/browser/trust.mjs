// tests/browser/trust.mjs — journeys of issue 12's pages on a phone: joining
// an organization (pending until its admin approves), ending another
// session, resetting a forgotten password from the e-mail; and every page
// issue 12 added laid out at 360 px without horizontal scrolling. E-mails
// are read from the suite's SMTP server (t.mail, see mail.mjs).

import assert from 'node:assert/strict';
import { linkIn } from './mail.mjs';
import { follow, followTo, logInOn, pathOf, unique } from './pages.mjs';

const PASSWORD = 'Browser-Test-2026!';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const NARROW = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
const LIU_YANG = { email: 'liu.yang@demo.kejiyun.cn', password: 'Demo-2026!' };
const ADMIN = { email: 'admin@demo.kejiyun.cn', password: 'Admin-2026!' };
// 刘洋's enterprise (成都天翼低空科技有限公司), from the demo data.
const LIU_YANG_CREDIT_CODE = '91510100MA61RE0Q7E';

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

/** The page scrolls only vertically (tables may scroll inside their own box). */
async function expectNoSideways(page, what) {
  const { sw, iw } = await page.evaluate(() => ({ sw: document.scrollingElement.scrollWidth, iw: window.innerWidth }));
  assert.ok(sw <= iw, `${what || pathOf(page)}: scrollWidth ${sw} > innerWidth ${iw}`);
}

/** Registers through the API (202, nothing said about the account). */
async function registerApi(t, fields) {
  const r = await fetch(`${t.base}/api/v1/register`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ password: PASSWORD, role: 'scientist', ...fields }),
  });
  assert.equal(r.status, 202, `register ${fields.email}`);
}

/** Follows the verification link mailed to email, in page. */
async function verifyFromMail(t, page, email) {
  const msg = await t.mail.wait((m) => m.to.includes(email) && m.subject.includes('验证'));
  await page.goto(`${t.base}${linkIn(msg, '/verify-email?token=')}`);
  await page.locator('#verify-result[data-state="ok"]').waitFor();
}

const me = (page) => page.evaluate(async () => (await fetch('/api/v1/me', { headers: { Accept: 'application/json' } })).json());

async function orgMembership(t) {
  const id = unique();
  const email = `join.${id}@example.org`;
  const name = `入职 新人${id.slice(-4)}`;
  const newcomer = await t.newPage(PHONE);
  await newcomer.goto(`${t.base}/register`);
  await newcomer.check('input[name="role"][value="org_member"]');
  await newcomer.fill('#name', name);
  await newcomer.fill('#email', email);
  await newcomer.fill('#password', PASSWORD);
  await newcomer.selectOption('#region', { index: 1 });
  await newcomer.fill('#org_name', '成都天翼低空科技有限公司');
  await newcomer.selectOption('#org_type', { index: 1 });
  await newcomer.selectOption('#org_region', { index: 1 });
  await newcomer.fill('#org_credit_code', LIU_YANG_CREDIT_CODE);
  await followTo(newcomer, 'form.form button[type="submit"]', /^\/login$/);
  await verifyFromMail(t, newcomer, email);
  await expectNoSideways(newcomer, '/verify-email');
  await logInOn(newcomer, t.base, { email, password: PASSWORD });
  // Naming the organization's credit code asks to join; it grants nothing yet.
  await newcomer.goto(`${t.base}/account/org-request`);
  assert.ok((await text(newcomer.locator('#org-request-pending'))).includes('成都天翼低空科技有限公司'), 'pending request shown');
  await expectNoSideways(newcomer, '/account/org-request (pending)');
  const before = await me(newcomer);
  assert.equal(before.org_id, null, 'no organization before approval');
  assert.equal(before.org_request?.status, 'pending');

  // 刘洋, the organization's admin, approves on the members page.
  const admin = await t.newPage(PHONE);
  await logInOn(admin, t.base, LIU_YANG);
  const orgId = (await me(admin)).org_id;
  assert.ok(orgId, '刘洋 has an organization');
  await admin.goto(`${t.base}/orgs/${orgId}/members`);
  await expectNoSideways(admin, '/orgs/{id}/members');
  const row = admin.locator('#org-requests tr', { hasText: email });
  await row.waitFor();
  await follow(admin, row.locator('form[action$="/approve"] button'));
  assert.equal(await admin.locator('#org-requests tr', { hasText: email }).count(), 0, 'request decided');
  assert.equal(await admin.locator('#org-members tr', { hasText: email }).count(), 1, 'newcomer listed as member');

  // The newcomer now belongs to it.
  await newcomer.goto(`${t.base}/account/org-request`);
  assert.ok((await text(newcomer.locator('#org-member-of'))).includes('成都天翼低空科技有限公司'), 'member of the organization');
  await expectNoSideways(newcomer, '/account/org-request (member)');
  const after = await me(newcomer);
  assert.equal(after.org_id, orgId, 'org_id after approval');
  assert.equal(after.org_request, null);
  // Leave the demo organization as it was.
  await admin.goto(`${t.base}/orgs/${orgId}/members`);
  await follow(admin, admin.locator('#org-members tr', { hasText: email }).locator('form[action$="/remove"] button'));
}

async function endOtherSession(t) {
  const email = `sess.${unique()}@example.org`;
  await registerApi(t, { email, name: '会话 测试' });
  const phone = await t.newPage({ ...PHONE, userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile/15E148 Safari/604.1' });
  const laptop = await t.newPage({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0' });
  await logInOn(laptop, t.base, { email, password: PASSWORD });
  await logInOn(phone, t.base, { email, password: PASSWORD });
  await phone.goto(`${t.base}/account/sessions`);
  await expectNoSideways(phone, '/account/sessions');
  const rows = phone.locator('#sessions tbody tr');
  assert.equal(await rows.count(), 2, 'two sessions listed');
  const other = phone.locator('#sessions tbody tr', { hasText: 'Firefox' });
  assert.equal(await other.locator('.tag').count(), 0, 'the other one is not current');
  await follow(phone, other.locator('button'));
  assert.equal(await phone.locator('#sessions tbody tr').count(), 1, 'one session left');
  // The laptop is signed out; the phone is not.
  await laptop.goto(`${t.base}/dashboard`);
  assert.equal(pathOf(laptop), '/login', 'ended session must sign in again');
  await phone.goto(`${t.base}/dashboard`);
  assert.equal(pathOf(phone), '/dashboard');
}

async function forgotPassword(t) {
  const email = `forgot.${unique()}@example.org`;
  const fresh = 'Jinli-Ancient-Street-2026';
  await registerApi(t, { email, name: '忘记 密码' });
  const page = await t.newPage(NARROW);
  await page.goto(`${t.base}/login`);
  await followTo(page, '#forgot-link', /^\/password\/forgot$/);
  await expectNoSideways(page, '/password/forgot');
  await page.fill('#email', email);
  await followTo(page, '#forgot-submit', /^\/password\/forgot$/);
  assert.equal(await text(page.locator('#reset-sent')), t.zh('reset.sent'));
  await expectNoSideways(page, '/password/forgot?sent=1');
  const msg = await t.mail.wait((m) => m.to.includes(email) && m.subject.includes('重置'));
  await page.goto(`${t.base}${linkIn(msg, '/password/reset?token=')}`);
  await page.locator('#reset-form').waitFor();
  await expectNoSideways(page, '/password/reset');
  // A weak password is refused on the page.
  await page.fill('#password', 'woaini520');
  await follow(page, '#reset-submit');
  assert.equal(await text(page.locator('.field-error')), t.zh('err.password.weak'));
  await expectNoSideways(page, '/password/reset (refused)');
  await page.fill('#password', fresh);
  await followTo(page, '#reset-submit', /^\/login$/);
  assert.equal(await text(page.locator('#login-reset')), t.zh('reset.done'));
  await page.fill('#email', email);
  await page.fill('#password', fresh);
  await followTo(page, 'form.form button[type="submit"]', /^\/dashboard$/);
  // Resetting proved the address: no "verify your e-mail" banner.
  assert.equal(await page.locator('#verify-banner').count(), 0, 'address verified by the reset link');
}

/** Every page issue 12 added, at 360 px: no sideways scrolling. */
async function pagesAt360(t) {
  const anon = await t.newPage(NARROW);
  for (const p of ['/password/forgot', '/password/reset?token=nope', '/verify-email?token=nope', '/login']) {
    await anon.goto(`${t.base}${p}`);
    await expectNoSideways(anon, p);
  }
  const liu = await t.newPage(NARROW);
  await logInOn(liu, t.base, LIU_YANG);
  const orgId = (await me(liu)).org_id;
  for (const p of ['/account/sessions', '/account/org-request', '/org-requests', `/orgs/${orgId}/members`]) {
    await liu.goto(`${t.base}${p}`);
    assert.equal(pathOf(liu), p.split('?')[0], `${p} opens`);
    await expectNoSideways(liu, p);
  }
  const admin = await t.newPage(NARROW);
  await logInOn(admin, t.base, ADMIN);
  for (const p of ['/admin/users', '/org-requests', '/account/sessions']) {
    await admin.goto(`${t.base}${p}`);
    await expectNoSideways(admin, `${p} (admin)`);
  }
}

export const tests = [
  { name: 'phone: org_member asks to join an organization, its admin approves, the newcomer belongs', fn: orgMembership, budget: 10 },
  { name: 'phone: the sessions page ends another session, which is signed out', fn: endOtherSession },
  { name: '360 px: forgot password, reset from the e-mail (weak refused), sign in', fn: forgotPassword },
  { name: '360 px: issue 12 pages scroll only vertically', fn: pagesAt360 },
];
