// Ground truth: the per-link, per-direction, per-class rates the traffic engine generated, as
// JSON lines, one interval after another. Intervals are aligned to multiples of `everyMs` in
// simulated time, so two runs with the same seed and start write the same lines whatever the
// wall-clock jitter. A line:
//   {"atMs":…,"fromMs":…,"link":"t1-hue","dir":"down","class":"internet","offeredBps":…,"sentBps":…,"dropBps":…}
// `atMs` is the interval's end (simulated epoch ms). Rates come from the same integration as the
// counters the agents serve, so a poller's rates over the same interval match within rounding.
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Logger } from 'pino';

import { directions, type Direction, type ServiceClass } from '../../api/schemas.ts';
import { simClasses } from '../sim-config.ts';
import { truthBetween, type EnginePosition, type TrafficEngine } from '../traffic/engine.ts';

export interface TruthLine {
  atMs: number;
  fromMs: number;
  link: string;
  dir: Direction;
  class: ServiceClass;
  offeredBps: number;
  sentBps: number;
  dropBps: number;
}

export interface TruthClock {
  /** Simulated epoch ms now. */
  simulatedNowMs(): number;
  /** Simulated ms per wall ms (the timer checks more often when the clock runs fast); default 1. */
  readonly speed?: number;
}

export interface GroundTruthWriterOptions {
  engine: TrafficEngine;
  /** The links to write (ids, or anything with an id); default every link of the engine. */
  links?: readonly (string | { id: string })[];
  /** File to write (truncated at start). */
  path: string;
  /** Interval length in simulated ms. */
  everyMs: number;
  clock: TruthClock;
  log?: Logger;
}


/** Rounds a rate to 1/1000 bps (and -0 to 0) for stable, compact lines. */
function roundBps(bps: number): number {
  const r = Math.round(bps * 1000) / 1000;
  return r === 0 ? 0 : r;
}

export class GroundTruthWriter {
  readonly #engine: TrafficEngine;
  readonly #linkIds: readonly string[];
  readonly #path: string;
  readonly #everyMs: number;
  readonly #clock: TruthClock;
  readonly #log: Logger | undefined;
  #stream: WriteStream | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** End of the last interval written (simulated ms). */
  #lastMs = Number.NaN;
  /** Engine positions at lastMs, by `${link}\u0000${dir}`. */
  readonly #previous = new Map<string, EnginePosition>();
  #lines = 0;

  constructor(opts: GroundTruthWriterOptions) {
    if (!Number.isInteger(opts.everyMs) || opts.everyMs <= 0) throw new RangeError(`everyMs must be a positive integer, got ${opts.everyMs}`);
    this.#engine = opts.engine;
    this.#linkIds = (opts.links ?? opts.engine.linkIds()).map((l) => (typeof l === 'string' ? l : l.id));
    this.#path = opts.path;
    this.#everyMs = opts.everyMs;
    this.#clock = opts.clock;
    this.#log = opts.log?.child({ component: 'ground-truth' });
  }

  /** Opens the file and writes every interval that ends, from the next aligned boundary on. */
  start(): void {
    if (this.#stream) return;
    const stream = createWriteStream(this.#path, { flags: 'w', encoding: 'utf8' });
    stream.on('error', (err) => this.#log?.error({ err, path: this.#path }, 'ground truth write failed'));
    this.#stream = stream;
    const nowMs = this.#clock.simulatedNowMs();
    this.#lastMs = Math.ceil(nowMs / this.#everyMs) * this.#everyMs;
    this.#previous.clear();
    const speed = this.#clock.speed ?? 1;
    const checkEveryMs = Math.max(20, Math.min(1_000, this.#everyMs / speed / 2));
    this.#timer = setInterval(() => this.flush(), checkEveryMs);
    this.#timer.unref();
    this.#log?.info({ path: this.#path, everyMs: this.#everyMs, links: this.#linkIds.length }, 'ground truth started');
  }

  /** Writes the intervals ended by now, then closes the file. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    const stream = this.#stream;
    if (!stream) return;
    this.flush();
    this.#stream = undefined;
    await new Promise<void>((resolve) => {
      stream.end(() => resolve());
    });
    this.#log?.info({ path: this.#path, lines: this.#lines }, 'ground truth stopped');
  }

  /** Writes every interval that has ended by the simulated now. Never throws. */
  flush(): void {
    const stream = this.#stream;
    if (!stream) return;
    try {
      const nowMs = this.#clock.simulatedNowMs();
      while (this.#lastMs + this.#everyMs <= nowMs) {
        const fromMs = this.#lastMs;
        const toMs = fromMs + this.#everyMs;
        const lines = this.#interval(fromMs, toMs);
        stream.write(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
        this.#lines += lines.length;
        this.#lastMs = toMs;
      }
    } catch (err) {
      this.#log?.error({ err }, 'ground truth interval failed');
    }
  }

  /** The lines of one interval; positions at toMs are kept for the next interval. */
  #interval(fromMs: number, toMs: number): TruthLine[] {
    const out: TruthLine[] = [];
    for (const link of this.#linkIds) {
      for (const dir of directions) {
        const key = `${link}\u0000${dir}`;
        const a = this.#previous.get(key) ?? this.#engine.position(link, dir, fromMs);
        const b = this.#engine.position(link, dir, toMs);
        this.#previous.set(key, b);
        const truth = truthBetween(a, b, toMs - fromMs);
        for (const cls of simClasses) {
          const t = truth[cls];
          out.push({
            atMs: toMs,
            fromMs,
            link,
            dir,
            class: cls,
            offeredBps: roundBps(t.offeredBps),
            sentBps: roundBps(t.sentBps),
            dropBps: roundBps(t.dropBps),
          });
        }
      }
    }
    return out;
  }
}

/** Ground-truth lines of one interval, straight from the engine (for tests and tools). */
export function truthLines(engine: TrafficEngine, links: readonly string[], fromMs: number, toMs: number): TruthLine[] {
  const out: TruthLine[] = [];
  for (const link of links) {
    for (const dir of directions) {
      const truth = engine.truth(link, dir, fromMs, toMs);
      for (const cls of simClasses) {
        const t = truth[cls];
        out.push({ atMs: toMs, fromMs, link, dir, class: cls, offeredBps: roundBps(t.offeredBps), sentBps: roundBps(t.sentBps), dropBps: roundBps(t.dropBps) });
      }
    }
  }
  return out;
}
