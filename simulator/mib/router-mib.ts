// A router's MIB: its layout (layout.ts: the IF-MIB and CBQoS instances of its shape) bound to
// its state (router-model.ts) and the traffic engine, and the router-level events scenarios
// trigger (reboot, renumber, 32-bit wrap, silence, stuck and backwards counters, sysUpTime
// jumps and wraps). What one read instant computes (engine
// reads, per-class counters, bit rates) is kept in a scratch shared by every router of a
// simulator: requests are answered one at a time.
import { directions, type Direction } from '../../api/schemas.ts';
import type { MibInstance, MibTree } from '../agent/router-agent.ts';
import { bitRateWindowMs } from './cbqos-mib.ts';
import { rowName } from './if-mib.ts';
import type { MibLayout, MibLayoutCache } from './layout.ts';
import { startsWith, type Oid } from './oid.ts';
import { discontinuityTicks, sideDirection, type LayoutRow, type ReadContext } from './read-context.ts';
import { simClasses } from '../sim-config.ts';
import { linkClassCounters, noClassCounters, steadyOctets, type ClassCounters, type OctetSource, type SimInterface, type SimRouter } from './router-model.ts';
import { timeTicks, type SnmpValue } from './value.ts';
import type { DirectionOctets } from '../traffic/engine.ts';

/** Router-level events (scenarios call these). */
export interface RouterControl {
  /** sysUpTime restarts, all counters restart at 0, ifCounterDiscontinuityTime reset. */
  reboot(atMs: number): void;
  /** A reboot that also permutes ifIndex values and CBQoS policy/object indexes. */
  renumber(atMs: number): void;
  /** 32-bit ifInOctets/ifOutOctets jump to within ~20 s of traffic of 2^32 (64-bit unaffected), then wrap naturally. */
  setCounter32NearWrap(atMs: number): void;
  /** off: the agent drops every request (device stops answering). */
  setResponding(on: boolean): void;
  /** The link counters stop where they are (sysUpTime runs on); when released, they count on from there. */
  setCountersStuck(atMs: number, stuck: boolean): void;
  /** The link counters go back by the traffic of the last `byMs` (to 0 at most); no reboot. */
  setCountersBack(atMs: number, byMs: number): void;
  /** sysUpTime jumps by `byMs` (negative: back, not below 0); the counters are untouched. */
  jumpUptime(atMs: number, byMs: number): void;
  /** sysUpTime jumps to `marginMs` before its 32-bit wrap (2^32 centiseconds), then wraps; the counters are untouched. */
  setUptimeNearWrap(atMs: number, marginMs: number): void;
}

/** sysUpTime's wrap: 2^32 centiseconds, in ms. */
const uptimeWrapMs = 2 ** 32 * 10;

/** An instance read from a layout; its OID is built only when asked for (GETBULK rows step by position). */
class LayoutInstance implements MibInstance {
  #oid: Oid | undefined;
  #oidTlv: Buffer | undefined;
  constructor(
    readonly layout: MibLayout,
    readonly position: number,
    readonly value: SnmpValue,
  ) {}

