// tests/browser/market.mjs — the marketplace tests, as a list of { name, fn,
// budget } run by run.mjs after tests.mjs (budget: the test's time cap in
// per-action timeouts). Three demo accounts play the roles: a scientist
// publishes, the operator reviews, an enterprise user expresses interest.
// Everything goes through the web UI; ids are only read from URLs. Each
// test creates its own studio and listings with unique titles, so neither
// the demo data's order nor the other tests matter.

import assert from 'node:assert/strict';
import path from 'node:path';
import { expectNoHorizontalOverflow } from './tests.mjs';
import { follow, followTo, pageFor, pathOf, pickRegion, unique } from './pages.mjs';

const SCIENTIST = { email: 'zhang.wei@demo.kejiyun.cn', password: 'Demo-2026!', name: '张伟' };
const OPERATOR = { email: 'operator@demo.kejiyun.cn', password: 'Operator-2026!' };
const ENTERPRISE = { email: 'liu.yang@demo.kejiyun.cn', password: 'Demo-2026!' };
const WUHOU = '510107'; // 成都市武侯区, the scientist's region
const DOMAIN = 'D0202'; // a second-level domain (自然语言处理)
const PHONE_WIDTH = 390;

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

/**
 * Text of the one element sel on a loaded page; fails at once (instead of
 * after the action timeout) when it is missing.
 */
async function textOf(page, sel) {
  const n = await page.locator(sel).count();
  assert.equal(n, 1, `${sel} on ${pathOf(page)}: expected one element, found ${n}`);
  return text(page.locator(sel));
}

/**
 * A CNIPA application number (12 digits: year, type 1 = invention, serial)
 * with its check character, written the usual way "202410123456.7".
 * The check character is the digit sum weighted 2..9,2..5, mod 11 (X = 10).
 */
function inventionPatentNo(serial) {
  const digits = `20241${String(serial).padStart(7, '0')}`;
  const weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
  const sum = [...digits].reduce((s, d, i) => s + Number(d) * weights[i], 0) % 11;
  return `${digits}.${sum === 10 ? 'X' : sum}`;
}

/** Fills /studios/new and submits; returns the new studio's id. */
async function openStudio(page, t, studio) {
  const answer = await page.goto(`${t.base}/studios/new`);
  assert.equal(answer.status(), 200, 'GET /studios/new');
  await page.fill('#name', studio.name);
  await page.fill('#intro', studio.intro);
  await page.fill('#directions', studio.directions.join('\n'));
  await page.fill('#skills', studio.skills.join('\n'));
  await pickRegion(page, 'region', ['510000', '510100', WUHOU]);
  const [, id] = await followTo(page, '#studio-form button[type="submit"]', /^\/studios\/([^/]+)$/);
  assert.equal(await text(page.locator('main h1')), studio.name, 'studio page heading');
  assert.deepEqual(await page.locator('#studio-directions li').allInnerTexts(), studio.directions, 'studio directions');
  assert.deepEqual(await page.locator('#studio-skills li').allInnerTexts(), studio.skills, 'studio skills');
  return id;
}

/**
 * Fills /listings/new?kind=achievement with l and presses 提交审核; returns
 * the listing id once the detail page shows 待审核.
 */
async function submitAchievement(page, t, l) {
  await page.goto(`${t.base}/listings/new?kind=achievement`);
  await page.fill('#title', l.title);
  await page.fill('#summary', l.summary);
  await page.fill('#description', l.description);
  await page.selectOption('#domain', DOMAIN);
  await page.fill('#keywords', l.keywords.join('，'));
  await pickRegion(page, 'region', ['510000', '510100', WUHOU]);
  if (l.studioId) await page.selectOption('#studio_id', l.studioId);
  await page.selectOption('#trl', String(l.trl));
  await page.selectOption('#ip_type', 'invention_patent');
  await page.fill('#ip_numbers', l.patent);
  for (const mode of l.modes) await page.check(`input[name="coop_modes"][value="${mode}"]`);
  await page.check('input[name="price_kind"][value="range"]');
  await page.fill('#price_min', l.priceMin);
  await page.fill('#price_max', l.priceMax);
  await page.fill('#contact_name', l.contactName);
  await page.fill('#contact_phone', l.phone);
  await page.fill('#contact_email', l.contactEmail);
  if (l.anonymous) await page.check('input[name="anonymous"]');
  const [, id] = await followTo(page, '#submit-review', /^\/listings\/([^/]+)$/);
  assert.equal(await page.locator('.field-error').count(), 0, 'no field errors after 提交审核');
  assert.equal(await textOf(page, '#listing-status'), t.zh('status.submitted'), '#listing-status after 提交审核');
  assert.equal(await text(page.locator('main h1')), l.title, 'listing heading');
  return id;
}

