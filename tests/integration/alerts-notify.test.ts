// The alert book against real receivers on loopback: a node:http webhook that can fail, and
// an smtp-server. Episodes raised, escalated and resolved are each notified exactly once per
// channel and target; pending notifications survive a restart and are sent once.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LanewatchConfig } from '../../config/schema.ts';
import { AlertBook } from '../../server/alerts/alert-book.ts';
import type { AlertEpisode, NotificationPayload } from '../../server/alerts/model.ts';
import { deliveryKey } from '../../server/notify/delivery-key.ts';
import { Notifier } from '../../server/notify/notifier.ts';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook.ts';
import { pause, waitFor } from '../helpers/wait.ts';
import { alertTestConfig, stateChange } from '../helpers/alerts-fixture.ts';

const log = pino({ level: 'silent' });

function buildConfig(options: { dir: string; hookUrl: string; smtpPort?: number; maxAttempts?: number }): LanewatchConfig {
  return alertTestConfig({
    dir: options.dir,
    settings: {
      notify: {
        ...(options.smtpPort !== undefined ? { smtp: { host: '127.0.0.1', port: options.smtpPort, from: 'lanewatch@noc.gov.vn' } } : {}),
        webhookTimeoutMs: 2_000,
        retry: { initialMs: 20, maxMs: 100, maxAttempts: options.maxAttempts ?? 5 },
      },
    },
    provinces: [{ id: 'hue', contacts: { email: ['noc@hue.gov.vn'], webhook: [options.hookUrl] } }, { id: 'ha-noi' }],
    links: [
      { id: 't1-hue', tier: 1, province: 'hue' },
      { id: 't1-ha-noi', tier: 1, province: 'ha-noi' },
    ],
  });
}

const settled = (episode: AlertEpisode | undefined): boolean =>
  episode !== undefined && episode.notifications.every((r) => r.deliveredAtMs !== undefined || r.gaveUpAtMs !== undefined);

/** Longer than every retry window in these tests: anything still to come would have come. */
const quietMs = 400;

function hookPayloads(hook: WebhookReceiver): NotificationPayload[] {
  return hook.delivered().map((r) => r.body as NotificationPayload);
}

