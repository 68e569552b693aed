// The ground-truth writer: aligned intervals of JSON lines, equal to the engine's truth and to
// its counters; the same seed writes the same file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServiceClass } from '../../api/schemas.ts';
import { SimulatedClock } from '../../simulator/clock.ts';
import type { ClassQueue } from '../../simulator/sim-config.ts';
import { simClasses } from '../../simulator/sim-config.ts';
import { TrafficEngine, type EngineLink } from '../../simulator/traffic/engine.ts';
import { GroundTruthWriter, truthLines, type TruthLine } from '../../simulator/truth/writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'lanewatch-truth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pct = (value: number): ClassQueue => ({ bandwidth: { value, unit: 'percent' } });
const queues: Record<ServiceClass, ClassQueue | undefined> = { docex: pct(20), video: pct(30), internet: {}, other: pct(5) };
const shares: Record<ServiceClass, number> = { docex: 0.15, video: 0.2, internet: 0.55, other: 0.1 };
const links: EngineLink[] = [
  { id: 't1-a', tier: 1, capacityBps: 1e9, qos: 'cbqos', queues, shares },
  { id: 't1-b', tier: 1, capacityBps: 300e6, qos: 'none', queues, shares },
  { id: 't2-c', tier: 2, capacityBps: 50e6, qos: 'subinterfaces', queues, shares },
];
/** A Tuesday, 09:59:47 in Vietnam: not on an interval boundary. */
const startMs = Date.UTC(2025, 6, 15, 2, 59, 47);

/** Runs a writer over `wallMs` of a clock `speed` times faster than the wall; returns its lines. */
async function run(seed: number, file: string, speed: number, wallMs: number, steps: number): Promise<{ text: string; engine: TrafficEngine }> {
  let wallNowMs = 1_000_000;
  const clock = new SimulatedClock({ now: () => wallNowMs, speed, startAtMs: startMs });
  const engine = new TrafficEngine({ links, seed, startMs });
  const writer = new GroundTruthWriter({ engine, links, path: join(dir, file), everyMs: 60_000, clock });
  writer.start();
  for (let i = 1; i <= steps; i++) {
    wallNowMs += wallMs / steps;
    // Agents read counters at odd times in between: the truth must not depend on them.
    if (i % 3 === 0) engine.read('t1-a', 'down', clock.simulatedNowMs() + 777);
    writer.flush();
  }
  await writer.stop();
  return { text: readFileSync(join(dir, file), 'utf8'), engine };
}

function parse(text: string): TruthLine[] {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as TruthLine);
}

describe('GroundTruthWriter', () => {
  it('writes every link, direction and class for each aligned interval, equal to the engine truth', async () => {
    const { text, engine } = await run(5, 'a.jsonl', 60, 30_000, 7); // half a minute at 60×: 30 simulated minutes
    const lines = parse(text);
    const intervals = [...new Set(lines.map((l) => l.fromMs))];
    expect(intervals.length).toBe(29); // from 10:00 to 10:29, the last one ending at 10:29:47 is unfinished
    expect(lines.length).toBe(intervals.length * links.length * 2 * simClasses.length);
    for (const l of lines) {
      expect(l.fromMs % 60_000).toBe(0);
      expect(l.atMs - l.fromMs).toBe(60_000);
    }
    expect(Math.min(...intervals)).toBe(startMs + 13_000);
    // The same numbers as the engine's own truth for the interval.
    const from = intervals[4]!;
    const expected = truthLines(engine, links.map((l) => l.id), from, from + 60_000);
    const got = lines.filter((l) => l.fromMs === from);
    for (let i = 0; i < expected.length; i++) {
      const e = expected[i]!;
      const g = got[i]!;
      expect([g.link, g.dir, g.class]).toEqual([e.link, e.dir, e.class]);
      expect(Math.abs(g.sentBps - e.sentBps)).toBeLessThan(0.01);
      expect(Math.abs(g.offeredBps - e.offeredBps)).toBeLessThan(0.01);
      expect(Math.abs(g.dropBps - e.dropBps)).toBeLessThan(0.01);
    }
    // … and the counters: post-policy octets over the interval give the sent rate.
    for (const g of got.filter((l) => l.class === 'internet')) {
      const a = engine.read(g.link, g.dir, g.fromMs).classes.internet.postOctets;
      const b = engine.read(g.link, g.dir, g.atMs).classes.internet.postOctets;
      expect(Math.abs((Number(b - a) * 8_000) / 60_000 - g.sentBps)).toBeLessThanOrEqual(8_000 / 60_000 + 1e-6);
    }
  });

  it('the same seed writes the same file whatever the wall-clock pacing; another seed does not', async () => {
    const a = await run(5, 'b.jsonl', 60, 30_000, 7);
    const b = await run(5, 'c.jsonl', 600, 3_000, 50);
    const c = await run(6, 'd.jsonl', 60, 30_000, 7);
    expect(b.text).toBe(a.text);
    expect(c.text).not.toBe(a.text);
    expect(a.text.length).toBeGreaterThan(1000);
  });
});
