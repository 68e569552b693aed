// A device's QoS plan: which counters measure which service class of which configured link and
// direction, built (purely) from a discovery, the router's links and the class rules.
//
// - Class-based QoS (Cisco, Huawei, Juniper) on the link's own interface: leaf classes only
//   (a parent class of a nested policy counts the same bytes as its children). The policy's
//   direction gives the link direction through the link's `downIs`: the interface's output
//   carries `down` when downIs is `out`, its input then carries `up` (and the reverse for `in`).
// - Per-service sub-interfaces `<link ifName>.<n>`: classified by their ifName/ifAlias; their
//   IF-MIB octets are the class's post-policy rates (out-octets in the link's out direction).
//   Used for a direction only when the link's interface has no QoS classes in that direction.
// - An end of a two-ended link (collector/link-ends.ts) measures one direction: `down` at the
//   near end, `up` at the far end; the other direction's classes are not part of its plan.
// - Several classes mapping to one service class on one link and direction form one group
//   whose rates are summed. The router's configured bandwidth of each class is its
//   reservation (kbps × 1000; percent of the link capacity); other units are not converted.
import { serviceClasses } from '../../api/schemas.ts';
import type { LinkConfig } from '../../config/schema.ts';
import {
  counterWalk,
  type DeviceDiscovery,
  type DiscoveredInterface,
  type QosClass,
  type QosCounterColumns,
  type QosCounterWalk,
  type QosDirection,
  type QosVendor,
  statsIndexOfWalk,
} from '../discovery/index.ts';
import { CISCO_POLICY_DISCONTINUITY_TIME, ciscoPolicyRowOf } from '../discovery/cisco-cbqos.ts';
import type { Classifier } from '../classify.ts';
import { capacityBpsOf } from '../rates.ts';
import type { Direction, QosClassMapping, ServiceClass } from '../samples.ts';
import { measuredDirections } from '../link-ends.ts';

/** Counters of one CBQoS/CoS class: their instance OIDs, and the columns a walk reads them under. */
export interface CounterMember {
  readonly kind: 'counters';
  /** Stable while the device keeps its indexes: link, direction, path and statistics index. */
  readonly key: string;
  readonly oids: QosCounterColumns;
  /** The counter columns under the class's policy (or interface), and its row there: counterWalk. */
  readonly walk: QosCounterWalk;
  /**
   * Cisco: the policyIndex, the row of the class's service policy in cbQosServicePolicyTable,
   * whose cbQosPolicyDiscontinuityTime a poll reads (policyTimesOf). Undefined for vendors
   * without such an object.
   */
  readonly policyRow?: string | undefined;
}

/** The policies whose discontinuity time a poll reads for a plan's counter members. */
export interface PolicyTimes {
  /** Each planned policy's cbQosPolicyDiscontinuityTime instance, once, in the members' order. */
  readonly oids: readonly string[];
  /** Member i's (of the members given) policy's position in `oids`; -1: it has none. */
  readonly ofMember: Int32Array;
}

/** The cbQosPolicyDiscontinuityTime instances of the members' policies (Cisco's only: the others have no policyRow). Pure. */
export function policyTimesOf(members: readonly CounterMember[]): PolicyTimes {
  const position = new Map<string, number>();
  const oids: string[] = [];
  const ofMember = Int32Array.from(members, (m) => {
    const row = m.policyRow;
    if (row === undefined) return -1;
    let p = position.get(row);
    if (p === undefined) {
      p = oids.length;
      position.set(row, p);
      oids.push(`${CISCO_POLICY_DISCONTINUITY_TIME}.${row}`);
    }
    return p;
  });
  return { oids, ofMember };
}

/**
 * One copy of each name for the whole collector: policy, class and sub-interface names and
 * class paths repeat on every router (a fleet configured from a few templates), and a plan
 * lives for an hour. Bounded by the distinct names of the network.
 */
const names = new Map<string, string>();
export function internName(text: string): string {
  const known = names.get(text);
  if (known !== undefined) return known;
  names.set(text, text);
  return text;
}

/** What the classes of one policy on one link and direction share: its walk's columns, the link, direction and vendor. */
interface PolicyOfClasses {
  readonly columns: QosCounterColumns;
  readonly link: string;
  readonly dir: Direction;
  readonly vendor: QosVendor;
  /** Cisco's policyIndex (CounterMember.policyRow); undefined for other vendors. */
  readonly policyRow: string | undefined;
}

