// tests/browser/challenge.mjs — 揭榜挂帅 (challenge lists) in the browser: the
// whole journey through the web pages. The operator opens a list; an
// enterprise user (the issuer) submits an entry, corrects it on its edit
// page and names the reviewer and rubric; the operator approves it from the
// review queue; a scientist applies, attaches a PDF and edits the
// application; the deadline passes (test clock) and the scheduled job
// closes applications, telling the issuer; the reviewer opens the
// attachment and scores; the issuer selects the winner, which the public
// sees during publicity; after publicity the issuer records the agreement,
// the winner reports the milestone, the issuer accepts it and grades the
// result, which the public list shows. Run by run.mjs (export tests), like
// market.mjs. The clock is moved through /__test/clock and always put back.

import assert from 'node:assert/strict';
import { follow, followTo, pageFor, unique } from './pages.mjs';

const OPERATOR = { email: 'operator@demo.kejiyun.cn', password: 'Operator-2026!' };
const ISSUER = { email: 'liu.yang@demo.kejiyun.cn', password: 'Demo-2026!' };
const APPLICANT = { email: 'li.na@demo.kejiyun.cn', password: 'Demo-2026!', name: '李娜' };
const REVIEWER = { email: 'zhang.wei@demo.kejiyun.cn', password: 'Demo-2026!', name: '张伟' };
const OUTSIDER = { email: 'ma.lin@demo.kejiyun.cn', password: 'Demo-2026!' };
const DAY_MS = 86400 * 1000;

const squash = (s) => s.replace(/\s+/g, ' ').trim();

/** Sets the server clock's offset (test mode); returns the server's now. */
async function setClock(t, offsetMs) {
  const r = await fetch(`${t.base}/__test/clock`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ offset_ms: offsetMs }),
  });
  assert.equal(r.status, 200, 'POST /__test/clock');
  return (await r.json()).now_ms;
}

/** Runs the scheduled jobs once (test mode). */
async function tick(t) {
  const r = await fetch(`${t.base}/__test/tick`, { method: 'POST', headers: { Accept: 'application/json' } });
  assert.equal(r.status, 200, 'POST /__test/tick');
}

/** The date (YYYY-MM-DD) in China (UTC+8) at ms. */
const chinaDate = (ms) => new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 10);

const statusOf = async (page) => squash(await page.locator('#challenge-status').innerText());

/** On an entry page: picks action in the actions form, fills extra fields, submits. */
async function act(page, action, fill = async () => {}) {
  await page.selectOption('#act-action', action);
  await fill();
  await follow(page, '#challenge-act-form button[type="submit"]');
  const errors = await page.locator('.field-error').allInnerTexts();
  assert.deepEqual(errors, [], `no errors after ${action}`);
}

/** A minimal valid PDF: the type is decided from the content on the server. */
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

