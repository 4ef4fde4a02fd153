// tests/browser/search.mjs — the search and matching tests, as a list of
// { name, fn, budget } run by run.mjs after market.mjs (budget: the test's
// time cap in per-action timeouts). They work on the demo data (254
// listings, several about 植保无人机 / 水稻) through the web UI only: the
// search page with its facets, filters and pager, a demand's matches with
// their reasons, the owner's "不相关", search-as-you-type and the page on a
// phone.
// Ids and owners are read from the pages, never assumed, so the demo data
// may change its order and ids.

import assert from 'node:assert/strict';
import path from 'node:path';
import { expectNoHorizontalOverflow } from './tests.mjs';
import { pickRegion } from './pages.mjs';

const QUERY = '植保无人机';      // a few listings of several kinds and domains
const SUGGEST_PREFIX = '植保';   // typed key by key for the suggestions
const BROAD_QUERY = '无人机';    // more than a page of results, in several regions
const PHONE_WIDTH = 360;
const DEMO_PASSWORD = 'Demo-2026!';
// The demo's organisation members, by the name their listings show.
const DEMO_ORG_MEMBERS = new Map([
  ['刘洋', 'liu.yang@demo.kejiyun.cn'], ['赵敏', 'zhao.min@demo.kejiyun.cn'],
  ['王芳', 'wang.fang@demo.kejiyun.cn'], ['孙浩', 'sun.hao@demo.kejiyun.cn'],
]);
const PER_PAGE = 20; // the search page's default page size

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();
const pathOf = (page) => new URL(page.url()).pathname;
const paramOf = (page, name) => new URL(page.url()).searchParams.get(name);
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Text of the one element sel; fails at once when it is missing or repeated. */
async function textOf(page, sel) {
  const n = await page.locator(sel).count();
  assert.equal(n, 1, `${sel} on ${pathOf(page)}: expected one element, found ${n}`);
  return text(page.locator(sel));
}

/**
 * Runs action (a selector or locator to click, or a function) and waits for
 * the main frame to navigate and load, as market.mjs's follow() does.
 */
async function follow(page, action) {
  const act = typeof action === 'function' ? action
    : () => (typeof action === 'string' ? page.locator(action) : action).click();
  await Promise.all([page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() }), act()]);
  await page.waitForLoadState('load');
}

/** follow(), then asserts the new path matches re; returns its captures. */
async function followTo(page, action, re, what) {
  await follow(page, action);
  const m = pathOf(page).match(re);
  if (!m) {
    const said = await page.locator('main h1, main [role="alert"]').allInnerTexts();
    assert.fail(`after ${what}: at ${pathOf(page)}, expected ${re}; page says: ${said.join(' | ')}`);
  }
  return m;
}

/** A regular expression for catalog message key with its {0} as (\d+). */
function messageRe(tr, key) {
  const marker = '\u0000';
  return new RegExp(`^${escapeRe(tr(key, marker)).replace(marker, '(\\d+)')}$`);
}

/** The result count #search-count announces ("共 N 条"). */
async function resultCount(page, t) {
  const said = await textOf(page, '#search-count');
  const m = said.match(messageRe(t.zh, 'browse.count'));
  assert.ok(m, `#search-count "${said}" is browse.count`);
  return Number(m[1]);
}

const resultCards = (page) => page.locator('#search-results article.listing-card');

/**
 * Asserts the result list agrees with the count (the page of it the URL
 * names) and returns
 * the cards' facts: { href, kind (the tag), domain (first part of the first
 * meta line), marks (highlighted texts) }.
 */
async function resultsShown(page, t) {
  const total = await resultCount(page, t);
  const cards = await resultCards(page).evaluateAll((list) => list.map((card) => {
    const meta = card.querySelector('p.meta').cloneNode(true);
    const kind = meta.querySelector('.tag')?.textContent.trim() ?? '';
    for (const extra of meta.querySelectorAll('.tag, .help')) extra.remove();
    return {
      href: card.querySelector('h3 a')?.getAttribute('href') ?? '',
      title: card.querySelector('h3 a')?.textContent.trim() ?? '',
      kind,
      domain: meta.textContent.split('·')[0].trim(),
      marks: [...card.querySelectorAll('.snippet mark')].map((m) => m.textContent),
    };
  }));
  const pageNo = Number(paramOf(page, 'page') || 1);
  const expected = Math.max(0, Math.min(PER_PAGE, total - (pageNo - 1) * PER_PAGE));
  assert.equal(cards.length, expected, `cards shown on page ${pageNo} of ${total} results`);
  return { total, cards };
}

