// tests/browser/deal.mjs — a deal in the browser, from first contact to
// reviews: an enterprise user sends an inquiry (expression of interest) on
// a scientist's achievement, the scientist accepts it, the enterprise user
// opens a deal and asks for a price in its conversation, the scientist
// answers with an offer, the enterprise user accepts it, both confirm the
// generated contract (and can download it as a PDF), a milestone is added,
// delivered and accepted, the delivery is accepted, the deal completed and
// reviewed by both (the scientist answers the review it got); the review
// then shows on the studio's page. Run by run.mjs
// (export tests), like market.mjs.
//
// The studio and the listing (not what this test is about) are set up
// through the JSON API with the users' own sessions; every deal step goes
// through the pages, and ids are only read from URLs.
//
// Both parties are on phones (the scientist at 360 px, the enterprise user at
// 390 px, touch), as most of them are (the outsider's phone walk): every page
// the journey reaches must fit the phone (widths.mjs's measure).

import assert from 'node:assert/strict';
import { follow, pageFor, pathOf, unique } from './pages.mjs';
import { expectFits } from './widths.mjs';

const SCIENTIST = { email: 'zhang.wei@demo.kejiyun.cn', password: 'Demo-2026!', name: '张伟' };
const OPERATOR = { email: 'operator@demo.kejiyun.cn', password: 'Operator-2026!' };
const ENTERPRISE = { email: 'liu.yang@demo.kejiyun.cn', password: 'Demo-2026!', name: '刘洋' };

