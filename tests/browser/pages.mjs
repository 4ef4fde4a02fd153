// tests/browser/pages.mjs — the page helpers every journey uses: following
// a link or a form to the page it leads to, and logging in. Shared so that
// all journeys wait for navigation, and explain a failure, the same way.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';

/** A short string unique to this run, for titles and names. */
export const unique = () => `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;

/** The path of the page's URL. */
export const pathOf = (page) => new URL(page.url()).pathname;

/**
 * Clicks target (a selector or a locator) and waits for the page it leads
 * to (after any POST → redirect) to load. Waiting for the main frame to
 * navigate, not for a URL, matters: many forms here come back to the very
 * URL they were sent from, where a URL wait would return before the click
 * had any effect.
 */
export async function follow(page, target) {
  const locator = typeof target === 'string' ? page.locator(target) : target;
  // Promise.all so that a failed click does not leave the navigation wait
  // to reject unhandled later.
  try {
    await Promise.all([
      page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() }),
      locator.click(),
    ]);
  } catch (e) {
    // The usual reason for no navigation: the browser's own form
    // validation stopped the submission; name the fields it complained of.
    const invalid = await page.evaluate(() => [...document.querySelectorAll('form :invalid:not(fieldset)')]
      .map((el) => `#${el.id || el.name}: ${el.validationMessage}`)).catch(() => []);
    throw invalid.length ? new Error(`clicking ${target} did not submit; invalid fields: ${invalid.join('; ')}`) : e;
  }
  await page.waitForLoadState('load');
}

/**
 * follow(), then asserts the new path matches re; returns its capture
 * groups. On a mismatch the message quotes the page's errors and heading
 * (a refused form comes back with them).
 */
export async function followTo(page, target, re) {
  await follow(page, target);
  const m = pathOf(page).match(re);
  if (!m) {
    const said = await page.locator('main h1, main [role="alert"], .field-error').allInnerTexts();
    assert.fail(`after clicking ${target}: at ${pathOf(page)}, expected ${re}; page says: ${said.join(' | ')}`);
  }
  return m;
}

/** Logs page in as who ({email, password}) through /login and waits to leave it. */
export async function logInOn(page, base, who) {
  await page.goto(`${base}/login`);
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
  await follow(page, 'form.form button[type="submit"]');
  assert.notEqual(pathOf(page), '/login', `${who.email} logged in`);
}

/** A fresh browser context (options: viewport etc.) logged in as who; returns its page. */
export async function pageFor(t, who, options) {
  const page = await t.newPage(options);
  await logInOn(page, t.base, who);
  return page;
}

/**
 * Chooses codes (province first, then each level down) in the cascading
 * region picker of field name (templates/_region_picker.html): with
 * JavaScript each level's select appears once the one above is chosen.
 */
export async function pickRegion(page, name, codes) {
  for (let i = 0; i < codes.length; i++) {
    const sel = i ? `select[name="${name}__${i + 1}"]` : `#${name}`;
    await page.locator(`${sel} option[value="${codes[i]}"]`).waitFor({ state: 'attached' });
    await page.selectOption(sel, codes[i]);
  }
}
