// What a MIB reader sees of one router at one instant (the IF-MIB and CBQoS tables read through
// it), and the time helpers both tables share. Built by RouterMib (router-mib.ts) once per
// router and instant; readers are pure functions of it.
import type { Direction } from '../../api/schemas.ts';
import type { SnmpValue } from './value.ts';
import type { ClassCounters, SimInterface, SimRouter } from './router-model.ts';

/** One ifTable row: a main interface (sub −1) or the sub-interface of class `sub` of a link. */
export interface LayoutRow {
  ifPos: number;
  sub: number;
  ifIndex: number;
}

/** Reads one value of a router at one instant. */
export interface ReadContext {
  router: SimRouter;
  atMs: number;
  iface(ifPos: number): SimInterface;
  /** 64-bit octets of a row in the direction of its in- or out-octets. */
  rowOctets(row: LayoutRow, side: 'in' | 'out'): bigint;
  /** Drops (octets) of a row's out side. */
  rowOutDrops(row: LayoutRow): bigint;
  /** Per-class counters of a link interface in a model direction. */
  classCounters(ifPos: number, dir: Direction): readonly ClassCounters[];
  /** Per-class bit rates (bps) over the last 30 s (since boot at most), as IOS's BitRate columns. */
  classBitRates(ifPos: number, dir: Direction): readonly ClassCounters[];
  operUp(row: LayoutRow): boolean;
  wrapOffset(row: LayoutRow, side: 'in' | 'out'): bigint;
  /** ifCounterDiscontinuityTime (and cbQosPolicyDiscontinuityTime): one value for every row, built once per instant. */
  discontinuity(): SnmpValue;
}

/**
 * Reads one instance: `arg` says which (a row's index in the layout, a policy and class, …).
 * One reader serves a whole column of a layout, so a layout keeps no closure per instance.
 */
export type Reader = (ctx: ReadContext, arg: number) => SnmpValue;

/** Adds one instance (its OID, the reader of its column and the reader's argument) to a MIB being built. */
export type AddInstance = (oid: readonly number[], read: Reader, arg: number) => void;

/** Hundredths of a second from `fromMs` to `atMs` (0 before). */
const ticksSince = (fromMs: number, atMs: number): bigint => BigInt(Math.max(0, Math.floor((atMs - fromMs) / 10)));

/** sysUpTime at `atMs`. */
export const uptimeTicks = (r: SimRouter, atMs: number): bigint => ticksSince(r.bootAtMs, atMs);

/** ifCounterDiscontinuityTime / cbQosPolicyDiscontinuityTime: sysUpTime at the last discontinuity since boot, else 0. */
export const discontinuityTicks = (c: ReadContext): bigint =>
  c.router.discontinuityAtMs > c.router.bootAtMs ? ticksSince(c.router.bootAtMs, c.router.discontinuityAtMs) : 0n;

/** The model direction a side of an interface carries. */
export function sideDirection(iface: SimInterface, side: 'in' | 'out'): Direction {
  return side === 'out' ? iface.outDirection : iface.outDirection === 'down' ? 'up' : 'down';
}
