// A router's MIB layout: its numbering (ifIndex of every row, CBQoS policy, object and config
// indexes) and the sorted, pre-encoded OIDs of every instance with their readers (IF-MIB from
// if-mib.ts, CBQoS from cbqos-mib.ts). A layout depends only on the router's shape (its
// interface kinds, QoS style, which classes have a queue, which links are two-ended) and its
// numbering variant, so routers of the same shape share one: per-router memory stays small when
// one process serves thousands of routers. Values are computed when read (router-mib.ts).
import { encodeOid } from '../agent/ber.ts';
import { addCbQos } from './cbqos-mib.ts';
import { addIfMib } from './if-mib.ts';
import { compareOids, type Oid } from './oid.ts';
import type { LayoutRow, Reader } from './read-context.ts';
import { simClasses, type SimRouter } from './router-model.ts';
import { hash32 } from '../traffic/random.ts';

export type { LayoutRow } from './read-context.ts';

export interface LayoutClassObject {
  cls: number;
  objectsIndex: number;
  configIndex: number;
  /** The queueing child (objectsType 4), when the class has a queue. */
  queue?: { objectsIndex: number; configIndex: number };
}

export interface LayoutPolicy {
  ifPos: number;
  direction: 'input' | 'output';
  policyIndex: number;
  policyConfigIndex: number;
  classes: LayoutClassObject[];
}

/** What decides a router's OIDs. Routers with equal keys share one layout. */
export interface LayoutShape {
  key: string;
  rows: LayoutRow[];
  policies: LayoutPolicy[];
  /** configIndex → which config: a policy-map (by direction), a class-map (by class), a queue (policy, class). */
  policyMapConfigs: { configIndex: number; direction: 'input' | 'output' }[];
  classMapConfigs: { configIndex: number; cls: number }[];
  queueConfigs: { configIndex: number; ifPos: number; cls: number }[];
}

/** The policy directions a link interface carries: the egress only at an end of a two-ended link. */
export function policyDirections(twoEnded: boolean): readonly ('output' | 'input')[] {
  return twoEnded ? ['output'] : ['output', 'input'];
}

/** The shape of a router's interfaces, independent of its numbering. */
function interfaceShape(router: SimRouter): string {
  return router.interfaces
    .map((i) => {
      if (i.kind !== 'link') return i.kind[0]!;
      // 'subinterfaces' and 'none' both carry each service on its own sub-interface; only
      // the queue model differs (no QoS policy: every class loses in proportion).
      if (router.qos === 'cbqos') return `${i.twoEnded ? 'Q' : 'q'}${simClasses.map((c) => (i.queues?.[c] ? 1 : 0)).join('')}`;
      return 's';
    })
    .join(',');
}

/** Unique seeded integers in [min, min + span). */
function uniqueNumbers(seed: number, key: string, label: string, min: number, span: number): () => number {
  const taken = new Set<number>();
  let draw = 0;
  return () => {
    for (;;) {
      const value = min + (hash32(seed, key, label, draw++) % span);
      if (!taken.has(value)) {
        taken.add(value);
        return value;
      }
    }
  };
}

/**
 * A router's numbering in a variant: variant 0 keeps the configured order (management port 1,
 * links by name, loopback, then sub-interfaces); a higher variant shuffles the non-management
 * interfaces as a reload would, and draws new CBQoS indexes. Depends only on the shape.
 */
