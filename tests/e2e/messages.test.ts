// Server messages in the user's language, in Debian's Chromium against the whole running
// system: an invalid policy edit shows the server's problems (their codes worded from
// i18n.ts) in Vietnamese, then in English after the switch; a 403 under an open page (the
// browser's session became a viewer's: another sign-in in the same browser) shows the
// server's refusal worded in each language too, never its English message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';
import { signedInContext, startSystem, type SystemHandle } from '../helpers/system.ts';

let system: SystemHandle;
let browser: Browser;

beforeAll(async () => {
  system = await startSystem({ intervalMs: 2_000 });
  browser = await launchChromium();
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

interface PolicyJson {
  defaults: { thresholds: Record<string, number> };
  links: Record<string, unknown>;
}

async function switchTo(page: Page, lang: 'vi' | 'en'): Promise<void> {
  await page.locator(`[data-testid="lang-${lang}"]`).click();
  await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe(lang);
}

describe('server messages in Vietnamese and English', () => {
  it('policy problems and a 403 under the open page, in each language', async () => {
    const errors: string[] = [];
    const context: BrowserContext = await signedInContext(browser, system, 'engineer', { viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${system.url}/#/policies`);
    const editor = page.locator('[data-testid="policy-editor"] textarea');
    await editor.waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('vi');

    // Two problems the server finds against the topology on Huế's uplink (1 Gbit/s): 400 + 700
    // Mbit/s reserved, and a busy threshold above the inherited critical one (0.95).
    const original = JSON.parse(await editor.inputValue()) as PolicyJson;
    const invalid: PolicyJson = {
      ...original,
      links: { ...original.links, 't1-hue': { reservations: { docex: { mbps: 400 }, video: { mbps: 700 } }, thresholds: { highUtil: 0.99 } } },
    };
    await editor.fill(JSON.stringify(invalid, null, 2));
    const threshold = page.locator('[data-testid="policy-problem"][data-path="links.t1-hue.thresholds.highUtil"]');
    const capacity = page.locator('[data-testid="policy-problem"][data-path="links.t1-hue.reservations.video.mbps"]');
    await threshold.waitFor({ timeout: 10_000 });
    await capacity.waitFor({ timeout: 10_000 });
    expect(await threshold.getAttribute('data-code')).toBe('high-above-crit');
    expect(await capacity.getAttribute('data-code')).toBe('over-capacity');
    expect(await threshold.textContent()).toContain('Trên đường truyền t1-hue, ngưỡng bận hiệu lực (0,99) lớn hơn ngưỡng nghiêm trọng (0,95).');
    const capacityVi = await capacity.textContent();
    expect(capacityVi).toContain(
      'Tổng mức dành riêng trên đường truyền t1-hue vượt dung lượng: trao đổi văn bản 400 Mbit/s + hội nghị truyền hình 700 Mbit/s = 1.100 Mbit/s > 1.000 Mbit/s.',
    );
    // The key is shown beside a text that does not name it.
    expect(capacityVi).toContain('links.t1-hue.reservations.video.mbps');
    // Not the server's English message.
    expect(capacityVi).not.toContain('exceed');
    expect(await page.locator('[data-testid="policy-save"]').isDisabled()).toBe(true);
    await page.screenshot({ path: `${artifactsDir}messages-policy-problems-vi.png`, fullPage: true });

    await switchTo(page, 'en');
    await expect.poll(() => threshold.textContent()).toContain('On link t1-hue the effective highUtil (0.99) is above critUtil (0.95).');
    expect(await capacity.textContent()).toContain(
      'Reservations exceed the capacity of link t1-hue: document exchange 400 Mbit/s + video conferencing 700 Mbit/s = 1,100 Mbit/s > 1,000 Mbit/s.',
    );
    await page.screenshot({ path: `${artifactsDir}messages-policy-problems-en.png`, fullPage: true });

    // The browser's session becomes a viewer's (a sign-in elsewhere in the same browser): the
    // next check of the draft is refused by the server (403), under the engineer's open page.
    await switchTo(page, 'vi');
    const [name, ...value] = (await system.login('viewer')).split('=');
    await context.addCookies([{ name: name ?? '', value: value.join('='), url: system.url, httpOnly: true, sameSite: 'Strict' }]);
    await editor.fill(JSON.stringify(original, null, 2));
    const refused = page.locator('[data-testid="policy-validate-error"]');
    await refused.waitFor({ timeout: 10_000 });
    expect(await refused.textContent()).toBe('Vai trò “Người xem” không được dùng POST /api/v1/policies/validate.');
    await page.screenshot({ path: `${artifactsDir}messages-403-vi.png`, fullPage: true });

    await switchTo(page, 'en');
    await expect.poll(() => refused.textContent()).toBe('The “Viewer” role may not use POST /api/v1/policies/validate.');
    await page.screenshot({ path: `${artifactsDir}messages-403-en.png`, fullPage: true });

    // What the server really answered: the code and params the page worded, and its English message.
    const answer = await system.fetchAs('viewer', '/api/v1/policies/validate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ document: original }),
    });
    expect(answer.status).toBe(403);
    expect(await answer.json()).toMatchObject({
      code: 'role-forbidden',
      params: { role: 'viewer', method: 'POST', path: '/api/v1/policies/validate' },
      message: 'the viewer role may not use POST /api/v1/policies/validate',
    });
    await context.close();
    expect(errors).toEqual([]);
  }, 90_000);
});