/** The operator finds the listing in /review, opens it and approves it. */
async function approve(page, t, id, title) {
  await page.goto(`${t.base}/review`);
  const entry = page.locator('main .list h3 a', { hasText: title });
  assert.equal(await entry.count(), 1, `"${title}" once in the review queue`);
  await followTo(page, entry, new RegExp(`^/listings/${id}$`));
  assert.equal(await textOf(page, '#listing-status'), t.zh('status.submitted'), 'status seen by the operator');
  await followTo(page, '#approve', /^\/review$/);
  assert.equal(await page.locator('main .list h3 a', { hasText: title }).count(), 0, 'approved listing left the queue');
  await page.goto(`${t.base}/listings/${id}`);
  assert.equal(await textOf(page, '#listing-status'), t.zh('status.published'), '#listing-status after 通过');
}

/**
 * On /achievements, opens the filter box, filters by DOMAIN and pages
 * through the results until the card of listing id shows up; returns the
 * card's locator. Checks on the way that every card is in that domain.
 */
async function findByDomain(page, t, id, title) {
  await page.goto(`${t.base}/achievements`);
  const box = page.locator('details.filters-box');
  if (!(await box.evaluate((d) => d.open))) await box.locator('summary').click();
  await page.selectOption('#f-domain', DOMAIN);
  const domainName = (await page.locator(`#f-domain option[value="${DOMAIN}"]`).innerText()).trim();
  await follow(page, 'form.filters button[type="submit"]');
  assert.equal(new URL(page.url()).searchParams.get('domain'), DOMAIN, 'domain filter in the URL');
  for (let pageNo = 1; ; pageNo++) {
    const domains = await page.locator('.listing-card').evaluateAll(
      (cards) => cards.map((c) => c.querySelector('.meta span:not(.tag)')?.textContent.trim()));
    assert.ok(domains.every((d) => d === domainName), `cards on page ${pageNo} all in ${domainName}: ${domains.join(', ')}`);
    const card = page.locator('.listing-card', { has: page.locator('h3 a', { hasText: title }) });
    if (await card.count()) {
      assert.equal(await card.count(), 1, `"${title}" once on page ${pageNo}`);
      assert.equal(await card.locator('h3 a').getAttribute('href'), `/listings/${id}`, 'card links to the listing');
      return card;
    }
    const next = page.locator('nav.pager a[rel="next"]');
    assert.ok(await next.count(), `"${title}" not among the ${pageNo} page(s) of ${domainName} results`);
    await follow(page, next);
    assert.equal(new URL(page.url()).searchParams.get('page'), String(pageNo + 1), 'next page');
  }
}

/** On a listing page: sends an EOI; returns the EOI id. */
async function sendInterest(page, t, message) {
  await page.fill('#eoi-form #message', message);
  const [, eoi] = await followTo(page, '#send-eoi', /^\/eois\/([^/]+)$/);
  assert.equal(await textOf(page, '#eoi-status'), t.zh('eoi.status.pending'), '#eoi-status after sending');
  return eoi;
}

/** On /eois, opens the EOI of table (received / sent) about title. */
async function openEoi(page, t, table, eoi, title) {
  await page.goto(`${t.base}/eois`);
  const link = page.locator(`#eois-${table} a`, { hasText: title });
  assert.equal(await link.count(), 1, `"${title}" once in #eois-${table}`);
  await followTo(page, link, new RegExp(`^/eois/${eoi}$`));
}

async function postMessage(page, body) {
  await page.fill('#body', body);
  await followTo(page, '#send-message', /^\/threads\/[^/]+$/);
}

const messages = (page) => page.locator('ol.messages li.msg').evaluateAll((lis) => lis.map((li) => ({
  mine: li.classList.contains('mine'), body: li.querySelector('p:not(.meta)')?.textContent.trim(),
})));

function newAchievement(id, extra = {}) {
  return {
    title: `浏览器测试成果 ${id}`,
    summary: `基于深度学习的中文专利文本分类方法，测试编号 ${id}。`,
    description: `第一段：方法概述。\n\n第二段：已在 3 家企业试用，测试编号 ${id}。`,
    keywords: ['文本分类', `测试${id.slice(-4)}`],
    trl: 6,
    patent: inventionPatentNo(parseInt(id.slice(-6), 16) % 10000000),
    modes: ['general_license', 'tech_service'],
    priceMin: '5',
    priceMax: '20',
    contactName: '张老师',
    phone: `138${String(parseInt(id.slice(-6), 16) % 100000000).padStart(8, '0')}`,
    contactEmail: `lab.${id}@example.org`,
    ...extra,
  };
}

