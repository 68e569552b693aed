// PollBatch → InfluxDB points (DESIGN "InfluxDB schema", database `lanewatch`). Pure.
// Rates are floats: node-influx writes every number without the `i` suffix, so every numeric
// field is a float in InfluxDB and never a raw Counter64 or a bigint.
import type { IPoint } from 'influx';
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

/** A `traffic` point, or undefined when its rate is not a finite number. */
export function linkSampleToPoint(s: LinkSample): StorePoint | undefined {
  if (!finite(s.bitsPerSecond) || !finite(s.atMs)) return undefined;
  const fields: Record<string, FieldValue> = { bps: s.bitsPerSecond };
  if (s.dropBitsPerSecond !== undefined && finite(s.dropBitsPerSecond)) fields.dropBps = s.dropBitsPerSecond;
  if (finite(s.utilization)) fields.util = s.utilization;
  if (finite(s.capacityBps)) fields.capacityBps = s.capacityBps;
  if (s.prePolicyBitsPerSecond !== undefined && finite(s.prePolicyBitsPerSecond)) fields.preBps = s.prePolicyBitsPerSecond;
  if (s.reservedBps !== undefined && finite(s.reservedBps)) fields.reservedBps = s.reservedBps;
  return {
    measurement: 'traffic',
    tags: tags({ link: s.link, province: s.province, tier: String(s.tier), dir: s.dir, class: s.class }),
    fields,
    atMs: Math.round(s.atMs),
  };
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
  for (const s of batch.links) {
    const p = linkSampleToPoint(s);
    if (p) out.push(p);
  }
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

/** Validates a point read back from outside (the spool); undefined when it is not one. */
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
  return { measurement: measurement as Measurement, tags: outTags, fields: outFields, atMs };
}
