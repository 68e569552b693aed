// The alert book's gauge on a real state directory: episodes not resolved by level and state
// follow raises, acknowledgements, escalations and resolutions, and a book reopened after a
// restart counts the episodes it loaded.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settingsSchema, topologySchema, type LanewatchConfig } from '../../config/schema.ts';
import type { LinkStateChange, StateLevel } from '../../server/analysis/model.ts';
import { AlertBook } from '../../server/alerts/alert-book.ts';
import { Notifier } from '../../server/notify/notifier.ts';
import { parsePrometheusText } from '../helpers/prometheus-text.ts';

const log = pino({ level: 'silent' });

function buildConfig(dir: string): LanewatchConfig {
  const settings = settingsSchema.parse({ state: { dir } });
  const topology = topologySchema.parse({
    provinces: [{ id: 'hue' }],
    routers: [{ id: 'core-hn', address: '127.0.0.1:161', snmp: { version: '2c', community: 'public' } }],
    links: [
      { id: 't1-hue', tier: 1, province: 'hue', router: 'core-hn', ifName: 'ge-0/0/1' },
      { id: 't2-hue-a', tier: 2, province: 'hue', router: 'core-hn', ifName: 'ge-0/0/2' },
    ],
  });
  return { dir, settings, topology, provinces: new Map([['hue', { id: 'hue', name: 'Huế', region: 'Bắc Trung Bộ', former: [] }]]), classRules: [] };
}

function change(link: string, from: StateLevel, to: StateLevel, atMs: number): LinkStateChange {
  return {
    atMs,
    link,
    province: 'hue',
    tier: link.startsWith('t1') ? 1 : 2,
    dir: 'down',
    from,
    to,
    verdict: {
      atMs,
      link,
      province: 'hue',
      tier: link.startsWith('t1') ? 1 : 2,
      dir: 'down',
      level: to,
      conditions: { encroaching: to !== 'ok', busy: to !== 'ok', starved: to === 'critical', dropsReported: true },
      totalBps: 960e6,
      internetBps: 800e6,
      capacityBps: 1e9,
      reservedBps: 300e6,
      encroachBps: to === 'ok' ? 0 : 100e6,
      dropRatio: { docex: 0, video: 0 },
      policyRevision: 1,
    },
  };
}

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
    const config = buildConfig(dir);
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
    book.onStateChange(change('t1-hue', 'ok', 'warning', t0));
    book.onStateChange(change('t2-hue-a', 'ok', 'critical', t0));
    expect(await openGauge(registry)).toEqual({ ...none, 'warning|open': 1, 'critical|open': 1 });

    const [uplink] = book.list().filter((e) => e.link === 't1-hue');
    await book.ack(uplink!.id, 'engineer');
    expect(await openGauge(registry)).toEqual({ ...none, 'warning|acknowledged': 1, 'critical|open': 1 });

    book.onStateChange(change('t1-hue', 'warning', 'critical', t0 + 1_000));
    expect(await openGauge(registry)).toEqual({ ...none, 'critical|acknowledged': 1, 'critical|open': 1 });

    book.onStateChange(change('t2-hue-a', 'critical', 'ok', t0 + 2_000));
    expect(await openGauge(registry)).toEqual({ ...none, 'critical|acknowledged': 1 });
    await book.flush();
    await book.stop();
    books.splice(0);

    // A restart: the open episode is loaded from disk and counted by the new book's gauge.
    const again = new Registry();
    const reopened = await openBook(again);
    expect(await openGauge(again)).toEqual({ ...none, 'critical|acknowledged': 1 });
    reopened.onStateChange(change('t1-hue', 'critical', 'ok', t0 + 3_000));
    expect(await openGauge(again)).toEqual(none);
  });
});
