// A strict parser of the Prometheus text exposition format 0.0.4, for tests: every line is
// HELP, TYPE, another comment, blank, or a sample `name{label="value",…} value [timestamp]`;
// a family's TYPE comes before its samples and its samples are contiguous; no series twice;
// counters are not negative; a histogram's buckets have ascending `le`, cumulative counts that
// never go down, a `+Inf` bucket equal to its `_count`, and a `_sum`. Any breach throws an
// Error naming the line.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  line: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const types: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

class ParseError extends Error {
  constructor(line: number, text: string, reason: string) {
    super(`line ${line}: ${reason}: ${JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text)}`);
    this.name = 'PrometheusTextError';
  }
}

/** A sample value as Go's ParseFloat reads it (Prometheus does): a float, or NaN / ±Inf(inity) in any case. */
function parseValue(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (['inf', '+inf', 'infinity', '+infinity'].includes(lower)) return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** `{a="x",b="y\"z"}` starting at `text[start]`; returns the labels and the index after `}`. */
function parseLabels(text: string, start: number, fail: (reason: string) => never): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    if (text[i] === '}') return { labels, end: i + 1 };
    const eq = text.indexOf('=', i);
    if (eq === -1) fail('label without "="');
    const name = text.slice(i, eq);
    if (!labelName.test(name)) fail(`bad label name "${name}"`);
    if (name in labels) fail(`label "${name}" twice`);
    if (text[eq + 1] !== '"') fail(`label "${name}" value not quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = text[j];
      if (c === undefined) fail(`label "${name}" value not closed`);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[j + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else fail(`label "${name}" has a bad escape "\\${next ?? ''}"`);
        j += 2;
        continue;
      }
      if (c === '\n') fail(`label "${name}" value has a raw newline`);
      value += c;
      j += 1;
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i += 1;
    else if (text[i] !== '}') fail('expected "," or "}" after a label');
  }
}

/** The family a sample name belongs to, given the families whose TYPE was declared. */
function familyOf(name: string, declared: ReadonlyMap<string, MetricFamily>): MetricFamily | undefined {
  const exact = declared.get(name);
  if (exact) return exact;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const family = declared.get(name.slice(0, -suffix.length));
    if (family && (family.type === 'histogram' || (family.type === 'summary' && suffix !== '_bucket'))) return family;
  }
  return undefined;
}

function seriesKey(name: string, labels: Record<string, string>): string {
  return `${name}{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',')}}`;
}

function checkHistogram(family: MetricFamily): void {
  const groups = new Map<string, { buckets: Sample[]; count?: Sample; sum?: Sample }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = seriesKey(family.name, rest);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { buckets: [] }));
    if (s.name === `${family.name}_bucket`) {
      if (le === undefined) throw new ParseError(s.line, s.name, 'histogram bucket without "le"');
      group.buckets.push(s);
    } else if (s.name === `${family.name}_count`) group.count = s;
    else if (s.name === `${family.name}_sum`) group.sum = s;
    else throw new ParseError(s.line, s.name, `sample does not belong to histogram ${family.name}`);
  }
  for (const [key, group] of groups) {
    const at = group.buckets[0]?.line ?? group.count?.line ?? 0;
    if (group.buckets.length === 0) throw new ParseError(at, key, 'histogram without buckets');
    let previousLe = Number.NEGATIVE_INFINITY;
    let previousCount = 0;
    for (const b of group.buckets) {
      const le = parseValue(b.labels['le'] ?? '');
      if (le === undefined || Number.isNaN(le)) throw new ParseError(b.line, key, `bad "le" ${b.labels['le']}`);
      if (!(le > previousLe)) throw new ParseError(b.line, key, `bucket le=${b.labels['le']} not above the previous one`);
      if (b.value < previousCount) throw new ParseError(b.line, key, `bucket count ${b.value} below the previous bucket's ${previousCount}`);
      previousLe = le;
      previousCount = b.value;
    }
    const last = group.buckets[group.buckets.length - 1]!;
    if (last.labels['le'] !== '+Inf') throw new ParseError(last.line, key, 'histogram without a +Inf bucket');
    if (!group.count) throw new ParseError(at, key, 'histogram without _count');
    if (!group.sum) throw new ParseError(at, key, 'histogram without _sum');
    if (group.count.value !== last.value) throw new ParseError(group.count.line, key, `_count ${group.count.value} differs from the +Inf bucket ${last.value}`);
  }
}

