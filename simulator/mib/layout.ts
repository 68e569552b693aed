// A router's MIB layout: its numbering (ifIndex of every row, CBQoS policy, object and config
// indexes) and the sorted, pre-encoded OIDs of every instance with their readers (IF-MIB from
// if-mib.ts, CBQoS from cbqos-mib.ts). A layout depends only on the router's shape (its
// interface kinds, QoS style, which classes have a queue, which links are two-ended) and its
// numbering variant, so routers of the same shape share one: per-router memory stays small when
// one process serves thousands of routers. Values are computed when read (router-mib.ts).
import { oidTlvLength, writeOidTlv } from '../agent/ber.ts';
import { addCbQos } from './cbqos-mib.ts';
import { addIfMib } from './if-mib.ts';
import { compareOids, type Oid } from './oid.ts';
import type { LayoutRow, ReadContext, Reader } from './read-context.ts';
import type { SnmpValue } from './value.ts';
import { simClasses } from '../sim-config.ts';
import type { SimRouter } from './router-model.ts';
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
function policyDirections(twoEnded: boolean): readonly ('output' | 'input')[] {
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
function layoutShape(router: SimRouter, seed: number): LayoutShape {
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

/** One instance while a layout is built. */
interface PendingEntry {
  oid: Oid;
  read: Reader;
  arg: number;
}

/**
 * The instances of a layout in OID order, packed: every OID's arcs in one Uint32Array, every
 * encoded OID in one Buffer, and per instance the index of its column's reader and the reader's
 * argument (a province core's layout has tens of thousands of instances: no object, array,
 * buffer or closure per instance).
 */
export class MibLayout {
  /** Instances. */
  readonly size: number;
  /** OIDs of the objects (scalars without .0, columns): a GET under one is noSuchInstance. */
  readonly objects: readonly Oid[];
  readonly shape: LayoutShape;
  readonly #arcs: Uint32Array;
  /** Instance i's arcs are #arcs[#arcStart[i] … #arcStart[i + 1]). */
  readonly #arcStart: Uint32Array;
  readonly #tlv: Buffer;
  readonly #tlvStart: Uint32Array;
  readonly #readers: readonly Reader[];
  readonly #readerOf: Uint32Array;
  readonly #args: Uint32Array;

  constructor(shape: LayoutShape) {
    this.shape = shape;
    const pending: PendingEntry[] = [];
    const objects: Oid[] = [];
    const add = (oid: Oid, read: Reader, arg: number): void => {
      pending.push({ oid, read, arg });
    };
    addIfMib(shape, add, objects);
    if (shape.policies.length > 0) addCbQos(shape, add, objects);
    pending.sort((a, b) => compareOids(a.oid, b.oid));
    for (let k = 1; k < pending.length; k++) {
      if (compareOids(pending[k - 1]!.oid, pending[k]!.oid) >= 0) throw new Error(`duplicate OID ${pending[k]!.oid.join('.')}`);
    }
    const n = pending.length;
    this.size = n;
    this.objects = objects;
    this.#arcStart = new Uint32Array(n + 1);
    this.#tlvStart = new Uint32Array(n + 1);
    this.#readerOf = new Uint32Array(n);
    this.#args = new Uint32Array(n);
    const readers: Reader[] = [];
    const readerIndex = new Map<Reader, number>();
    let arcs = 0;
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const e = pending[i]!;
      this.#arcStart[i] = arcs;
      arcs += e.oid.length;
      this.#tlvStart[i] = bytes;
      bytes += oidTlvLength(e.oid);
      let r = readerIndex.get(e.read);
      if (r === undefined) {
        r = readers.length;
        readers.push(e.read);
        readerIndex.set(e.read, r);
      }
      this.#readerOf[i] = r;
      this.#args[i] = e.arg;
    }
    this.#arcStart[n] = arcs;
    this.#tlvStart[n] = bytes;
    this.#arcs = new Uint32Array(arcs);
    this.#tlv = Buffer.alloc(bytes);
    for (let i = 0; i < n; i++) {
      const oid = pending[i]!.oid;
      this.#arcs.set(oid, this.#arcStart[i]);
      writeOidTlv(this.#tlv, this.#tlvStart[i]!, oid);
    }
    this.#readers = readers;
    // Readers' closures can reach `add` and through it this list: empty it, or it outlives the build.
    pending.length = 0;
  }

  /** Instance i's OID (a new array). */
  oidAt(i: number): number[] {
    return Array.from(this.#arcs.subarray(this.#arcStart[i], this.#arcStart[i + 1]));
  }

  /** Instance i's encoded OID (a view of the layout's buffer). */
  oidTlvAt(i: number): Buffer {
    return this.#tlv.subarray(this.#tlvStart[i], this.#tlvStart[i + 1]);
  }

  /** Instance i's value as `ctx` reads it. */
  read(i: number, ctx: ReadContext): SnmpValue {
    return this.#readers[this.#readerOf[i]!]!(ctx, this.#args[i]!);
  }

  /** compareOids(instance i's OID, oid) without building the instance's OID. */
  compareAt(i: number, oid: Oid): number {
    const arcs = this.#arcs;
    const start = this.#arcStart[i]!;
    const length = this.#arcStart[i + 1]! - start;
    const n = Math.min(length, oid.length);
    for (let k = 0; k < n; k++) {
      const d = arcs[start + k]! - oid[k]!;
      if (d !== 0) return d;
    }
    return length - oid.length;
  }

  /** Index of the first instance whose OID is > oid (or ≥ oid when `inclusive`); `size` when none. */
  lowerBound(oid: Oid, inclusive: boolean): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.compareAt(mid, oid);
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