  get oid(): Oid {
    return (this.#oid ??= this.layout.oidAt(this.position));
  }

  get oidTlv(): Buffer {
    return (this.#oidTlv ??= this.layout.oidTlvAt(this.position));
  }
}

/** What one read instant of one router computed; slots by `ifPos * 2 + direction` (down 0, up 1). */
export class ReadScratch {
  owner: object | undefined = undefined;
  atMs = Number.NaN;
  ctx: ReadContext | undefined = undefined;
  counters: (readonly ClassCounters[] | undefined)[] = [];
  bitRates: (readonly ClassCounters[] | undefined)[] = [];

  reset(owner: object, atMs: number): void {
    this.owner = owner;
    this.atMs = atMs;
    this.ctx = undefined;
    this.counters.length = 0;
    this.bitRates.length = 0;
  }
}

export interface RouterMibOptions {
  router: SimRouter;
  engine: OctetSource;
  layouts: MibLayoutCache;
  /** Shared by every router of a simulator; default: one of its own. */
  scratch?: ReadScratch;
  /** Whether a link is up (scenario link-down events); default always. */
  linkUp?: (linkId: string, atMs: number) => boolean;
}

const slotOf = (ifPos: number, dir: Direction): number => ifPos * 2 + (dir === 'down' ? 0 : 1);
const rowKey = (row: LayoutRow, side: 'in' | 'out'): string => `${row.ifPos}.${row.sub}/${side}`;

/** One field of a row's counters: its class's (a sub-interface row, `sub` ≥ 0) or the sum of all classes (the interface). */
function classField(counters: readonly ClassCounters[], sub: number, field: 'post' | 'drop'): bigint {
  if (sub >= 0) return counters[sub]![field];
  let sum = 0n;
  for (const c of counters) sum += c[field];
  return sum;
}

/** A router's MIB: its layout bound to its state, and the router-level events. */
export class RouterMib implements MibTree, RouterControl {
  readonly router: SimRouter;
  #layout: MibLayout;
  readonly #engine: OctetSource;
  readonly #layouts: MibLayoutCache;
  readonly #scratch: ReadScratch;
  readonly #linkUp: (linkId: string, atMs: number) => boolean;
  /** Octets the link counters lag behind (stuck, set back), by `slotOf`; cleared at a reboot. */
  readonly #setback = new Map<number, ClassCounters[]>();
  /** While the counters are stuck: since when. */
  #stuckAtMs: number | undefined;
  /** When the counters started counting: the simulation start or the last reboot. */
  #countingSinceMs: number;

  constructor(opts: RouterMibOptions) {
    this.router = opts.router;
    this.#engine = opts.engine;
    this.#layouts = opts.layouts;
    this.#scratch = opts.scratch ?? new ReadScratch();
    this.#linkUp = opts.linkUp ?? (() => true);
    this.#layout = opts.layouts.forRouter(opts.router);
    this.#countingSinceMs = opts.router.baselines ? opts.router.bootAtMs : opts.router.engineStartMs;
  }

  get currentLayout(): MibLayout {
    return this.#layout;
  }

  /** The ifIndex that names `ifName` now (sub-interfaces included). */
  ifIndexOf(ifName: string): number | undefined {
    const ctx = this.#context(this.router.bootAtMs);
    return this.#layout.shape.rows.find((row) => rowName(ctx, row) === ifName)?.ifIndex;
  }

  responding(): boolean {
    return this.router.responding;
  }

  /** Boots since the simulation started (the agent adds it to snmpEngineBoots). */
  bootCount(): number {
    return this.router.reboots;
  }

  reboot(atMs: number): void {
    const baselines = new Map<string, DirectionOctets>();
    for (const iface of this.router.interfaces) {
      if (iface.kind !== 'link' || iface.linkId === undefined) continue;
      for (const dir of directions) baselines.set(`${iface.linkId}/${dir}`, this.#engine.read(iface.linkId, dir, atMs));
    }
    this.router.baselines = baselines;
    this.router.bootAtMs = atMs;
    this.router.discontinuityAtMs = atMs;
    this.router.wrapOffsets = undefined;
    this.router.reboots++;
    this.#setback.clear();
    this.#stuckAtMs = undefined;
    this.#countingSinceMs = atMs;
    this.#forget();
  }

  renumber(atMs: number): void {
    this.reboot(atMs);
    this.router.variant++;
    this.#layout = this.#layouts.forRouter(this.router);
    for (const row of this.#layout.shape.rows) if (row.sub < 0) this.router.interfaces[row.ifPos]!.ifIndex = row.ifIndex;
  }

  setCounter32NearWrap(atMs: number): void {
    const ctx = this.#context(atMs);
    const offsets = new Map<string, bigint>();
    for (const row of this.#layout.shape.rows) {
      for (const side of ['in', 'out'] as const) {
        // Place the 32-bit counter ~20 s of traffic (at the mean rate since boot or start) below 2^32.
        const octetCount = ctx.rowOctets(row, side);
        const recent = this.#recentOctets(ctx, row, side);
        const margin = BigInt(Math.max(1, Math.floor((Number(recent.octets) / Math.max(recent.overMs, 1)) * 20_000)));
        const low = octetCount % 2n ** 32n;
        offsets.set(rowKey(row, side), (2n ** 33n - margin - low) % 2n ** 32n);
      }
    }
    this.router.wrapOffsets = offsets;
    this.router.discontinuityAtMs = atMs;
    this.#forget();
  }

  setResponding(on: boolean): void {
    this.router.responding = on;
  }

  setCountersStuck(atMs: number, stuck: boolean): void {
    if (stuck) {
      this.#stuckAtMs ??= atMs;
    } else if (this.#stuckAtMs !== undefined) {
      // What was sent while stuck is never counted: the counters go on from where they stopped.
      this.#addSetback(atMs, this.#stuckAtMs);
      this.#stuckAtMs = undefined;
    }
    this.#forget();
  }

  setCountersBack(atMs: number, byMs: number): void {
    const nowMs = this.#stuckAtMs ?? atMs;
    const thenMs = Math.max(this.#countingSinceMs, nowMs - byMs);
    if (thenMs < nowMs) this.#addSetback(nowMs, thenMs, true);
    this.#forget();
  }

  jumpUptime(atMs: number, byMs: number): void {
    this.#pinCounters();
    this.router.bootAtMs = Math.min(atMs, this.router.bootAtMs - byMs);
    this.#forget();
  }

  setUptimeNearWrap(atMs: number, marginMs: number): void {
    this.#pinCounters();
    this.router.bootAtMs = atMs - (uptimeWrapMs - marginMs);
    this.#forget();
  }

  /**
   * The link counters lag `fromMs → toMs` more of their traffic; with `atMostToZero`, no more
   * than they show at `toMs` (a counter goes back to 0 at most, and counts up from there).
   */
  #addSetback(toMs: number, fromMs: number, atMostToZero = false): void {
    for (const [ifPos, iface] of this.router.interfaces.entries()) {
      if (iface.kind !== 'link' || iface.linkId === undefined) continue;
      for (const dir of directions) {
        const later = linkClassCounters(this.router, iface, dir, this.#engine.read(iface.linkId, dir, toMs));
        const earlier = linkClassCounters(this.router, iface, dir, this.#engine.read(iface.linkId, dir, fromMs));
        const slot = slotOf(ifPos, dir);
        const before = this.#setback.get(slot);
        const lag = (shown: bigint, delta: bigint): bigint => (atMostToZero && delta > shown ? shown : delta);
        this.#setback.set(
          slot,
          later.map((c, k) => {
            const had = { pre: before?.[k]?.pre ?? 0n, post: before?.[k]?.post ?? 0n, drop: before?.[k]?.drop ?? 0n };
            return {
              pre: had.pre + lag(c.pre - had.pre, c.pre - earlier[k]!.pre),
              post: had.post + lag(c.post - had.post, c.post - earlier[k]!.post),
              drop: had.drop + lag(c.drop - had.drop, c.drop - earlier[k]!.drop),
            };
          }),
        );
      }
    }
  }

  /**
   * A router never rebooted counts from seeded offsets that depend on its boot time: turn them
   * into baselines, so that the boot time (sysUpTime) can move without moving the counters.
   */
  #pinCounters(): void {
    if (this.router.baselines) return;
    const zero = { classes: Object.fromEntries(simClasses.map((c) => [c, { preOctets: 0n, postOctets: 0n, dropOctets: 0n }])), totalOctets: 0n } as DirectionOctets;
    const baselines = new Map<string, DirectionOctets>();
    for (const iface of this.router.interfaces) {
      if (iface.kind !== 'link' || iface.linkId === undefined) continue;
      for (const dir of directions) {
        const offsets = linkClassCounters(this.router, iface, dir, zero);
        const classes = Object.fromEntries(simClasses.map((c, k) => [c, { preOctets: -offsets[k]!.pre, postOctets: -offsets[k]!.post, dropOctets: -offsets[k]!.drop }]));
        baselines.set(`${iface.linkId}/${dir}`, { classes, totalOctets: -offsets.reduce((sum, o) => sum + o.post, 0n) } as DirectionOctets);
      }
    }
    this.router.baselines = baselines;
  }

  get(oid: Oid, atMs: number): SnmpValue | 'noSuchObject' | 'noSuchInstance' {
    const layout = this.#layout;
    const k = layout.lowerBound(oid, true);
    if (k < layout.size && layout.compareAt(k, oid) === 0) return layout.read(k, this.#context(atMs));
    return layout.objects.some((object) => startsWith(oid, object)) ? 'noSuchInstance' : 'noSuchObject';
  }

  next(oid: Oid, atMs: number): MibInstance | undefined {
    return this.#instanceAt(this.#layout.lowerBound(oid, false), atMs);
  }

  /** The instance after the one `next` or `nextAt` returned at `position`, without a search. */
  nextAt(position: number, atMs: number): MibInstance | undefined {
    return this.#instanceAt(position + 1, atMs);
  }

  #instanceAt(position: number, atMs: number): MibInstance | undefined {
    const layout = this.#layout;
    if (position >= layout.size) return undefined;
    return new LayoutInstance(layout, position, layout.read(position, this.#context(atMs)));
  }

  #forget(): void {
    if (this.#scratch.owner === this) this.#scratch.owner = undefined;
  }

  /** The shared scratch, reset unless it holds this router's values at `atMs`. */
  #scratchAt(atMs: number): ReadScratch {
    const scratch = this.#scratch;
    if (scratch.owner !== this || scratch.atMs !== atMs) scratch.reset(this, atMs);
    return scratch;
  }

  /** Octets a row counted recently (since boot, or since the simulation start for engine links), and over how long. */
  #recentOctets(ctx: ReadContext, row: LayoutRow, side: 'in' | 'out'): { octets: bigint; overMs: number } {
    const iface = this.router.interfaces[row.ifPos]!;
    const atMs = ctx.atMs;
    if (iface.kind !== 'link' || iface.linkId === undefined) return { octets: ctx.rowOctets(row, side), overMs: atMs - this.router.bootAtMs };
    const dir = sideDirection(iface, side);
    const now = this.#engine.read(iface.linkId, dir, atMs);
    const base = this.router.baselines?.get(`${iface.linkId}/${dir}`);
    const pick = (d: DirectionOctets): bigint => (row.sub < 0 ? d.totalOctets : d.classes[simClasses[row.sub]!].postOctets);
    return { octets: pick(now) - (base ? pick(base) : 0n), overMs: atMs - Math.max(this.router.bootAtMs, this.router.engineStartMs) };
  }

  /**
   * A link interface's per-class values at `atMs`, computed by `compute` once per read instant
   * (kept in the scratch's `table`); none for other interfaces.
   */
  #perClass(
    table: 'counters' | 'bitRates',
    compute: (this: RouterMib, ifPos: number, linkId: string, dir: Direction, atMs: number) => readonly ClassCounters[],
    ifPos: number,
    dir: Direction,
    atMs: number,
  ): readonly ClassCounters[] {
    const iface = this.router.interfaces[ifPos]!;
    if (iface.kind !== 'link' || iface.linkId === undefined) return noClassCounters;
    const memo = this.#scratchAt(atMs)[table];
    const slot = slotOf(ifPos, dir);
    return (memo[slot] ??= compute.call(this, ifPos, iface.linkId, dir, atMs));
  }

  /** Counters as the router reports them: stuck or set back where a scenario says so. */
  #computeClassCounters(ifPos: number, linkId: string, dir: Direction, atMs: number): readonly ClassCounters[] {
    const readAtMs = this.#stuckAtMs === undefined ? atMs : Math.min(atMs, this.#stuckAtMs);
    const raw = linkClassCounters(this.router, this.router.interfaces[ifPos]!, dir, this.#engine.read(linkId, dir, readAtMs));
    const setback = this.#setback.get(slotOf(ifPos, dir));
    const clamp = (x: bigint): bigint => (x < 0n ? 0n : x);
    return setback ? raw.map((c, k) => ({ pre: clamp(c.pre - setback[k]!.pre), post: clamp(c.post - setback[k]!.post), drop: clamp(c.drop - setback[k]!.drop) })) : raw;
  }

  /** Bit rates over the last `bitRateWindowMs` (since boot or the engine's start when shorter). */
  #computeClassBitRates(_ifPos: number, linkId: string, dir: Direction, atMs: number): readonly ClassCounters[] {
    const fromMs = Math.max(atMs - bitRateWindowMs, this.router.bootAtMs, this.router.engineStartMs);
    const now = this.#engine.read(linkId, dir, atMs);
    const then = this.#engine.read(linkId, dir, fromMs);
    const bps = (a: bigint, b: bigint): bigint => (atMs > fromMs ? ((a - b) * 8_000n) / BigInt(Math.round(atMs - fromMs)) : 0n);
    return simClasses.map((cls) => {
      const x = now.classes[cls];
      const y = then.classes[cls];
      return { pre: bps(x.preOctets, y.preOctets), post: bps(x.postOctets, y.postOctets), drop: bps(x.dropOctets, y.dropOctets) };
    });
  }

  #classCounters(ifPos: number, dir: Direction, atMs: number): readonly ClassCounters[] {
    return this.#perClass('counters', this.#computeClassCounters, ifPos, dir, atMs);
  }

  #classBitRates(ifPos: number, dir: Direction, atMs: number): readonly ClassCounters[] {
    return this.#perClass('bitRates', this.#computeClassBitRates, ifPos, dir, atMs);
  }

