// Squeeze detection and alerts end to end, on the whole system (real influxd, `lanewatch simulate` with a scenario,
// `lanewatch run`), a real webhook receiver and a real SMTP server on loopback:
// an Internet surge in Thanh Hóa → warning (uplink busy and encroaching), then critical when
// protected classes drop (the province-wide surge overloads the link without a video queue);
// exactly one raise per episode to the webhook and to SMTP; other provinces stay ok; after the
// surge every episode resolves and is notified once; raising the province's reservation through
// the API changes the verdict on the next samples; a stale If-Match gets 409 and loses nothing.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startSystem, signedInContext, type SystemHandle } from '../helpers/system.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook.ts';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp.ts';
import type { AnalyzerView, StateLevel } from '../../server/analysis/model.ts';
import type { AlertEpisode, NotificationPayload } from '../../server/alerts/model.ts';
import type { PolicyDocument } from '../../server/policies/model.ts';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';

const province = 'thanh-hoa';
const uplink = 't1-thanh-hoa';
const quietProvince = 'nghe-an';
const artifacts = artifactsDir;

// Off-peak (07:30 in Việt Nam) every province starts ok. Phase 1 (30–90 s): Internet ×5.5 on
// the uplink only: busy and encroaching but not overflowing → warning. Phase 2 (50–90 s):
// Internet ×12 across the province: links overflow, and the one without a video queue drops
// video → critical. The simulator's traffic moves in 10 s steps.
const scenario = `name: squeeze-alerts
clockStart: "07:30"
length: 30m
events:
  - { kind: internetSurge, at: 30s, for: 60s, links: [${uplink}], factor: 5.5 }
  - { kind: internetSurge, at: 50s, for: 40s, province: ${province}, factor: 12 }
`;

let system: SystemHandle;
let webhook: WebhookReceiver;
let quietWebhook: WebhookReceiver;
let smtp: SmtpCatcher;

beforeAll(async () => {
  webhook = await startWebhookReceiver({ failFirst: 2 }); // delivered on retry, still once
  quietWebhook = await startWebhookReceiver();
  smtp = await startSmtpCatcher();
  system = await startSystem({
    intervalMs: 1_000,
    scenario,
    contacts: {
      [province]: { webhook: [webhook.url], email: ['it@thanhhoa.gov.vn'] },
      [quietProvince]: { webhook: [quietWebhook.url], email: ['it@nghean.gov.vn'] },
    },
    settings: {
      notify: { smtp: { host: smtp.host, port: smtp.port, from: 'lanewatch@cuc-buu-dien.gov.vn' }, retry: { initialMs: 200, maxMs: 1_000, maxAttempts: 8 } },
    },
  });
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await webhook?.stop();
  await quietWebhook?.stop();
  await smtp?.stop();
});

const states = () => system.getAs<AnalyzerView>('/api/v1/states', 'viewer');
const alerts = async (query = '') => (await system.getAs<{ alerts: AlertEpisode[] }>(`/api/v1/alerts${query}`, 'viewer')).alerts;

function payloads(receiver: WebhookReceiver): NotificationPayload[] {
  return receiver.delivered().map((r) => r.body as NotificationPayload);
}