const NARROW = { viewport: { width: 360, height: 780 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true };

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

/** follow(), then no error may show on the page it leads to, and on a phone the page fits it. */
async function followOk(page, target) {
  await follow(page, target);
  const errors = await page.locator('main [role="alert"], .field-error').allInnerTexts();
  assert.equal(errors.length, 0, `after clicking ${target}: ${errors.join(' | ')}`);
  const width = page.viewportSize()?.width;
  if (width && width < 500) await expectFits(page, width, `deal journey, after ${target}`);
}

/** A JSON API call with the page's session, carrying the CSRF token as a
 *  signed-in page's script would (the <meta name="csrf-token"> of the page);
 *  asserts the status, returns the body. */
async function api(page, t, method, path, body, status) {
  const token = await page.locator('meta[name="csrf-token"]').getAttribute('content');
  assert.ok(token, 'a signed-in page carries its CSRF token');
  const r = await page.request.fetch(`${t.base}${path}`, {
    method, data: body,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRF-Token': token },
  });
  assert.equal(r.status(), status, `${method} ${path}: ${await r.text()}`);
  return r.json();
}

/** The deal's state as its page shows it. */
const stateOf = (page) => text(page.locator('#deal-state'));

async function expectState(page, t, state) {
  await page.reload();
  assert.equal(await stateOf(page), t.zh(`deal.state.${state}`), `#deal-state should be ${state}`);
}

/** Posts one of the deal page's action forms and checks where the deal is then. */
async function act(page, t, button, state) {
  await followOk(page, button);
  assert.match(pathOf(page), /^\/deals\/[0-9A-Z]{26}$/, `back on the deal page after ${button}`);
  if (state) assert.equal(await stateOf(page), t.zh(`deal.state.${state}`), `#deal-state after ${button}`);
}

async function dealJourney(t) {
  const id = unique();
  const scientist = await pageFor(t, SCIENTIST, NARROW);
  const operator = await pageFor(t, OPERATOR);
  const enterprise = await pageFor(t, ENTERPRISE, PHONE);

  // Setup: a studio and a published achievement of the scientist.
  const studio = await api(scientist, t, 'POST', '/api/v1/studios',
    { name: `交易测试工作室 ${id.slice(-6)}`, intro: '面向电力巡检的视觉识别。', region: '510107' }, 201);
  const title = `输电线路缺陷识别 ${id}`;
  const listing = await api(scientist, t, 'POST', '/api/v1/listings', {
    kind: 'achievement', title, summary: '面向输电线路巡检的无人机视觉识别成果。', domain: 'D0101', region: '510107',
    trl: 5, coop_modes: ['transfer'], keywords: ['巡检', '视觉'], studio_id: studio.id, submit: true,
  }, 201);
  await api(operator, t, 'POST', `/api/v1/listings/${listing.id}/actions`, { action: 'approve' }, 200);

  // 1. The enterprise user's inquiry on the listing.
  await enterprise.goto(`${t.base}/listings/${listing.id}`);
  await enterprise.fill('#eoi-form #message', `您好，我们希望了解「${title}」的转让条件。`);
  await followOk(enterprise, '#send-eoi');
  const eoi = pathOf(enterprise).match(/^\/eois\/([0-9A-Z]{26})$/)?.[1];
  assert.ok(eoi, `EOI sent (at ${pathOf(enterprise)})`);

  // 2. The scientist accepts it; the enterprise user opens a deal and asks for a price.
  await scientist.goto(`${t.base}/eois/${eoi}`);
  await followOk(scientist, '#accept-eoi');
  assert.equal(await text(scientist.locator('#eoi-status')), t.zh('eoi.status.accepted'));
  await enterprise.goto(`${t.base}/eois/${eoi}`);
  await followOk(enterprise, '#start-deal');
  const deal = pathOf(enterprise).match(/^\/deals\/([0-9A-Z]{26})$/)?.[1];
  assert.ok(deal, `deal started (at ${pathOf(enterprise)})`);
  assert.equal(await stateOf(enterprise), t.zh('deal.state.inquiry'));
  const ask = `请报一个转让价格，并说明交付内容。(${id})`;
  await enterprise.fill('#msg-body', ask);
  await act(enterprise, t, '#send-message', 'inquiry');
  // The EOI page now leads to the deal instead of offering a second one.
  await enterprise.goto(`${t.base}/eois/${eoi}`);
  assert.equal(await enterprise.locator('#start-deal').count(), 0, 'no second start');
  await followOk(enterprise, '#open-deal');
  assert.equal(pathOf(enterprise), `/deals/${deal}`);

  // 3. The scientist sees the unread question in the deal list and answers with an offer.
  await scientist.goto(`${t.base}/deals`);
  const row = scientist.locator('.deal-table tr', { has: scientist.locator(`a[href="/deals/${deal}"]`) });
  assert.equal(await row.count(), 1, 'the deal is listed for the scientist');
  assert.equal(await text(row.locator('td').last()), '1', 'one unread message');
  await followOk(scientist, row.locator('a'));
  assert.ok((await text(scientist.locator('#messages'))).includes(ask), 'the question is in the conversation');
  await scientist.selectOption('#contract_type', 'transfer');
  await scientist.selectOption('#price_kind', 'lump_sum');
  await scientist.fill('#amount', '18.5');
  await scientist.fill('#scope', '专利权转让及全部技术资料交付，提供三次现场指导');
  await scientist.fill('#duration_days', '120');
  await act(scientist, t, '#send-offer', 'negotiation');

  // 4. The enterprise user accepts the offer: the terms are agreed, a contract is generated.
  await enterprise.reload();
  assert.match(await text(enterprise.locator('#offers')), /18\.5/, 'the offer shows its amount');
  await act(enterprise, t, '#accept-offer', 'agreed');
  await followOk(enterprise, '#contract-link');
  assert.equal(pathOf(enterprise), `/deals/${deal}/contract`);
  const contract = await text(enterprise.locator('#contract'));
  for (const s of ['技术转让合同', title, SCIENTIST.name, ENTERPRISE.name, '合同总价18.5万元']) {
    assert.ok(contract.includes(s), `the contract mentions ${s}`);
  }
  // Its PDF, through the page's download link.
  const href = await enterprise.locator('#contract-pdf').getAttribute('href');
  assert.equal(href, `/deals/${deal}/contract.pdf`);
  const pdf = await enterprise.request.get(`${t.base}${href}`);
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  const bytes = await pdf.body();
  assert.equal(bytes.subarray(0, 5).toString(), '%PDF-', 'a PDF document');
  assert.ok(bytes.subarray(-8).toString().includes('%%EOF'), 'a complete PDF document');

  // 5. Both confirm the contract.
  await enterprise.goto(`${t.base}/deals/${deal}`);
  await act(enterprise, t, '#act-sign', 'agreed');
  assert.equal(await enterprise.locator('#act-sign').count(), 0, 'no second confirmation offered');
  await scientist.reload();
  await act(scientist, t, '#act-sign', 'signed');

  // 6. A milestone: added, performance started, delivered, accepted.
  await scientist.fill('#ms-title', '技术资料交付');
  await scientist.fill('#ms-deliverable', '专利证书复印件、工艺文件、检测报告');
  await scientist.fill('#ms-due', new Date(Date.now() + 20 * 86400000).toISOString().slice(0, 10));
  await scientist.fill('#ms-amount', '18.5');
  await act(scientist, t, '#add-milestone', 'signed');
  await act(scientist, t, '#act-start', 'in_progress');
  await act(scientist, t, '#milestones .ms-deliver', 'in_progress');
  assert.equal(await text(scientist.locator('#milestones .ms-status')), t.zh('deal.milestone_status.delivered'));
  await enterprise.reload();
  await act(enterprise, t, '#milestones .ms-accept', 'in_progress');
  assert.equal(await text(enterprise.locator('#milestones .ms-status')), t.zh('deal.milestone_status.accepted'));

  // 7. Delivery, acceptance, completion.
  await scientist.reload();
  await act(scientist, t, '#act-deliver', 'delivered');
  await enterprise.reload();
  await act(enterprise, t, '#act-accept-delivery', 'accepted');
  await act(enterprise, t, '#act-complete', 'completed');
  await expectState(scientist, t, 'completed');

  // 8. The enterprise user reviews the scientist; the review shows on the deal and on the studio page.
  const praise = `资料齐全，指导到位，按期交付。(${id})`;
  await enterprise.selectOption('#rating', '5');
  await enterprise.fill('#review-body', praise);
  await act(enterprise, t, '#send-review', 'completed');
  assert.ok((await text(enterprise.locator('#reviews'))).includes(praise), 'the review is on the deal page');
  assert.equal(await enterprise.locator('#review-form').count(), 0, 'no second review offered');
  // The scientist reviews the enterprise user in turn and answers the review (once).
  await scientist.reload();
  const reply = `感谢认可，期待再次合作。(${id})`;
  await scientist.fill('#reviews form:has(input[value="reply_review"]) textarea', reply);
  await act(scientist, t, '#reviews form:has(input[value="reply_review"]) button', 'completed');
  assert.equal(await scientist.locator('#reviews form:has(input[value="reply_review"])').count(), 0, 'answered once');
  await scientist.selectOption('#rating', '4');
  await scientist.fill('#review-body', `需求明确，验收及时。(${id})`);
  await act(scientist, t, '#send-review', 'completed');
  const reviews = await text(scientist.locator('#reviews'));
  assert.ok(reviews.includes(reply) && reviews.includes('需求明确，验收及时。'), `both reviews and the reply: ${reviews}`);
  const visitor = await t.newPage();
  await visitor.goto(`${t.base}/studios/${studio.id}`);
  assert.equal(await text(visitor.locator('#rating-average')), '5.0');
  assert.equal(await text(visitor.locator('#rating-count')), t.zh('deal.rating.count', 1));
  const onStudio = await text(visitor.locator('#recent-reviews'));
  assert.ok(onStudio.includes(praise) && onStudio.includes(reply), 'the review and its reply are on the studio page');
  assert.ok(!onStudio.includes('需求明确'), "the enterprise's review is not the studio's");
}

export const tests = [
  { name: 'deal: inquiry, offer, agreement, contract (page and PDF) confirmed by both, milestone, acceptance, reviews (one answered) on the studio page', fn: dealJourney, budget: 30 },
];