  #context(atMs: number): ReadContext {
    const scratch = this.#scratchAt(atMs);
    return (scratch.ctx ??= this.#newContext(atMs));
  }

  #newContext(atMs: number): ReadContext {
    const router = this.router;
    const iface = (ifPos: number): SimInterface => router.interfaces[ifPos]!;
    const classCounters = (ifPos: number, dir: Direction): readonly ClassCounters[] => this.#classCounters(ifPos, dir, atMs);
    const classBitRates = (ifPos: number, dir: Direction): readonly ClassCounters[] => this.#classBitRates(ifPos, dir, atMs);
    let discontinuity: SnmpValue | undefined;
    const context: ReadContext = {
      router,
      atMs,
      iface,
      classCounters,
      classBitRates,
      rowOctets: (row, side) => {
        const i = iface(row.ifPos);
        if (i.kind === 'management') return steadyOctets(router, i, sideDirection(i, side), atMs);
        if (i.kind !== 'link') return 0n;
        return classField(classCounters(row.ifPos, sideDirection(i, side)), row.sub, 'post');
      },
      rowOutDrops: (row) => {
        const i = iface(row.ifPos);
        if (i.kind !== 'link') return 0n;
        return classField(classCounters(row.ifPos, sideDirection(i, 'out')), row.sub, 'drop');
      },
      operUp: (row) => {
        const i = iface(row.ifPos);
        return i.linkId === undefined || this.#linkUp(i.linkId, atMs);
      },
      wrapOffset: (row, side) => router.wrapOffsets?.get(rowKey(row, side)) ?? 0n,
      discontinuity: () => (discontinuity ??= timeTicks(discontinuityTicks(context))),
    };
    return context;
  }
}
