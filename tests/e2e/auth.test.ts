// Signing in, in Debian's Chromium against the whole running system: the login page (both
// languages, wrong password, throttled, server unreachable); a province user kept to its own
// province (no national page, its links only, "not your province" for the others, acks on its
// own alerts), also on a 390 px wide phone; a viewer without the policy editor's controls or
// acks; a session revoked under an open page returns to the login page and back to that page.
import { describe, it, expect } from 'vitest';
import type { BrowserContextOptions, Locator, Page } from 'playwright-core';
import { systemInChromium } from '../helpers/system.ts';
import { artifactsDir } from '../helpers/browser.ts';

const artifacts = artifactsDir;
const province = 'thanh-hoa';
const otherProvince = 'nghe-an';
const desktop: BrowserContextOptions = { viewport: { width: 1400, height: 900 } };
const phone: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

// Off-peak, so every other province stays ok; an Internet surge on the uplinks of Thanh Hóa and
// Nghệ An (a smaller link, quieter at that hour: a bigger surge) keeps an alert open in each.
const scenario = `name: auth-e2e
clockStart: "07:30"
length: 60m
events:
  - { kind: internetSurge, at: 5s, for: 50m, links: [t1-${province}], factor: 5.5 }
  - { kind: internetSurge, at: 5s, for: 50m, links: [t1-${otherProvince}], factor: 12 }
`;

const env = systemInChromium({ intervalMs: 1_000, scenario });

interface Opened {
  page: Page;
  errors: string[];
  close(): Promise<void>;
}