async function marketJourney(t) {
  const id = unique();
  const scientist = await pageFor(t, SCIENTIST);

  // 1. A studio for the achievement.
  const studio = {
    name: `浏览器测试工作室 ${id.slice(-6)}`,
    intro: '专注中文文本理解与知识产权数据分析。',
    directions: ['自然语言处理', '专利数据挖掘'],
    skills: ['文本分类', '信息抽取', 'Python'],
  };
  const studioId = await openStudio(scientist, t, studio);

  // 2. The achievement, submitted for review.
  const l = newAchievement(id, { studioId });
  const listingId = await submitAchievement(scientist, t, l);
  const identity = scientist.locator('#owner-identity a[href^="/studios/"]');
  assert.equal(await identity.getAttribute('href'), `/studios/${studioId}`, 'listing names its studio');
  assert.equal(await text(identity), studio.name, 'studio name on the listing');

  // 3. The operator approves it.
  const operator = await pageFor(t, OPERATOR);
  await approve(operator, t, listingId, l.title);

  // 4. The enterprise user finds it by domain; no contact before the EOI.
  const enterprise = await pageFor(t, ENTERPRISE);
  const card = await findByDomain(enterprise, t, listingId, l.title);
  await followTo(enterprise, card.locator('h3 a'), new RegExp(`^/listings/${listingId}$`));
  // Issue 15 §6: "已发布" tells the public nothing (owners and reviewers see it).
  assert.equal(await enterprise.locator('#listing-status').count(), 0, 'no 已发布 badge for the public');
  assert.equal(await enterprise.locator('#contact').count(), 0, 'no #contact before the EOI');
  const html = await enterprise.content();
  assert.ok(!html.includes(l.phone), 'contact phone hidden before the EOI');
  assert.ok(!html.includes(l.contactEmail), 'contact e-mail hidden before the EOI');
  assert.ok(html.includes(l.patent), 'patent number shown');
  const message = `您好，我们对「${l.title}」很感兴趣，希望进一步沟通。`;
  const eoi = await sendInterest(enterprise, t, message);
  assert.equal(await enterprise.locator('#counterpart').count(), 0, 'no counterpart before acceptance');

  // 5. The scientist accepts and sees who is interested.
  await openEoi(scientist, t, 'received', eoi, l.title);
  assert.equal(await text(scientist.locator('blockquote')), message, 'EOI message');
  await followTo(scientist, '#accept-eoi', new RegExp(`^/eois/${eoi}$`));
  assert.equal(await textOf(scientist, '#eoi-status'), t.zh('eoi.status.accepted'), '#eoi-status after 接受');
  assert.ok((await textOf(scientist, '#counterpart')).includes(ENTERPRISE.email), 'scientist sees the enterprise e-mail');

  // 6. The enterprise user now sees the contact and writes in the thread.
  await openEoi(enterprise, t, 'sent', eoi, l.title);
  assert.equal(await textOf(enterprise, '#eoi-status'), t.zh('eoi.status.accepted'));
  assert.ok((await textOf(enterprise, '#counterpart')).includes(l.phone), '#counterpart shows the contact phone');
  await enterprise.goto(`${t.base}/listings/${listingId}`);
  assert.ok((await textOf(enterprise, '#contact')).includes(l.phone), 'listing shows the contact after acceptance');
  await openEoi(enterprise, t, 'sent', eoi, l.title);
  const [, threadId] = await followTo(enterprise, '#open-thread', /^\/threads\/([^/]+)$/);
  const hello = `请问可以安排一次线上交流吗？(${id})`;
  await postMessage(enterprise, hello);
  assert.deepEqual((await messages(enterprise)).at(-1), { mine: true, body: hello }, 'own message in the thread');

  await openEoi(scientist, t, 'received', eoi, l.title);
  await followTo(scientist, '#open-thread', new RegExp(`^/threads/${threadId}$`));
  assert.deepEqual((await messages(scientist)).at(-1), { mine: false, body: hello }, 'scientist sees the message');
  const reply = `可以，周三下午方便。(${id})`;
  await postMessage(scientist, reply);
  await enterprise.reload();
  assert.deepEqual((await messages(enterprise)).slice(-2), [{ mine: true, body: hello }, { mine: false, body: reply }],
    'enterprise sees the reply after its message');

  // The listing on a phone, as the enterprise user sees it now.
  const phone = await pageFor(t, ENTERPRISE, { viewport: { width: PHONE_WIDTH, height: 844 }, isMobile: true, hasTouch: true });
  await phone.goto(`${t.base}/listings/${listingId}`);
  await phone.screenshot({ path: path.join(t.artifacts, 'listing-390.png'), fullPage: true });
  await expectNoHorizontalOverflow(phone, PHONE_WIDTH);
}