async function challengeJourney(t) {
  const id = unique();
  let now = await setClock(t, 0);
  try {
    // 1. The operator opens a list.
    const op = await pageFor(t, OPERATOR);
    await op.goto(`${t.base}/challenge-lists`);
    const listTitle = `2026 四川 人工智能 双向揭榜挂帅 浏览器测试 ${id}`;
    await op.fill('#cl-title', listTitle);
    await op.fill('#cl-description', '面向低空经济与人工智能的技术攻关榜单。');
    await op.fill('#cl-start', chinaDate(now));
    await op.fill('#cl-end', chinaDate(now + 60 * DAY_MS));
    const [, listId] = await followTo(op, '#challenge-list-form button[type="submit"]', /^\/challenge-lists\/([0-9A-Z]{26})$/);
    assert.equal(squash(await op.locator('main h1').innerText()), listTitle, 'list heading');

    // 2. The issuer submits an entry through the form…
    const issuer = await pageFor(t, ISSUER);
    await issuer.goto(`${t.base}/challenge-lists/${listId}`);
    await followTo(issuer, `a[href="/challenge-lists/${listId}/new"]`, /\/new$/);
    const title = `长航时无人机电源系统攻关 ${id}`;
    await issuer.selectOption('#c-direction', 'tech_wanted');
    await issuer.fill('#c-title', title);
    await issuer.selectOption('#c-domain', 'D0401');
    await issuer.fill('#c-problem', '需要一套能让多旋翼无人机续航超过 60 分钟的电源系统。');
    await issuer.fill('#c-difficulties', '能量密度与安全性难以兼顾。');
    await issuer.fill('#c-indicators', '续航 | ≥ 60 | 分钟 | 第三方飞行测试');
    await issuer.fill('#c-deliverables', '样机一套、测试报告');
    await issuer.fill('#c-bounty', '300');
    await issuer.fill('#c-payment', '签约 30%，中期 40%，验收 30%');
    await issuer.fill('#c-period', '18 个月');
    await issuer.fill('#c-eligibility', '不设年龄、职称、学历门槛');
    await issuer.selectOption('#c-ip', 'nonexclusive_licence');
    await issuer.fill('#c-deadline', chinaDate(now + 3 * DAY_MS));
    await issuer.fill('#c-contact', '刘洋 028-00000000');
    const [, cid] = await followTo(issuer, '#challenge-form-submit', /^\/challenges\/([0-9A-Z]{26})$/);
    assert.equal(await statusOf(issuer), t.zh('challenge.status.submitted'), 'status after submitting');
    assert.equal((await issuer.locator('#challenge-domain').innerText()).trim(), '无人机整机', 'domain by name');

    // …corrects it on the edit page (a second indicator) before review…
    await followTo(issuer, '#challenge-edit-link', new RegExp(`^/challenges/${cid}/edit$`));
    assert.equal(await issuer.inputValue('#c-title'), title, 'edit form filled in');
    await issuer.fill('#c-indicators', '续航 | ≥ 60 | 分钟 | 第三方飞行测试\n载重 | ≥ 5 | kg | 现场称重');
    await followTo(issuer, '#challenge-form-submit', new RegExp(`^/challenges/${cid}$`));
    const indicators = await issuer.locator('main table tbody tr td:first-child').allInnerTexts();
    assert.deepEqual(indicators.map(squash), ['续航', '载重'], 'indicators after the edit');

    // …and names the reviewer and the rubric.
    await issuer.locator('#challenge-reviewers-form label.check', { hasText: REVIEWER.name })
      .locator('input[name="reviewers"]').check();
    await issuer.fill('#r-rubric', '技术路线 | 60 | 10\n团队能力 | 40 | 10');
    await followTo(issuer, '#challenge-reviewers-form button[type="submit"]', new RegExp(`^/challenges/${cid}$`));
    assert.ok(squash(await issuer.locator('#challenge-reviewers').innerText()).includes(REVIEWER.name), 'reviewer listed');

    // 3. The operator approves it from the review queue.
    await op.goto(`${t.base}/review`);
    const queued = op.locator('#challenge-queue h3 a', { hasText: title });
    assert.equal(await queued.count(), 1, 'entry in the review queue');
    await followTo(op, queued, new RegExp(`^/challenges/${cid}$`));
    await act(op, 'approve');
    assert.equal(await statusOf(op), t.zh('challenge.status.published'), 'status after approval');

    // 4. The scientist finds it on the list, applies, attaches a PDF and edits the application.
    const sci = await pageFor(t, APPLICANT);
    await sci.goto(`${t.base}/challenge-lists/${listId}`);
    await followTo(sci, sci.locator('#challenge-entries a', { hasText: title }), new RegExp(`^/challenges/${cid}$`));
    await sci.fill('#a-team', '李娜（负责人）、王强、赵敏');
    await sci.fill('#a-approach', '采用固态锂电池与能量管理算法相结合的技术路线，分三阶段验证。');
    await sci.fill('#a-plan', '续航：高能量密度电芯与轻量化结构，目标 65 分钟');
    await sci.fill('#a-schedule', '6 个月样机，12 个月定型');
    await sci.fill('#a-budget', '280');
    await followTo(sci, '#challenge-apply-submit', new RegExp(`^/challenges/${cid}$`));
    assert.equal(await sci.locator('#challenge-applied').count(), 1, 'applied notice');
    assert.equal(squash(await sci.locator('#challenge-my-status').innerText()), t.zh('challenge.app_status.submitted'));
    await sci.setInputFiles('#att-file', { name: '技术方案.pdf', mimeType: 'application/pdf', buffer: PDF });
    await followTo(sci, '#challenge-attach-submit', new RegExp(`^/challenges/${cid}$`));
    const fileLink = sci.locator('#challenge-my-files a', { hasText: '技术方案.pdf' });
    assert.equal(await fileLink.count(), 1, 'attachment listed');
    const fileUrl = await fileLink.getAttribute('href');
    assert.match(fileUrl, new RegExp(`^/challenges/${cid}/files/[0-9A-Z]{26}$`));
    await sci.locator('#challenge-edit-application summary').click();
    const approach = '改为固态电池与超级电容混合的技术路线，分两阶段验证。';
    await sci.fill('#e-approach', approach);
    await followTo(sci, '#challenge-edit-app-submit', new RegExp(`^/challenges/${cid}$`));
    assert.equal(squash(await sci.locator('#challenge-my-approach').innerText()), approach, 'approach after the edit');

    // Confidential: the public page shows neither the application nor its file.
    const anon = await t.newPage();
    await anon.goto(`${t.base}/challenges/${cid}`);
    const publicHtml = await anon.content();
    assert.ok(!publicHtml.includes(approach) && !publicHtml.includes('技术方案.pdf'), 'application hidden from the public');
    assert.equal(squash(await anon.locator('#challenge-app-count').innerText()), '1', 'application count is public');
    const outsider = await pageFor(t, OUTSIDER);
    assert.equal((await outsider.request.get(`${t.base}${fileUrl}`)).status(), 404, 'outsider cannot download');

    // 5. The deadline passes; the scheduled job closes applications and tells the issuer.
    now = await setClock(t, 5 * DAY_MS);
    await tick(t);
    await issuer.goto(`${t.base}/challenges/${cid}`);
    assert.equal(await statusOf(issuer), t.zh('challenge.status.reviewing'), 'status after the deadline');
    const timeline = squash(await issuer.locator('#challenge-timeline').innerText());
    assert.ok(timeline.includes(`${t.zh('challenge.system')} · ${t.zh('challenge.event.close_applications')}`),
      `timeline names the system: ${timeline}`);
    await issuer.goto(`${t.base}/notifications`);
    assert.equal(await issuer.locator('ul.notes a', { hasText: t.zh('notify.challenge_closed', title) }).count(), 1,
      'issuer notified that applications closed');
    await sci.goto(`${t.base}/challenges/${cid}`);
    assert.equal(await sci.locator('#challenge-edit-app-form').count(), 0, 'no editing after the deadline');

    // 6. The reviewer opens the attachment and scores.
    const rev = await pageFor(t, REVIEWER);
    await rev.goto(`${t.base}/challenges/${cid}`);
    const card = rev.locator('article.challenge-app', { hasText: APPLICANT.name });
    assert.equal(await card.count(), 1, 'the application on the reviewer page');
    const got = await rev.request.get(`${t.base}${await card.locator('.challenge-app-files a').getAttribute('href')}`);
    assert.equal(got.status(), 200, 'reviewer downloads the attachment');
    assert.equal(got.headers()['content-type'], 'application/pdf');
    const scores = card.locator('.challenge-score-form input[name="scores"]');
    await scores.nth(0).fill('9');
    await scores.nth(1).fill('8');
    await follow(rev, card.locator('.challenge-score-form button[type="submit"]'));
    assert.ok(squash(await rev.locator('.challenge-my-score').innerText()).includes('86'), 'weighted score shown');

    // 7. The issuer sees the ranking and selects the winner.
    await issuer.goto(`${t.base}/challenges/${cid}`);
    assert.ok(squash(await issuer.locator('#challenge-ranking').innerText()).includes(APPLICANT.name), 'ranking');
    await act(issuer, 'select', async () => {
      await issuer.locator('#challenge-act-form label.check', { hasText: APPLICANT.name }).locator('input').check();
      await issuer.fill('#act-publicity', '2');
    });
    assert.equal(await statusOf(issuer), t.zh('challenge.status.publicity'), 'status after selection');

    // 8. The public sees the winner on the entry and on the list.
    await anon.goto(`${t.base}/challenges/${cid}`);
    assert.ok(squash(await anon.locator('#challenge-winners').innerText()).includes(APPLICANT.name), 'winner on the entry');
    await anon.goto(`${t.base}/challenge-lists/${listId}`);
    const row = anon.locator('#challenge-entries tr', { hasText: title });
    assert.ok(squash(await row.innerText()).includes(APPLICANT.name), 'winner on the list');

    // 9. Publicity ends by itself; agreement, milestone, acceptance, grade.
    now = await setClock(t, 8 * DAY_MS);
    await tick(t);
    await issuer.goto(`${t.base}/challenges/${cid}`);
    assert.equal(await statusOf(issuer), t.zh('challenge.status.agreement'), 'status after publicity');
    await act(issuer, 'sign', async () => {
      await issuer.fill('#act-parties', '成都天翼低空科技有限公司；李娜团队');
      await issuer.fill('#act-amount', '280');
      await issuer.fill('#act-milestones', `样机 | ${chinaDate(now + 90 * DAY_MS)} | 续航 ≥ 60 分钟`);
    });
    assert.equal(await statusOf(issuer), t.zh('challenge.status.executing'), 'status after signing');
    await sci.goto(`${t.base}/challenges/${cid}`);
    await sci.fill('.challenge-report-form textarea[name="report"]', '样机完成，第三方测试续航 63 分钟。');
    await sci.fill('.challenge-report-form textarea[name="evidence"]', '测试报告编号 T-2026-01');
    await follow(sci, '.challenge-report-form button[type="submit"]');
    await issuer.goto(`${t.base}/challenges/${cid}`);
    await follow(issuer, '.challenge-decide-form button[value="accept"]');
    assert.equal(squash(await issuer.locator('.challenge-ms-status').innerText()), t.zh('challenge.milestone.accepted'));
    await act(issuer, 'evaluate', () => issuer.selectOption('#act-grade', 'excellent'));
    assert.equal(await statusOf(issuer), t.zh('challenge.status.completed'), 'status after evaluation');
    await anon.goto(`${t.base}/challenge-lists/${listId}`);
    const done = squash(await anon.locator('#challenge-entries tr', { hasText: title }).innerText());
    assert.ok(done.includes(t.zh('challenge.status.completed')) && done.includes(t.zh('challenge.grade.excellent')),
      `outcome on the public list: ${done}`);
  } finally {
    await setClock(t, 0).catch(() => {});
  }
}

export const tests = [
  { name: 'challenge: list, entry, edit, review, apply with file, deadline job, scoring, selection, publicity, acceptance',
    fn: challengeJourney, budget: 40 },
];
