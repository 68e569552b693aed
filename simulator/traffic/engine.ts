// The traffic engine: per link, direction and service class, the offered load (traffic/classes.ts
// on the calibrated peaks of traffic/model.ts, times scenario effects), pushed through the queue
// model (traffic/queue.ts) at the link's capacity in fixed simulated steps, and integrated into
// pre-policy, post-policy and drop octet counters.
//
// Steps are aligned to multiples of `stepMs` since the epoch, so a step's octets depend only on
// the seed, the link and the step's start — never on `startMs` nor on when anything was read.
// Each step's octets are whole numbers, so running totals are exact in any order: a per
// link+direction cursor integrates lazily to the step of the time read (forwards or backwards,
// O(steps moved)), and within a step the counters grow linearly. Scenario effects are sampled
// at each step's start. Counters are octets since `startMs`.
//
// Cost: one step is ~4 closed-form integrals and one queue decision. With the default 10 s step,
// 15,000 routers × ~10 links × 2 directions polled once a minute is ~30,000 steps per second.
import type { ClassQueue, QosStyle, SimClass } from '../sim-config.ts';
import { reservedBps } from '../sim-config.ts';
import { classLoadModel, classOfferedOctetsMemo, classOrder, clearNoiseMemo, noiseMemoSlots, type ClassLoadModel } from './classes.ts';
import { planTraffic } from './model.ts';
import { queueStep } from './queue.ts';

export type EngineDirection = 'down' | 'up';

export interface ClassOctets {
  preOctets: bigint;
  postOctets: bigint;
  dropOctets: bigint;
}
export interface DirectionOctets {
  classes: Record<SimClass, ClassOctets>;
  /** Interface octets = Σ post-policy. */
  totalOctets: bigint;
}

/** Scenario effects, queried at the start of every step (S3's scenario runner implements it). */
export interface TrafficEffects {
  /** Multiplies Internet offered load (1 normally). */
  internetFactor(linkId: string, atMs: number): number;
  /** Extra offered video bps (conference events). */
  videoBps(linkId: string, dir: EngineDirection, atMs: number): number;
  /** false: nothing flows. */
  linkUp(linkId: string, atMs: number): boolean;
}

export const noEffects: TrafficEffects = Object.freeze({
  internetFactor: () => 1,
  videoBps: () => 0,
  linkUp: () => true,
});

export interface EngineLink {
  id: string;
  tier: 1 | 2;
  capacityBps: number;
  qos: QosStyle;
  /** The router's queueing on this link; undefined: no queue for the class. */
  queues: Record<SimClass, ClassQueue | undefined>;
  /** Share of the busy-hour offered load per class (normalised by their sum). */
  shares: Record<SimClass, number>;
}

export interface ClassTruth {
  offeredBps: number;
  sentBps: number;
  dropBps: number;
}

export interface TrafficEngineOptions {
  links: readonly EngineLink[];
  seed: number;
  /** Simulated epoch ms from which counters count. */
  startMs: number;
  /** Integration step in simulated ms; default 10 s. */
  stepMs?: number;
  effects?: TrafficEffects;
}

export const defaultStepMs = 10_000;
const classCount = classOrder.length;
const internetIndex = classOrder.indexOf('internet');
const videoIndex = classOrder.indexOf('video');
/** Running totals are moved into bigint carries beyond this (floats are exact below 2^53). */
const carryAt = 2 ** 52;

interface LinkState {
  link: EngineLink;
  capacityOctetsPerStep: number;
  reservedOctetsPerStep: Float64Array;
  down: DirState | undefined;
  up: DirState | undefined;
}

