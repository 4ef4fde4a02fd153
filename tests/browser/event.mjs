// tests/browser/event.mjs — issue 19's journey, on phones (390 px): the
// 成都 center's head creates a 技术对接会 on the form, publishes it and
// opens registration; a scientist (张伟) registers and shows an
// achievement; an enterprise (刘洋) registers, finds the scientist among
// the suggestions (with reasons), books a meeting and downloads the
// agenda (.ics); the scientist accepts (the meeting gets a slot and a
// table); the staff check both in by typing the codes from their tickets;
// both record "intention to cooperate"; the enterprise starts a deal in
// one step. On the way the head moves the venue on the edit page. Every
// page is checked for sideways scrolling.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { follow, followTo, logInOn, pathOf, unique } from './pages.mjs';
import { axeBuilder, violations } from './axe.mjs';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, acceptDownloads: true };
const STAFF = { email: 'operator@demo.kejiyun.cn', password: 'Operator-2026!' };      // head of the 成都 center
const ENTERPRISE = { email: 'liu.yang@demo.kejiyun.cn', password: 'Demo-2026!' };     // 刘洋, organization admin
const SCIENTIST = { email: 'zhang.wei@demo.kejiyun.cn', password: 'Demo-2026!' };    // 张伟

async function expectNoSideways(page, what) {
  const { sw, iw } = await page.evaluate(() => ({ sw: document.scrollingElement.scrollWidth, iw: window.innerWidth }));
  assert.ok(sw <= iw, `${what || pathOf(page)}: scrollWidth ${sw} > innerWidth ${iw}`);
}