/**
 * A planned class's counters as the plan keeps them: what it shares with its policy's classes,
 * its path and its row; the walk and the instance OIDs built when asked (a national fleet has
 * hundreds of thousands of classes: a field, an object or three OID strings more each would be
 * most of the collector's memory).
 */
class PlannedCounters implements CounterMember {
  readonly #policy: PolicyOfClasses;
  /** The row as a number where it prints back the same (no string per class), else as given. */
  readonly #row: number | string;
  readonly #path: string;

  constructor(policy: PolicyOfClasses, path: string, row: string) {
    this.#policy = policy;
    this.#path = path;
    this.#row = compactRow(row);
  }

  get kind(): 'counters' {
    return 'counters';
  }

  /** Built when asked (a poll finds its members by object, not by key). */
  get key(): string {
    const { link, dir, vendor } = this.#policy;
    return [link, dir, this.#path, `${vendor}:${statsIndexOfWalk(vendor, this.walk)}`].join('|');
  }

  get walk(): QosCounterWalk {
    return { columns: this.#policy.columns, row: String(this.#row) };
  }

  get policyRow(): string | undefined {
    return this.#policy.policyRow;
  }

  get oids(): QosCounterColumns {
    const c = this.#policy.columns;
    const row = String(this.#row);
    return { prePolicyBytes: `${c.prePolicyBytes}.${row}`, postPolicyBytes: `${c.postPolicyBytes}.${row}`, dropBytes: `${c.dropBytes}.${row}` };
  }
}

/** A row index as a number when it is one arc that prints back the same (`7`, not `07`), else the text. Pure. */
export function compactRow(row: string): number | string {
  const n = Number(row);
  return Number.isSafeInteger(n) && n >= 0 && String(n) === row ? n : row;
}

/** One direction of a per-service sub-interface (read from the ifXTable walk). */
export interface InterfaceMember {
  readonly kind: 'interface';
  readonly key: string;
  readonly ifName: string;
  readonly side: 'in' | 'out';
}

/** A planned sub-interface direction: its key built when asked (from the link, direction and ifName). */
class PlannedSubinterface implements InterfaceMember {
  readonly ifName: string;
  readonly side: 'in' | 'out';
  readonly #link: string;
  readonly #dir: Direction;

  constructor(link: string, dir: Direction, ifName: string, side: 'in' | 'out') {
    this.#link = link;
    this.#dir = dir;
    this.ifName = ifName;
    this.side = side;
  }

  get kind(): 'interface' {
    return 'interface';
  }

  get key(): string {
    return [this.#link, this.#dir, this.ifName].join('|');
  }
}

const sources = ['cisco', 'huawei', 'juniper', 'subinterface'] as const satisfies readonly QosClassMapping['source'][];
const directions = ['down', 'up'] as const satisfies readonly Direction[];
/** Texts per mapping in MappingTable: policyName, className, path. */
const TEXTS = 3;

/**
 * A plan's mappings (what `Collector.qos()` and the log show; no poll reads them) as columns:
 * the names (shared strings), codes in typed arrays; each mapping is built when asked.
 */
class MappingTable {
  readonly #device: string;
  /** The links the mappings are on (id and interface), each once; a mapping's link is an index here. */
  readonly #links: Array<Pick<LinkConfig, 'id' | 'ifName'>> = [];
  #linkIndex: Uint32Array | number[] = [];
  #texts: (string | undefined)[] = [];
  /** Per mapping: direction, source, service class (indexes into directions, sources, serviceClasses). */
  #codes: Uint8Array | number[] = [];
  /** Per mapping: the rule's index, -1 for none. */
  #rules: Int32Array | number[] = [];
  /** Per mapping: the reservation, NaN for none. */
  #reservedBps: Float64Array | number[] = [];

  constructor(device: string) {
    this.#device = device;
  }

  get length(): number {
    return this.#rules.length;
  }

  /** A class on `link`'s interface, or a sub-interface of it (its ifName is its className and path). */
  add(link: Pick<LinkConfig, 'id' | 'ifName'>, m: Omit<QosClassMapping, 'device' | 'link' | 'ifName' | 'dir'> & { dir: Direction }): void {
    let index = this.#links.length - 1;
    if (this.#links[index]?.id !== link.id) {
      index = this.#links.length;
      this.#links.push(link);
    }
    (this.#linkIndex as number[]).push(index);
    this.#texts.push(m.policyName, m.className, m.path);
    (this.#codes as number[]).push(directions.indexOf(m.dir), sources.indexOf(m.source), serviceClasses.indexOf(m.serviceClass));
    (this.#rules as number[]).push(m.rule ?? -1);
    (this.#reservedBps as number[]).push(m.reservedBps ?? Number.NaN);
  }

  /** Done adding: the columns shrink to typed arrays of their exact length. */
  seal(): void {
    this.#linkIndex = Uint32Array.from(this.#linkIndex);
    this.#codes = Uint8Array.from(this.#codes);
    this.#rules = Int32Array.from(this.#rules);
    this.#reservedBps = Float64Array.from(this.#reservedBps);
    // An array grown by push keeps spare room: copied to its exact length.
    this.#texts = this.#texts.slice();
  }

  /** Every mapping, in the order added (new objects). */
  all(): QosClassMapping[] {
    const out: QosClassMapping[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.#at(i));
    return out;
  }

  #at(i: number): QosClassMapping {
    const t = TEXTS * i;
    const texts = this.#texts;
    const source = sources[this.#codes[3 * i + 1]!]!;
    const rule = this.#rules[i]!;
    const dir = directions[this.#codes[3 * i]!]!;
    const serviceClass = serviceClasses[this.#codes[3 * i + 2]!]!;
    const link = this.#links[this.#linkIndex[i]!]!;
    if (source === 'subinterface') {
      return { device: this.#device, link: link.id, ifName: texts[t + 1]!, dir, source, className: texts[t + 1]!, path: texts[t + 2]!, serviceClass, rule: rule < 0 ? undefined : rule };
    }
    const reservedBps = this.#reservedBps[i]!;
    return {
      device: this.#device,
      link: link.id,
      ifName: link.ifName,
      dir,
      source,
      policyName: texts[t]!,
      className: texts[t + 1]!,
      path: texts[t + 2]!,
      serviceClass,
      // Absent as undefined, in the literal: one object shape, no property added later.
      rule: rule < 0 ? undefined : rule,
      reservedBps: Number.isNaN(reservedBps) ? undefined : reservedBps,
    };
  }
}

export type QosMember = CounterMember | InterfaceMember;

/** One service class of one link and direction: the sum of its members. */
export interface ClassGroup {
  readonly link: string;
  readonly dir: Direction;
  readonly serviceClass: ServiceClass;
  /** Σ reservations the router reports for the members; absent when none reports one. */
  readonly reservedBps?: number;
  readonly members: QosMember[];
}

/** A group as buildQosPlan drafts it. */
interface DraftGroup {
  link: string;
  dir: Direction;
  serviceClass: ServiceClass;
  reservedBps?: number;
  members: QosMember[];
}

/**
 * A plan's groups as columns (link, direction and service class codes, reservation, the range of
 * their members in one array); each group built when read. No poll reads them: the class
 * sampler lays them out once per plan. A fleet has hundreds of thousands of groups, most of
 * one member: an object and an array each were a good part of the collector's memory.
 */
class GroupTable {
  readonly #links: string[];
  /** Per group: direction, service class (indexes into directions, serviceClasses). */
  readonly #codes: Uint8Array;
  /** Per group: Σ reservations, NaN for none. */
  readonly #reservedBps: Float64Array;
  /** Group g's members: #members[#start[g] … #start[g + 1]). */
  readonly #start: Int32Array;
  readonly #members: readonly QosMember[];

  constructor(drafts: readonly DraftGroup[]) {
    this.#links = drafts.map((d) => d.link);
    this.#codes = Uint8Array.from(drafts.flatMap((d) => [directions.indexOf(d.dir), serviceClasses.indexOf(d.serviceClass)]));
    this.#reservedBps = Float64Array.from(drafts, (d) => d.reservedBps ?? Number.NaN);
    this.#start = new Int32Array(drafts.length + 1);
    drafts.forEach((d, g) => (this.#start[g + 1] = this.#start[g]! + d.members.length));
    this.#members = drafts.flatMap((d) => d.members);
  }

  /** Every group, in plan order (new objects; reservedBps present only where reported). */
  all(): ClassGroup[] {
    return this.#links.map((link, g) => {
      const group: DraftGroup = {
        link,
        dir: directions[this.#codes[2 * g]!]!,
        serviceClass: serviceClasses[this.#codes[2 * g + 1]!]!,
        members: this.#members.slice(this.#start[g]!, this.#start[g + 1]!),
      };
      const reservedBps = this.#reservedBps[g]!;
      if (!Number.isNaN(reservedBps)) group.reservedBps = reservedBps;
      return group;
    });
  }
}

export interface QosPlan {
  device: string;
  /** When the discovery it was built from finished. */
  atMs: number;
  /** Built when read (buildQosPlan's): read once. */
  readonly groups: ClassGroup[];
  /** Every discovered class and sub-interface on a configured link, with its service class (built when read). */
  readonly mappings: QosClassMapping[];
  /** ifIndex of each link interface (by ifName) at discovery: a change calls for a new plan. */
  linkIfIndexes: Map<string, number>;
  /** Sub-interface ifNames per link interface at discovery (sorted); a link interface without any is absent. */
  subinterfaces: Map<string, string[]>;
  /** Every class whose counters the groups need, in plan order. */
  counterMembers: CounterMember[];
  /** Things a human should know (leaf classes without statistics, …). */
  notes: string[];
}

export interface QosPlanInput {
  device: string;
  discovery: DeviceDiscovery;
  links: readonly LinkConfig[];
  classifier: Classifier;
}

/** The link direction a policy direction carries. */
export function directionOf(policy: QosDirection, downIs: LinkConfig['downIs']): Direction {
  const outIsDown = downIs === 'out';
  if (policy === 'output') return outIsDown ? 'down' : 'up';
  return outIsDown ? 'up' : 'down';
}

/** The interface side (octet counter) that carries a link direction. */
export function sideOf(dir: Direction, downIs: LinkConfig['downIs']): 'in' | 'out' {
  return (dir === 'down') === (downIs === 'out') ? 'out' : 'in';
}

/** The reservation in bps of a class's configured bandwidth; undefined when not convertible. */
export function reservedBpsOf(cls: Pick<QosClass, 'configuredBandwidth'>, capacityBps: number | undefined): number | undefined {
  const bw = cls.configuredBandwidth;
  if (!bw || !Number.isFinite(bw.value) || bw.value <= 0) return undefined;
  if (bw.unit === 'kbps') return bw.value * 1_000;
  if (bw.unit === 'percent' && capacityBps !== undefined) return (bw.value / 100) * capacityBps;
  return undefined;
}

/** `Gi0/1.300` is a sub-interface of `Gi0/1`. */
export function isSubinterfaceOf(ifName: string, parent: string): boolean {
  return ifName.length > parent.length + 1 && ifName.startsWith(`${parent}.`) && /^\d+$/.test(ifName.slice(parent.length + 1));
}

export function buildQosPlan(input: QosPlanInput): QosPlan {
  const { device, discovery, classifier } = input;
  const byName = new Map<string, DiscoveredInterface>();
  for (const iface of discovery.interfaces) if (iface.ifName !== undefined && !byName.has(iface.ifName)) byName.set(iface.ifName, iface);

  const groups = new Map<string, DraftGroup>();
  const mappings = new MappingTable(device);
  const notes: string[] = [];
  const counterMembers: CounterMember[] = [];
  const linkIfIndexes = new Map<string, number>();
  const subinterfaces = new Map<string, string[]>();
  // One copy of each policy's walk columns per plan, one of what its classes on a link and
  // direction share; of each name, for the collector (internName).
  const walks = new Map<string, QosCounterColumns>();
  const shared = (columns: QosCounterColumns): QosCounterColumns => {
    const known = walks.get(columns.postPolicyBytes);
    if (known) return known;
    walks.set(columns.postPolicyBytes, columns);
    return columns;
  };
  const policies = new Map<string, PolicyOfClasses>();
  const policyOf = (link: string, dir: Direction, vendor: QosVendor, columns: QosCounterColumns, statsIndex: string): PolicyOfClasses => {
    const key = `${link}|${dir}|${vendor}|${columns.postPolicyBytes}`;
    const known = policies.get(key);
    if (known) return known;
    const policyRow = vendor === 'cisco' ? ciscoPolicyRowOf(statsIndex) : undefined;
    const policy: PolicyOfClasses = { columns: shared(columns), link, dir, vendor, policyRow };
    policies.set(key, policy);
    return policy;
  };

  const addToGroup = (link: LinkConfig, dir: Direction, serviceClass: ServiceClass, member: QosMember, reservedBps: number | undefined): void => {
    const key = `${link.id}|${dir}|${serviceClass}`;
    let group = groups.get(key);
    if (!group) {
      group = { link: link.id, dir, serviceClass, members: [] };
      groups.set(key, group);
    }
    group.members.push(member);
    if (reservedBps !== undefined) group.reservedBps = (group.reservedBps ?? 0) + reservedBps;
  };

  for (const link of input.links) {
    const iface = byName.get(link.ifName);
    if (!iface) continue;
    linkIfIndexes.set(link.ifName, iface.ifIndex);
    const capacityBps = capacityBpsOf(link.capacityBps, iface.ifHighSpeedMbps);
    const classes = discovery.classes.filter((c) => c.ifIndex === iface.ifIndex && c.leaf);
    const covered = new Set<Direction>();
    const measured = measuredDirections(link);

    for (const cls of classes) {
      const dir = directionOf(cls.direction, link.downIs);
      if (!measured.includes(dir)) continue;
      covered.add(dir);
      const { serviceClass, rule } = classifier.classOf({
        className: cls.className,
        policyName: cls.policyName,
        ifName: link.ifName,
        ifAlias: iface.ifAlias,
      });
      const reservedBps = reservedBpsOf(cls, capacityBps);
      mappings.add(link, {
        dir,
        source: cls.vendor,
        policyName: internName(cls.policyName),
        className: internName(cls.className),
        path: internName(cls.path),
        serviceClass,
        rule,
        reservedBps,
      });
      const walk = counterWalk(cls);
      if (!walk || cls.statsIndex === undefined) {
        notes.push(`${link.ifName} ${cls.direction} ${cls.path}: no statistics row, not measured`);
        continue;
      }
      const member: CounterMember = new PlannedCounters(policyOf(link.id, dir, cls.vendor, walk.columns, cls.statsIndex), internName(cls.path), walk.row);
      counterMembers.push(member);
      addToGroup(link, dir, serviceClass, member, reservedBps);
    }

    const subs = discovery.interfaces
      .filter((i): i is DiscoveredInterface & { ifName: string } => i.ifName !== undefined && isSubinterfaceOf(i.ifName, link.ifName))
      .sort((a, b) => (a.ifName < b.ifName ? -1 : a.ifName > b.ifName ? 1 : 0));
    if (subs.length > 0) subinterfaces.set(link.ifName, subs.map((s) => internName(s.ifName)));
    for (const sub of subs) {
      const ifName = internName(sub.ifName);
      const { serviceClass, rule } = classifier.classOf({ ifName, ifAlias: sub.ifAlias });
      for (const dir of measured) {
        if (covered.has(dir)) continue;
        mappings.add(link, { dir, source: 'subinterface', className: ifName, path: ifName, serviceClass, rule });
        addToGroup(link, dir, serviceClass, new PlannedSubinterface(link.id, dir, ifName, sideOf(dir, link.downIs)), undefined);
      }
    }
  }
  mappings.seal();
  // Arrays grown by push keep spare room: a plan lives for an hour, across a fleet of hundreds
  // of thousands of classes; the ones kept are copied to their exact length.
  return new BuiltQosPlan({ device, atMs: discovery.atMs, groups: new GroupTable([...groups.values()]), mappings, linkIfIndexes, subinterfaces, counterMembers: counterMembers.slice(), notes });
}

/** A plan as buildQosPlan makes it: its groups and mappings kept as columns, built when read. */
class BuiltQosPlan implements QosPlan {
  readonly device: string;
  readonly atMs: number;
  readonly #groups: GroupTable;
  readonly #mappings: MappingTable;
  readonly linkIfIndexes: Map<string, number>;
  readonly subinterfaces: Map<string, string[]>;
  readonly counterMembers: CounterMember[];
  readonly notes: string[];

  constructor(parts: Omit<QosPlan, 'mappings' | 'groups'> & { groups: GroupTable; mappings: MappingTable }) {
    this.device = parts.device;
    this.atMs = parts.atMs;
    this.#groups = parts.groups;
    this.#mappings = parts.mappings;
    this.linkIfIndexes = parts.linkIfIndexes;
    this.subinterfaces = parts.subinterfaces;
    this.counterMembers = parts.counterMembers;
    this.notes = parts.notes;
  }

  get groups(): ClassGroup[] {
    return this.#groups.all();
  }

  get mappings(): QosClassMapping[] {
    return this.#mappings.all();
  }
}
