// tests/browser/phone.mjs — issue 15's first visit on a phone: the home page
// with content (anonymous), the bottom tab bar, list pages with folded
// filters and removable chips, search and a listing at 360 px, no sideways
// scrolling on any main page, and posting a demand from the home page to
// "已提交，等待审核". Run by run.mjs after the other journeys; uses the demo
// data and demo accounts (it creates only its own demand).

import assert from 'node:assert/strict';
import path from 'node:path';
import { follow, followTo, logInOn, pathOf, pickRegion, unique } from './pages.mjs';

const NARROW = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const ENTERPRISE = { email: 'liu.yang@demo.kejiyun.cn', password: 'Demo-2026!' };
const SCIENTIST = { email: 'zhang.wei@demo.kejiyun.cn', password: 'Demo-2026!' };

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

/** The measure: the page does not scroll sideways at width px. */
export async function expectNoSidewaysScroll(page, width) {
  const sw = await page.evaluate(() => document.scrollingElement.scrollWidth);
  assert.ok(sw <= width, `${pathOf(page)} scrolls sideways at ${width} px: scrollWidth ${sw}`);
}

/** The first href of selector on the page (fails when there is none). */
async function firstHref(page, selector) {
  const a = page.locator(selector).first();
  assert.ok(await a.count(), `${selector} on ${pathOf(page)}`);
  return a.getAttribute('href');
}