/** Goes to /search, types q into #q and submits with Enter. */
async function search(page, t, q) {
  await page.goto(`${t.base}/search`);
  assert.equal(await resultCards(page).count(), 0, 'no results before searching');
  await page.locator('#q').fill(q);
  await follow(page, () => page.locator('#q').press('Enter'));
  assert.equal(pathOf(page), '/search');
  assert.equal(paramOf(page, 'q'), q, 'query in the URL');
  assert.equal(await page.inputValue('#q'), q, '#q keeps the query');
  return resultsShown(page, t);
}

/** The facet links of one group (param: kind, domain, …) in .facets. */
function facetLinks(page, param) {
  return page.locator('.facets li').evaluateAll((lis, p) => lis.map((li) => {
    const a = li.querySelector('a');
    const url = new URL(a.getAttribute('href'), location.href);
    return { code: url.searchParams.get(p), label: a.textContent.trim(), n: Number(li.querySelector('.help')?.textContent), href: a.getAttribute('href') };
  }).filter((f) => f.code !== null), param);
}

/**
 * Domain names of code and its descendants, from the #s-domain options
 * (codes nest by prefix: D10 ⊃ D1002; children are indented with U+3000).
 */
async function domainFamily(page, code) {
  const options = await page.locator('#s-domain option').evaluateAll((os) => os.map((o) => ({ code: o.value, label: o.textContent })));
  const names = options.filter((o) => o.code && o.code.startsWith(code)).map((o) => o.label.replace(/^[\s\u3000]+/, '').trim());
  assert.ok(names.length > 0, `#s-domain has an option ${code}`);
  return names;
}

/** Asserts every card is in the family of domain code. */
async function expectAllInDomain(page, cards, code, label) {
  const family = await domainFamily(page, code);
  const outside = cards.filter((c) => !family.includes(c.domain)).map((c) => `"${c.title}" shows domain "${c.domain}"`);
  assert.ok(outside.length === 0, `cards outside ${label} (${code}) and its sub-domains: ${outside.join('; ')}`);
}

/**
 * Searches QUERY and keeps the demands through the kind facet; returns the
 * demand cards. The anonymous visitor's way to a demand.
 */
async function searchDemands(page, t) {
  const all = await search(page, t, QUERY);
  const demandFacet = (await facetLinks(page, 'kind')).find((f) => f.code === 'demand');
  assert.ok(demandFacet, `a kind facet for demands among the results of "${QUERY}"`);
  assert.equal(demandFacet.label, t.zh('kind.demand'), 'demand facet label');
  await follow(page, page.locator(`.facets a[href="${demandFacet.href}"]`));
  assert.equal(paramOf(page, 'kind'), 'demand', 'kind facet sets kind=demand');
  assert.equal(paramOf(page, 'q'), QUERY, 'kind facet keeps the query');
  const { total, cards } = await resultsShown(page, t);
  assert.equal(total, demandFacet.n, `count after the kind facet equals the facet's count (${demandFacet.n})`);
  assert.ok(total <= all.total, 'filtering never adds results');
  assert.deepEqual(cards.filter((c) => c.kind !== t.zh('kind.demand')).map((c) => c.title), [], 'cards that are not demands');
  assert.equal(await page.inputValue('#s-kind'), 'demand', '#s-kind shows the facet chosen');
  return cards;
}