/** A fresh browser (no session) at `path`. */
async function open(path: string, options: BrowserContextOptions): Promise<Opened> {
  const context = await env.browser.newContext(options);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${env.system.url}/${path}`);
  return { page, errors, close: () => context.close() };
}

async function signIn(page: Page, username: string, password = env.system.password): Promise<void> {
  await page.locator('[data-testid="login-page"]').waitFor();
  await page.locator('[data-testid="login-username"]').fill(username);
  await page.locator('[data-testid="login-password"]').fill(password);
  await page.locator('[data-testid="login-submit"]').click();
}

function hashOf(page: Page): string {
  return new URL(page.url()).hash;
}

/** The page is no wider than the viewport: nothing scrolls sideways. */
async function expectNoSideScroll(page: Page, widthPx: number): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(widthPx);
}

/** Visible, inside the viewport's width, and the topmost element where a tap would land. */
async function expectTappable(page: Page, locator: Locator, widthPx: number): Promise<void> {
  await expect.poll(() => locator.isVisible()).toBe(true);
  const box = await locator.boundingBox();
  expect(box).not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(widthPx);
  const hit = await locator.evaluate((node) => {
    const rect = node.getBoundingClientRect();
    const top = document.elementFromPoint(rect.left + rect.width / 2, rect.top + rect.height / 2);
    return top !== null && (top === node || node.contains(top));
  });
  expect(hit).toBe(true);
}

async function openAlerts(): Promise<{ id: string; province: string; state: string }[]> {
  return (await env.system.getAs<{ alerts: { id: string; province: string; state: string }[] }>('/api/v1/alerts?state=open')).alerts;
}

describe('signing in, by role, in Chromium', () => {
  it('login page: both languages, a wrong password, then a province user lands on its province and sees only it', async () => {
    const { page, errors, close } = await open('#/', desktop);
    // No session: the login page (the national page is everyone's default, so no `next`).
    await page.locator('[data-testid="login-page"]').waitFor();
    expect(hashOf(page)).toBe('#/login');
    expect(await page.locator('h1').textContent()).toBe('Đăng nhập');
    await page.screenshot({ path: `${artifacts}auth-login-vi.png`, fullPage: true });
    await page.locator('[data-testid="lang-en"]').click();
    expect(await page.locator('h1').textContent()).toBe('Sign in');
    expect(await page.locator('label[for="login-password"]').textContent()).toBe('Password');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.screenshot({ path: `${artifacts}auth-login-en.png`, fullPage: true });
    await page.locator('[data-testid="lang-vi"]').click();

    await signIn(page, province, 'not-the-password');
    const problem = page.locator('[data-testid="login-error"]');
    await problem.waitFor();
    expect(await problem.getAttribute('data-kind')).toBe('wrong-credentials');
    expect(await problem.textContent()).toContain('Tên đăng nhập hoặc mật khẩu không đúng.');
    expect(await page.locator('[data-testid="login-password"]').inputValue()).toBe('');
    await page.screenshot({ path: `${artifacts}auth-login-wrong-vi.png`, fullPage: true });

    await signIn(page, province);
    await page.waitForURL(/#\/province\/thanh-hoa$/);
    const provincePage = page.locator('[data-testid="province-page"]');
    await provincePage.waitFor();
    expect(await provincePage.getAttribute('data-province')).toBe(province);
    expect(await page.locator('h1').textContent()).toBe('Thanh Hóa');

    // Its links, exactly: the ones the topology gives Thanh Hóa.
    const topology = await env.system.getAs<{ links: { id: string; province: string }[] }>('/api/v1/topology');
    const ownLinks = topology.links.filter((link) => link.province === province).map((link) => link.id).sort();
    expect(ownLinks.length).toBeGreaterThan(1);
    const rows = page.locator('[data-testid="province-link-row"]');
    await expect.poll(() => rows.count()).toBe(ownLinks.length);
    expect((await rows.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-link') ?? ''))).sort()).toEqual(ownLinks);

    // The header: who is signed in, and no national page on offer.
    const user = page.locator('[data-testid="user"]');
    expect(await user.getAttribute('data-username')).toBe(province);
    expect(await user.getAttribute('data-role')).toBe('province');
    expect(await page.locator('[data-testid="user-role"]').textContent()).toContain('Cán bộ tỉnh · Thanh Hóa');
    expect(await page.locator('[data-testid="nav-national"]').count()).toBe(0);
    expect(await page.locator('[data-testid="nav-policies"]').count()).toBe(0);
    expect(await page.locator('[data-testid="nav-province"]').textContent()).toBe('Thanh Hóa');
    expect(await page.locator('[data-testid="nav-province"]').getAttribute('href')).toBe('#/province/thanh-hoa');
    expect(await page.locator('a[href="#/"]').count()).toBe(0);
    await page.screenshot({ path: `${artifacts}auth-province-page-vi.png`, fullPage: true });

    // The national page sends it home; another province or link says so.
    await page.evaluate(() => (window.location.hash = '#/'));
    await page.waitForURL(/#\/province\/thanh-hoa$/);
    await provincePage.waitFor();
    expect(await page.locator('[data-testid="national-page"]').count()).toBe(0);

    await page.evaluate(() => (window.location.hash = '#/province/ha-noi'));
    const notYours = page.locator('[data-testid="not-your-province"]');
    await notYours.waitFor();
    expect(await notYours.textContent()).toContain('chỉ xem được số liệu của Thanh Hóa');
    expect(await page.locator('[data-testid="province-page"]').count()).toBe(0);
    await page.screenshot({ path: `${artifacts}auth-not-your-province-vi.png`, fullPage: true });

    await page.evaluate(() => (window.location.hash = '#/link/t1-ha-noi'));
    await page.locator('[data-testid="not-your-province"]').waitFor();
    expect(await page.locator('[data-testid="link-page"]').count()).toBe(0);

    await page.evaluate(() => (window.location.hash = '#/policies'));
    await page.locator('[data-testid="forbidden"]').waitFor();
    expect(await page.locator('[data-testid="policies-page"]').count()).toBe(0);

    await page.evaluate(() => (window.location.hash = '#/link/t1-thanh-hoa'));
    const linkPage = page.locator('[data-testid="link-page"]');
    await linkPage.waitFor();
    expect(await linkPage.getAttribute('data-link')).toBe('t1-thanh-hoa');
    expect(await page.locator('a.back').getAttribute('href')).toBe('#/province/thanh-hoa');

    // Alerts: only Thanh Hóa's, each open one with an ack button; acknowledged in its name.
    await expect
      .poll(async () => new Set((await openAlerts()).map((alert) => alert.province)), { timeout: 60_000 })
      .toEqual(new Set([province, otherProvince]));
    await page.evaluate(() => (window.location.hash = '#/alerts'));
    const alertRows = page.locator('[data-testid="alert-row"]');
    await expect.poll(() => page.locator('[data-testid="alert-row"][data-state="open"]').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(new Set(await alertRows.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-province'))))).toEqual(new Set([province]));
    const filterOptions = await page.locator('[data-testid="filter-province"] option').evaluateAll((nodes) => nodes.map((node) => (node as HTMLOptionElement).value));
    expect(filterOptions).toEqual(['', province]);
    const openRow = page.locator('[data-testid="alert-row"][data-state="open"]').first();
    const openId = await openRow.getAttribute('data-id');
    expect(await openRow.locator('[data-testid="ack-button"]').count()).toBe(1);
    await page.screenshot({ path: `${artifacts}auth-province-alerts-vi.png`, fullPage: true });
    await openRow.locator('[data-testid="ack-button"]').click();
    const acked = page.locator(`[data-testid="alert-row"][data-id="${openId}"]`);
    await expect.poll(() => acked.getAttribute('data-state'), { timeout: 10_000 }).toBe('acknowledged');
    expect(await acked.locator('[data-testid="acked-by"]').textContent()).toContain(province);
    expect(await acked.locator('[data-testid="ack-button"]').count()).toBe(0);
    await close();
    expect(errors).toEqual([]);
  }, 120_000);

  it('a province user on a 390 px phone: every page fits, logout and the language switch stay reachable', async () => {
    const widthPx = 390;
    const { page, errors, close } = await open('#/alerts', phone);
    await page.locator('[data-testid="login-page"]').waitFor();
    expect(hashOf(page)).toBe('#/login?next=%23%2Falerts');
    await expectNoSideScroll(page, widthPx);
    await expectTappable(page, page.locator('[data-testid="lang-en"]'), widthPx);
    await page.screenshot({ path: `${artifacts}auth-phone-login-vi.png`, fullPage: true });

    // Signed in, back to the page asked for.
    await signIn(page, province);
    await page.waitForURL(/#\/alerts$/);
    await page.locator('[data-testid="alerts-page"]').waitFor();

    const visits: [string, string][] = [
      ['#/alerts', '[data-testid="alerts-page"]'],
      ['#/province/thanh-hoa', '[data-testid="province-page"]'],
      ['#/link/t1-thanh-hoa', '[data-testid="link-page"]'],
      ['#/link/t2-thanh-hoa-sam-son', '[data-testid="link-page"]'],
      ['#/province/ha-noi', '[data-testid="not-your-province"]'],
      ['#/qos/unmatched', '[data-testid="unmatched-page"]'],
    ];
    for (const [hash, marker] of visits) {
      await page.evaluate((target) => (window.location.hash = target), hash);
      await page.locator(marker).waitFor();
      // Charts and live rows settle their width once data arrives.
      await page.waitForTimeout(1_500);
      await expectNoSideScroll(page, widthPx);
      await expectTappable(page, page.locator('[data-testid="logout"]'), widthPx);
      await expectTappable(page, page.locator('[data-testid="lang-en"]'), widthPx);
      await expectTappable(page, page.locator('[data-testid="nav-alerts"]'), widthPx);
      await expectTappable(page, page.locator('[data-testid="conn"]'), widthPx);
      await page.screenshot({ path: `${artifacts}auth-phone-${hash.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}-vi.png`, fullPage: true });
    }

    // The language switch works from the phone header.
    await page.locator('[data-testid="lang-en"]').tap();
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await page.locator('[data-testid="nav-alerts"]').textContent()).toBe('Alerts');
    expect(await page.locator('[data-testid="logout"]').textContent()).toBe('Sign out');
    await expectNoSideScroll(page, widthPx);
    await page.screenshot({ path: `${artifacts}auth-phone-province-en.png`, fullPage: false });

    // Logout from the phone: the login page, without a `next` (it was on purpose).
    await page.locator('[data-testid="logout"]').tap();
    await page.waitForURL(/#\/login$/);
    const notice = page.locator('[data-testid="login-notice"]');
    await notice.waitFor();
    expect(await notice.getAttribute('data-reason')).toBe('logged-out');
    expect(await notice.textContent()).toContain('You have signed out.');
    await expectNoSideScroll(page, widthPx);
    await page.screenshot({ path: `${artifacts}auth-phone-logged-out-en.png`, fullPage: true });
    await close();
    expect(errors).toEqual([]);
  }, 120_000);

  it('a viewer reads the policies without save or rollback, and sees alerts without ack buttons', async () => {
    for (const [options, size, widthPx] of [
      [desktop, 'desktop', 1400],
      [phone, 'phone', 390],
    ] as const) {
      const { page, errors, close } = await open('#/policies', options);
      await page.locator('[data-testid="login-page"]').waitFor();
      expect(hashOf(page)).toBe('#/login?next=%23%2Fpolicies');
      await signIn(page, 'viewer');
      await page.waitForURL(/#\/policies$/);
      const editor = page.locator('[data-testid="policy-text"]');
      await editor.waitFor({ timeout: 10_000 });
      await page.locator('[data-testid="policy-history-row"]').first().waitFor();
      expect(await page.locator('[data-testid="policy-read-only"]').textContent()).toContain('Người xem');
      expect(await page.locator('[data-testid="policy-save"]').count()).toBe(0);
      expect(await page.locator('[data-testid="policy-rollback"]').count()).toBe(0);
      expect(await page.locator('[data-testid="policy-discard"]').count()).toBe(0);
      expect(await page.locator('[data-testid="override-add"]').count()).toBe(0);
      expect(await editor.getAttribute('readonly')).not.toBeNull();
      expect(await page.locator('[data-testid="nav-policies"]').count()).toBe(0);
      expect(await page.locator('[data-testid="nav-national"]').count()).toBe(1);
      expect(await page.locator('[data-testid="user-role"]').textContent()).toContain('Người xem');
      await expectNoSideScroll(page, widthPx);
      await page.screenshot({ path: `${artifacts}auth-viewer-policies-${size}-vi.png`, fullPage: true });

      await page.evaluate(() => (window.location.hash = '#/alerts'));
      const openRows = page.locator('[data-testid="alert-row"][data-state="open"]');
      await expect.poll(() => openRows.count(), { timeout: 60_000 }).toBeGreaterThan(0);
      expect(await page.locator('[data-testid="ack-button"]').count()).toBe(0);
      // A viewer sees every province's alerts.
      await expect
        .poll(async () => new Set(await page.locator('[data-testid="alert-row"]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-province')))))
        .toEqual(new Set([province, otherProvince]));
      await page.screenshot({ path: `${artifacts}auth-viewer-alerts-${size}-vi.png`, fullPage: true });
      await close();
      expect(errors).toEqual([]);
    }
  }, 120_000);

  it('a session revoked under an open page returns to the login page with the page kept, and back after signing in', async () => {
    const { page, errors, close } = await open('#/alerts', desktop);
    await signIn(page, 'engineer');
    await page.waitForURL(/#\/alerts$/);
    await page.locator('[data-testid="alerts-page"]').waitFor();
    expect(await page.locator('[data-testid="nav-policies"]').count()).toBe(1);

    // The session ends behind the page's back (as when it expires or an admin revokes it).
    expect(await page.evaluate(async () => (await fetch('/api/v1/auth/logout', { method: 'POST' })).status)).toBe(204);
    await page.evaluate(() => (window.location.hash = '#/link/t1-hue'));
    await page.waitForURL(/#\/login\?next=%23%2Flink%2Ft1-hue$/, { timeout: 10_000 });
    const notice = page.locator('[data-testid="login-notice"]');
    await notice.waitFor();
    expect(await notice.getAttribute('data-reason')).toBe('expired');
    expect(await notice.textContent()).toContain('Phiên làm việc đã hết hạn');
    await page.screenshot({ path: `${artifacts}auth-expired-vi.png`, fullPage: true });

    await signIn(page, 'engineer');
    await page.waitForURL(/#\/link\/t1-hue$/);
    const linkPage = page.locator('[data-testid="link-page"]');
    await linkPage.waitFor();
    expect(await linkPage.getAttribute('data-link')).toBe('t1-hue');
    await close();
    expect(errors).toEqual([]);
  }, 60_000);

  it('says when sign-ins are throttled (in minutes) and when the server cannot be reached', async () => {
    const { page, errors, close } = await open('#/login', desktop);
    await page.locator('[data-testid="login-page"]').waitFor();
    // Five wrong passwords lock this user name for the rest of the window.
    const statuses = await page.evaluate(async () => {
      const answers: number[] = [];
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const response = await fetch('/api/v1/auth/login', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'bac-ninh', password: `wrong-${attempt}` }),
        });
        answers.push(response.status);
      }
      return answers;
    });
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    await signIn(page, 'bac-ninh');
    const problem = page.locator('[data-testid="login-error"]');
    await expect.poll(() => problem.getAttribute('data-kind')).toBe('throttled');
    expect(await problem.textContent()).toMatch(/Hãy thử lại sau \d+ phút\./);
    await page.locator('[data-testid="lang-en"]').click();
    expect(await problem.textContent()).toMatch(/Try again in \d+ minutes?\./);
    await page.screenshot({ path: `${artifacts}auth-login-throttled-en.png`, fullPage: true });

    // The network fails: said so, not "wrong password".
    await page.route('**/api/v1/auth/login', (route) => route.abort('connectionrefused'));
    await signIn(page, 'viewer');
    await expect.poll(() => problem.getAttribute('data-kind')).toBe('unreachable');
    expect(await problem.textContent()).toContain('Cannot reach the Lanewatch server');
    expect(hashOf(page)).toBe('#/login');
    await page.screenshot({ path: `${artifacts}auth-login-unreachable-en.png`, fullPage: true });
    await close();
    expect(errors).toEqual([]);
  }, 60_000);
});
