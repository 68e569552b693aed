// PollBatch → InfluxDB points (DESIGN "InfluxDB schema", database `lanewatch`). Pure.
// Rates are floats: node-influx writes every number without the `i` suffix, so every numeric
// field is a float in InfluxDB and never a raw Counter64 or a bigint.
import type { IPoint } from 'influx';
import { trafficClasses, type TrafficClass } from '../../api/schemas.ts';
import type { InterfaceSample, LinkSample, PollBatch, PollOutcome } from '../samples.ts';

export type Measurement = 'traffic' | 'iface' | 'poll' | 'linkState';

export type FieldValue = number | boolean | string;

/** One point as the store buffers and spools it (JSON-friendly: no Date, no bigint). */
export interface StorePoint {
  measurement: Measurement;
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  /** Epoch ms; written with precision `ms`. */
  atMs: number;
}

/** Longest `error` string kept on a `poll` point. */
export const maxErrorChars = 500;

/**
 * A tag value the line protocol carries intact through node-influx's escaping: no line
 * breaks, and no backslash (node-influx does not escape it, so a backslash before a
 * separator would corrupt the line; ids from config never contain one). Empty → undefined.
 */
export function tagValue(value: string): string | undefined {
  const cleaned = value.replace(/[\r\n]+/g, ' ').replace(/\\/g, '/');
  return cleaned.length > 0 ? cleaned : undefined;
}