describe('alert book with real webhook and SMTP receivers', () => {
  let dir: string;
  let hook: WebhookReceiver;
  let smtp: SmtpCatcher;
  const books: AlertBook[] = [];

  async function openBook(config: LanewatchConfig): Promise<AlertBook> {
    const notifier = new Notifier({
      notify: config.settings.notify,
      log,
      provinceName: (id) => config.provinces.get(id)?.name ?? id,
    });
    const book = await AlertBook.open({ dir, config, notifier, log });
    books.push(book);
    return book;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lanewatch-alerts-'));
    smtp = await startSmtpCatcher();
  });

  afterEach(async () => {
    for (const book of books.splice(0)) await book.stop();
    await hook.stop();
    await smtp.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('raise (webhook failing twice first), escalate and resolve: each exactly once per channel', async () => {
    hook = await startWebhookReceiver({ failFirst: 2 });
    const config = buildConfig({ dir, hookUrl: hook.url, smtpPort: smtp.port });
    const book = await openBook(config);

    book.onStateChange(stateChange('ok', 'warning', 1_000));
    const [episode] = book.list();
    expect(episode).toMatchObject({ link: 't1-hue', province: 'hue', dir: 'down', state: 'open', level: 'warning', raisedAtMs: 1_000 });
    const id = episode!.id;
    await waitFor('raise delivered', () => settled(book.get(id)));
    expect(hook.requests.map((r) => r.status)).toEqual([503, 503, 204]);
    const raiseRecord = book.get(id)!.notifications.find((r) => r.channel === 'webhook' && r.kind === 'raise');
    expect(raiseRecord).toMatchObject({ attempts: 3, target: hook.url });
    expect(raiseRecord?.deliveredAtMs).toBeDefined();

    book.onStateChange(stateChange('warning', 'critical', 2_000));
    await waitFor('escalate delivered', () => settled(book.get(id)) && book.get(id)!.notifications.length === 4);
    book.onStateChange(stateChange('critical', 'warning', 3_000)); // no notification: the episode keeps its worst level
    book.onStateChange(stateChange('warning', 'ok', 4_000));
    await waitFor('resolve delivered', () => settled(book.get(id)) && book.get(id)!.notifications.length === 6);
    await pause(quietMs);

    const payloads = hookPayloads(hook);
    expect(payloads.map((p) => p.kind)).toEqual(['raise', 'escalate', 'resolve']);
    expect(payloads[0]).toMatchObject({
      kind: 'raise',
      deliveryId: deliveryKey(id, 'raise', 'webhook', hook.url),
      episode: { id, link: 't1-hue', province: 'hue', dir: 'down', level: 'warning', state: 'open', raisedAtMs: 1_000 },
      verdict: { level: 'warning', encroachBps: 100e6 },
    });
    expect(payloads[1]).toMatchObject({ episode: { level: 'critical', escalatedAtMs: 2_000 }, verdict: { level: 'critical' } });
    expect(payloads[2]).toMatchObject({ episode: { state: 'resolved', resolvedAtMs: 4_000 }, verdict: { level: 'ok' } });
    expect(hook.delivered().every((r) => r.headers['content-type'] === 'application/json')).toBe(true);
    expect(hook.delivered().map((r) => r.headers['idempotency-key'])).toEqual(payloads.map((p) => p.deliveryId));
    // The key names the episode, never the target: a webhook URL carries a token.
    expect(new Set(hook.requests.map((r) => r.headers['idempotency-key'])).size).toBe(3);
    for (const request of hook.requests) expect(JSON.stringify([request.headers, request.body])).not.toContain(hook.url);

    expect(smtp.messages).toHaveLength(3);
    expect(smtp.messages.every((m) => m.to.length === 1 && m.to[0] === 'noc@hue.gov.vn')).toBe(true);
    expect(smtp.messages.map((m) => m.from)).toEqual(['lanewatch@noc.gov.vn', 'lanewatch@noc.gov.vn', 'lanewatch@noc.gov.vn']);
    const [raiseMail, escalateMail, resolveMail] = smtp.messages;
    expect(raiseMail?.subject).toBe('[Lanewatch] Cảnh báo: Huế – đường t1-hue, chiều xuống (về tỉnh): Internet lấn vào băng thông dành riêng');
    expect(raiseMail?.text).toContain('Tỉnh/thành phố: Huế (hue)');
    expect(raiseMail?.text).toMatch(/^English: Lanewatch alert .* raised: warning/m);
    expect(escalateMail?.subject).toContain('NGHIÊM TRỌNG');
    expect(resolveMail?.subject).toContain('Đã trở lại bình thường');
    expect(resolveMail?.text).toMatch(/^English: .* is back to ok/m);
    expect(new Set(smtp.messages.map((m) => m.headers.get('message-id'))).size).toBe(3);
    // Nor does an e-mail's Message-ID or delivery header name the address (only To: does).
    expect(smtp.messages.map((m) => m.headers.get('x-lanewatch-delivery'))).toEqual(
      (['raise', 'escalate', 'resolve'] as const).map((kind) => deliveryKey(id, kind, 'email', 'noc@hue.gov.vn')),
    );
    for (const mail of smtp.messages) expect(`${mail.headers.get('message-id')} ${mail.headers.get('x-lanewatch-delivery')}`).not.toMatch(/noc|hue\.gov/);

    expect(book.get(id)).toMatchObject({ state: 'resolved', level: 'critical', escalatedAtMs: 2_000, resolvedAtMs: 4_000 });
  });

  it('other provinces and links stay quiet; a province without contacts records no notification', async () => {
    hook = await startWebhookReceiver();
    const book = await openBook(buildConfig({ dir, hookUrl: hook.url, smtpPort: smtp.port }));
    book.onStateChange(stateChange('ok', 'critical', 1_000, { link: 't1-ha-noi', province: 'ha-noi' }));
    await book.flush();
    await pause(quietMs);
    expect(book.list({ province: 'ha-noi' })).toHaveLength(1);
    expect(book.list({ province: 'ha-noi' })[0]?.notifications).toEqual([]);
    expect(hook.requests).toHaveLength(0);
    expect(smtp.messages).toHaveLength(0);
  });

  it('without SMTP settings e-mail contacts are skipped and only the webhook is notified', async () => {
    hook = await startWebhookReceiver();
    const book = await openBook(buildConfig({ dir, hookUrl: hook.url }));
    book.onStateChange(stateChange('ok', 'warning', 1_000));
    const id = book.list()[0]!.id;
    await waitFor('raise delivered', () => settled(book.get(id)));
    expect(book.get(id)!.notifications.map((r) => r.channel)).toEqual(['webhook']);
    expect(hook.delivered()).toHaveLength(1);
    expect(smtp.messages).toHaveLength(0);
  });

  it('acknowledgement and episodes persist across a reopen; nothing is sent again', async () => {
    hook = await startWebhookReceiver();
    const config = buildConfig({ dir, hookUrl: hook.url, smtpPort: smtp.port });
    const first = await openBook(config);
    first.onStateChange(stateChange('ok', 'warning', 1_000));
    first.onStateChange(stateChange('ok', 'critical', 1_000, { link: 't1-ha-noi', province: 'ha-noi' }));
    const hue = first.list({ province: 'hue' })[0]!;
    expect(await first.ack(hue.id, 'le.thi.c')).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'le.thi.c' });
    await waitFor('raise delivered', () => settled(first.get(hue.id)));
    await first.stop();

    const second = await openBook(config);
    expect(second.list()).toEqual(first.list());
    expect(second.get(hue.id)).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'le.thi.c' });
    // The restarted analyzer reports the same link again: the open episode continues.
    second.onStateChange(stateChange('ok', 'warning', 5_000));
    await pause(quietMs);
    expect(second.list({ province: 'hue' })).toHaveLength(1);
    expect(hook.delivered()).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
    second.onStateChange(stateChange('warning', 'ok', 6_000));
    expect(await second.ack(hue.id, 'x')).toBe('resolved');
    await waitFor('resolve delivered', () => settled(second.get(hue.id)) && second.get(hue.id)!.notifications.length === 4);
    expect(hookPayloads(hook).map((p) => p.kind)).toEqual(['raise', 'resolve']);
  });

  it('a notification pending at shutdown is resumed once after the restart', async () => {
    hook = await startWebhookReceiver({ failFirst: 1_000 });
    const config = buildConfig({ dir, hookUrl: hook.url, smtpPort: smtp.port, maxAttempts: 100 });
    const first = await openBook(config);
    first.onStateChange(stateChange('ok', 'warning', 1_000));
    const id = first.list()[0]!.id;
    await smtp.waitForMessages(1);
    await waitFor('two failed webhook attempts', () => hook.requests.length >= 2);
    await first.stop();
    const onDisk = JSON.parse(await readFile(join(dir, 'alerts.json'), 'utf8')) as { episodes: AlertEpisode[] };
    const pending = onDisk.episodes[0]?.notifications.find((r) => r.channel === 'webhook');
    expect(pending?.deliveredAtMs).toBeUndefined();
    expect(pending?.attempts).toBeGreaterThanOrEqual(2);
    expect(pending?.error).toContain('503');

    hook.failNext(0);
    const failedBefore = hook.requests.length;
    const second = await openBook(config);
    await waitFor('resumed raise delivered', () => settled(second.get(id)));
    await pause(quietMs);
    expect(hook.requests.slice(failedBefore).map((r) => r.status)).toEqual([204]);
    expect(hookPayloads(hook)).toMatchObject([{ kind: 'raise', episode: { id, state: 'open' } }]);
    expect(smtp.messages).toHaveLength(1);
    const record = second.get(id)!.notifications.find((r) => r.channel === 'webhook');
    expect(record?.attempts).toBe((pending?.attempts ?? 0) + 1);
  });

  it('a receiver that never accepts is given up after maxAttempts and not retried after a restart', async () => {
    hook = await startWebhookReceiver({ failFirst: 1_000, failStatus: 500 });
    const config = buildConfig({ dir, hookUrl: hook.url, maxAttempts: 3 });
    const first = await openBook(config);
    first.onStateChange(stateChange('ok', 'warning', 1_000));
    const id = first.list()[0]!.id;
    await waitFor('given up', () => settled(first.get(id)));
    expect(first.get(id)!.notifications[0]).toMatchObject({ attempts: 3, error: 'webhook answered http 500' });
    expect(first.get(id)!.notifications[0]?.gaveUpAtMs).toBeDefined();
    await first.stop();
    await openBook(config);
    await pause(quietMs);
    expect(hook.requests).toHaveLength(3);
  });

  it('a slow receiver does not hold up state changes', async () => {
    hook = await startWebhookReceiver({ delayMs: 1_500 });
    const book = await openBook(buildConfig({ dir, hookUrl: hook.url }));
    for (let i = 0; i < 50; i += 1) book.onStateChange(stateChange('ok', 'warning', 1_000 + i, { link: `t1-hue`, province: 'hue' }));
    book.onStateChange(stateChange('warning', 'ok', 2_000));
    book.onStateChange(stateChange('ok', 'critical', 3_000));
    expect(book.list().map((e) => e.state)).toEqual(['open', 'resolved']);
    await waitFor('all delivered', () => book.list().every(settled), { timeoutMs: 15_000 });
    expect(hookPayloads(hook).map((p) => p.kind).sort()).toEqual(['raise', 'raise', 'resolve']);
  });

  it('a write interrupted by a crash leaves the previous file intact', async () => {
    hook = await startWebhookReceiver();
    const config = buildConfig({ dir, hookUrl: hook.url });
    const first = await openBook(config);
    first.onStateChange(stateChange('ok', 'warning', 1_000));
    await first.stop();
    // What a crash in the middle of the next write leaves behind: a partial temporary file
    // (named as config/atomic-file.ts names them, and as versions before it did).
    await writeFile(join(dir, '.alerts.json.99999.0b7c.tmp'), '{"version":1,"episodes":[{"id":"trunc');
    await writeFile(join(dir, 'alerts.json.99998.tmp'), '{"version":1,"episodes":[{"id":"trunc');
    const second = await openBook(config);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const essentials = (episodes: AlertEpisode[]): unknown[] =>
      episodes.map(({ id, state, raisedAtMs, firstVerdict, notifications }) => ({ id, state, raisedAtMs, firstVerdict, records: notifications.length }));
    expect(essentials(second.list())).toEqual(essentials(first.list()));
    expect(second.list()).toHaveLength(1);
    // The raise was recorded but not yet sent when the first book stopped: the second one sends it.
    await hook.waitForDelivered(1);
  });

  it('an unreadable file is moved aside, never overwritten', async () => {
    hook = await startWebhookReceiver();
    await writeFile(join(dir, 'alerts.json'), 'not json');
    const book = await openBook(buildConfig({ dir, hookUrl: hook.url }));
    expect(book.list()).toEqual([]);
    const names = await readdir(dir);
    const aside = names.find((n) => n.startsWith('alerts.json.invalid-'));
    expect(aside).toBeDefined();
    expect(await readFile(join(dir, aside!), 'utf8')).toBe('not json');
  });
});