async function homeWithContent(t) {
  const page = await t.newPage(NARROW);
  await page.goto(`${t.base}/`);
  await page.screenshot({ path: path.join(t.artifacts, 'home-360.png'), fullPage: true });
  await expectNoSidewaysScroll(page, 360);
  assert.equal(await page.locator('h1').count(), 1, 'one h1');
  // The newest achievements and demands, each card a link to its listing.
  for (const id of ['#home-achievements', '#home-demands']) {
    const links = page.locator(`${id} .listing-card h3 a`);
    assert.ok(await links.count() >= 1, `${id} lists listings`);
    assert.match(await links.first().getAttribute('href'), /^\/listings\/[0-9A-Z]{26}$/, `${id} cards link to listings`);
  }
  // Live figures, each a link; published listings is never 0 with demo data.
  const figures = page.locator('.figure-grid a');
  assert.equal(await figures.count(), 4, 'four figures');
  assert.ok(Number(await text(page.locator('#fig-listings strong'))) > 0, 'published listings counted');
  // 科普 picks link to their items.
  const pick = page.locator('#home-popsci a').first();
  if (await pick.count()) assert.match(await pick.getAttribute('href'), /^\/popsci\/[0-9A-Z]{26}$/);
  // Following a figure and a card lands on a real page.
  await follow(page, '#fig-listings');
  assert.equal(pathOf(page), '/achievements');
  await page.goBack();
  await follow(page, page.locator('#home-demands .listing-card h3 a').first());
  assert.match(pathOf(page), /^\/listings\//);
  assert.equal(await page.locator('.listing h1').count(), 1, 'the card led to a listing');
  // The search box suggests (the datalist fills as one types) and searches.
  await page.goto(`${t.base}/`);
  await page.fill('#home-q', '水稻');
  await page.waitForFunction(() => document.querySelectorAll('#home-suggest option').length > 0, null, { timeout: 5000 })
    .catch(() => {});  // suggestions depend on the demo titles; the search below must work either way
  await follow(page, '.home-search button[type="submit"]');
  assert.equal(pathOf(page), '/search');
  assert.equal(new URL(page.url()).searchParams.get('q'), '水稻');
}

async function tabBar(t) {
  const page = await t.newPage(PHONE);
  await page.goto(`${t.base}/`);
  const bar = page.locator('nav.tabbar');
  assert.ok(await bar.isVisible(), 'the tab bar shows on a phone');
  assert.ok(!(await page.locator('header nav.nav').isVisible()), 'header links folded into the menu');
  const box = await bar.boundingBox();
  assert.ok(box.y + box.height >= 844 - 1 && box.y > 700, `tab bar at the bottom (y ${box.y})`);
  const tabs = [['nav.tab.tech', '/achievements'], ['nav.tab.demands', '/demands'], ['nav.tab.popsci', '/popsci'],
    ['nav.tab.home', '/'], ['nav.tab.me', '/login']];
  for (const [key, where] of tabs) {
    await follow(page, bar.getByRole('link', { name: t.zh(key), exact: true }));
    assert.equal(pathOf(page), where, `${t.zh(key)} leads to ${where}`);
    if (where !== '/login') {
      assert.equal(await bar.locator('[aria-current="page"]').count(), 1, `${t.zh(key)} marked current`);
      assert.equal(await text(bar.locator('[aria-current="page"]')), t.zh(key), 'the current tab');
    }
  }
  // The menu opens without JavaScript semantics beyond <details>.
  await page.goto(`${t.base}/`);
  await page.locator('.menu-button').click();
  await page.locator('header nav.nav').getByRole('link', { name: t.zh('nav.studios') }).waitFor({ state: 'visible' });
  await expectNoSidewaysScroll(page, 390);
  // Desktop: no tab bar, no menu button, the links in the header.
  const desk = await t.newPage();
  await desk.goto(`${t.base}/`);
  assert.ok(!(await desk.locator('nav.tabbar').isVisible()), 'no tab bar on a desktop');
  assert.ok(await desk.locator('header nav.nav').getByRole('link', { name: t.zh('nav.studios') }).isVisible(), 'header links on a desktop');
}

async function browseChips(t) {
  const page = await t.newPage(NARROW);
  // A domain and a province with results, read from the unfiltered page.
  await page.goto(`${t.base}/demands`);
  const box = page.locator('details.filters-box');
  assert.equal(await box.evaluate((d) => d.open), false, 'filters folded');
  const firstCard = await page.locator('.listing-card').first().boundingBox();
  assert.ok(firstCard && firstCard.y < 400, `results start near the top (first card at y ${firstCard && firstCard.y})`);
  await box.locator('summary').click();
  await pickRegion(page, 'region', ['510000']);   // the one cascading picker
  await page.selectOption('#f-sort', 'deadline');
  await page.fill('#f-trl-min', '3');
  await follow(page, 'form.filters button[type="submit"]');
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('region__1') || url.searchParams.get('region'), '510000');
  assert.equal(await box.evaluate((d) => d.open), false, 'filters folded after filtering');
  assert.equal(await text(box.locator('summary')), t.zh('browse.filters_n', '2'), 'summary counts the filters');
  const chips = page.locator('.filter-chips a');
  assert.equal(await chips.count(), 2, 'a chip per filter (sort is not one)');
  assert.ok((await text(chips.first())).startsWith(t.zh('chip.region', '四川省')), `region chip: ${await text(chips.first())}`);
  await expectNoSidewaysScroll(page, 360);
  // Removing the region keeps the other filter and the order.
  await follow(page, chips.first());
  const after = new URL(page.url());
  assert.equal(after.searchParams.get('region') || after.searchParams.get('region__1'), null, 'region removed');
  assert.equal(after.searchParams.get('trl_min'), '3', 'TRL filter kept');
  assert.equal(after.searchParams.get('sort'), 'deadline', 'order kept');
  assert.equal(await page.locator('.filter-chips a').count(), 1, 'one chip left');
  // Headings: one h1, then h2 before the cards' h3.
  const levels = await page.evaluate(() => [...document.querySelectorAll('main h1, main h2, main h3')].map((h) => Number(h.tagName[1])));
  assert.equal(levels.filter((l) => l === 1).length, 1, 'one h1');
  levels.forEach((l, i) => assert.ok(i === 0 || l <= levels[i - 1] + 1, `heading levels skip: ${levels.join(',')}`));
}

