// A synthetic live feed of a whole topology, for the browser at national size (the Chromium
// benchmark and tests/e2e/national-scale.test.ts): the PollBatches the collector publishes on
// the live bus, one per router per poll interval, each at the router's own offset in the
// interval (as the jittered scheduler spreads them), each carrying what that router measures —
// `down` of the links it is the near end of, `up` of those it is the far end of (both for a
// one-ended link), as the class total and the four service classes. Rates are deterministic
// and move every round; one link in four hundred is busy with Internet above its reserved
// share, so the analyzer raises a steady handful of warnings (a few provinces amber).
import type { TopologyConfig } from '../config/schema.ts';
import type { LiveBus } from '../collector/live-bus.ts';
import type { Direction, LinkSample, PollBatch, ServiceClass } from '../collector/samples.ts';
import { serviceClasses } from '../api/schemas.ts';

/** One direction of one link, as one router measures it. */
export interface LinkEnd {
  link: string;
  province: string;
  tier: 1 | 2;
  dir: Direction;
  capacityBps: number;
  /** Position of the link in the topology (spreads the rates and the busy links). */
  index: number;
}

/** One router's share of the feed. */
export interface RouterFeed {
  router: string;
  province: string;
  ends: LinkEnd[];
  /** When in each interval its batch comes, 0 ≤ offset < 1 of the interval. */
  phase: number;
}

/** A small deterministic hash of a string in [0, 1). */
export function unitHash(text: string): number {
  let hash = 2_166_136_261;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16_777_619);
  }
  return (hash >>> 0) / 4_294_967_296;
}

/** Every router's ends: the near end measures `down`, the far end `up` (a one-ended link: both at the near end). */
export function routerFeeds(topology: TopologyConfig): RouterFeed[] {
  const routers = new Map<string, RouterFeed>();
  const feedOf = (router: string, province: string): RouterFeed => {
    let feed = routers.get(router);
    if (feed === undefined) {
      feed = { router, province, ends: [], phase: unitHash(router) };
      routers.set(router, feed);
    }
    return feed;
  };
  // A router without a province (the centre's) counts as its first link's.
  const provinceOf = new Map(topology.routers.map((router) => [router.id, router.province]));
  topology.links.forEach((link, index) => {
    const capacityBps = link.capacityBps ?? 100_000_000;
    const end = (dir: Direction): LinkEnd => ({ link: link.id, province: link.province, tier: link.tier, dir, capacityBps, index });
    const near = feedOf(link.router, provinceOf.get(link.router) ?? link.province);
    near.ends.push(end('down'));
    if (link.far === undefined) near.ends.push(end('up'));
    else feedOf(link.far.router, provinceOf.get(link.far.router) ?? link.province).ends.push(end('up'));
  });
  return [...routers.values()];
}

/** Whether the link at this topology index is one of the busy ones (one in 400). */
export function isBusy(index: number): boolean {
  return index % 400 === 7;
}

/** Shares of the total per service class: Internet, document exchange, video, the rest. */
const shares: Record<ServiceClass, number> = { internet: 0.5, docex: 0.15, video: 0.25, other: 0.1 };

/** The end's utilization in a round: a base per link and direction, moving a little every round. */
export function utilizationOf(end: Pick<LinkEnd, 'link' | 'dir' | 'index'>, round: number): number {
  const busy = isBusy(end.index);
  const base = busy ? 0.86 : 0.1 + 0.5 * unitHash(`${end.link}/${end.dir}`);
  return Math.min(1, base + 0.03 * Math.sin(round / 3 + 7 * unitHash(end.link)));
}

/** The five samples (class total, then each service class) of one end in one round. */
export function endSamples(end: LinkEnd, atMs: number, intervalMs: number, round: number): LinkSample[] {
  const utilization = utilizationOf(end, round);
  const totalBps = utilization * end.capacityBps;
  const busy = isBusy(end.index);
  const base = { atMs, intervalMs, link: end.link, province: end.province, tier: end.tier, dir: end.dir, capacityBps: end.capacityBps };
  const samples: LinkSample[] = [{ ...base, class: 'total', bitsPerSecond: totalBps, utilization }];
  for (const serviceClass of serviceClasses) {
    // A busy link's Internet takes 70% of its traffic: above capacity − reserved (50%).
    const share = busy ? (serviceClass === 'internet' ? 0.7 : (1 - 0.7) / 3) : shares[serviceClass];
    const bitsPerSecond = share * totalBps;
    samples.push({ ...base, class: serviceClass, bitsPerSecond, utilization: bitsPerSecond / end.capacityBps });
  }
  return samples;
}

/** A PollBatch of some ends in one round (a router's, or any set for a message of a chosen size). */
export function batchOf(device: string, province: string, ends: readonly LinkEnd[], atMs: number, intervalMs: number, round: number): PollBatch {
  return {
    poll: { atMs, device, province, ok: true, latencyMs: 5, varbinds: ends.length * 12 },
    links: ends.flatMap((end) => endSamples(end, atMs, intervalMs, round)),
    interfaces: [],
  };
}

export interface FeedOptions {
  bus: LiveBus;
  feeds: readonly RouterFeed[];
  intervalMs: number;
  /** Sample times (default Date.now). */
  now?: () => number;
  /** How often the player wakes to publish what is due (default 20 ms). */
  tickMs?: number;
}

/**
 * Publishes every router's batch once per interval at its phase, from a single timer: the
 * collector's cadence without 3,000 timers. `round` counts intervals since the start.
 */
export class FeedPlayer {
  readonly #options: FeedOptions;
  readonly #now: () => number;
  /** Routers in phase order; `#next` is the first not yet published this round. */
  readonly #order: RouterFeed[];
  #timer: ReturnType<typeof setInterval> | null = null;
  #roundStartMs = 0;
  #round = 0;
  #next = 0;
  #published = 0;
  #samples = 0;

  constructor(options: FeedOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#order = [...options.feeds].sort((a, b) => a.phase - b.phase);
  }

  get published(): { batches: number; samples: number; rounds: number } {
    return { batches: this.#published, samples: this.#samples, rounds: this.#round };
  }

  /** Starts at round `firstRound` (rates continue from there). */
  start(firstRound = 0): void {
    if (this.#timer !== null) return;
    this.#round = firstRound;
    this.#roundStartMs = this.#now();
    this.#next = 0;
    this.#timer = setInterval(() => this.#tick(), this.#options.tickMs ?? 20);
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Publishes one whole round at once, every batch stamped `atMs` (a snapshot to start from). */
  publishRound(atMs: number, round: number): void {
    for (const feed of this.#order) this.#publish(feed, atMs, round);
  }

  #tick(): void {
    const { intervalMs } = this.#options;
    const nowMs = this.#now();
    for (;;) {
      const feed = this.#order[this.#next];
      if (feed === undefined) {
        this.#round += 1;
        this.#roundStartMs += intervalMs;
        this.#next = 0;
        continue;
      }
      const dueMs = this.#roundStartMs + feed.phase * intervalMs;
      if (dueMs > nowMs) return;
      this.#publish(feed, nowMs, this.#round);
      this.#next += 1;
    }
  }

  #publish(feed: RouterFeed, atMs: number, round: number): void {
    const batch = batchOf(feed.router, feed.province, feed.ends, atMs, this.#options.intervalMs, round);
    this.#options.bus.publish(batch);
    this.#published += 1;
    this.#samples += batch.links.length;
  }
}
