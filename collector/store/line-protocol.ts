// InfluxDB line protocol, written once per point: straight from a PollBatch (no intermediate
// point objects on the way to InfluxDB: a `traffic` line per link and direction straight from
// its samples, merging its classes) or from StorePoints (the analyzer's, and the spool's on
// replay: the same text for the same batch). The text is what node-influx would send for the
// same points: tag values cleaned by `tagValue` and escaped (`,` `=` space), fields sorted by
// key, numbers as `String(n)` (floats in InfluxDB), booleans `true`/`false`, strings quoted;
// timestamps in ms. Pure: the series' tag text is cached (series-tags.ts) but never differs.
import { trafficClasses } from '../../api/schemas.ts';
import type { InterfaceSample, LinkSample, PollBatch, PollOutcome } from '../samples.ts';
import { LinkDirIndex } from './link-dirs.ts';
import { maxErrorChars, trafficField, trafficPoints, trafficQuantities, type FieldValue, type StorePoint } from './points.ts';
import { SeriesTagCache, tagPair, tagText } from './series-tags.ts';

export { tagText };

/** A field value as the line protocol writes it. */
export function fieldText(value: FieldValue): string {
  if (typeof value === 'string') return `"${value.replace(/["\\]/g, '\\$&')}"`;
  return String(value);
}

/** One StorePoint's line (tags and fields in key order). */
export function pointLine(p: StorePoint): string {
  let line: string = p.measurement;
  for (const key of Object.keys(p.tags).sort()) line += tagPair(key, p.tags[key] ?? '');
  let sep = ' ';
  for (const key of Object.keys(p.fields).sort()) {
    const value = p.fields[key];
    if (value === undefined) continue;
    line += sep + key + '=' + fieldText(value);
    sep = ',';
  }
  return line + ' ' + Math.round(p.atMs);
}

/** Lines of StorePoints, one per line. */
export function pointsText(points: readonly StorePoint[]): string {
  let text = '';
  for (let i = 0; i < points.length; i++) text += (i === 0 ? '' : '\n') + pointLine(points[i]!);
  return text;
}

/** Parts joined at a time: the parts array stays small (young), however many lines a chunk has. */
const partsPerJoin = 4_096;

/**
 * Lines being written, as their parts: a line is begun with its series and continued part by
 * part, each part text already (numbers and booleans as `String` writes them). Every
 * `partsPerJoin` parts are joined into the text so far.
 */
/** A field's key as a line writes it: ` key=` when first on its line, `,key=` after another field. */
export interface FieldKey {
  readonly first: string;
  readonly next: string;
}

export function fieldKey(name: string): FieldKey {
  return { first: ` ${name}=`, next: `,${name}=` };
}

export class LineText {
  #parts: string[] = [];
  #joined = '';
  #points = 0;
  /** Fields written on the current line (the first takes a space, the others a comma). */
  #fields = 0;

  /** Lines begun so far. */
  get points(): number {
    return this.#points;
  }