async function searchAndFilter(t) {
  const page = await t.newPage();
  const { total, cards } = await search(page, t, QUERY);
  assert.ok(total >= 2, `"${QUERY}" finds several listings (found ${total})`);
  const marks = cards.flatMap((c) => c.marks);
  assert.ok(marks.length > 0, 'matched words are highlighted with <mark>');
  const strange = marks.filter((m) => !m.trim() || !QUERY.toLowerCase().includes(m.trim().toLowerCase()));
  assert.deepEqual(strange, [], `highlights that are not part of "${QUERY}"`);

  // A domain that holds some but not all results, so the count must change.
  const domains = await facetLinks(page, 'domain');
  assert.ok(domains.length > 0, 'a domain facet list in .facets');
  // Studios (kind facet "studio") have no domain: the domain counts add up
  // to the other results.
  const studios = (await facetLinks(page, 'kind')).find((f) => f.code === 'studio')?.n || 0;
  assert.equal(domains.reduce((s, f) => s + f.n, 0), total - studios, `domain facet counts add up to ${total} - ${studios} studios`);
  const pick = domains.filter((f) => f.n < total).sort((a, b) => b.n - a.n)[0];
  assert.ok(pick, `a domain facet with fewer than ${total} results: ${JSON.stringify(domains)}`);

  // Through the facet link …
  await follow(page, page.locator(`.facets a[href="${pick.href}"]`));
  assert.equal(paramOf(page, 'domain'), pick.code, 'facet link sets the domain');
  const byFacet = await resultsShown(page, t);
  assert.equal(byFacet.total, pick.n, `count after the ${pick.label} facet`);

  // … and through the filter box, from the unfiltered results.
  await page.goBack();
  await page.waitForLoadState('load');
  assert.equal(await resultCount(page, t), total, 'back to the unfiltered count');
  const box = page.locator('details.filters-box');
  if (!(await box.evaluate((d) => d.open))) await box.locator('summary').click();
  await page.locator('#s-domain').waitFor({ state: 'visible' });
  await page.selectOption('#s-domain', pick.code);
  await follow(page, 'form.search-form button[type="submit"]');
  assert.equal(paramOf(page, 'domain'), pick.code, 'domain filter in the URL');
  assert.equal(paramOf(page, 'q'), QUERY, 'filter keeps the query');
  assert.equal(await page.inputValue('#s-domain'), pick.code, '#s-domain keeps the choice');
  const byFilter = await resultsShown(page, t);
  assert.notEqual(byFilter.total, total, 'the count changes with the domain filter');
  assert.equal(byFilter.total, pick.n, `count equals the facet's count for ${pick.label}`);
  assert.deepEqual(byFilter.cards.map((c) => c.href), byFacet.cards.map((c) => c.href), 'filter box and facet link agree');
  // Checked last so that the steps above are exercised even when it fails.
  await expectAllInDomain(page, byFilter.cards, pick.code, pick.label);
}

/** The matches on a matches page: [{ href, score, terms, reasons }]. */
function matchItems(page) {
  return page.locator('#match-list > li.card').evaluateAll((lis) => lis.map((li) => ({
    href: li.querySelector('h3 a')?.getAttribute('href') ?? '',
    title: li.querySelector('h3 a')?.textContent.trim() ?? '',
    score: li.querySelector('.score')?.textContent.trim() ?? '',
    why: li.querySelector('.why strong')?.textContent.trim() ?? '',
    sharedLine: li.querySelector('.why .tag')?.parentElement.textContent.replace(/\s+/g, ' ').trim() ?? '',
    terms: [...li.querySelectorAll('.why .tag')].map((x) => x.textContent.trim()),
    reasons: [...li.querySelectorAll('.why ul li')].map((x) => ({ cls: x.className, text: x.textContent.trim() })),
    buttons: [...li.querySelectorAll('button')].map((b) => b.textContent.trim()),
  })));
}

