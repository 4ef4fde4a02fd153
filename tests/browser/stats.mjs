// tests/browser/stats.mjs — issue 18's center statistics page on a phone
// (390 px): the head of the 成都 center opens 统计分析 from the menu, sees
// its jurisdiction's figures as charts, each with its table beside it, all
// within the screen (no sideways scrolling of the page), picks a period
// chip and a district with the region picker and a domain, drills down to
// a district and back up by the breadcrumb, and downloads a table as CSV.

import assert from 'node:assert/strict';
import { follow, logInOn, pickRegion } from './pages.mjs';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const HEAD = { email: 'operator@demo.kejiyun.cn', password: 'Operator-2026!' };   // 成都 center (510100)

const scope = async (page) => (await page.locator('#stats-scope').innerText()).trim();

async function expectFits(page, what) {
  const { sw, iw } = await page.evaluate(() => ({ sw: document.scrollingElement.scrollWidth, iw: window.innerWidth }));
  assert.ok(sw <= iw, `${what}: scrollWidth ${sw} > innerWidth ${iw}`);
  // Every chart lies within the screen, and has a table in its block.
  const charts = await page.evaluate(() => [...document.querySelectorAll('.stats-chart svg')].map((s) => {
    const r = s.getBoundingClientRect();
    const block = s.closest('.stats-block');
    return { left: r.left, right: r.right, table: !!(block && (block.querySelector('table') || block.querySelector('.stats-table .help'))) };
  }));
  assert.ok(charts.length > 5, `${what}: charts drawn (${charts.length})`);
  for (const c of charts) {
    assert.ok(c.left >= 0 && c.right <= 390 + 0.5, `${what}: a chart from ${c.left} to ${c.right}`);
    assert.ok(c.table, `${what}: a chart without its table`);
  }
}

async function centerStatsOnPhone(t) {
  const page = await t.newPage(PHONE);
  await logInOn(page, t.base, HEAD);
  await page.locator('summary.menu-button').click();
  await follow(page, '#nav-stats');
  assert.equal(await scope(page), '成都市');
  await expectFits(page, '/stats');
  // The figures are readable as text beside the pictures.
  assert.ok((await page.locator('#table-listings th').allInnerTexts()).join(' ').includes('发布'));
  assert.ok(await page.locator('#stats-fresh').isVisible());

  // A period chip: last month.
  await follow(page, '#stats-periods a:nth-child(2)');
  const sp = new URL(page.url()).searchParams;
  // Days, both included: the first and the last day of one calendar month.
  assert.ok(/^\d{4}-\d{2}-01$/.test(sp.get('from')) && sp.get('to').slice(0, 7) === sp.get('from').slice(0, 7), `one month: ${sp}`);
  await expectFits(page, '/stats (last month)');

  // The region picker and a domain: 锦江区, 现代农业.
  await pickRegion(page, 'region', ['510000', '510100', '510104']);
  await page.selectOption('#f-domain', 'D10');
  await follow(page, '#stats-filters button[type="submit"]');
  assert.equal(await scope(page), '锦江区');
  assert.equal(await page.locator('#f-domain').inputValue(), 'D10');
  await expectFits(page, '/stats (锦江区, D10)');

  // Up by the breadcrumb to 成都市, then down into a district by the drill-down.
  await follow(page, page.locator('.stats-crumbs a', { hasText: '成都市' }));
  assert.equal(await scope(page), '成都市');
  await follow(page, page.locator('#stats-drill a', { hasText: '武侯区' }));
  assert.equal(await scope(page), '武侯区');
  await expectFits(page, '/stats (武侯区)');

  // A table as CSV.
  const href = await page.locator('#t-listings .stats-csv').getAttribute('href');
  const csv = await page.request.get(`${t.base}${href}`);
  assert.equal(csv.status(), 200);
  assert.ok((await csv.text()).includes('科技成果'));
  // Above its jurisdiction: refused.
  const r = await page.goto(`${t.base}/stats?region=510000`);
  assert.equal(r.status(), 403);
}

export const tests = [
  { name: 'stats: the 成都 center head reads, filters and drills down its statistics on a phone (390 px)',
    fn: centerStatsOnPhone, budget: 10 },
];
