// InfluxDB line protocol, written once per point: straight from a PollBatch (no intermediate
// point objects on the way to InfluxDB but `traffic`'s, one per link and direction, merging its
// classes) or from StorePoints (the analyzer's, and the spool's on replay). The text is what node-influx would send for the same points: tag values cleaned by
// `tagValue` and escaped (`,` `=` space), fields sorted by key, numbers as `String(n)` (floats
// in InfluxDB), booleans `true`/`false`, strings quoted; timestamps in ms. Pure.
import type { InterfaceSample, PollBatch, PollOutcome } from '../samples.ts';
import { maxErrorChars, tagValue, trafficPoints, type FieldValue, type StorePoint } from './points.ts';

const needsCare = /[\r\n\\,= ]/;
const escapable = /[,= ]/g;

/** A tag value cleaned and escaped for the line protocol; undefined when empty (the tag is left out). */
export function tagText(value: string): string | undefined {
  if (value.length === 0) return undefined;
  if (!needsCare.test(value)) return value;
  const cleaned = tagValue(value);
  return cleaned === undefined ? undefined : cleaned.replace(escapable, '\\$&');
}

/** A field value as the line protocol writes it. */
export function fieldText(value: FieldValue): string {
  if (typeof value === 'string') return `"${value.replace(/["\\]/g, '\\$&')}"`;
  return String(value);
}

function tag(key: string, value: string): string {
  const text = tagText(value);
  return text === undefined ? '' : `,${key}=${text}`;
}

/** One StorePoint's line (tags and fields in key order). */
export function pointLine(p: StorePoint): string {
  let line: string = p.measurement;
  for (const key of Object.keys(p.tags).sort()) line += tag(key, p.tags[key] ?? '');
  let sep = ' ';
  for (const key of Object.keys(p.fields).sort()) {
    const value = p.fields[key];
    if (value === undefined) continue;
    line += `${sep}${key}=${fieldText(value)}`;
    sep = ',';
  }
  return `${line} ${Math.round(p.atMs)}`;
}

/** Lines of StorePoints, one per line. */
export function pointsText(points: readonly StorePoint[]): string {
  let text = '';
  for (let i = 0; i < points.length; i++) text += (i === 0 ? '' : '\n') + pointLine(points[i]!);
  return text;
}

const finite = Number.isFinite;

/** The `iface` line of an InterfaceSample, or undefined when neither rate is finite. */
export function interfaceSampleLine(s: InterfaceSample): string | undefined {
  if (!finite(s.atMs) || (!finite(s.inBps) && !finite(s.outBps))) return undefined;
  // Fields in key order: inBps, inErrors, operUp, outBps, outErrors.
  let fields = '';
  if (finite(s.inBps)) fields += `,inBps=${s.inBps}`;
  if (finite(s.inErrors)) fields += `,inErrors=${s.inErrors}`;
  fields += `,operUp=${s.operUp}`;
  if (finite(s.outBps)) fields += `,outBps=${s.outBps}`;
  if (finite(s.outErrors)) fields += `,outErrors=${s.outErrors}`;
  return `iface${tag('device', s.device)}${tag('ifName', s.ifName)}${tag('province', s.province)} ${fields.slice(1)} ${Math.round(s.atMs)}`;
}

/** The `poll` line of a PollOutcome, or undefined when its time is not finite. */
export function pollOutcomeLine(p: PollOutcome): string | undefined {
  if (!finite(p.atMs)) return undefined;
  // Fields in key order: error, latencyMs, ok, varbinds.
  let fields = '';
  if (!p.ok && p.error !== undefined && p.error.length > 0) fields += `,error=${fieldText(p.error.replace(/[\r\n]+/g, ' ').slice(0, maxErrorChars))}`;
  if (finite(p.latencyMs)) fields += `,latencyMs=${p.latencyMs}`;
  fields += `,ok=${p.ok}`;
  if (finite(p.varbinds)) fields += `,varbinds=${p.varbinds}`;
  return `poll${tag('device', p.device)}${tag('province', p.province)} ${fields.slice(1)} ${Math.round(p.atMs)}`;
}

/** Every line one poll yields (the poll outcome, then links, then interfaces), and how many. */
export function batchText(batch: PollBatch): { text: string; points: number } {
  let text = '';
  let points = 0;
  const add = (line: string | undefined): void => {
    if (line === undefined) return;
    text += (points === 0 ? '' : '\n') + line;
    points++;
  };
  add(pollOutcomeLine(batch.poll));
  // One line per link and direction (the classes as fields): built as the spool's points are.
  for (const p of trafficPoints(batch.links)) add(pointLine(p));
  for (const s of batch.interfaces) add(interfaceSampleLine(s));
  return { text, points };
}