async function anonymousListing(t) {
  const id = unique();
  const scientist = await pageFor(t, SCIENTIST);
  // Contact fields carry the scientist's real name and e-mail on purpose:
  // they must stay hidden too.
  const l = newAchievement(id, { anonymous: true, contactName: SCIENTIST.name, contactEmail: SCIENTIST.email });
  const listingId = await submitAchievement(scientist, t, l);
  const operator = await pageFor(t, OPERATOR);
  await approve(operator, t, listingId, l.title);

  const enterprise = await pageFor(t, ENTERPRISE);
  await enterprise.goto(`${t.base}/listings/${listingId}`);
  // Issue 15 §6: "已发布" tells the public nothing (owners and reviewers see it).
  assert.equal(await enterprise.locator('#listing-status').count(), 0, 'no 已发布 badge for the public');
  assert.equal(await textOf(enterprise, '#anonymous-owner'), t.zh('listing.anonymous_owner_long'), '#anonymous-owner');
  assert.equal(await enterprise.locator('#owner-identity').count(), 0, 'no #owner-identity');
  const html = await enterprise.content();
  for (const secret of [SCIENTIST.name, SCIENTIST.email, l.phone]) {
    assert.ok(!html.includes(secret), `"${secret}" nowhere in the anonymous listing's HTML`);
  }
  // Nor on its card in the browse list.
  const card = await findByDomain(enterprise, t, listingId, l.title);
  const cardHtml = await card.innerHTML();
  assert.ok(!cardHtml.includes(SCIENTIST.name), 'scientist name not on the card');
  const cardMeta = await text(card.locator('.meta').last());
  assert.ok(cardMeta.includes(t.zh('listing.anonymous_owner')), `card says the owner is anonymous: ${cardMeta}`);
}

/** Who may see the review queue: the operator yes, others no. */
async function reviewQueueGuarded(t) {
  const enterprise = await pageFor(t, ENTERPRISE);
  const answer = await enterprise.goto(`${t.base}/review`);
  assert.equal(answer.status(), 403, 'GET /review as an enterprise user');
  assert.equal(await enterprise.locator('#queue-counts').count(), 0, 'no queue shown');
}

/**
 * The cascading region picker with JavaScript on a 390 px phone: the
 * scientist's profile goes down to a township of 德阳市旌阳区 without a
 * reload (the no-JS "next" button stays hidden), is saved, and is shown
 * by its full name from the city down.
 */
async function regionPickerOnPhone(t) {
  const page = await pageFor(t, SCIENTIST, { viewport: { width: 390, height: 800 }, isMobile: true, hasTouch: true });
  await page.goto(`${t.base}/account/profile`);
  await page.evaluate(() => { window.kjSamePage = true; });
  assert.equal(await page.locator('#region-picker .region-next').isVisible(), false, 'no "next" button with JavaScript');
  await pickRegion(page, 'region', ['510000', '510600', '510603']);
  const town = page.locator('select[name="region__4"] option').nth(1);
  const code = await town.getAttribute('value');
  const name = (await town.innerText()).trim();
  assert.ok(/^510603\d{3}$/.test(code), `a township of 旌阳区: ${code}`);
  await page.selectOption('select[name="region__4"]', code);
  assert.equal(await page.evaluate(() => window.kjSamePage), true, 'the levels came without a reload');
  await expectNoHorizontalOverflow(page, 390);
  await follow(page, 'form.form button.btn[type="submit"]');
  await page.goto(`${t.base}/dashboard`);
  const main = await page.locator('main').innerText();
  assert.ok(main.includes(`德阳市旌阳区${name}`), `dashboard shows 德阳市旌阳区${name}: ${main.slice(0, 400)}`);
  // Put the demo scientist back where the other tests expect him.
  await page.goto(`${t.base}/account/profile`);
  await pickRegion(page, 'region', ['510000', '510100', WUHOU]);
  await follow(page, 'form.form button.btn[type="submit"]');
}

export const tests = [
  { name: 'regions: cascading picker down to a township with JavaScript at 390 px', fn: regionPickerOnPhone, budget: 15 },
  { name: 'market: studio, achievement, review, filter, EOI, accept, contact, thread; listing at 390 px', fn: marketJourney, budget: 30 },
  { name: 'market: anonymous achievement hides the scientist from an enterprise user', fn: anonymousListing, budget: 15 },
  { name: 'market: review queue refused to an enterprise user', fn: reviewQueueGuarded },
];
