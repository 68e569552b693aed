// The floor of the national run: what this machine's UDP path costs for the collector's SNMP
// exchange alone, measured in the same run as `lanewatch run` (so the collector's CPU can be
// quoted as a ratio of it rather than of a figure from another evening). A bare loop in its own
// process (bench/floor-loop.ts) sends every router, once per interval on the collector's own
// schedule, the one GETBULK a poll needs at its minimum (sysUpTime + the IF-MIB poll columns,
// max-repetitions covering its interfaces) and only matches the answer to its request.
// Here: the parent's side (start it, measure its CPU from /proc) and the pure parts both use.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { jitterOffsetMs } from '../collector/scheduler.ts';
import { cpuMsOfPid } from './support.ts';

/** `raw`: v2c over bare UDP sockets (v3 through net-snmp, as the collector does); `net-snmp`: every router through a net-snmp session. */
export type FloorMode = 'raw' | 'net-snmp';

/** What the parent passes the loop (as one JSON argument). */
export interface FloorLoopOptions {
  configDir: string;
  mode: FloorMode;
  intervalMs: number;
  /** UDP sockets for the raw v2c requests (the collector's count for its concurrency). */
  sockets: number;
  /** net-snmp's timeout per request (the collector's). */
  timeoutMs: number;
}

/** What the loop reports when it stops: requests since it said it was ready. */
export interface FloorLoopStats {
  mode: FloorMode;
  routers: number;
  v2cRouters: number;
  v3Routers: number;
  sent: number;
  answered: number;
  /** Sent but not answered before the same router's next request (or the stop). */
  unanswered: number;
  /** Datagrams received that matched no pending request (late answers). */
  unmatched: number;
  /** Routers that did not answer the untimed learning request (they ask 25 repetitions). */
  learnFailed: number;
  /** Mean max-repetitions of the requests (the interfaces' rows + 1, as the collector asks). */
  meanMaxRepetitions: number;
}

export interface FloorMeasurement {
  coreShare: number;
  /** The simulator's CPU over the same seconds (it answers the floor's requests). */
  simulatorCoreShare: number;
  wallMs: number;
  stats: FloorLoopStats;
}

/** Rows of a column in a net-snmp GETBULK answer's list for it: the varbinds still under `column`. Pure. */
export function rowsOfColumn(list: ReadonlyArray<{ oid: string }> | undefined, column: string): number {
  const prefix = `${column}.`;
  let rows = 0;
  for (const vb of list ?? []) if (vb.oid.startsWith(prefix)) rows++;
  return rows;
}

/** The routers (by index) due at each offset of the interval, as the collector's scheduler groups them. Pure. */
export function scheduleSteps(routerIds: readonly string[], intervalMs: number): Map<number, number[]> {
  const steps = new Map<number, number[]>();
  routerIds.forEach((id, i) => {
    const offsetMs = jitterOffsetMs(id, intervalMs);
    const step = steps.get(offsetMs);
    if (step) step.push(i);
    else steps.set(offsetMs, [i]);
  });
  return steps;
}

/** A histogram's cumulative bucket: observations ≤ `le` (Infinity for +Inf). */
export interface CumulativeBucket {
  le: number;
  count: number;
}

/**
 * The q-quantile (0..1) of a cumulative histogram, interpolated linearly inside its bucket as
 * Prometheus's histogram_quantile does (the +Inf bucket answers the highest finite bound);
 * undefined when it holds no observation. Pure.
 */
export function histogramQuantile(buckets: readonly CumulativeBucket[], q: number): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return lower;
      const inBucket = b.count - below;
      return inBucket <= 0 ? b.le : lower + ((b.le - lower) * (rank - below)) / inBucket;
    }
    lower = b.le;
    below = b.count;
  }
  return lower;
}

const loopScript = fileURLToPath(new URL('./floor-loop.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../', import.meta.url));

/**
 * Runs the bare loop against the serving simulator: starts it, lets it learn the interfaces and
 * run one interval, then measures its CPU (and the simulator's) for `seconds` and stops it.
 * Throws naming the mode when the loop fails or does not report.
 */
export async function measureFloor(opts: FloorLoopOptions, seconds: number, simulatorPid: number): Promise<FloorMeasurement> {
  const child = spawn(process.execPath, ['--import', 'tsx', loopScript, JSON.stringify(opts)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const events: Array<{ event: string; stats?: FloorLoopStats }> = [];
  let wake: (() => void) | undefined;
  lines.on('line', (line) => {
    try {
      events.push(JSON.parse(line) as { event: string; stats?: FloorLoopStats });
    } catch {
      return; // not one of its reports
    }
    wake?.();
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
    wake?.();
  });
  const next = async (event: string, timeoutMs: number): Promise<{ stats?: FloorLoopStats }> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = events.find((e) => e.event === event);
      if (found) return found;
      if (exited) throw new Error(`the ${opts.mode} floor loop exited (${child.exitCode ?? child.signalCode}) before "${event}"`);
      if (Date.now() > deadline) throw new Error(`the ${opts.mode} floor loop did not say "${event}" within ${timeoutMs / 1_000} s`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 1_000);
      });
    }
  };
  try {
    await next('ready', 300_000 + 2 * opts.intervalMs);
    const pid = child.pid ?? 0;
    const cpu0 = { floor: cpuMsOfPid(pid) ?? 0, sim: cpuMsOfPid(simulatorPid) ?? 0 };
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, seconds * 1_000));
    const cpu1 = { floor: cpuMsOfPid(pid) ?? 0, sim: cpuMsOfPid(simulatorPid) ?? 0 };
    const wallMs = Date.now() - t0;
    child.kill('SIGTERM');
    const { stats } = await next('stats', 30_000);
    if (!stats) throw new Error(`the ${opts.mode} floor loop reported no stats`);
    return { coreShare: (cpu1.floor - cpu0.floor) / wallMs, simulatorCoreShare: (cpu1.sim - cpu0.sim) / wallMs, wallMs, stats };
  } finally {
    lines.close();
    if (!exited) {
      // It exits by itself after its stats (or at SIGTERM before it is ready); one that hangs is killed.
      if (events.every((e) => e.event !== 'stats')) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await new Promise<void>((r) => (exited ? r() : child.once('exit', () => r())));
      clearTimeout(timer);
    }
  }
}
