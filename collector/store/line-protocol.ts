// InfluxDB line protocol, written once per point: straight from a PollBatch (no intermediate
// point objects on the way to InfluxDB) or from StorePoints (the analyzer's, and the spool's on
// replay). The text is what node-influx would send for the same points: tag values cleaned by
// `tagValue` and escaped (`,` `=` space), fields sorted by key, numbers as `String(n)` (floats
// in InfluxDB), booleans `true`/`false`, strings quoted; timestamps in ms. Pure.
import type { InterfaceSample, LinkSample, PollBatch, PollOutcome } from '../samples.ts';
import { maxErrorChars, tagValue, type FieldValue, type StorePoint } from './points.ts';

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

/** The `traffic` line of a LinkSample (as linkSampleToPoint → pointLine), or undefined when its rate is not finite. */
export function linkSampleLine(s: LinkSample): string | undefined {
  if (!finite(s.bitsPerSecond) || !finite(s.atMs)) return undefined;
  // Fields in key order: bps, capacityBps, dropBps, preBps, reservedBps, util.
  let fields = `bps=${s.bitsPerSecond}`;
  if (finite(s.capacityBps)) fields += `,capacityBps=${s.capacityBps}`;
  if (s.dropBitsPerSecond !== undefined && finite(s.dropBitsPerSecond)) fields += `,dropBps=${s.dropBitsPerSecond}`;
  if (s.prePolicyBitsPerSecond !== undefined && finite(s.prePolicyBitsPerSecond)) fields += `,preBps=${s.prePolicyBitsPerSecond}`;
  if (s.reservedBps !== undefined && finite(s.reservedBps)) fields += `,reservedBps=${s.reservedBps}`;
  if (finite(s.utilization)) fields += `,util=${s.utilization}`;
  // class, dir and tier are our own words and numbers: nothing to escape.
  return `traffic,class=${s.class},dir=${s.dir}${tag('link', s.link)}${tag('province', s.province)},tier=${s.tier} ${fields} ${Math.round(s.atMs)}`;
}

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
  for (const s of batch.links) add(linkSampleLine(s));
  for (const s of batch.interfaces) add(interfaceSampleLine(s));
  return { text, points };
}