export function layoutShape(router: SimRouter, seed: number): LayoutShape {
  const shape = interfaceShape(router);
  const variant = router.variant;
  const n = router.interfaces.length;
  const order = [...Array(n).keys()];
  if (variant > 0) {
    const first = router.interfaces[0]?.kind === 'management' ? 1 : 0;
    const movable = order.slice(first);
    for (let k = movable.length - 1; k > 0; k--) {
      const j = hash32(seed, shape, 'renumber', variant, k) % (k + 1);
      [movable[k], movable[j]] = [movable[j]!, movable[k]!];
    }
    if (movable.length > 1 && movable.every((pos, k) => pos === first + k)) movable.push(movable.shift()!);
    order.splice(first, movable.length, ...movable);
  }
  const rows: LayoutRow[] = order.map((ifPos, k) => ({ ifPos, sub: -1, ifIndex: k + 1 }));
  if (router.qos !== 'cbqos') {
    for (const ifPos of order) {
      if (router.interfaces[ifPos]!.kind !== 'link') continue;
      for (let cls = 0; cls < simClasses.length; cls++) rows.push({ ifPos, sub: cls, ifIndex: rows.length + 1 });
    }
  }
  const policies: LayoutPolicy[] = [];
  const policyMapConfigs: LayoutShape['policyMapConfigs'] = [];
  const classMapConfigs: LayoutShape['classMapConfigs'] = [];
  const queueConfigs: LayoutShape['queueConfigs'] = [];
  const hasPolicies = router.qos === 'cbqos' && router.interfaces.some((i) => i.kind === 'link');
  if (hasPolicies) {
    const key = `${shape}/${variant}`;
    const policyIndex = uniqueNumbers(seed, key, 'policy', 16, 1_048_576);
    const objectsIndex = uniqueNumbers(seed, key, 'object', 1_048_576, 1_073_741_824);
    const configIndex = uniqueNumbers(seed, key, 'config', 1_024, 1_047_552);
    const usesInput = router.interfaces.some((i) => i.kind === 'link' && !i.twoEnded);
    for (const direction of usesInput ? (['output', 'input'] as const) : (['output'] as const)) {
      policyMapConfigs.push({ configIndex: configIndex(), direction });
    }
    for (let cls = 0; cls < simClasses.length; cls++) classMapConfigs.push({ configIndex: configIndex(), cls });
    for (const ifPos of order) {
      const iface = router.interfaces[ifPos]!;
      if (iface.kind !== 'link') continue;
      for (const direction of policyDirections(iface.twoEnded)) {
        const classes: LayoutClassObject[] = simClasses.map((c, cls) => {
          const object: LayoutClassObject = { cls, objectsIndex: objectsIndex(), configIndex: classMapConfigs[cls]!.configIndex };
          if (iface.queues?.[c]) {
            const queue = { objectsIndex: objectsIndex(), configIndex: configIndex() };
            queueConfigs.push({ configIndex: queue.configIndex, ifPos, cls });
            object.queue = queue;
          }
          return object;
        });
        policies.push({
          ifPos,
          direction,
          policyIndex: policyIndex(),
          policyConfigIndex: policyMapConfigs.find((p) => p.direction === direction)!.configIndex,
          classes,
        });
      }
    }
  }
  return { key: `${seed}|${shape}|${variant}`, rows, policies, policyMapConfigs, classMapConfigs, queueConfigs };
}

export interface LayoutEntry {
  oid: Oid;
  oidTlv: Buffer;
  read: Reader;
}

export class MibLayout {
  /** Every instance, in OID order. */
  readonly entries: readonly LayoutEntry[];
  /** OIDs of the objects (scalars without .0, columns): a GET under one is noSuchInstance. */
  readonly objects: readonly Oid[];
  readonly shape: LayoutShape;

  constructor(shape: LayoutShape) {
    this.shape = shape;
    const entries: LayoutEntry[] = [];
    const objects: Oid[] = [];
    const add = (oid: Oid, read: Reader): void => {
      entries.push({ oid, oidTlv: encodeOid(oid), read });
    };
    addIfMib(shape, add, objects);
    if (shape.policies.length > 0) addCbQos(shape, add, objects);
    entries.sort((a, b) => compareOids(a.oid, b.oid));
    for (let k = 1; k < entries.length; k++) {
      if (compareOids(entries[k - 1]!.oid, entries[k]!.oid) >= 0) throw new Error(`duplicate OID ${entries[k]!.oid.join('.')}`);
    }
    this.entries = entries;
    this.objects = objects;
  }

  /** Index of the first entry whose OID is > oid (or ≥ oid when `inclusive`). */
  lowerBound(oid: Oid, inclusive: boolean): number {
    const entries = this.entries;
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareOids(entries[mid]!.oid, oid);
      if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Shares layouts between routers of the same shape. Owned by one Simulator. */
export class MibLayoutCache {
  readonly #layouts = new Map<string, MibLayout>();
  readonly #seed: number;

  constructor(seed = 0) {
    this.#seed = seed;
  }

  forRouter(router: SimRouter): MibLayout {
    const shape = layoutShape(router, this.#seed);
    let layout = this.#layouts.get(shape.key);
    if (!layout) {
      layout = new MibLayout(shape);
      this.#layouts.set(shape.key, layout);
    }
    return layout;
  }

  get size(): number {
    return this.#layouts.size;
  }
}
