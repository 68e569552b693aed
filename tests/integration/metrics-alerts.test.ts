// The alert book's gauge on a real state directory: episodes not resolved by level and state
// follow raises, acknowledgements, escalations and resolutions, and a book reopened after a
// restart counts the episodes it loaded.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertBook } from '../../server/alerts/alert-book.ts';
import { Notifier } from '../../server/notify/notifier.ts';
import { parsePrometheusText } from '../helpers/prometheus-text.ts';
import { alertTestConfig, stateChange } from '../helpers/alerts-fixture.ts';

const log = pino({ level: 'silent' });

/** `level|state` → value of lanewatch_alerts_open. */
async function openGauge(registry: Registry): Promise<Record<string, number>> {
  const family = parsePrometheusText(await registry.metrics()).get('lanewatch_alerts_open');
  if (!family) throw new Error('no lanewatch_alerts_open');
  expect(family.type).toBe('gauge');
  return Object.fromEntries(family.samples.map((s) => [`${s.labels['level']}|${s.labels['state']}`, s.value]));
}

const none = { 'warning|open': 0, 'warning|acknowledged': 0, 'critical|open': 0, 'critical|acknowledged': 0 };

describe('lanewatch_alerts_open', () => {
  let dir: string;
  const books: AlertBook[] = [];

  async function openBook(registry: Registry): Promise<AlertBook> {
    const config = alertTestConfig({ dir });
    const book = await AlertBook.open({ dir, config, notifier: new Notifier({ notify: config.settings.notify, log }), log, registry });
    books.push(book);
    return book;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lanewatch-alerts-metrics-'));
  });
  afterEach(async () => {
    for (const book of books.splice(0)) await book.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('follows raises, acknowledgements, escalations and resolutions, and survives a restart', async () => {
    const registry = new Registry();
    const book = await openBook(registry);
    expect(await openGauge(registry)).toEqual(none);

    const t0 = Date.now();
    book.onStateChange(stateChange('ok', 'warning', t0));
    book.onStateChange(stateChange('ok', 'critical', t0, { link: 't2-hue-a', tier: 2 }));
    expect(await openGauge(registry)).toEqual({ ...none, 'warning|open': 1, 'critical|open': 1 });

    const [uplink] = book.list().filter((e) => e.link === 't1-hue');
    await book.ack(uplink!.id, 'engineer');
    expect(await openGauge(registry)).toEqual({ ...none, 'warning|acknowledged': 1, 'critical|open': 1 });

    book.onStateChange(stateChange('warning', 'critical', t0 + 1_000));
    expect(await openGauge(registry)).toEqual({ ...none, 'critical|acknowledged': 1, 'critical|open': 1 });

    book.onStateChange(stateChange('critical', 'ok', t0 + 2_000, { link: 't2-hue-a', tier: 2 }));
    expect(await openGauge(registry)).toEqual({ ...none, 'critical|acknowledged': 1 });
    await book.flush();
    await book.stop();
    books.splice(0);

    // A restart: the open episode is loaded from disk and counted by the new book's gauge.
    const again = new Registry();
    const reopened = await openBook(again);
    expect(await openGauge(again)).toEqual({ ...none, 'critical|acknowledged': 1 });
    reopened.onStateChange(stateChange('critical', 'ok', t0 + 3_000));
    expect(await openGauge(again)).toEqual(none);
  });
});