/** "YYYY-MM-DDTHH:MM" in UTC+8, days from now. */
function local(days, hour, minute = 0) {
  const d = new Date(Date.now() + 8 * 3600e3 + days * 86400e3);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(hour)}:${p(minute)}`;
}

async function register(t, page, eventPath, country) {
  await page.goto(`${t.base}${eventPath}`);
  await expectNoSideways(page, 'event page');
  await followTo(page, '#ev-register-link', /\/register$/);
  await expectNoSideways(page, 'registration form');
  await page.selectOption('#reg-country', country);
  await page.fill('#reg-answer_1', '寻找合作伙伴');
  await followTo(page, '#reg-submit', /^\/events\/[0-9A-Z]{26}$/);
  assert.equal(await page.locator('#ev-my-state').getAttribute('data-state'), 'approved');
}

async function ticketCode(t, page, eventPath) {
  await page.goto(`${t.base}${eventPath}/ticket`);
  await expectNoSideways(page, 'ticket');
  const img = page.locator('#ev-qr');
  await img.waitFor();
  assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0), 'the QR code is drawn');
  return page.locator('#ev-code').getAttribute('data-code');
}

async function recordIntention(t, page, eventPath) {
  await page.goto(`${t.base}${eventPath}/meetings`);
  await expectNoSideways(page, 'meetings (record)');
  const card = page.locator('.ev-meeting').first();
  await card.locator('select.ev-outcome').selectOption('intention');
  await follow(page, card.locator('button.ev-record'));
  assert.equal(await page.locator('.ev-meeting').first().getAttribute('data-state'), 'held');
  assert.equal((await page.locator('.ev-my-outcome').first().innerText()).trim(), t.zh('event.outcome.intention'));
}

async function journey(t) {
  const name = `成渝技术对接会 ${unique().slice(-5)}`;

  // The center's head creates the event on the form, on a phone.
  const staff = await t.newPage(PHONE);
  await logInOn(staff, t.base, STAFF);
  await staff.goto(`${t.base}/events`);
  await expectNoSideways(staff, '/events');
  await followTo(staff, '#ev-new-link', /^\/events\/new$/);
  await expectNoSideways(staff, '/events/new');
  await staff.fill('#ev-name-zh', name);
  await staff.fill('#ev-name-en', 'Chengdu-Chongqing matchmaking');
  await staff.fill('#ev-venue', '成都天府软件园');
  await staff.fill('#ev-starts', local(7, 9));
  await staff.fill('#ev-ends', local(7, 18));
  await staff.fill('#ev-sections', '智能制造 | Smart manufacturing\n现代农业 | Agriculture');
  await staff.fill('#ev-questions', '* 参会目的 | Why do you come?');
  await staff.fill('#ev-mstart', local(7, 14));
  await staff.fill('#ev-slots', '4');
  await staff.fill('#ev-tables', '3');
  const [, eventId] = await followTo(staff, '#ev-submit', /^\/events\/([0-9A-Z]{26})$/);
  const eventPath = `/events/${eventId}`;
  assert.equal(await staff.locator('#ev-state').getAttribute('data-state'), 'draft');
  await follow(staff, '#ev-act-publish');
  await follow(staff, '#ev-act-open_registration');
  assert.equal(await staff.locator('#ev-state').getAttribute('data-state'), 'published');
  await expectNoSideways(staff, 'event (organizer)');
  // A change after publishing: the venue moves (nobody has registered yet).
  await followTo(staff, '#ev-edit-link', /\/edit$/);
  await expectNoSideways(staff, 'edit event');
  assert.equal(await staff.inputValue('#ed-starts'), local(7, 9), 'the form shows the event\'s own local time');
  await staff.fill('#ed-venue', '成都天府软件园 C 区');
  await followTo(staff, '#ed-submit', /^\/events\/[0-9A-Z]{26}$/);
  assert.match(await staff.locator('#ev-done').innerText(), new RegExp(t.zh('event.done.updated').slice(0, 5)));
  assert.match(await staff.locator('#event').innerText(), /成都天府软件园 C 区/);

  // The scientist registers and shows an achievement.
  const sci = await t.newPage(PHONE);
  await logInOn(sci, t.base, SCIENTIST);
  await register(t, sci, eventPath, 'CN');
  await followTo(sci, '#ev-participants-link', /\/participants$/);
  await sci.locator('#ev-showcase-form input[name="listings"]').first().check();
  await follow(sci, '#ev-showcase-save');
  await expectNoSideways(sci, 'participants (scientist)');

  // The enterprise registers and finds the scientist among the suggestions.
  const ent = await t.newPage(PHONE);
  await logInOn(ent, t.base, ENTERPRISE);
  await register(t, ent, eventPath, 'CN');
  await followTo(ent, '#ev-participants-link', /\/participants$/);
  await expectNoSideways(ent, 'participants (enterprise)');
  const card = ent.locator('.ev-suggestion', { hasText: '张伟' }).first();
  await card.waitFor();
  assert.ok((await card.locator('.why li').count()) > 0, 'the suggestion says why');
  await card.locator('textarea[name="message"]').fill('想了解贵方成果能否用于我们的产线。');
  await followTo(ent, card.locator('button.ev-request'), /\/meetings$/);
  assert.equal(await ent.locator('.ev-meeting').first().getAttribute('data-state'), 'requested');
  await expectNoSideways(ent, 'meetings (requested)');

  // The agenda, as a calendar file.
  await followTo(ent, `a[href="${eventPath}/agenda"]`, /\/agenda$/);
  await expectNoSideways(ent, 'agenda');
  const [download] = await Promise.all([ent.waitForEvent('download'), ent.click('#ev-ics')]);
  const ics = fs.readFileSync(await download.path(), 'utf8');
  assert.ok(ics.startsWith('BEGIN:VCALENDAR\r\n') && ics.includes('BEGIN:VEVENT'), 'an iCalendar file');

  // The scientist accepts: the meeting gets a slot and a table.
  await sci.goto(`${t.base}${eventPath}/meetings`);
  await expectNoSideways(sci, 'meetings (scientist)');
  await follow(sci, sci.locator('.ev-meeting').first().locator('button.ev-accept'));
  assert.equal(await sci.locator('.ev-meeting').first().getAttribute('data-state'), 'scheduled');

  // Staff check both in by typing the codes of their tickets.
  const codes = [await ticketCode(t, ent, eventPath), await ticketCode(t, sci, eventPath)];
  await staff.goto(`${t.base}${eventPath}/checkin`);
  await expectNoSideways(staff, 'check-in');
  for (const code of codes) {
    await staff.fill('#ck-code', code.toLowerCase());
    await follow(staff, '#ck-submit');
    await staff.locator('#ev-checked').waitFor();
  }
  await staff.fill('#ck-code', codes[0]);
  await follow(staff, '#ck-submit');
  assert.ok((await staff.locator('#ev-checkin-error').innerText()).includes(t.zh('err.event.checked_in_twice')), 'twice is refused');

  // Both record an intention to cooperate; the enterprise starts a deal.
  await recordIntention(t, ent, eventPath);
  await recordIntention(t, sci, eventPath);
  await ent.goto(`${t.base}${eventPath}/meetings`);
  await followTo(ent, ent.locator('.ev-meeting').first().locator('button.ev-start-deal'), /^\/deals\/[0-9A-Z]{26}$/);
  await expectNoSideways(ent, 'the deal');

  // The organizer's report counts it.
  await staff.goto(`${t.base}${eventPath}/report`);
  await expectNoSideways(staff, 'report');
  assert.equal((await staff.locator('#rp-deals').innerText()).trim(), '1');
  assert.equal((await staff.locator('#rp-attended').innerText()).trim(), '2');
  for (const sub of ['registrations', 'projects', 'meetings?scope=all', 'participants']) {
    await staff.goto(`${t.base}${eventPath}/${sub}`);
    await expectNoSideways(staff, `${eventPath}/${sub}`);
  }
}

/** axe-core on the event pages of the demo's upcoming event, anonymous, as
 * a registered participant and as its organizer, at 390 px (the pages are
 * phone-first; axe.mjs covers the shared layout at desktop width too). */
async function axeEventPages(t) {
  const AxeBuilder = await axeBuilder();
  const found = [];
  for (const [size, options] of [['390 px', PHONE]]) {
    const anon = await t.newPage(options);
    await anon.goto(`${t.base}/events`);
    const href = await anon.locator('#ev-upcoming a').first().getAttribute('href');
    for (const p of ['/events', href, `${href}/projects`]) {
      await anon.goto(`${t.base}${p}`);
      found.push(...(await violations(AxeBuilder, anon)).map((v) => `[${size}] ${v}`));
    }
    const user = await t.newPage(options);
    await logInOn(user, t.base, ENTERPRISE);
    for (const sub of ['', '/register', '/participants', '/meetings', '/agenda', '/ticket']) {
      await user.goto(`${t.base}${href}${sub}`);
      found.push(...(await violations(AxeBuilder, user)).map((v) => `[${size}] ${v}`));
    }
    const staff = await t.newPage(options);
    await logInOn(staff, t.base, STAFF);
    for (const sub of ['/checkin', '/report', '/registrations', '/edit']) {
      await staff.goto(`${t.base}${href}${sub}`);
      found.push(...(await violations(AxeBuilder, staff)).map((v) => `[${size}] ${v}`));
    }
    await staff.goto(`${t.base}/events/new`);
    found.push(...(await violations(AxeBuilder, staff)).map((v) => `[${size}] ${v}`));
  }
  assert.deepEqual(found, [], `axe found ${found.length} serious or critical violation(s):\n${found.join('\n')}`);
}

export const tests = [
  { name: 'event: staff create a 对接会; an enterprise registers, finds a scientist in the suggestions, books a meeting and downloads the agenda; the scientist accepts; staff check both in; both record an intention; a deal starts (390 px)',
    fn: journey, budget: 14 },
  { name: 'event/axe: no serious or critical violation on the event pages at 390 px', fn: axeEventPages, budget: 12 },
];