/** Asserts what every match shows: score, reason heading, terms, ✓/✗ lines. */
function expectExplained(items, t) {
  const scoreRe = messageRe(t.zh, 'match.score');
  let last = Infinity;
  for (const [i, m] of items.entries()) {
    const at = `match ${i + 1} "${m.title}"`;
    assert.match(m.href, /^\/(listings|studios)\/[^/]+$/, `${at} links to a listing or studio`);
    const s = m.score.match(scoreRe);
    assert.ok(s, `${at}: score "${m.score}" reads ${t.zh('match.score', 'NN')}`);
    const pct = Number(s[1]);
    assert.ok(pct >= 0 && pct <= 100, `${at}: score ${pct}% within 0–100`);
    assert.ok(pct <= last, `${at}: matches ordered by score (${pct}% after ${last}%)`);
    last = pct;
    assert.equal(m.why, t.zh('match.why'), `${at}: reason heading`);
    assert.ok(m.terms.length > 0 && m.terms.every(Boolean), `${at}: shared key terms as .tag`);
    assert.ok(m.sharedLine.startsWith(t.zh('match.shared_terms')), `${at}: terms introduced by ${t.zh('match.shared_terms')}`);
    assert.ok(m.reasons.length > 0, `${at}: reason lines`);
    for (const r of m.reasons) {
      const mark = r.cls === 'agree' ? '✓' : r.cls === 'disagree' ? '✗' : null;
      assert.ok(mark, `${at}: reason line class "${r.cls}"`);
      assert.ok(r.text.startsWith(`${mark} `), `${at}: "${r.text}" starts with ${mark}`);
      const said = r.text.slice(2).trim();
      assert.ok(said && !/^match\./.test(said), `${at}: reason "${said}" is translated`);
    }
  }
}

/** From a listing page, follows #matches-link; returns the match items. */
async function openMatches(page, t, listingId) {
  assert.equal(await textOf(page, '#matches-link'), t.zh('match.link_demand'), '#matches-link text on a demand');
  await followTo(page, '#matches-link', new RegExp(`^/listings/${listingId}/matches$`), 'clicking #matches-link');
  assert.equal(await page.locator(`main h1 a[href="/listings/${listingId}"]`).count(), 1, 'matches heading links back to the demand');
  const items = await matchItems(page);
  assert.ok(items.length > 0, `the demand has matches (#match-list li.card): ${await text(page.locator('#match-list'))}`);
  expectExplained(items, t);
  return items;
}

async function demandMatches(t) {
  const page = await t.newPage();
  const demands = await searchDemands(page, t);
  assert.ok(demands.length > 0, `a demand among the results of "${QUERY}"`);
  const [, id] = await followTo(page, resultCards(page).first().locator('h3 a'), /^\/listings\/([^/]+)$/, 'opening the first demand');
  assert.equal(await text(page.locator('main h1')), demands[0].title, 'demand heading');
  assert.equal(await text(page.locator('main .meta .tag').first()), t.zh('kind.demand'), 'the listing is a demand');
  const items = await openMatches(page, t, id);
  assert.deepEqual(items.filter((m) => m.buttons.length).map((m) => m.title), [], 'no 不相关 buttons for an anonymous visitor');
  assert.equal(await page.locator('#alert-matches').count(), 0, 'no match alert button for an anonymous visitor');
}

async function ownerMarksNotRelevant(t) {
  // Who owns the first demand found for QUERY, as the listing page says.
  const visitor = await t.newPage();
  await searchDemands(visitor, t);
  const [, id] = await followTo(visitor, resultCards(visitor).first().locator('h3 a'), /^\/listings\/([^/]+)$/, 'opening the first demand');
  const title = await text(visitor.locator('main h1'));
  const ownerName = (await textOf(visitor, '#owner-identity')).split('·').at(-1).trim();
  const email = DEMO_ORG_MEMBERS.get(ownerName);
  assert.ok(email, `"${title}" is owned by a demo org member (owner shown: "${ownerName}")`);

  // The owner finds it under 我的发布 and opens its matches.
  const owner = await t.newPage();
  await owner.goto(`${t.base}/login`);
  await owner.fill('#email', email);
  await owner.fill('#password', DEMO_PASSWORD);
  await follow(owner, 'form.form button[type="submit"]');
  assert.notEqual(pathOf(owner), '/login', `${email} logged in`);
  await owner.goto(`${t.base}/my/listings`);
  const row = owner.locator('main table tbody tr', { has: owner.locator(`a[href="/listings/${id}"]`) });
  assert.equal(await row.count(), 1, `"${title}" once in /my/listings of ${email}`);
  assert.equal(await text(row.locator('td').nth(1)), t.zh('kind.demand'), 'listed as a demand');
  await followTo(owner, row.locator(`a[href="/listings/${id}"]`), new RegExp(`^/listings/${id}$`), 'opening it from /my/listings');
  const before = await openMatches(owner, t, id);
  assert.ok(before.every((m) => m.buttons.includes(t.zh('match.not_relevant'))), 'the owner has 不相关 on every match');

  const first = owner.locator('#match-list > li.card').first();
  await followTo(owner, first.getByRole('button', { name: t.zh('match.not_relevant') }),
    new RegExp(`^/listings/${id}/matches$`), 'clicking 不相关');
  const after = (await matchItems(owner)).map((m) => m.href);
  assert.ok(!after.includes(before[0].href), `"${before[0].title}" gone after 不相关`);
  // The list is capped (50): one more may move up at its end.
  assert.deepEqual(after.slice(0, before.length - 1), before.slice(1).map((m) => m.href), 'the other matches stay, in order');
  await owner.reload();
  assert.ok(!(await matchItems(owner)).some((m) => m.href === before[0].href), 'still gone after a reload');
}