describe('an Internet surge in one province', () => {
  it('goes warning, then critical, notifies each episode once, leaves the others ok, and resolves', async () => {
    // Record the province's level and every other province's worst level as it happens.
    const seen: StateLevel[] = [];
    const othersNotOk = new Set<string>();
    const record = (view: AnalyzerView) => {
      for (const p of view.provinces) {
        if (p.province === province) {
          if (seen[seen.length - 1] !== p.level) seen.push(p.level);
        } else if (p.level !== 'ok') othersNotOk.add(`${p.province}:${p.level}`);
      }
    };
    const initial = await states();
    record(initial);
    expect(initial.provinces).toHaveLength(34);
    expect(seen).toEqual(['ok']);

    await system.waitFor('the province to go critical', async () => {
      const view = await states();
      record(view);
      return seen.includes('critical') ? view : undefined;
    }, { timeoutMs: 120_000, intervalMs: 200 });
    expect(seen.slice(0, 3)).toEqual(['ok', 'warning', 'critical']);

    // The national view in Chromium while it is red (kept as a test artifact).
    const browser = await launchChromium();
    try {
      const context = await signedInContext(browser, system, 'viewer', { viewport: { width: 1400, height: 1000 } });
      const page = await context.newPage();
      await page.goto(`${system.url}/#/`);
      await page.locator(`[data-testid="province-tile"][data-province="${province}"][data-state="critical"]`).waitFor({ timeout: 15_000 });
      await page.screenshot({ path: `${artifacts}squeeze-national-critical.png` });
    } finally {
      await browser.close();
    }

    // An open alert for the province; acknowledged by the province's own staff, named by their session.
    const open = await system.waitFor('an open alert', async () => {
      const list = await alerts(`?province=${province}&state=open`);
      return list.length > 0 ? list : undefined;
    }, { timeoutMs: 10_000, intervalMs: 200 });
    expect(open.every((a) => a.province === province)).toBe(true);
    const first = open[0]!;
    const ack = await system.fetchAs(province, `/api/v1/alerts/${encodeURIComponent(first.id)}/ack`, { method: 'POST' });
    expect(ack.status).toBe(200);
    expect(((await ack.json()) as AlertEpisode).acknowledgedBy).toBe(province);

    // The surge ends at 90 s; every episode resolves after clearAfter clean samples.
    await system.waitFor('the province back to ok', async () => {
      const view = await states();
      record(view);
      return view.provinces.find((p) => p.province === province)?.level === 'ok' ? view : undefined;
    }, { timeoutMs: 90_000, intervalMs: 200 });
    const episodes = await system.waitFor('every episode resolved and notified', async () => {
      const list = await alerts(`?province=${province}`);
      const resolved = list.every((a) => a.state === 'resolved');
      const resolveSent = payloads(webhook).filter((p) => p.kind === 'resolve').length === list.length;
      return list.length > 0 && resolved && resolveSent ? list : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    expect(othersNotOk).toEqual(new Set());
    expect(episodes.some((e) => e.level === 'critical')).toBe(true);

    // Exactly one raise and one resolve per episode, by webhook and by e-mail; nothing elsewhere.
    await smtp.waitForMessages(episodes.length * 2, 15_000);
    for (const episode of episodes) {
      const mine = payloads(webhook).filter((p) => p.episode.id === episode.id);
      expect(mine.filter((p) => p.kind === 'raise'), episode.id).toHaveLength(1);
      expect(mine.filter((p) => p.kind === 'resolve'), episode.id).toHaveLength(1);
      const mails = smtp.messages.filter((m) => m.text.includes(episode.id));
      const kinds = mails.map((m) => (m.headers.get('message-id') ?? '').match(/_(raise|escalate|resolve)_/)?.[1]);
      expect(kinds.filter((k) => k === 'raise'), episode.id).toHaveLength(1);
      expect(kinds.filter((k) => k === 'resolve'), episode.id).toHaveLength(1);
      expect(mails.every((m) => m.to.includes('it@thanhhoa.gov.vn'))).toBe(true);
    }
    expect(webhook.requests.length).toBeGreaterThan(webhook.delivered().length); // the first two failed, were retried
    expect(quietWebhook.requests).toEqual([]);
    expect(smtp.messages.filter((m) => m.to.includes('it@nghean.gov.vn'))).toEqual([]);
  }, 300_000);

  it('a higher reservation for the province changes the verdict on the next samples; a stale If-Match gets 409', async () => {
    const before = (await states()).links.find((l) => l.link === uplink && l.dir === 'down');
    expect(before?.last.conditions.encroaching).toBe(false);
    const current = await system.fetchAs('engineer', '/api/v1/policies');
    const etag = current.headers.get('etag') ?? '';
    const { revision, document } = (await current.json()) as { revision: number; document: PolicyDocument };

    const raised: PolicyDocument = structuredClone(document);
    raised.provinces[province] = { ...raised.provinces[province], reservations: { docex: { percent: 45 }, video: { percent: 45 } } };
    const put = (doc: PolicyDocument, ifMatch: string) =>
      system.fetchAs('engineer', '/api/v1/policies', {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'if-match': ifMatch },
        body: JSON.stringify({ document: doc, comment: 'more room for document exchange and video' }),
      });
    const accepted = await put(raised, etag);
    expect(accepted.status).toBe(200);
    const newRevision = ((await accepted.json()) as { revision: number }).revision;
    expect(newRevision).toBe(revision + 1);

    // Off-peak Internet (~14 % of the uplink) now exceeds capacity − 90 %: encroaching, judged
    // under the new revision, without a restart.
    const after = await system.waitFor('a verdict under the new policy', async () => {
      const link = (await states()).links.find((l) => l.link === uplink && l.dir === 'down');
      return link && link.last.policyRevision === newRevision ? link : undefined;
    }, { timeoutMs: 15_000, intervalMs: 200 });
    expect(after.last.reservedBps).toBeCloseTo(0.9 * after.last.capacityBps, 0);
    expect(after.last.conditions.encroaching).toBe(true);

    // Someone else's edit from the old revision: 409, and the accepted policy is intact.
    const stale = await put(document, etag);
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as { currentRevision: number }).currentRevision).toBe(newRevision);
    const now = await system.getAs<{ revision: number; document: PolicyDocument }>('/api/v1/policies', 'viewer');
    expect(now.revision).toBe(newRevision);
    expect(now.document.provinces[province]?.reservations).toEqual({ docex: { percent: 45 }, video: { percent: 45 } });
    const history = await system.getAs<{ revisions: { revision: number; author: string }[] }>('/api/v1/policies/history', 'viewer');
    expect(history.revisions[0]).toMatchObject({ revision: newRevision, author: 'engineer' });
  }, 60_000);
});