/** A lazily integrated cursor over one link direction. */
interface DirState {
  linkState: LinkState;
  dir: EngineDirection;
  models: ClassLoadModel[];
  /** Noise amplitudes of the current segments, per class (see classOfferedOctetsMemo). */
  noiseMemo: Float64Array;
  /** Totals below are at the start of this step. */
  step: number;
  /** Whole octets since the origin step: pre-policy and post-policy, per class (+ carries). */
  pre: Float64Array;
  post: Float64Array;
  carryPre: bigint[];
  carryPost: bigint[];
  /** The octets of step `cachedStep`. */
  cachedStep: number;
  stepPre: Float64Array;
  stepPost: Float64Array;
  /** floor of the cumulative octets at startMs: post, drop per class. */
  origin: bigint[];
  lastReadAtMs: number;
  lastRead: DirectionOctets | undefined;
}

/** A position of the running totals: exact integer parts plus the fractional step part. */
export interface EnginePosition {
  carryPre: bigint[];
  carryPost: bigint[];
  pre: number[];
  post: number[];
  drop: number[];
}

export class TrafficEngine {
  readonly startMs: number;
  readonly stepMs: number;
  readonly seed: number;
  private effects: TrafficEffects;
  private readonly links = new Map<string, LinkState>();
  private readonly plan: ReturnType<typeof planTraffic>;
  private readonly offered = new Float64Array(classCount);

  constructor(opts: TrafficEngineOptions) {
    const stepMs = opts.stepMs ?? defaultStepMs;
    if (!Number.isInteger(stepMs) || stepMs < 10) throw new RangeError(`stepMs must be an integer ≥ 10, got ${stepMs}`);
    if (!Number.isFinite(opts.startMs)) throw new RangeError(`startMs must be a finite epoch ms, got ${opts.startMs}`);
    this.stepMs = stepMs;
    this.startMs = opts.startMs;
    this.seed = opts.seed >>> 0;
    this.effects = opts.effects ?? noEffects;
    for (const link of opts.links) {
      if (this.links.has(link.id)) throw new Error(`link "${link.id}" is given twice`);
      if (!(link.capacityBps > 0)) throw new RangeError(`link "${link.id}": capacityBps must be positive`);
      const reserved = new Float64Array(classCount);
      classOrder.forEach((cls, c) => {
        reserved[c] = (reservedBps(link.queues[cls], link.capacityBps) * stepMs) / 8_000;
      });
      this.links.set(link.id, {
        link,
        capacityOctetsPerStep: (link.capacityBps * stepMs) / 8_000,
        reservedOctetsPerStep: reserved,
        down: undefined,
        up: undefined,
      });
    }
    this.plan = planTraffic(
      opts.links.map((l) => ({ id: l.id, tier: l.tier, capacityBps: l.capacityBps })),
      this.seed,
    );
  }

  /** Scenario effects for steps not integrated yet (steps already integrated keep theirs). */
  setEffects(effects: TrafficEffects): void {
    this.effects = effects;
  }

  /** The link ids this engine models. */
  linkIds(): string[] {
    return [...this.links.keys()];
  }

  /** Busy-hour peak utilisation (0–1, before noise) of a link direction: the calibration. */
  peakUtilization(linkId: string, dir: EngineDirection): number {
    const model = this.plan.get(linkId);
    if (!model) throw new RangeError(`unknown link "${linkId}"`);
    return model[dir].peakUtilization;
  }

  /** Cumulative octets since startMs (simulated time) for a link and direction; exact and deterministic for any read time. */
  read(linkId: string, dir: EngineDirection, atMs: number): DirectionOctets {
    const state = this.dirState(linkId, dir);
    if (state.lastRead && state.lastReadAtMs === atMs) return state.lastRead;
    const result = atMs <= this.startMs ? zeroOctets() : this.octetsAt(state, atMs);
    state.lastReadAtMs = atMs;
    state.lastRead = result;
    return result;
  }

  /** Mean rates over [fromMs, toMs] per class: offered (pre-policy), sent (post), dropped — the ground truth. */
  truth(linkId: string, dir: EngineDirection, fromMs: number, toMs: number): Record<SimClass, ClassTruth> {
    if (!(toMs > fromMs)) throw new RangeError(`truth needs fromMs < toMs, got [${fromMs}, ${toMs}]`);
    const state = this.dirState(linkId, dir);
    const a = this.positionOf(state, fromMs);
    const b = this.positionOf(state, toMs);
    return truthBetween(a, b, toMs - fromMs);
  }

