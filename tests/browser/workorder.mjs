// tests/browser/workorder.mjs — issue 14's first journey, on phones (390
// px): a resident of a township (孝泉镇, 德阳市旌阳区) asks for help on the
// work-order form; the township station's staff accept it and escalate it
// (to 旌阳区, which passes it on to the city center 德阳市), whose staff
// answer and resolve it; the resident rates it. Every page of the journey
// is checked for sideways scrolling.

import assert from 'node:assert/strict';
import { follow, followTo, logInOn, pathOf, unique, pickRegion } from './pages.mjs';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const REQUESTER = { email: 'chen.min@demo.kejiyun.cn', password: 'Demo-2026!' };          // a resident
const TOWNSHIP = { email: 'staff.xiaoquan@demo.kejiyun.cn', password: 'Operator-2026!' };  // 孝泉镇 (510603101)
const COUNTY = { email: 'staff.jingyang@demo.kejiyun.cn', password: 'Operator-2026!' };   // 旌阳区 (510603)
const CITY = { email: 'staff.deyang@demo.kejiyun.cn', password: 'Operator-2026!' };       // 德阳市 (510600)

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();
const stateOf = (page) => page.locator('#wo-state').getAttribute('data-state');

async function expectNoSideways(page, what) {
  const { sw, iw } = await page.evaluate(() => ({ sw: document.scrollingElement.scrollWidth, iw: window.innerWidth }));
  assert.ok(sw <= iw, `${what || pathOf(page)}: scrollWidth ${sw} > innerWidth ${iw}`);
}

/** Opens the order titled title from the staff queue. */
async function openFromQueue(t, page, title) {
  await page.goto(`${t.base}/work-orders/queue`);
  await expectNoSideways(page, '/work-orders/queue');
  await followTo(page, page.locator('#wo-queue tr', { hasText: title }).locator('a').first(), /^\/work-orders\/[0-9A-Z]{26}$/);
  await expectNoSideways(page, '/work-orders/{id} (staff)');
}

async function askEscalateResolveRate(t) {
  const title = `村里想办一场果树病虫害科普讲座 ${unique().slice(-5)}`;

  // The resident asks on the form, in 孝泉镇: the township station takes it.
  const req = await t.newPage(PHONE);
  await logInOn(req, t.base, REQUESTER);
  await req.goto(`${t.base}/work-orders`);
  await expectNoSideways(req, '/work-orders');
  await followTo(req, '#wo-new-link', /^\/work-orders\/new$/);
  await expectNoSideways(req, '/work-orders/new');
  await req.selectOption('#wo-type', 'popsci_village');
  await req.fill('#wo-title', title);
  await req.fill('#wo-description', '我们村种了三百亩梨树，今年病虫害严重，想请专家来村里讲一讲防治方法。');
  await pickRegion(req, 'region', ['510000', '510600', '510603', '510603101']);
  await followTo(req, '#wo-submit', /^\/work-orders\/[0-9A-Z]{26}$/);
  const orderPath = pathOf(req);
  assert.equal(await stateOf(req), 'new');
  assert.ok((await text(req.locator('#wo-center'))).includes('孝泉镇'), 'the township station takes it');
  await expectNoSideways(req, '/work-orders/{id} (new)');

  // The township station's staff accept it, then pass it up.
  const town = await t.newPage(PHONE);
  await logInOn(town, t.base, TOWNSHIP);
  await openFromQueue(t, town, title);
  await follow(town, '#wo-act-accept');
  assert.equal(await stateOf(town), 'accepted');
  await town.fill('#wo-note-body', '需要植保专家，本站没有，建议上报。');
  await follow(town, '#wo-act-note');
  await town.fill('#wo-escalate-reason', '需要市级植保专家');
  await followTo(town, '#wo-act-escalate', /^\/work-orders\/queue$/);
  await town.locator('#wo-done').waitFor();
  await expectNoSideways(town, '/work-orders/queue (after escalation)');

  // 旌阳区 has no plant-protection expert either: on to 德阳市.
  const county = await t.newPage(PHONE);
  await logInOn(county, t.base, COUNTY);
  await openFromQueue(t, county, title);
  await county.fill('#wo-escalate-reason', '区里也没有植保专家，请市中心安排');
  await followTo(county, '#wo-act-escalate', /^\/work-orders\/queue$/);
  await county.locator('#wo-done').waitFor();

  // The requester sees where it went, never the county's internal note.
  await req.goto(`${t.base}${orderPath}`);
  assert.ok((await text(req.locator('#wo-center'))).includes('德阳'), 'escalated to 德阳市');
  assert.equal(await req.locator('.wo-note').count(), 0, 'no internal note for the requester');
  assert.ok(!(await req.content()).includes('本站没有'), 'the note text is nowhere on the page');

  // 德阳市's staff accept, answer in the thread and resolve it.
  const city = await t.newPage(PHONE);
  await logInOn(city, t.base, CITY);
  await openFromQueue(t, city, title);
  await follow(city, '#wo-act-accept');
  await follow(city, '#wo-act-start');
  assert.equal(await stateOf(city), 'in_progress');
  await city.fill('#wo-reply-body', '已联系市农科所的植保专家，下周三上午到村里开讲座。');
  await follow(city, '#wo-act-reply');
  await follow(city, '#wo-act-resolve');
  assert.equal(await stateOf(city), 'resolved');
  await expectNoSideways(city, '/work-orders/{id} (resolved)');

  // The requester reads the answer and rates the service.
  await req.goto(`${t.base}/work-orders`);
  await followTo(req, req.locator('#wo-mine tr', { hasText: title }).locator('a').first(), /^\/work-orders\/[0-9A-Z]{26}$/);
  assert.equal(await stateOf(req), 'resolved');
  assert.ok((await text(req.locator('#wo-entries'))).includes('下周三上午到村里开讲座'), 'the public reply is shown');
  await expectNoSideways(req, '/work-orders/{id} (rate)');
  await req.check('#wo-rate-5');
  await req.fill('#wo-rate-comment', '专家讲得很实用，谢谢！');
  await follow(req, '#wo-act-close');
  assert.equal(await stateOf(req), 'closed');
  assert.ok((await text(req.locator('#wo-rating'))).includes('5/5'), 'the rating is shown');
  assert.equal(await req.locator('#wo-rate-form').count(), 0, 'no second rating');
  await expectNoSideways(req, '/work-orders/{id} (closed)');
}

export const tests = [
  { name: 'workorder: a township resident asks, the station accepts and escalates, the city center resolves, the resident rates (390 px)',
    fn: askEscalateResolveRate, budget: 12 },
];
