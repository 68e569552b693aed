// `npx tsx bench/store-spool.bench.ts`: the store's CPU per point on its two ways to InfluxDB,
// in process, without InfluxDB (the HTTP write is the same on both and is left out):
//   direct: poll batches in the PointBuffer, taken a batch at a time, turned into line protocol
//           and encoded as the request body;
//   spool:  the same batches taken out of the buffer as StorePoints, appended to a Spool on disk
//           (JSON lines, fdatasync'ed), read back a batch at a time (parsed, checked), turned into
//           line protocol, encoded, and acknowledged;
// which is what every point cost while the store kept all its input going through the spool.
// Each poll batch is one router's poll: the outcome, 10 links × 2 directions × every class, 10
// interfaces (31 points). The phases alternate (BENCH_ROUNDS rounds each, default 5, of
// BENCH_ROUTERS batches, default 2,000) and each prints the median CPU (user + system) and wall
// time per 1,000 points, then the spool/direct ratio. BENCH_SPOOL_DIR: where the spool goes
// (default the OS temporary directory; fdatasync's cost depends on its disk).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { trafficClasses, type Direction } from '../api/schemas.ts';
import type { LinkSample, PollBatch } from '../collector/samples.ts';
import { chunkOfPoints, PointBuffer } from '../collector/store/point-buffer.ts';
import { Spool } from '../collector/store/spool.ts';
import { cpuMsOfSelf, loadAverage1m, quantile } from './support.ts';

const routers = Number(process.env.BENCH_ROUTERS ?? 2_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const batchSize = 5_000;
const directions: readonly Direction[] = ['down', 'up'];

function pollBatch(router: number, atMs: number): PollBatch {
  const device = `r${router}`;
  const province = `p${router % 63}`;
  const links: LinkSample[] = [];
  for (let l = 0; l < 10; l++) {
    for (const dir of directions) {
      for (const cls of trafficClasses) {
        const bitsPerSecond = 1e6 + router * 10 + l;
        links.push({ atMs, intervalMs: 60_000, link: `${device}-l${l}`, province, tier: 2, dir, class: cls, bitsPerSecond, dropBitsPerSecond: 0, capacityBps: 1e9, utilization: bitsPerSecond / 1e9 });
      }
    }
  }
  const interfaces = Array.from({ length: 10 }, (_, i) => ({ atMs, intervalMs: 60_000, device, ifName: `Gi0/0/${i}`, province, inBps: 1e6 + i, outBps: 2e6 + i, operUp: true, inErrors: 0, outErrors: 0 }));
  return { poll: { atMs, device, province, ok: true, latencyMs: 12, varbinds: 200 }, links, interfaces };
}

function batches(round: number): PollBatch[] {
  const atMs = Date.now() - 3_600_000 + round * 60_000;
  return Array.from({ length: routers }, (_, r) => pollBatch(r, atMs));
}

interface Cost {
  points: number;
  cpuMs: number;
  wallMs: number;
}

/** The body bytes of a chunk, as InfluxLineWriter sends it. */
function bodyBytes(text: string): number {
  return Buffer.from(text, 'utf8').length;
}

function direct(given: readonly PollBatch[]): Cost {
  const cpu0 = cpuMsOfSelf();
  const t0 = performance.now();
  const buffer = new PointBuffer();
  for (const b of given) buffer.pushBatch(b);
  let points = 0;
  while (buffer.length > 0) {
    const chunk = buffer.take(batchSize);
    bodyBytes(chunk.text());
    points += chunk.points;
  }
  return { points, cpuMs: cpuMsOfSelf() - cpu0, wallMs: performance.now() - t0 };
}

async function spooled(given: readonly PollBatch[], dir: string): Promise<Cost> {
  const spool = new Spool({ dir, maxBytes: 4 * 1024 ** 3, maxQueuedPoints: 10_000_000, log: pino({ level: 'silent' }) });
  await spool.open();
  const cpu0 = cpuMsOfSelf();
  const t0 = performance.now();
  const buffer = new PointBuffer();
  // As the pump did: whatever the buffer held went to the spool, a batch's worth at a time.
  for (const b of given) {
    buffer.pushBatch(b);
    if (buffer.length >= batchSize) void spool.append(buffer.takeAll().storePoints());
  }
  await spool.append(buffer.takeAll().storePoints());
  let points = 0;
  for (let read = await spool.read(batchSize); read; read = await spool.read(batchSize)) {
    bodyBytes(chunkOfPoints(read.points).text());
    points += read.points.length;
    await spool.acknowledge(read);
  }
  const cost = { points, cpuMs: cpuMsOfSelf() - cpu0, wallMs: performance.now() - t0 };
  await spool.close();
  return cost;
}

function perThousand(costs: readonly Cost[], of: 'cpuMs' | 'wallMs'): number {
  return quantile(costs.map((c) => (c[of] / c.points) * 1_000), 0.5) ?? NaN;
}

const root = mkdtempSync(join(process.env.BENCH_SPOOL_DIR ?? tmpdir(), 'lanewatch-bench-spool-'));
try {
  console.log(`store spool bench: ${routers} poll batches a round (31 points each), ${rounds} rounds per phase; load average ${loadAverage1m().toFixed(2)}; spool in ${root}`);
  const costs: Record<'direct' | 'spool', Cost[]> = { direct: [], spool: [] };
  // A warm-up round of each, not counted.
  direct(batches(0));
  await spooled(batches(0), join(root, 'warm'));
  for (let r = 1; r <= rounds; r++) {
    costs.direct.push(direct(batches(r)));
    costs.spool.push(await spooled(batches(r), join(root, `r${r}`)));
  }
  const fmt = (v: number): string => v.toFixed(1);
  for (const phase of ['direct', 'spool'] as const) {
    const c = costs[phase];
    console.log(`  ${phase.padEnd(6)} ${c[0]?.points ?? 0} points a round: CPU ${fmt(perThousand(c, 'cpuMs'))} ms, wall ${fmt(perThousand(c, 'wallMs'))} ms per 1,000 points (median)`);
  }
  const ratio = perThousand(costs.spool, 'cpuMs') / perThousand(costs.direct, 'cpuMs');
  console.log(`  spool/direct CPU per point: ${ratio.toFixed(1)}×; load average ${loadAverage1m().toFixed(2)}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