  /**
   * The running totals at `atMs` (octets as floats relative to an internal origin): difference
   * two of them with `truthBetween` for the mean rates in between. For writers that advance
   * interval by interval without re-reading the start.
   */
  position(linkId: string, dir: EngineDirection, atMs: number): EnginePosition {
    return this.positionOf(this.dirState(linkId, dir), atMs);
  }

  // ---- internals ---------------------------------------------------------------------------

  private positionOf(state: DirState, atMs: number): EnginePosition {
    const k = Math.floor(atMs / this.stepMs);
    this.moveTo(state, k);
    this.stepOctets(state, k);
    const f = (atMs - k * this.stepMs) / this.stepMs;
    const pre: number[] = [];
    const post: number[] = [];
    const drop: number[] = [];
    for (let i = 0; i < classCount; i++) {
      pre.push(state.pre[i]! + state.stepPre[i]! * f);
      post.push(state.post[i]! + state.stepPost[i]! * f);
      drop.push(state.pre[i]! - state.post[i]! + (state.stepPre[i]! - state.stepPost[i]!) * f);
    }
    return { carryPre: [...state.carryPre], carryPost: [...state.carryPost], pre, post, drop };
  }

  private dirState(linkId: string, dir: EngineDirection): DirState {
    const linkState = this.links.get(linkId);
    if (!linkState) throw new RangeError(`unknown link "${linkId}"`);
    const existing = linkState[dir];
    if (existing) return existing;
    const state = this.createDirState(linkState, dir);
    linkState[dir] = state;
    return state;
  }

  private createDirState(linkState: LinkState, dir: EngineDirection): DirState {
    const { link } = linkState;
    const model = this.plan.get(link.id)!;
    const shareSum = classOrder.reduce((sum, cls) => sum + Math.max(0, link.shares[cls]), 0);
    const models = classOrder.map((cls) =>
      classLoadModel(cls, {
        seed: this.seed,
        linkId: link.id,
        dir,
        busyBps: shareSum > 0 ? (link.capacityBps * model[dir].peakUtilization * Math.max(0, link.shares[cls])) / shareSum : 0,
        phaseMs: model[dir].phaseMs,
      }),
    );
    const originStep = Math.floor(this.startMs / this.stepMs);
    const state: DirState = {
      linkState,
      dir,
      models,
      noiseMemo: new Float64Array(classCount * noiseMemoSlots),
      step: originStep,
      pre: new Float64Array(classCount),
      post: new Float64Array(classCount),
      carryPre: new Array<bigint>(classCount).fill(0n),
      carryPost: new Array<bigint>(classCount).fill(0n),
      cachedStep: Number.NaN,
      stepPre: new Float64Array(classCount),
      stepPost: new Float64Array(classCount),
      origin: [],
      lastReadAtMs: Number.NaN,
      lastRead: undefined,
    };
    for (let c = 0; c < classCount; c++) clearNoiseMemo(state.noiseMemo, c * noiseMemoSlots);
    const at = this.positionOf(state, this.startMs);
    for (let i = 0; i < classCount; i++) state.origin.push(BigInt(Math.floor(at.post[i]!)), BigInt(Math.floor(at.drop[i]!)));
    return state;
  }

  /** Computes (or reuses) the octets of step k into state.stepPre/stepPost. */
  private stepOctets(state: DirState, k: number): void {
    if (state.cachedStep === k) return;
    const { link, capacityOctetsPerStep, reservedOctetsPerStep } = state.linkState;
    const fromMs = k * this.stepMs;
    const toMs = fromMs + this.stepMs;
    const offered = this.offered;
    if (!this.effects.linkUp(link.id, fromMs)) {
      state.stepPre.fill(0);
      state.stepPost.fill(0);
      state.cachedStep = k;
      return;
    }
    for (let c = 0; c < classCount; c++) {
      let octets = classOfferedOctetsMemo(classOrder[c]!, state.models[c]!, fromMs, toMs, state.noiseMemo, c * noiseMemoSlots);
      if (c === internetIndex) octets *= Math.max(0, this.effects.internetFactor(link.id, fromMs));
      if (c === videoIndex) octets += (Math.max(0, this.effects.videoBps(link.id, state.dir, fromMs)) * this.stepMs) / 8_000;
      offered[c] = Math.max(0, Math.round(octets));
    }
    state.stepPre.set(offered);
    queueStep(
      { qos: link.qos, capacityOctets: capacityOctetsPerStep, reservedOctets: reservedOctetsPerStep, offeredOctets: offered },
      state.stepPost,
    );
    state.cachedStep = k;
  }

