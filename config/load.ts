// Loads and validates a config directory once: settings.yaml, topology.yaml, classes.yaml.
// Every problem is reported as `file:line key: reason`, all of them at once.
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument, LineCounter, isMap, isNode, isScalar, type Document } from 'yaml';
import type { z } from 'zod';
import {
  classesSchema,
  defaultClassRules,
  settingsSchema,
  topologySchema,
  type LanewatchConfig,
  type Province,
  type Settings,
  type TopologyConfig,
} from './schema.ts';

/** The embedded default config: the example national network. */
export const defaultConfigDir = fileURLToPath(new URL('./example/', import.meta.url));
const provincesFile = fileURLToPath(new URL('./provinces.json', import.meta.url));

export interface ConfigProblem {
  file: string;
  /** Dotted key path, e.g. `links[3].router`. */
  key: string;
  line?: number;
  reason: string;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(
      `invalid configuration:\n` +
        problems
          .map((p) => `  ${p.file}${p.line ? `:${p.line}` : ''} ${p.key || '(root)'}: ${p.reason}`)
          .join('\n'),
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function formatKey(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** A parsed YAML file with what is needed to name a key's line. */
export interface ParsedFile {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  value: unknown;
}

/** Reads `dir/name`; syntax errors (and a missing required file) go to `problems`. */
export function readYaml(dir: string, name: string, problems: ConfigProblem[], required: boolean): ParsedFile | undefined {
  const path = join(dir, name);
  const shown = relative(process.cwd(), path) || path;
  if (!existsSync(path)) {
    if (required) problems.push({ file: shown, key: '', reason: 'file not found' });
    return undefined;
  }
  const lines = new LineCounter();
  const doc = parseDocument(readFileSync(path, 'utf8'), { lineCounter: lines });
  for (const err of doc.errors) {
    problems.push({ file: shown, key: '', line: err.linePos?.[0]?.line, reason: `YAML syntax: ${err.message.split('\n')[0]}` });
  }
  if (doc.errors.length > 0) return undefined;
  return { file: shown, doc, lines, value: doc.toJS() ?? {} };
}

/** The line of the key that `path` names (of its value for a sequence item); a missing key: its parent's. */
export function lineOf(parsed: ParsedFile, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    if (n > 0) {
      const parent = parsed.doc.getIn(path.slice(0, n - 1) as unknown[], true);
      if (isMap(parent)) {
        const pair = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === String(path[n - 1]));
        if (pair && isNode(pair.key) && pair.key.range) return parsed.lines.linePos(pair.key.range[0]).line;
      }
    }
    const node = parsed.doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) return parsed.lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Validates a parsed file against a schema; every issue goes to `problems` with its key and line. */
export function validate<S extends z.ZodType>(
  schema: S,
  parsed: ParsedFile,
  problems: ConfigProblem[],
): z.infer<S> | undefined {
  const result = schema.safeParse(parsed.value);
  if (result.success) return result.data as z.infer<S>;
  for (const issue of result.error.issues) {
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
    problems.push({
      file: parsed.file,
      key: formatKey(path),
      line: lineOf(parsed, path),
      reason: issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message,
    });
  }
  return undefined;
}

export function loadProvinces(): Map<string, Province> {
  const raw = JSON.parse(readFileSync(provincesFile, 'utf8')) as { provinces: Province[] };
  return new Map(raw.provinces.map((p) => [p.id, p]));
}

/** Cross-references that a schema cannot see: unique ids, links to routers and provinces. */
function crossCheck(
  topology: TopologyConfig,
  parsed: ParsedFile,
  provinces: Map<string, Province>,
  problems: ConfigProblem[],
): void {
  const add = (path: PropertyKey[], reason: string) =>
    problems.push({ file: parsed.file, key: formatKey(path), line: lineOf(parsed, path), reason });

  const provinceIds = new Set<string>();
  topology.provinces.forEach((p, i) => {
    if (!provinces.has(p.id)) add(['provinces', i, 'id'], `unknown province "${p.id}" (see config/provinces.json)`);
    if (provinceIds.has(p.id)) add(['provinces', i, 'id'], `duplicate province "${p.id}"`);
    provinceIds.add(p.id);
  });
  const routerIds = new Set<string>();
  const addresses = new Map<string, string>();
  topology.routers.forEach((r, i) => {
    if (routerIds.has(r.id)) add(['routers', i, 'id'], `duplicate router id "${r.id}"`);
    routerIds.add(r.id);
    const other = addresses.get(r.address);
    if (other) add(['routers', i, 'address'], `address ${r.address} is already used by router "${other}"`);
    addresses.set(r.address, r.id);
    if (r.province && !provinceIds.has(r.province)) add(['routers', i, 'province'], `unknown province "${r.province}"`);
  });
  const linkIds = new Set<string>();
  /** Every link end (router/ifName, near or far) and the link it belongs to: one interface, one link. */
  const ports = new Map<string, string>();
  const claimPort = (path: PropertyKey[], router: string, ifName: string, linkId: string): void => {
    const port = `${router}/${ifName}`;
    const other = ports.get(port);
    if (other) add(path, `${port} is already ${other === linkId ? 'the other end of this link' : `an end of link "${other}"`}`);
    else ports.set(port, linkId);
  };
  const provinceOfRouter = new Map(topology.routers.map((r) => [r.id, r.province]));
  topology.links.forEach((l, i) => {
    if (linkIds.has(l.id)) add(['links', i, 'id'], `duplicate link id "${l.id}"`);
    linkIds.add(l.id);
    if (!routerIds.has(l.router)) add(['links', i, 'router'], `unknown router "${l.router}"`);
    if (!provinceIds.has(l.province)) add(['links', i, 'province'], `unknown province "${l.province}"`);
    claimPort(['links', i, 'ifName'], l.router, l.ifName, l.id);
    if (l.far) crossCheckFarEnd(l, i, routerIds, provinceOfRouter, add, claimPort);
  });
}

/** A two-ended link: its far end is another known router, in the link's province, on an interface of its own. */
function crossCheckFarEnd(
  link: TopologyConfig['links'][number],
  i: number,
  routerIds: ReadonlySet<string>,
  provinceOfRouter: ReadonlyMap<string, string | undefined>,
  add: (path: PropertyKey[], reason: string) => void,
  claimPort: (path: PropertyKey[], router: string, ifName: string, linkId: string) => void,
): void {
  const far = link.far;
  if (!far) return;
  if (link.downIs !== 'out') {
    add(['links', i, 'downIs'], `a two-ended link reads down from its near end's egress (out) and up from the far end's: drop "downIs: ${link.downIs}", or swap router and far`);
  }
  if (far.router === link.router) {
    add(['links', i, 'far', 'router'], `"${far.router}" is also the near end (router): the two ends of a link are two routers`);
    return;
  }
  if (!routerIds.has(far.router)) {
    add(['links', i, 'far', 'router'], `unknown router "${far.router}"`);
    return;
  }
  const farProvince = provinceOfRouter.get(far.router);
  if (farProvince !== undefined && farProvince !== link.province) {
    add(['links', i, 'far', 'router'], `router "${far.router}" is in province "${farProvince}", the link in "${link.province}"`);
  }
  claimPort(['links', i, 'far', 'ifName'], far.router, far.ifName, link.id);
}

export interface LoadOptions {
  /** Environment for overrides (PORT, LANEWATCH_INFLUX_URL); defaults to process.env. */
  env?: Record<string, string | undefined>;
}

/** Applies the documented environment overrides; returns problems naming the variable. */
function applyEnv(settings: Settings, env: Record<string, string | undefined>, problems: ConfigProblem[]): void {
  if (env.PORT !== undefined && env.PORT !== '') {
    const port = Number(env.PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      problems.push({ file: 'environment', key: 'PORT', reason: `expected a port number 0-65535, got "${env.PORT}"` });
    } else settings.server.port = port;
  }
  const influxUrl = env.LANEWATCH_INFLUX_URL;
  if (influxUrl) {
    if (!URL.canParse(influxUrl)) {
      problems.push({ file: 'environment', key: 'LANEWATCH_INFLUX_URL', reason: `not a URL: "${influxUrl}"` });
    } else settings.influx.url = influxUrl;
  }
}

/** Loads `settings.yaml` (optional: all defaults) and `topology.yaml` from `dir`. Throws ConfigError. */
export function loadConfig(dir: string = defaultConfigDir, options: LoadOptions = {}): LanewatchConfig {
  const abs = resolve(dir);
  const problems: ConfigProblem[] = [];
  if (!existsSync(abs)) throw new ConfigError([{ file: dir, key: '', reason: 'config directory not found' }]);
  const provinces = loadProvinces();

  const settingsFile = readYaml(abs, 'settings.yaml', problems, false);
  const topologyFile = readYaml(abs, 'topology.yaml', problems, true);
  const settings = settingsFile
    ? validate(settingsSchema, settingsFile, problems)
    : settingsSchema.parse({});
  const topology = topologyFile ? validate(topologySchema, topologyFile, problems) : undefined;
  if (topology && topologyFile) crossCheck(topology, topologyFile, provinces, problems);
  const classesFile = readYaml(abs, 'classes.yaml', problems, false);
  const classes = classesFile ? validate(classesSchema, classesFile, problems) : classesSchema.parse({ rules: defaultClassRules });
  if (settings) applyEnv(settings, options.env ?? process.env, problems);

  if (problems.length > 0 || !settings || !topology || !classes) throw new ConfigError(problems);
  return { dir: abs, settings, topology, provinces, classRules: classes.rules };
}