async function suggestAsYouType(t) {
  const page = await t.newPage();
  await page.goto(`${t.base}/search`);
  const input = page.locator('#q');
  assert.equal(await input.getAttribute('list'), 'q-suggest', '#q uses the datalist');
  assert.equal(await page.locator('datalist#q-suggest option').count(), 0, 'no suggestions before typing');
  const asked = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname === '/api/v1/suggest') asked.push(u.searchParams.get('q'));
  });
  await input.click();
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/suggest'
    && new URL(r.url()).searchParams.get('q') === SUGGEST_PREFIX);
  await input.pressSequentially(SUGGEST_PREFIX, { delay: 400 }); // slower than the script's 150 ms pause
  assert.equal((await answered).status(), 200, `/api/v1/suggest?q=${SUGGEST_PREFIX}`);
  // The options are filled in after the answer; wait for those of the whole prefix.
  await page.waitForFunction((prefix) => {
    const opts = [...document.querySelectorAll('datalist#q-suggest option')];
    return opts.length > 0 && opts[0].value.includes(prefix);
  }, SUGGEST_PREFIX).catch(() => {});
  const options = await page.locator('datalist#q-suggest option').evaluateAll((os) => os.map((o) => o.value));
  assert.ok(options.length > 0, `<datalist id="q-suggest"> has options after typing ${SUGGEST_PREFIX} (asked: ${asked.join(', ')})`);
  // Titles that hold the typed text come first; a listing found through
  // its keywords (植保 in its keywords, not its title) may follow.
  assert.ok(options[0].includes(SUGGEST_PREFIX), `first suggestion holds ${SUGGEST_PREFIX}: ${options.join(' | ')}`);
  const firstOther = options.findIndex((o) => !o.includes(SUGGEST_PREFIX));
  assert.ok(firstOther < 0 || options.filter((o) => o.includes(SUGGEST_PREFIX)).length >= firstOther,
    `titles holding ${SUGGEST_PREFIX} before the others: ${options.join(' | ')}`);
  assert.equal(new Set(options).size, options.length, `no repeated suggestions: ${options.join(' | ')}`);
  assert.equal(asked.at(-1), SUGGEST_PREFIX, `last suggestion request is for the whole prefix (asked: ${asked.join(', ')})`);
  assert.equal(await input.inputValue(), SUGGEST_PREFIX, 'typing is not disturbed');
}

/**
 * Follows a link of the results page and notes in problems where the page
 * it leads to loses a filter of want (param → value) or shows other than
 * the count results the link promised; returns the new results.
 */
async function followKeeping(page, t, link, want, count, what, problems) {
  await follow(page, link);
  const lost = Object.entries(want).filter(([k, v]) => paramOf(page, k) !== v).map(([k, v]) => `${k}=${v}`);
  if (lost.length) problems.push(`${what} drops ${lost.join('&')} (leads to ${decodeURI(page.url().replace(t.base, ''))})`);
  const shown = await resultsShown(page, t);
  if (shown.total !== count) problems.push(`${what} promises ${count} results, shows ${shown.total}`);
  return shown;
}

