// tests/browser/walk.mjs — the outsider's phone walk (a check of every
// release): each kind of user on a 360 px touch phone (device scale 3), in
// Chinese and English, through the pages their journeys cross — the
// service desk, reviews, work orders and statistics of center staff, the
// administrator's users, audit log, instance profile and peers, the
// scientist's studio, listing form, deals and sessions, the enterprise's
// matches and interests, the resident's 科普 feed and question form. On
// each page:
//   - nothing is wider than the phone (widths.mjs's measure);
//   - every control a thumb aims at is at least 44 × 44 px: the header's
//     name, search box and menu button, buttons, fields and selects, folded
//     sections' headings, filter and period chips, the pager, the labels of
//     checkboxes and radio buttons (links inside running text are not
//     measured: they sit in their sentence), and a listing card is one
//     target: a tap anywhere on it opens the listing;
//   - an English page shows no Chinese in its own words: labels, buttons,
//     table heads, legends, folded headings, the tab bar (what users wrote,
//     and names, are theirs and stay as written).
// What the walk found and this keeps fixed: 32–41 px buttons, selects and
// header controls, listing cards tappable only on their 20 px title line,
// 19 px period chips, 19–26 px checkbox labels, 26 px
// folded headings, the deal
// process table and a 科普 image's Markdown pushing pages to 472 px, and a
// session's "End" button one letter wide in its table cell.

import assert from 'node:assert/strict';
import path from 'node:path';
import { expectFits } from './widths.mjs';
import { logInOn } from './pages.mjs';

const PHONE = { viewport: { width: 360, height: 780 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true };
const WHO = {
  scientist: { email: 'zhang.wei@demo.kejiyun.cn', password: 'Demo-2026!' },
  enterprise: { email: 'liu.yang@demo.kejiyun.cn', password: 'Demo-2026!' },
  staff: { email: 'operator@demo.kejiyun.cn', password: 'Operator-2026!' },
  admin: { email: 'admin@demo.kejiyun.cn', password: 'Admin-2026!' },
  resident: { email: 'chen.min@demo.kejiyun.cn', password: 'Demo-2026!' },
};

/** In the page: controls smaller than 44 px, and (English) Chinese in the page's own words. */
function inspect() {
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && r.right > 0 && r.bottom > 0;
  };
  const name = (el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}`
    + `${typeof el.className === 'string' && el.className.trim() ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}`
    + ` "${(el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 16)}"`;
  const small = [];
  const controls = 'header a, header input, header summary, header button, nav.tabbar a, main button, main .btn, main .btn-small, '
    + 'main input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]), main select, main summary, '
    + 'main .filter-chips a, main .chip, main .pager a, main label:has(> input[type=checkbox]), main label:has(> input[type=radio])';
  for (const el of document.querySelectorAll(controls)) {
    // The header's links inside the closed menu are not shown on a phone.
    if (!shown(el) || el.closest('.menu:not([open]) .menu-panel')) continue;
    const r = el.getBoundingClientRect();
    if (r.height < 43.5 || r.width < 43.5) small.push(`${name(el)} ${Math.round(r.width)}×${Math.round(r.height)}`);
  }
  // A listing card is tapped anywhere (its title's link covers it): a tap
  // near its bottom left corner lands on the title's link.
  for (const card of [...document.querySelectorAll('main .listing-card')].slice(0, 3)) {
    const link = card.querySelector('h3 a');
    if (!link || !shown(card)) continue;
    card.scrollIntoView({ block: 'center' });
    const r = card.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + 6, r.bottom - 6);
    if (!hit || hit.closest('a') !== link) small.push(`${name(link)}: only its title line is tappable (${hit ? name(hit) : 'nothing'} at the card's corner)`);
  }
  window.scrollTo(0, 0);
  const chinese = [];
  if (document.documentElement.lang === 'en') {
    const own = 'label, button, th, legend, summary, nav.tabbar, .btn, .pager';
    for (const el of document.querySelectorAll(own)) {
      if (!shown(el)) continue;
      // Users' words (a name in a label, an option) are marked with their language or are not the page's.
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let n; (n = walker.nextNode());) {
        const p = n.parentElement;
        if (p.closest('[lang]:not(html)') || p.closest('option, select, .user-text, .region-chosen-name')) continue;
        // A Chinese term glossed in parentheses, "Popular science (科普)", is
        // English (the rule of test_i18n_catalogs.c).
        if (/[\u3400-\u9fff]/.test(n.textContent.replace(/\([^)]*\)/g, ''))) chinese.push(`${name(el)}: ${n.textContent.trim().slice(0, 40)}`);
      }
    }
  }
  return { small: [...new Set(small)], chinese: [...new Set(chinese)] };
}