function tags(entries: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(entries)) {
    const v = tagValue(value);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function finite(value: number): boolean {
  return Number.isFinite(value);
}

// ---- traffic: one point per link and direction, the classes as fields ----------------------

/** What a `traffic` point holds per class; `capacityBps` is the link's, held once (`capacityBps_total`). */
export const trafficQuantities = ['bps', 'dropBps', 'preBps', 'reservedBps', 'util', 'capacityBps'] as const;
export type TrafficQuantity = (typeof trafficQuantities)[number];

/**
 * The `traffic` field of one quantity of one class: `bps_total`, `bps_video`, `util_docex`…
 * Every name carries its class, so no field of this shape is a field of the earlier one (one
 * point per class, tag `class`, fields `bps`, `util`…): both can sit in the measurement while
 * an upgraded database is migrated, and a reader of one never sees the other's rows.
 */
export function trafficField(quantity: TrafficQuantity, cls: TrafficClass): string {
  return `${quantity}_${cls}`;
}

/** The class's fields of one sample (its rate finite), added to `fields`. */
function addSampleFields(fields: Record<string, FieldValue>, s: LinkSample): void {
  fields[trafficField('bps', s.class)] = s.bitsPerSecond;
  if (s.dropBitsPerSecond !== undefined && finite(s.dropBitsPerSecond)) fields[trafficField('dropBps', s.class)] = s.dropBitsPerSecond;
  if (s.prePolicyBitsPerSecond !== undefined && finite(s.prePolicyBitsPerSecond)) fields[trafficField('preBps', s.class)] = s.prePolicyBitsPerSecond;
  if (s.reservedBps !== undefined && finite(s.reservedBps)) fields[trafficField('reservedBps', s.class)] = s.reservedBps;
  if (finite(s.utilization)) fields[trafficField('util', s.class)] = s.utilization;
  // The link's capacity, the same on each of its samples: the total's, else any class's.
  const capacity = trafficField('capacityBps', 'total');
  if (finite(s.capacityBps) && (s.class === 'total' || fields[capacity] === undefined)) fields[capacity] = s.capacityBps;
}

/**
 * The `traffic` points of one poll's link samples: one per link and direction, each class's
 * quantities as its fields. A class's counters may be read a moment after the interface's: the
 * point takes the time of the link's `total` sample (else its newest class sample's), so the
 * classes of one poll share one point. Samples whose rate is not finite are left out.
 */
export function trafficPoints(samples: readonly LinkSample[]): StorePoint[] {
  const byLinkDir = new Map<string, { sample: LinkSample; atMs: number; fields: Record<string, FieldValue> }>();
  for (const s of samples) {
    if (!finite(s.bitsPerSecond) || !finite(s.atMs)) continue;
    const key = `${s.link}\u0000${s.dir}`;
    let entry = byLinkDir.get(key);
    if (!entry) {
      entry = { sample: s, atMs: s.atMs, fields: {} };
      byLinkDir.set(key, entry);
    } else if (s.class === 'total' || (entry.sample.class !== 'total' && s.atMs > entry.atMs)) {
      entry.sample = s;
      entry.atMs = s.atMs;
    }
    addSampleFields(entry.fields, s);
  }
  const out: StorePoint[] = [];
  for (const { sample: s, atMs, fields } of byLinkDir.values()) {
    out.push({ measurement: 'traffic', tags: tags({ link: s.link, province: s.province, tier: String(s.tier), dir: s.dir }), fields, atMs: Math.round(atMs) });
  }
  return out;
}

const knownTrafficClasses: ReadonlySet<string> = new Set(trafficClasses);
const knownQuantities: ReadonlySet<string> = new Set(trafficQuantities);

/**
 * A `traffic` point of the earlier shape (tag `class`, fields `bps`, `util`…, as a spool written
 * before the upgrade holds them) in this shape: the class tag dropped, each field renamed to its
 * class's. Written at the same time and tags as its link's other classes, InfluxDB merges them
 * into one point. Any other point is returned as it is; undefined for an unknown class.
 */
export function upgradeTrafficPoint(p: StorePoint): StorePoint | undefined {
  const cls = p.tags['class'];
  if (p.measurement !== 'traffic' || cls === undefined) return p;
  if (!knownTrafficClasses.has(cls)) return undefined;
  const { class: _class, ...rest } = p.tags;
  const fields: Record<string, FieldValue> = {};
  for (const [key, value] of Object.entries(p.fields)) {
    if (!knownQuantities.has(key)) continue;
    // The link's capacity, the same on each class: held once.
    fields[trafficField(key as TrafficQuantity, key === 'capacityBps' ? 'total' : (cls as TrafficClass))] = value;
  }
  return Object.keys(fields).length === 0 ? undefined : { measurement: 'traffic', tags: rest, fields, atMs: p.atMs };
}

/** An `iface` point, or undefined when neither rate is a finite number. */
export function interfaceSampleToPoint(s: InterfaceSample): StorePoint | undefined {
  if (!finite(s.atMs) || (!finite(s.inBps) && !finite(s.outBps))) return undefined;
  const fields: Record<string, FieldValue> = { operUp: s.operUp };
  if (finite(s.inBps)) fields.inBps = s.inBps;
  if (finite(s.outBps)) fields.outBps = s.outBps;
  if (finite(s.inErrors)) fields.inErrors = s.inErrors;
  if (finite(s.outErrors)) fields.outErrors = s.outErrors;
  return {
    measurement: 'iface',
    tags: tags({ device: s.device, ifName: s.ifName, province: s.province }),
    fields,
    atMs: Math.round(s.atMs),
  };
}

/** A `poll` point; the error string (failed polls only) is flattened to one short line. */
export function pollOutcomeToPoint(p: PollOutcome): StorePoint | undefined {
  if (!finite(p.atMs)) return undefined;
  const fields: Record<string, FieldValue> = { ok: p.ok };
  if (finite(p.latencyMs)) fields.latencyMs = p.latencyMs;
  if (finite(p.varbinds)) fields.varbinds = p.varbinds;
  if (!p.ok && p.error !== undefined && p.error.length > 0) {
    fields.error = p.error.replace(/[\r\n]+/g, ' ').slice(0, maxErrorChars);
  }
  return {
    measurement: 'poll',
    tags: tags({ device: p.device, province: p.province }),
    fields,
    atMs: Math.round(p.atMs),
  };
}

/** Every point one poll yields: the poll outcome, then links, then interfaces. */
export function batchToPoints(batch: PollBatch): StorePoint[] {
  const out: StorePoint[] = [];
  const poll = pollOutcomeToPoint(batch.poll);
  if (poll) out.push(poll);
  out.push(...trafficPoints(batch.links));
  for (const s of batch.interfaces) {
    const p = interfaceSampleToPoint(s);
    if (p) out.push(p);
  }
  return out;
}

/** The node-influx shape (write with `precision: 'ms'`). */
export function toInfluxPoint(p: StorePoint): IPoint {
  return { measurement: p.measurement, tags: p.tags, fields: p.fields, timestamp: p.atMs };
}

const measurements: ReadonlySet<string> = new Set<Measurement>(['traffic', 'iface', 'poll', 'linkState']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates a point read back from outside (the spool); undefined when it is not one. A
 * `traffic` point of the earlier shape comes back in this one (`upgradeTrafficPoint`).
 */
export function parseStorePoint(value: unknown): StorePoint | undefined {
  if (!isRecord(value)) return undefined;
  const { measurement, tags: rawTags, fields: rawFields, atMs } = value;
  if (typeof measurement !== 'string' || !measurements.has(measurement)) return undefined;
  if (typeof atMs !== 'number' || !Number.isFinite(atMs)) return undefined;
  if (!isRecord(rawTags) || !isRecord(rawFields)) return undefined;
  const outTags: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawTags)) {
    if (typeof v !== 'string' || v.length === 0) return undefined;
    outTags[k] = v;
  }
  const outFields: Record<string, FieldValue> = {};
  let count = 0;
  for (const [k, v] of Object.entries(rawFields)) {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return undefined;
    } else if (typeof v !== 'boolean' && typeof v !== 'string') {
      return undefined;
    }
    outFields[k] = v;
    count += 1;
  }
  if (count === 0) return undefined;
  return upgradeTrafficPoint({ measurement: measurement as Measurement, tags: outTags, fields: outFields, atMs });
}
