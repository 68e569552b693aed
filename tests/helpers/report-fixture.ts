// Synthetic traffic of known busy hours and percentiles for the utilization report's tests,
// written into a real influxd through the real InfluxStore (traffic as poll batches, link
// states as the analyzer's `linkState` points).
import type { Settings } from '../../config/schema.ts';
import { directions, type Direction, type ServiceClass, type StateLevel } from '../../api/schemas.ts';
import type { LinkSample, PollBatch } from '../../collector/samples.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import { backfillWindow, retentionOf } from '../../collector/store/rollups.ts';
import type { StorePoint } from '../../collector/store/points.ts';
import { linkStatePoint } from '../../server/analysis/analyzer.ts';
import type { LinkVerdict } from '../../server/analysis/model.ts';
import { vietnamMidnightMs } from '../../server/report/period.ts';
import { createTestStore, storeDrained } from './store.ts';

export const hourMs = 3_600_000;
export const dayMs = 86_400_000;

/** Each service class's share of a link's total, on every sample of a tier-1 uplink. */
export const classShareOfTotal: Record<ServiceClass, number> = { internet: 0.6, docex: 0.2, video: 0.15, other: 0.05 };
/** Video's offered (pre-policy) rate over what was sent: some video was dropped. */
export const videoOfferedFactor = 1.2;

/** One link's utilization by Vietnam day (0-based from the fixture's first day) and hour of day. */
export interface LinkPlan {
  link: string;
  province: string;
  tier: 1 | 2;
  capacityBps: number;
  utilization: (dir: Direction, day: number, hour: number) => number;
  /** Also write the four service classes (tier-1 uplinks). */
  classes: boolean;
}

export interface FixtureSpan {
  /** First day: 00:00 Vietnam time. */
  year: number;
  month: number;
  day: number;
  days: number;
  /** Spacing of samples; every 5-minute bucket holds at most one (default 10 min). */
  stepMs?: number;
}

export function spanStartMs(span: FixtureSpan): number {
  return vietnamMidnightMs(span.year, span.month, span.day);
}

/** The times of the samples of a span: aligned on the step from 00:00 Vietnam time. */
export function sampleTimes(span: FixtureSpan): number[] {
  const stepMs = span.stepMs ?? 600_000;
  const startMs = spanStartMs(span);
  const out: number[] = [];
  for (let atMs = startMs; atMs < startMs + span.days * dayMs; atMs += stepMs) out.push(atMs);
  return out;
}

function dayAndHour(span: FixtureSpan, atMs: number): { day: number; hour: number } {
  const offsetMs = atMs - spanStartMs(span);
  return { day: Math.floor(offsetMs / dayMs), hour: Math.floor((offsetMs % dayMs) / hourMs) };
}

/** Every sample a plan yields over a span: total per direction, and the classes when asked. */
export function planSamples(plan: LinkPlan, span: FixtureSpan): LinkSample[] {
  const stepMs = span.stepMs ?? 600_000;
  const out: LinkSample[] = [];
  for (const atMs of sampleTimes(span)) {
    const { day, hour } = dayAndHour(span, atMs);
    for (const dir of directions) {
      const utilization = plan.utilization(dir, day, hour);
      const bitsPerSecond = utilization * plan.capacityBps;
      const base = { atMs, intervalMs: stepMs, link: plan.link, province: plan.province, tier: plan.tier, dir, capacityBps: plan.capacityBps };
      out.push({ ...base, class: 'total', bitsPerSecond, utilization });
      if (!plan.classes) continue;
      for (const cls of Object.keys(classShareOfTotal) as ServiceClass[]) {
        const classBps = bitsPerSecond * classShareOfTotal[cls];
        const sample: LinkSample = { ...base, class: cls, bitsPerSecond: classBps, utilization: classBps / plan.capacityBps };
        if (cls === 'video') sample.prePolicyBitsPerSecond = classBps * videoOfferedFactor;
        out.push(sample);
      }
    }
  }
  return out;
}

/** A `linkState` point as the analyzer writes it. */
export function statePoint(link: { link: string; province: string; tier: 1 | 2 }, dir: Direction, atMs: number, level: StateLevel): StorePoint {
  const busy = level !== 'ok';
  const verdict: LinkVerdict = {
    atMs,
    link: link.link,
    province: link.province,
    tier: link.tier,
    dir,
    level,
    conditions: { encroaching: busy, busy, starved: level === 'critical', dropsReported: true },
    totalBps: 0,
    internetBps: 0,
    capacityBps: 0,
    reservedBps: 0,
    encroachBps: busy ? 1_000_000 : 0,
    dropRatio: {},
    policyRevision: 1,
  };
  return linkStatePoint(verdict, level);
}

/**
 * Writes the samples (one poll batch per link and time) and the extra points through a real
 * InfluxStore, then flushes it. With `rollUp`, the hours of `rollUp` are rolled up by the
 * store's own SELECT … INTO (as after a spool replay): continuous queries only roll up the
 * last hours, never points written for weeks ago.
 */
export async function writeThroughStore(
  influx: Settings['influx'],
  samples: readonly LinkSample[],
  points: readonly StorePoint[] = [],
  rollUp?: { fromMs: number; toMs: number },
): Promise<void> {
  const { store, close } = createTestStore({ influx: { ...influx, batchSize: 5_000, flushIntervalMs: 100 }, spool: { maxBytes: 512 * 1024 * 1024 } });
  try {
    await store.start();
    const batches = new Map<string, PollBatch>();
    for (const sample of samples) {
      const key = `${sample.link}\u0000${sample.atMs}`;
      let batch = batches.get(key);
      if (!batch) {
        batch = { poll: { atMs: sample.atMs, device: `r-${sample.province}`, province: sample.province, ok: true, latencyMs: 5, varbinds: 40 }, links: [], interfaces: [] };
        batches.set(key, batch);
      }
      batch.links.push(sample);
    }
    // Fed as a poller would, a batch at a time: waits for each to be written before the next,
    // so the store's memory bound never sends them to the spool.
    let fed = 0;
    for (const batch of batches.values()) {
      store.write(batch);
      fed += batch.links.length + 1;
      if (fed >= 4_000) {
        await storeDrained(store);
        fed = 0;
      }
    }
    store.writePoints(points);
    await storeDrained(store);
  } finally {
    await close();
  }
  const health = store.health();
  if (health.droppedPoints > 0 || health.spooledPoints > 0) {
    throw new Error(`the store did not write every point: ${JSON.stringify(health)}`);
  }
  if (rollUp === undefined) return;
  const client = createInfluxClient({ url: influx.url, database: influx.database, requestTimeoutMs: 120_000 });
  const windows: { fromMs: number; toMs: number }[] = [];
  for (let fromMs = Math.floor(rollUp.fromMs / hourMs) * hourMs; fromMs < rollUp.toMs; fromMs += hourMs) windows.push({ fromMs, toMs: fromMs + hourMs });
  // A few windows at a time: each is one SELECT … INTO per rollup level.
  for (let i = 0; i < windows.length; i += 4) {
    await Promise.all(
      windows.slice(i, i + 4).map((window) =>
        backfillWindow(client, { database: influx.database, retention: retentionOf(influx), measurement: 'traffic', window, nowMs: Date.now() }),
      ),
    );
  }
}

/** The period a span covers, for `writeThroughStore`'s `rollUp`. */
export function spanPeriod(span: FixtureSpan): { fromMs: number; toMs: number } {
  const fromMs = spanStartMs(span);
  return { fromMs, toMs: fromMs + span.days * dayMs };
}