async function linksKeepFilters(t) {
  const page = await t.newPage();
  const { total } = await search(page, t, BROAD_QUERY);
  // A region with more than one page of results but fewer than all.
  const regions = await facetLinks(page, 'region');
  const region = regions.filter((f) => f.n > PER_PAGE && f.n < total).sort((a, b) => b.n - a.n)[0];
  assert.ok(region, `a region facet with ${PER_PAGE + 1}–${total - 1} results for "${BROAD_QUERY}": ${JSON.stringify(regions)}`);
  await page.locator('details.filters-box summary').click();
  // The one cascading picker: province, then the city (GB/T 2260 codes nest by digits).
  const chain = [region.code.slice(0, 2) + '0000', region.code.slice(0, 4) + '00', region.code].filter((c, i, a) => a.indexOf(c) === i);
  await pickRegion(page, 'region', chain);
  await follow(page, 'form.search-form button[type="submit"]');
  const want = { q: BROAD_QUERY, region: region.code };
  // The picker's form sends its levels (region__1, region__2 …); the deepest chosen is the filter.
  const u = new URL(page.url());
  const sent = [1, 2, 3, 4].map((k) => u.searchParams.get(`region__${k}`)).filter(Boolean).at(-1) || u.searchParams.get('region');
  assert.equal(sent, region.code, 'region filter in the URL');
  const first = await resultsShown(page, t);
  assert.equal(first.total, region.n, `count for ${region.label}`);

  // Every problem is collected, so one run names them all.
  const problems = [];
  // The pager stays within the filtered results.
  const next = page.locator('nav.pager a', { hasText: t.zh('common.next') });
  assert.equal(await next.count(), 1, 'a next-page link');
  const second = await followKeeping(page, t, next, { ...want, page: '2' }, region.n, 'the next-page link', problems);
  const repeated = second.cards.filter((c) => first.cards.some((f) => f.href === c.href)).length;
  if (repeated) problems.push(`page 2 repeats ${repeated} card(s) of page 1`);

  // Each facet group's first and last link, from the filtered first page.
  for (const group of ['kind', 'domain', 'trl_min']) {
    await page.goto(`${t.base}/search?q=${encodeURIComponent(BROAD_QUERY)}&region=${region.code}`);
    const facets = await facetLinks(page, group);
    assert.ok(facets.length, `a ${group} facet within ${region.label}`);
    for (const facet of new Set([facets[0], facets.at(-1)])) {
      await page.goto(`${t.base}/search?q=${encodeURIComponent(BROAD_QUERY)}&region=${region.code}`);
      await followKeeping(page, t, page.locator(`.facets a[href="${facet.href}"]`).first(), want, facet.n,
        `the ${group} facet "${facet.label} ${facet.n}"`, problems);
    }
  }
  assert.ok(problems.length === 0, `on /search?q=${BROAD_QUERY}&region=${region.code}: ${problems.join('; ')}`);
}

async function searchOnPhone(t) {
  const page = await t.newPage({ viewport: { width: PHONE_WIDTH, height: 760 }, isMobile: true, hasTouch: true });
  await page.goto(`${t.base}/search?q=${encodeURIComponent(BROAD_QUERY)}`);
  const { total } = await resultsShown(page, t);
  assert.ok(total > 0, `"${BROAD_QUERY}" finds listings`);
  await page.screenshot({ path: path.join(t.artifacts, `search-${PHONE_WIDTH}.png`), fullPage: true });
  await expectNoHorizontalOverflow(page, PHONE_WIDTH);
  // The filter box opened: four controls in the grid.
  await page.locator('details.filters-box summary').click();
  await page.locator('#region').waitFor({ state: 'visible' });
  await expectNoHorizontalOverflow(page, PHONE_WIDTH);
}

export const tests = [
  { name: 'search: query, highlights, domain facet and filter narrow the results to that domain', fn: searchAndFilter, budget: 8 },
  { name: 'search: a demand found via the kind facet lists its matches with score and reasons', fn: demandMatches, budget: 8 },
  { name: 'search: the demand\'s owner marks a match 不相关 and it leaves the list', fn: ownerMarksNotRelevant, budget: 10 },
  { name: 'search: typing 植保 fills the suggestion datalist', fn: suggestAsYouType },
  { name: 'search: pager and facet links keep the active filters and lead to the counts they show', fn: linksKeepFilters, budget: 10 },
  { name: `search: results on a ${PHONE_WIDTH} px phone, no horizontal scroll`, fn: searchOnPhone },
];