/** The first href on path matching re, or null. */
async function firstHref(page, base, p, re) {
  await page.goto(`${base}${p}`);
  const hrefs = await page.locator('main a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  return hrefs.find((h) => re.test(h)) || null;
}

async function pagesOf(t) {
  const probe = await t.newPage();
  const listing = await firstHref(probe, t.base, '/demands', /^\/listings\/[0-9A-Z]{26}$/);
  const article = await firstHref(probe, t.base, '/popsci', /^\/popsci\/[0-9A-Z]{26}$/);
  const event = await firstHref(probe, t.base, '/events', /^\/events\/[0-9A-Z]{26}$/);
  await logInOn(probe, t.base, WHO.enterprise);
  const mine = await firstHref(probe, t.base, '/my/listings', /^\/listings\/[0-9A-Z]{26}$/);
  await probe.context().close();
  for (const [what, href] of Object.entries({ listing, article, event, mine })) assert.ok(href, `the demo data has a ${what}`);
  return {
    visitor: ['/', '/demands', `/search?q=${encodeURIComponent('水稻')}`, listing, '/popsci', article, '/challenge-lists', '/data',
      '/experts', '/studios', '/events', event, '/centers', '/register', '/login'],
    scientist: ['/dashboard', '/studios/mine', '/listings/new?kind=achievement', '/my/listings', '/eois', '/deals', '/deals/process',
      '/account/sessions', '/account/profile', '/settings/mail', '/popsci/mine', `${event}/meetings`],
    enterprise: ['/dashboard', '/listings/new?kind=demand', `${mine}/matches`, '/eois', '/deals', '/work-orders/new', '/favourites'],
    staff: ['/desk', '/review', '/work-orders/queue', '/stats', '/org-verifications', '/popsci/review', `${event}/meetings?scope=all`],
    admin: ['/admin/users', '/admin/audit', '/admin/instance', '/admin/federation', '/centers/new'],
    resident: ['/popsci/feed', '/popsci/questions/new', '/popsci/profile', '/popsci/teams', '/work-orders/new'],
  };
}

async function phoneWalk(t) {
  const pages = await pagesOf(t);
  const failures = [];
  for (const lang of ['zh-CN', 'en']) {
    for (const [who, paths] of Object.entries(pages)) {
      const page = await t.newPage({ ...PHONE, locale: lang });
      if (WHO[who]) await logInOn(page, t.base, WHO[who]);
      for (const p of paths) {
        const r = await page.goto(`${t.base}${p}`);
        const where = `${lang} ${who} ${p}`;
        if (r.status() >= 400) { failures.push(`${where}: answered ${r.status()}`); continue; }
        try { await expectFits(page, 360, `${lang} ${who}`); } catch (e) { failures.push(e.message); }
        const { small, chinese } = await page.evaluate(inspect);
        if (small.length) failures.push(`${where}: controls under 44 px: ${small.slice(0, 6).join(', ')}`);
        if (chinese.length) failures.push(`${where}: Chinese in the page's own words: ${chinese.slice(0, 4).join(' | ')}`);
      }
      if (lang === 'en') await page.screenshot({ path: path.join(t.artifacts, `walk-${who}-360-en.png`) });
      await page.context().close();
    }
  }
  assert.equal(failures.length, 0, `${failures.length} page(s) an outsider would trip over:\n${failures.slice(0, 25).join('\n')}`);
}

export const tests = [
  { name: 'walk: every kind of user on a 360 px phone, Chinese and English: nothing wider than the phone, controls of 44 px, English pages in English',
    fn: phoneWalk, budget: 40 },
];