/** Parses the whole exposition; throws on the first line that breaks the format. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  if (text.length > 0 && !text.endsWith('\n')) throw new ParseError(0, text.slice(-40), 'the exposition does not end with a newline');
  const families = new Map<string, MetricFamily>();
  const helps = new Map<string, string>();
  const series = new Set<string>();
  const sampled = new Set<string>();
  const closed = new Set<string>();
  let current: MetricFamily | undefined;
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((raw, index) => {
    const line = index + 1;
    const fail = (reason: string): never => {
      throw new ParseError(line, raw, reason);
    };
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(raw);
      if (!m) return; // another comment
      const [, keyword, name = '', rest = ''] = m;
      if (!metricName.test(name)) fail(`bad metric name "${name}"`);
      if (keyword === 'HELP') {
        if (helps.has(name)) fail(`second HELP for ${name}`);
        helps.set(name, rest);
        const family = families.get(name);
        if (family) family.help = rest;
        return;
      }
      const type = rest.trim() as MetricType;
      if (!types.includes(type)) fail(`unknown type "${rest}"`);
      if (['', '_bucket', '_sum', '_count'].some((suffix) => sampled.has(`${name}${suffix}`))) fail(`TYPE for ${name} after its samples`);
      if (families.has(name)) fail(`second TYPE for ${name}`);
      if (current) closed.add(current.name);
      current = { name, type, samples: [] };
      const help = helps.get(name);
      if (help !== undefined) current.help = help;
      families.set(name, current);
      return;
    }
    const nameEnd = raw.search(/[{\s]/);
    if (nameEnd <= 0) fail('expected a sample: name{labels} value');
    const name = raw.slice(0, nameEnd);
    if (!metricName.test(name)) fail(`bad metric name "${name}"`);
    let rest = nameEnd;
    let labels: Record<string, string> = {};
    if (raw[nameEnd] === '{') ({ labels, end: rest } = parseLabels(raw, nameEnd, fail));
    const fields = raw.slice(rest).trim().split(/\s+/);
    if (raw[rest] !== ' ' || fields.length < 1 || fields.length > 2 || fields[0] === '') fail('expected " value [timestamp]" after the name and labels');
    const value = parseValue(fields[0]!);
    if (value === undefined) fail(`bad value "${fields[0]}"`);
    if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) fail(`bad timestamp "${fields[1]}"`);
    let family = familyOf(name, families);
    if (!family) {
      // An untyped sample: its own family.
      if (families.has(name)) fail(`samples of ${name} are not together`);
      family = { name, type: 'untyped', samples: [] };
      families.set(name, family);
      if (current) closed.add(current.name);
      current = family;
    }
    if (family !== current || closed.has(family.name)) fail(`samples of ${family.name} are not together`);
    const key = seriesKey(name, labels);
    if (series.has(key)) fail(`series ${key} twice`);
    series.add(key);
    sampled.add(name);
    if (family.type === 'counter' && !(value! >= 0)) fail(`counter ${name} is ${value}`);
    family.samples.push({ name, labels, value: value!, line });
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

/** Labels match when every given one has that value. */
function matches(sample: Sample, labels: Record<string, string>): boolean {
  return Object.entries(labels).every(([k, v]) => sample.labels[k] === v);
}

/** The one sample of `name` with these labels (others ignored); throws when there is none or several. */
export function sampleValue(families: ReadonlyMap<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number {
  const found = [...families.values()].flatMap((f) => f.samples).filter((s) => s.name === name && matches(s, labels));
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}, expected one`);
  return found[0]!.value;
}

/** The sum over every sample of `name` with these labels (0 when none). */
export function sumOf(families: ReadonlyMap<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number {
  return [...families.values()]
    .flatMap((f) => f.samples)
    .filter((s) => s.name === name && matches(s, labels))
    .reduce((sum, s) => sum + s.value, 0);
}