async function searchAndListing(t) {
  const page = await t.newPage(NARROW);
  await page.goto(`${t.base}/search?q=${encodeURIComponent('技术')}&region=510000`);
  assert.ok(await page.locator('#search-results .listing-card').count() > 0, 'search finds listings');
  assert.equal(await page.locator('.filter-chips a').count(), 1, 'the region as a chip (the query is in the box)');
  await expectNoSidewaysScroll(page, 360);
  const results = await page.locator('#search-results').boundingBox();
  const facets = await page.locator('.facets').boundingBox();
  assert.ok(!facets || facets.y > results.y, 'results before the facets on a phone');
  await follow(page, page.locator('#search-results .listing-card h3 a').first());
  assert.match(pathOf(page), /^\/(listings|studios)\//);
  await page.screenshot({ path: path.join(t.artifacts, 'listing-360.png'), fullPage: true });
  await expectNoSidewaysScroll(page, 360);
}

/** Every main page, anonymous and signed in, at 360 px. */
async function noSidewaysScroll(t) {
  const anon = await t.newPage(NARROW);
  await anon.goto(`${t.base}/achievements`);
  const listing = await firstHref(anon, '.listing-card h3 a');
  await anon.goto(`${t.base}/popsci`);
  const article = await firstHref(anon, '#popsci-items a');
  await anon.goto(`${t.base}/studios`);
  const studio = await anon.locator('main a[href^="/studios/"]:not([href$="/new"]):not([href$="/mine"])').first().getAttribute('href', { timeout: 1000 })
    .catch(() => null);  // the demo may have no studio yet
  await anon.goto(`${t.base}/challenge-lists`);
  const list = await anon.locator('main a[href^="/challenge-lists/"]').first().getAttribute('href', { timeout: 1000 }).catch(() => null);
  const pages = ['/', '/achievements', '/services', '/demands', `/search?q=${encodeURIComponent('无人机')}`, listing, '/popsci',
    article, '/studios', studio, '/challenge-lists', list, '/login', '/register', '/help/roles'].filter(Boolean);
  for (const p of pages) {
    await anon.goto(`${t.base}${p}`);
    await expectNoSidewaysScroll(anon, 360);
  }
  const sci = await t.newPage(NARROW);
  await logInOn(sci, t.base, ENTERPRISE);
  for (const p of ['/dashboard', '/listings/new?kind=demand', '/listings/new?kind=achievement', '/my/listings', '/deals',
    '/account/profile', '/popsci/questions', listing]) {
    await sci.goto(`${t.base}${p}`);
    await expectNoSidewaysScroll(sci, 360);
  }
}

async function postDemandFromHome(t) {
  const page = await t.newPage(PHONE);
  await page.goto(`${t.base}/`);
  // Not signed in: 发布需求 asks to sign in, then comes back to the form.
  await follow(page, '#post-demand');
  assert.equal(pathOf(page), '/login');
  await page.fill('#email', ENTERPRISE.email);
  await page.fill('#password', ENTERPRISE.password);
  await follow(page, 'form.form button[type="submit"]');
  assert.equal(pathOf(page), '/listings/new', 'back to the form after signing in');
  assert.equal(new URL(page.url()).searchParams.get('kind'), 'demand');
  await expectNoSidewaysScroll(page, 390);
  const title = `手机发布需求 ${unique()}`;
  await page.fill('#title', title);
  await page.fill('#summary', '注塑件外观缺陷在线检测，要求检出率不低于 99%。');
  await page.selectOption('#domain', { index: 1 });
  await page.selectOption('#region', { index: 1 });
  await page.fill('#indicators', '检出率 | ≥ 99 | %');
  await page.locator('input[name="coop_modes"]').first().check();
  const [, id] = await followTo(page, '#submit-review', /^\/listings\/([0-9A-Z]{26})$/);
  assert.equal(new URL(page.url()).searchParams.get('submitted'), '1');
  assert.equal(await text(page.locator('#listing-submitted')), t.zh('listing.submitted_notice'), 'says it waits for review');
  assert.ok(!(await text(page.locator('main'))).includes(t.zh('common.saved')), 'not "已保存"');
  assert.equal(await text(page.locator('#listing-status')), t.zh('status.submitted'));
  // Withdraw is there, but not as the primary button.
  const withdraw = page.locator('button[data-action="withdraw"]');
  assert.equal(await withdraw.count(), 1, 'withdraw offered');
  assert.match(await withdraw.getAttribute('class'), /btn-ghost/, 'withdraw is a secondary button');
  assert.ok(id);
  // The dashboard offers posting too; a scientist sees only 发布成果.
  await page.goto(`${t.base}/dashboard`);
  assert.equal(await page.locator('#dash-post #post-demand').count(), 1, 'dashboard: 发布需求');
  const sci = await t.newPage(PHONE);
  await logInOn(sci, t.base, SCIENTIST);
  await sci.goto(`${t.base}/dashboard`);
  assert.equal(await sci.locator('#dash-post #post-demand').count(), 0, 'a scientist may not post demands');
  assert.equal(await sci.locator('#dash-post #post-offer').count(), 1, 'a scientist posts achievements');
  await sci.goto(`${t.base}/achievements`);
  assert.equal(await sci.locator('#post-listing').getAttribute('href'), '/listings/new?kind=achievement', 'list page: 发布成果');
  await sci.goto(`${t.base}/demands`);
  assert.equal(await sci.locator('#post-listing').count(), 0, 'no 发布需求 for a scientist');
}

/** Issue 15: on a 1280 px desktop the signed-in header stays one row
 *  (it wrapped once centers, work orders, the desk and statistics had
 *  links): for the administrator and a center head, the busiest headers. */
async function desktopHeaderOneRow(t) {
  const who = [
    { email: 'admin@demo.kejiyun.cn', password: 'Admin-2026!' },
    { email: 'operator@demo.kejiyun.cn', password: 'Operator-2026!' },
    ENTERPRISE,
  ];
  for (const w of who) {
    const page = await t.newPage({ viewport: { width: 1280, height: 800 } });
    await logInOn(page, t.base, w);
    await page.goto(`${t.base}/achievements`);
    const rows = await page.evaluate(() => {
      const row = document.querySelector('header .top-row');
      const tops = [...row.querySelectorAll('a, button, input, summary')]
        .filter((e) => e.checkVisibility({ contentVisibilityAuto: true, visibilityProperty: true }) && e.getBoundingClientRect().height > 0)
        .map((e) => { const r = e.getBoundingClientRect(); return Math.round(r.top + r.height / 2); });
      return { height: row.getBoundingClientRect().height, spread: Math.max(...tops) - Math.min(...tops), n: tops.length };
    });
    await page.screenshot({ path: path.join(t.artifacts, `header-1280-${w.email.split('@')[0]}.png`) });
    assert.ok(rows.n >= 5, `${w.email}: header items visible (${rows.n})`);
    assert.ok(rows.spread <= 8 && rows.height <= 64,
      `${w.email}: the header is one row at 1280 px (height ${rows.height}, centres spread ${rows.spread} px)`);
    // Every signed-in destination is still one click away from the header.
    const mine = page.locator('#account-menu');
    await mine.locator('summary').click();
    for (const href of ['/dashboard', '/deals', '/work-orders'])
      assert.ok(await mine.locator(`a[href="${href}"]`).isVisible(), `${w.email}: ${href} in the account menu`);
    await page.context().close();
  }
}

export const tests = [
  { name: 'phone/home: the home page shows listings, figures, 科普 and search at 360 px, each card a link', fn: homeWithContent, budget: 8 },
  { name: 'phone/home: the bottom tab bar leads to each section and marks the current one; the menu opens', fn: tabBar, budget: 8 },
  { name: 'phone/home: browse filters fold away and show as removable chips; results start near the top', fn: browseChips, budget: 8 },
  { name: 'phone/home: search and a listing at 360 px, results before facets', fn: searchAndListing, budget: 8 },
  { name: 'phone/home: no main page scrolls sideways at 360 px', fn: noSidewaysScroll, budget: 12 },
  { name: 'phone/home: posting a demand from the home page ends in 已提交，等待审核', fn: postDemandFromHome, budget: 10 },
  { name: 'desktop/header: the signed-in header is one row at 1280 px; the account links sit in one menu', fn: desktopHeaderOneRow, budget: 10 },
];