  /** Begins a line with its first part (the measurement and tags). */
  begin(series: string): void {
    if (this.#parts.length >= partsPerJoin) this.#join();
    if (this.#points > 0) this.#parts.push('\n');
    this.#parts.push(series);
    this.#points++;
    this.#fields = 0;
  }

  /** Continues the current line with a field (its value as text). */
  field(key: FieldKey, valueText: string): void {
    this.#parts.push(this.#fields++ === 0 ? key.first : key.next, valueText);
  }

  /** Continues the current line. */
  part(text: string): void {
    this.#parts.push(text);
  }

  /** A whole line (nothing when undefined). */
  add(line: string | undefined): void {
    if (line !== undefined) this.begin(line);
  }

  /** Several whole lines at once (`text` holds `points` of them). */
  addText(text: string, points: number): void {
    if (points === 0) return;
    this.begin(text);
    this.#points += points - 1;
  }

  /** The lines, one per line. */
  text(): string {
    this.#join();
    return this.#joined;
  }

  #join(): void {
    if (this.#parts.length === 0) return;
    this.#joined += this.#parts.join('');
    this.#parts = [];
  }
}

const finite = Number.isFinite;

let lastTimeMs = Number.NaN;
let lastTimeText = '';
/** ` <ms>`: a line's time, rounded; the text of the last time kept (a poll's lines mostly share one). */
function timeText(atMs: number): string {
  const ms = Math.round(atMs);
  if (ms !== lastTimeMs) {
    lastTimeMs = ms;
    lastTimeText = ' ' + ms;
  }
  return lastTimeText;
}

/** The series' tag text, shared by every batch written in this process. */
const series = new SeriesTagCache();

const ifaceKeys = {
  inBps: fieldKey('inBps'),
  inErrors: fieldKey('inErrors'),
  operUp: fieldKey('operUp'),
  outBps: fieldKey('outBps'),
  outErrors: fieldKey('outErrors'),
};
const pollKeys = { error: fieldKey('error'), latencyMs: fieldKey('latencyMs'), ok: fieldKey('ok'), varbinds: fieldKey('varbinds') };

/** Adds the `iface` line of an InterfaceSample, unless neither rate is finite. */
function writeInterface(out: LineText, s: InterfaceSample): void {
  if (!finite(s.atMs) || (!finite(s.inBps) && !finite(s.outBps))) return;
  // Fields in key order: inBps, inErrors, operUp, outBps, outErrors.
  out.begin(series.ifaceSeries(s.device, s.ifName, s.province));
  if (finite(s.inBps)) out.field(ifaceKeys.inBps, String(s.inBps));
  if (finite(s.inErrors)) out.field(ifaceKeys.inErrors, String(s.inErrors));
  out.field(ifaceKeys.operUp, String(s.operUp));
  if (finite(s.outBps)) out.field(ifaceKeys.outBps, String(s.outBps));
  if (finite(s.outErrors)) out.field(ifaceKeys.outErrors, String(s.outErrors));
  out.part(timeText(s.atMs));
}

/** Adds the `poll` line of a PollOutcome, unless its time is not finite. */
function writePoll(out: LineText, p: PollOutcome): void {
  if (!finite(p.atMs)) return;
  // Fields in key order: error, latencyMs, ok, varbinds.
  out.begin(series.pollSeries(p.device, p.province));
  if (!p.ok && p.error !== undefined && p.error.length > 0) out.field(pollKeys.error, fieldText(p.error.replace(/[\r\n]+/g, ' ').slice(0, maxErrorChars)));
  if (finite(p.latencyMs)) out.field(pollKeys.latencyMs, String(p.latencyMs));
  out.field(pollKeys.ok, String(p.ok));
  if (finite(p.varbinds)) out.field(pollKeys.varbinds, String(p.varbinds));
  out.part(timeText(p.atMs));
}

/** One line's text, or undefined when `write` adds none. */
function lineOf<T>(write: (out: LineText, value: T) => void, value: T): string | undefined {
  const out = new LineText();
  write(out, value);
  return out.points === 0 ? undefined : out.text();
}

/** The `iface` line of an InterfaceSample, or undefined when neither rate is finite. */
export function interfaceSampleLine(s: InterfaceSample): string | undefined {
  return lineOf(writeInterface, s);
}

/** The `poll` line of a PollOutcome, or undefined when its time is not finite. */
export function pollOutcomeLine(p: PollOutcome): string | undefined {
  return lineOf(writePoll, p);
}

// ---- traffic: one line per link and direction, straight from the samples --------------------

/** A class's place in a group's values. */
const classIndex: ReadonlyMap<string, number> = new Map(trafficClasses.map((c, i) => [c, i]));
const classCount = trafficClasses.length;
/** The per-class quantities' places: quantity × class; the link's capacity after them. */
const perClass = trafficQuantities.filter((q) => q !== 'capacityBps');
const bpsAt = perClass.indexOf('bps') * classCount;
const dropAt = perClass.indexOf('dropBps') * classCount;
const preAt = perClass.indexOf('preBps') * classCount;
const reservedAt = perClass.indexOf('reservedBps') * classCount;
const utilAt = perClass.indexOf('util') * classCount;
const capacityAt = perClass.length * classCount;
const slotsPerGroup = capacityAt + 1;

/** The fields a `traffic` line may hold, in the line's (key) order: where each value is, and `name=`. */
const fieldOrder: ReadonlyArray<{ slot: number; key: FieldKey }> = (() => {
  const fields: Array<{ slot: number; name: string }> = [];
  for (const quantity of trafficQuantities) {
    if (quantity === 'capacityBps') {
      fields.push({ slot: capacityAt, name: trafficField('capacityBps', 'total') });
      continue;
    }
    const q = perClass.indexOf(quantity);
    for (const cls of trafficClasses) fields.push({ slot: q * classCount + (classIndex.get(cls) ?? 0), name: trafficField(quantity, cls) });
  }
  // Sorted as pointLine sorts a StorePoint's fields.
  const names = fields.map((f) => f.name).sort();
  return names.map((name) => {
    const f = fields.find((x) => x.name === name)!;
    return { slot: f.slot, key: fieldKey(name) };
  });
})();

/** Reused between batches: one group of values per link and direction (NaN: no field). */
class TrafficGroups {
  readonly index = new LinkDirIndex();
  values = new Float64Array(slotsPerGroup * 16);
  /** The sample whose time and tags the line takes (the total's, else the newest class's). */
  readonly chosen: Array<LinkSample | undefined> = [];

  /** Adds one sample (its rate and time finite; its class known) to its group. */
  add(s: LinkSample, cls: number): void {
    const g = this.index.groupOf(s.link, s.dir);
    let values = this.values;
    const base = g * slotsPerGroup;
    if (base + slotsPerGroup > values.length) {
      const grown = new Float64Array(values.length * 2);
      grown.set(values);
      this.values = values = grown;
    }
    const chosen = this.chosen[g];
    if (chosen === undefined) {
      values.fill(Number.NaN, base, base + slotsPerGroup);
      this.chosen[g] = s;
    } else if (s.class === 'total' || (chosen.class !== 'total' && s.atMs > chosen.atMs)) {
      this.chosen[g] = s;
    }
    values[base + bpsAt + cls] = s.bitsPerSecond;
    const drop = s.dropBitsPerSecond;
    if (drop !== undefined && finite(drop)) values[base + dropAt + cls] = drop;
    const pre = s.prePolicyBitsPerSecond;
    if (pre !== undefined && finite(pre)) values[base + preAt + cls] = pre;
    const reserved = s.reservedBps;
    if (reserved !== undefined && finite(reserved)) values[base + reservedAt + cls] = reserved;
    if (finite(s.utilization)) values[base + utilAt + cls] = s.utilization;
    // The link's capacity, the same on each of its samples: the total's, else any class's.
    if (finite(s.capacityBps) && (s.class === 'total' || values[base + capacityAt] !== values[base + capacityAt])) values[base + capacityAt] = s.capacityBps;
  }

  /** The groups' lines, in the order each link and direction first appeared; then forgets them. */
  writeTo(out: LineText): void {
    const values = this.values;
    const count = this.index.count;
    for (let g = 0; g < count; g++) {
      const s = this.chosen[g]!;
      this.chosen[g] = undefined;
      const base = g * slotsPerGroup;
      out.begin(series.trafficHead(s.dir));
      out.part(series.trafficTail(s.link, s.province, s.tier));
      for (let f = 0; f < fieldOrder.length; f++) {
        const field = fieldOrder[f]!;
        const value = values[base + field.slot]!;
        if (value === value) out.field(field.key, String(value));
      }
      out.part(timeText(s.atMs));
    }
    this.index.reset();
  }

  /** Forgets the groups without writing them. */
  forget(): void {
    this.chosen.fill(undefined, 0, this.index.count);
    this.index.reset();
  }
}

const trafficGroups = new TrafficGroups();

/** The `traffic` lines of one poll's link samples: the lines of `trafficPoints`' points, without them. */
export function writeTrafficLines(out: LineText, samples: readonly LinkSample[]): void {
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    const cls = classIndex.get(s.class);
    if (cls === undefined) {
      // A class this encoder has no place for: the points' way, which names any class.
      trafficGroups.forget();
      for (const p of trafficPoints(samples)) out.add(pointLine(p));
      return;
    }
    if (!finite(s.bitsPerSecond) || !finite(s.atMs)) continue;
    trafficGroups.add(s, cls);
  }
  trafficGroups.writeTo(out);
}

/** Every line one poll yields (the poll outcome, then links, then interfaces), added to `out`. */
export function writeBatch(out: LineText, batch: PollBatch): void {
  writePoll(out, batch.poll);
  writeTrafficLines(out, batch.links);
  for (const s of batch.interfaces) writeInterface(out, s);
}

/** Every line one poll yields (the poll outcome, then links, then interfaces), and how many. */
export function batchText(batch: PollBatch): { text: string; points: number } {
  const out = new LineText();
  writeBatch(out, batch);
  return { text: out.text(), points: out.points };
}