  /** Moves the cursor so that its totals are at the start of step k. */
  private moveTo(state: DirState, k: number): void {
    while (state.step < k) {
      this.stepOctets(state, state.step);
      for (let c = 0; c < classCount; c++) {
        state.pre[c]! += state.stepPre[c]!;
        state.post[c]! += state.stepPost[c]!;
      }
      state.step++;
      carry(state);
    }
    while (state.step > k) {
      state.step--;
      this.stepOctets(state, state.step);
      for (let c = 0; c < classCount; c++) {
        state.pre[c]! -= state.stepPre[c]!;
        state.post[c]! -= state.stepPost[c]!;
      }
      carry(state);
    }
  }

  private octetsAt(state: DirState, atMs: number): DirectionOctets {
    const at = this.positionOf(state, atMs);
    const classes = {} as Record<SimClass, ClassOctets>;
    let totalOctets = 0n;
    for (let c = 0; c < classCount; c++) {
      // post and drop are floored apart (each monotone); pre is their sum, so pre = post + drop
      // at every instant, as on a router (it differs from ⌊pre⌋ by at most one octet).
      const postOctets = at.carryPost[c]! + BigInt(Math.floor(at.post[c]!)) - state.origin[2 * c]!;
      const dropOctets = at.carryPre[c]! - at.carryPost[c]! + BigInt(Math.floor(at.drop[c]!)) - state.origin[2 * c + 1]!;
      const preOctets = postOctets + dropOctets;
      classes[classOrder[c]!] = Object.freeze({ preOctets, postOctets, dropOctets });
      totalOctets += postOctets;
    }
    return Object.freeze({ classes: Object.freeze(classes), totalOctets });
  }
}

function carry(state: DirState): void {
  for (let c = 0; c < classCount; c++) {
    const pre = state.pre[c]!;
    if (pre >= carryAt || pre <= -carryAt) {
      state.carryPre[c]! += BigInt(pre);
      state.pre[c] = 0;
    }
    const post = state.post[c]!;
    if (post >= carryAt || post <= -carryAt) {
      state.carryPost[c]! += BigInt(post);
      state.post[c] = 0;
    }
  }
}

function zeroOctets(): DirectionOctets {
  const zero = Object.freeze({ preOctets: 0n, postOctets: 0n, dropOctets: 0n });
  return Object.freeze({
    classes: Object.freeze({ docex: zero, video: zero, internet: zero, other: zero }),
    totalOctets: 0n,
  });
}

/** Mean rates per class between two positions `intervalMs` apart. */
export function truthBetween(a: EnginePosition, b: EnginePosition, intervalMs: number): Record<SimClass, ClassTruth> {
  const out = {} as Record<SimClass, ClassTruth>;
  const perOctet = 8_000 / intervalMs;
  for (let c = 0; c < classCount; c++) {
    const carriedPre = Number(b.carryPre[c]! - a.carryPre[c]!);
    const carriedPost = Number(b.carryPost[c]! - a.carryPost[c]!);
    out[classOrder[c]!] = {
      offeredBps: (carriedPre + b.pre[c]! - a.pre[c]!) * perOctet,
      sentBps: (carriedPost + b.post[c]! - a.post[c]!) * perOctet,
      dropBps: (carriedPre - carriedPost + b.drop[c]! - a.drop[c]!) * perOctet,
    };
  }
  return out;
}
