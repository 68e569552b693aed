// Scenario files: YAML timelines of events played against the simulated network (Internet
// surges, national video conferences, reboots, counter wraps, renumbering, link failures,
// devices that stop answering, and counter faults: stuck and backwards counters, sysUpTime
// jumps and wraps). The zod schema is the single source of the file's shape;
// `loadScenario` validates it, resolves provinces to links against the topology and reports
// every problem as `file:line key: reason`, all at once.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { LineCounter, isNode, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { directions, directionSchema, type Direction } from '../../api/schemas.ts';
import { ConfigError, formatKey, type ConfigProblem } from '../../config/load.ts';
import type { TopologyConfig } from '../../config/schema.ts';
import { formatDurationMs, parseDurationMs } from './duration.ts';

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'expected a lowercase id: letters, digits, ".", "_" or "-"');

/** "90s", "5m", "1h", "1h30m"; a bare 0 is allowed for `at: 0`. */
const duration = z.union([z.string(), z.literal(0)]).transform((text, ctx) => {
  const ms = text === 0 ? 0 : parseDurationMs(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as "90s", "5m", "1h" or "1h30m", got "${text}"` });
    return z.NEVER;
  }
  return ms;
});
const positiveDuration = duration.refine((ms) => ms > 0, 'must be longer than 0s');

const common = {
  /** Offset from the scenario's start (or from the start of each loop when it repeats). */
  at: duration,
  /** A label for the logs; default the kind and its target. */
  label: z.string().min(1).optional(),
};

const internetSurgeSchema = z
  .object({
    kind: z.literal('internetSurge'),
    ...common,
    for: positiveDuration,
    /** Every link of the province: its tier-1 uplink and its tier-2 sites. */
    province: id.optional(),
    /** Or chosen links. */
    links: z.array(id).min(1).optional(),
    /** Multiplies the Internet class's demand (3 = three times the normal demand). */
    factor: z.number().positive(),
    /** Which direction surges: `down` (toward the sites), `up` (uploads: squeezed at the far end's egress); default both. */
    dir: directionSchema.optional(),
  })
  .strict()
  .refine((e) => (e.province === undefined) !== (e.links === undefined), {
    message: 'give either province or links',
    path: ['province'],
  });

const videoConferenceSchema = z
  .object({
    kind: z.literal('videoConference'),
    ...common,
    for: positiveDuration,
    /** `all` or a list of province ids: every link of those provinces joins. */
    provinces: z.union([z.literal('all'), z.array(id).min(1)]),
    /** Which tiers carry the conference; default both. */
    tiers: z.array(z.union([z.literal(1), z.literal(2)])).min(1).default([1, 2]),
    /** Extra video offered on each link, in each direction (down and up). */
    bitsPerSecond: z.number().positive(),
  })
  .strict();

const routerEvent = <K extends string>(kind: K) =>
  z.object({ kind: z.literal(kind), ...common, router: id }).strict();

const rebootSchema = routerEvent('reboot');
/** The router's 32-bit octet counters jump to just below 2^32 and then wrap. */
const counterWrapSchema = routerEvent('counterWrap');
/** A reboot after which the interfaces have new ifIndex values. */
const renumberSchema = routerEvent('renumber');

const linkDownSchema = z
  .object({ kind: z.literal('linkDown'), ...common, link: id, for: positiveDuration })
  .strict();

const unresponsiveSchema = z
  .object({ kind: z.literal('unresponsive'), ...common, router: id, for: positiveDuration })
  .strict();

/** The router's octet counters stop for `for` (sysUpTime runs on), then count on from where they stopped. */
const counterStuckSchema = z
  .object({ kind: z.literal('counterStuck'), ...common, router: id, for: positiveDuration })
  .strict();
/** The router's octet counters go back by the traffic of the last `by` (default 10m; to 0 at most), without a reboot. */
const counterBackwardsSchema = z
  .object({ kind: z.literal('counterBackwards'), ...common, router: id, by: positiveDuration.optional() })
  .strict();
/** sysUpTime jumps forward (or `back`) by `by`, without a reboot; the counters are untouched. */
const uptimeJumpSchema = z
  .object({ kind: z.literal('uptimeJump'), ...common, router: id, by: positiveDuration, back: z.boolean().default(false) })
  .strict();
/** sysUpTime jumps to `margin` (default 1m) before its 32-bit wrap (~497 days), then wraps; not a reboot. */
const uptimeWrapSchema = z
  .object({ kind: z.literal('uptimeWrap'), ...common, router: id, margin: positiveDuration.optional() })
  .strict();

const scenarioEventSchema = z.discriminatedUnion('kind', [
  internetSurgeSchema,
  videoConferenceSchema,
  rebootSchema,
  counterWrapSchema,
  renumberSchema,
  linkDownSchema,
  unresponsiveSchema,
  counterStuckSchema,
  counterBackwardsSchema,
  uptimeJumpSchema,
  uptimeWrapSchema,
]);

const scenarioSchema = z
  .object({
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    /** The timeline's length: when it repeats, it starts over after this. Default: the end of the last event. */
    length: positiveDuration.optional(),
    repeat: z.boolean().default(false),
    /**
     * "HH:MM", Vietnam time (UTC+7): the simulated clock starts at this time of the current day
     * (of the Friday before on a weekend), so the scenario plays at the hour and with the weekday
     * traffic it was written for (a surge squeezes at the busy hour).
     * Default: the clock starts at the wall time.
     */
    clockStart: z
      .string()
      .regex(/^([01]?\d|2[0-3]):[0-5]\d$/, 'expected a time of day "HH:MM" (Vietnam time)')
      .transform((text) => {
        const [h, m] = text.split(':').map(Number);
        return h! * 60 + m!;
      })
      .optional(),
    events: z.array(scenarioEventSchema).min(1),
  })
  .strict();


interface ResolvedCommon {
  /** Index in the file's `events` list. */
  index: number;
  label: string;
  /** Offset from the start of the timeline. */
  atMs: number;
}
export type ScenarioEvent =
  | (ResolvedCommon & { kind: 'internetSurge'; forMs: number; linkIds: string[]; factor: number; dirs: readonly Direction[] })
  | (ResolvedCommon & { kind: 'videoConference'; forMs: number; linkIds: string[]; bitsPerSecond: number })
  | (ResolvedCommon & { kind: 'linkDown'; forMs: number; linkId: string })
  | (ResolvedCommon & { kind: 'reboot' | 'counterWrap' | 'renumber'; routerId: string })
  | (ResolvedCommon & { kind: 'unresponsive' | 'counterStuck'; forMs: number; routerId: string })
  | (ResolvedCommon & { kind: 'counterBackwards'; routerId: string; byMs: number })
  | (ResolvedCommon & { kind: 'uptimeJump'; routerId: string; byMs: number; back: boolean })
  | (ResolvedCommon & { kind: 'uptimeWrap'; routerId: string; marginMs: number });

/** How far counters go back when a counterBackwards event does not say. */
const defaultCounterBackwardsMs = 600_000;
/** How long before its wrap sysUpTime is put when an uptimeWrap event does not say. */
const defaultUptimeWrapMarginMs = 60_000;

/** A validated scenario with its targets resolved against one topology. */
export interface Scenario {
  name: string;
  /** The file it came from, as shown in messages. */
  file: string;
  description?: string;
  /** Length of one pass of the timeline. */
  lengthMs: number;
  repeat: boolean;
  /** Minutes after local (UTC+7) midnight at which the simulated clock starts; undefined: the wall time. */
  clockStartMinutes?: number;
  /** In file order. */
  events: ScenarioEvent[];
}

/** How long an event lasts (0 for instant ones). */
export function eventDurationMs(event: ScenarioEvent): number {
  return 'forMs' in event ? event.forMs : 0;
}

function lineOf(doc: Document.Parsed, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Validates scenario text; `file` names it in messages. Throws ConfigError listing every problem. */
export function parseScenario(text: string, file: string, topology: TopologyConfig): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const problems: ConfigProblem[] = [];
  const add = (path: readonly PropertyKey[], reason: string): void => {
    problems.push({ file, key: formatKey(path), line: lineOf(doc, lines, path), reason });
  };
  for (const err of doc.errors) {
    problems.push({ file, key: '', line: err.linePos?.[0]?.line, reason: `YAML syntax: ${err.message.split('\n')[0]}` });
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const result = scenarioSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
      add(path, issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message);
    }
    throw new ConfigError(problems);
  }
  const raw = result.data;

  const routerIds = new Set(topology.routers.map((r) => r.id));
  const linkIds = new Set(topology.links.map((l) => l.id));
  const provinceIds = new Set(topology.provinces.map((p) => p.id));
  const linksOf = (province: string, tiers: readonly number[] = [1, 2]): string[] =>
    topology.links.filter((l) => l.province === province && tiers.includes(l.tier)).map((l) => l.id);

  const events: ScenarioEvent[] = [];
  raw.events.forEach((e, index) => {
    const at = ['events', index];
    const base = { index, atMs: e.at };
    const checkRouter = (router: string): void => {
      if (!routerIds.has(router)) add([...at, 'router'], `unknown router "${router}"`);
    };
    switch (e.kind) {
      case 'internetSurge': {
        let targets: string[] = [];
        if (e.province !== undefined) {
          if (!provinceIds.has(e.province)) add([...at, 'province'], `unknown province "${e.province}"`);
          else targets = linksOf(e.province);
          if (provinceIds.has(e.province) && targets.length === 0) add([...at, 'province'], `province "${e.province}" has no links`);
        } else {
          e.links?.forEach((link, k) => {
            if (!linkIds.has(link)) add([...at, 'links', k], `unknown link "${link}"`);
          });
          targets = [...new Set(e.links ?? [])];
        }
        events.push({
          ...base,
          kind: e.kind,
          forMs: e.for,
          linkIds: targets,
          factor: e.factor,
          dirs: e.dir === undefined ? directions : [e.dir],
          label: e.label ?? `internet surge ×${e.factor}${e.dir ? ` (${e.dir})` : ''} on ${e.province ?? targets.join(',')}`,
        });
        break;
      }
      case 'videoConference': {
        const provinces = e.provinces === 'all' ? topology.provinces.map((p) => p.id) : e.provinces;
        if (e.provinces !== 'all') {
          e.provinces.forEach((p, k) => {
            if (!provinceIds.has(p)) add([...at, 'provinces', k], `unknown province "${p}"`);
          });
        }
        const targets = provinces.flatMap((p) => linksOf(p, e.tiers));
        events.push({
          ...base,
          kind: e.kind,
          forMs: e.for,
          linkIds: [...new Set(targets)],
          bitsPerSecond: e.bitsPerSecond,
          label: e.label ?? `video conference (${e.provinces === 'all' ? 'all provinces' : e.provinces.join(',')})`,
        });
        break;
      }
      case 'linkDown':
        if (!linkIds.has(e.link)) add([...at, 'link'], `unknown link "${e.link}"`);
        events.push({ ...base, kind: e.kind, forMs: e.for, linkId: e.link, label: e.label ?? `link ${e.link} down` });
        break;
      case 'unresponsive':
        checkRouter(e.router);
        events.push({ ...base, kind: e.kind, forMs: e.for, routerId: e.router, label: e.label ?? `router ${e.router} unresponsive` });
        break;
      case 'reboot':
      case 'counterWrap':
      case 'renumber':
        checkRouter(e.router);
        events.push({ ...base, kind: e.kind, routerId: e.router, label: e.label ?? `${e.kind} ${e.router}` });
        break;
      case 'counterStuck':
        checkRouter(e.router);
        events.push({ ...base, kind: e.kind, forMs: e.for, routerId: e.router, label: e.label ?? `counters of ${e.router} stuck` });
        break;
      case 'counterBackwards':
        checkRouter(e.router);
        events.push({ ...base, kind: e.kind, routerId: e.router, byMs: e.by ?? defaultCounterBackwardsMs, label: e.label ?? `counters of ${e.router} back ${formatDurationMs(e.by ?? defaultCounterBackwardsMs)}` });
        break;
      case 'uptimeJump':
        checkRouter(e.router);
        events.push({ ...base, kind: e.kind, routerId: e.router, byMs: e.by, back: e.back, label: e.label ?? `sysUpTime of ${e.router} ${e.back ? 'back' : 'forward'} ${formatDurationMs(e.by)}` });
        break;
      case 'uptimeWrap':
        checkRouter(e.router);
        events.push({ ...base, kind: e.kind, routerId: e.router, marginMs: e.margin ?? defaultUptimeWrapMarginMs, label: e.label ?? `sysUpTime of ${e.router} near its wrap` });
        break;
    }
  });

  const lastEndMs = Math.max(...events.map((e) => e.atMs + eventDurationMs(e)));
  const lengthMs = raw.length ?? lastEndMs;
  if (raw.length !== undefined) {
    events.forEach((e) => {
      const endMs = e.atMs + eventDurationMs(e);
      if (endMs > raw.length! || (eventDurationMs(e) === 0 && e.atMs >= raw.length!)) {
        add(['events', e.index, eventDurationMs(e) > 0 ? 'for' : 'at'], `ends at ${formatDurationMs(endMs)}, after the timeline's length ${formatDurationMs(raw.length!)}`);
      }
    });
  } else if (raw.repeat && events.some((e) => e.atMs >= lengthMs)) {
    add(['length'], `a repeating timeline needs a length after its last event (at ${formatDurationMs(lastEndMs)})`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { name: raw.name ?? file, file, description: raw.description, lengthMs, repeat: raw.repeat, clockStartMinutes: raw.clockStart, events };
}

/** Reads and validates a scenario file. Throws ConfigError (file not found, syntax, schema, unknown targets). */
export function loadScenario(path: string, topology: TopologyConfig): Scenario {
  const fromCwd = relative(process.cwd(), path);
  const shown = fromCwd === '' || fromCwd.startsWith('..') ? path : fromCwd;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError([{ file: shown, key: '', reason: code === 'ENOENT' ? 'file not found' : `cannot read: ${String(err)}` }]);
  }
  return parseScenario(text, shown, topology);
}
