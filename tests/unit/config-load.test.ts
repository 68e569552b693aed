import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, defaultConfigDir } from '../../config/load.ts';
import { classesSchema, defaultClassRules } from '../../config/schema.ts';
import { configProblemsOf, expectProblemAt } from '../helpers/config-problems.ts';

const exampleTopology = readFileSync(join(defaultConfigDir, 'topology.yaml'), 'utf8');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lanewatch-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function problemsOf(files: Record<string, string>, env: Record<string, string> = {}) {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return configProblemsOf(() => loadConfig(dir, { env }));
}

const minimalTopology = `provinces:
  - id: hue
routers:
  - id: r1
    address: 127.0.0.1:1161
    snmp: { version: "2c", community: public }
links:
  - id: l1
    tier: 1
    province: hue
    router: r1
    ifName: Gi0/1
`;

describe('loadConfig', () => {
  it('loads the embedded example: 34 provinces, a tier-1 link for each', () => {
    const config = loadConfig(defaultConfigDir, { env: {} });
    expect(config.topology.provinces).toHaveLength(34);
    const tier1 = config.topology.links.filter((l) => l.tier === 1);
    expect(new Set(tier1.map((l) => l.province)).size).toBe(34);
    expect(config.settings.collector.intervalMs).toBeGreaterThan(0);
  });

  it('applies defaults in one place when settings.yaml is absent', () => {
    writeFileSync(join(dir, 'topology.yaml'), minimalTopology);
    const config = loadConfig(dir, { env: {} });
    expect(config.settings.collector.intervalMs).toBe(60_000);
    expect(config.settings.server.port).toBe(8080);
    expect(config.topology.links[0]?.downIs).toBe('out');
  });

  it('PORT and LANEWATCH_INFLUX_URL override settings', () => {
    writeFileSync(join(dir, 'topology.yaml'), minimalTopology);
    const config = loadConfig(dir, { env: { PORT: '9090', LANEWATCH_INFLUX_URL: 'http://127.0.0.1:9999' } });
    expect(config.settings.server.port).toBe(9090);
    expect(config.settings.influx.url).toBe('http://127.0.0.1:9999');
  });

  it.each([
    ['a link naming an unknown router', minimalTopology.replace('router: r1', 'router: r9'), 'links[0].router', /unknown router "r9"/, 11],
    ['an unknown province id', minimalTopology.replace('- id: hue', '- id: atlantis'), 'provinces[0].id', /unknown province "atlantis"/, 2],
    ['a bad tier', minimalTopology.replace('tier: 1', 'tier: 3'), 'links[0].tier', /./, 9],
    ['a bad address', minimalTopology.replace('127.0.0.1:1161', 'localhost'), 'routers[0].address', /host:port/, 5],
    ['an unknown key', minimalTopology.replace('ifName: Gi0/1', 'ifName: Gi0/1\n    speed: 10'), 'links[0].speed', /unknown key/, 13],
    ['a v3 key that is too short', minimalTopology.replace('{ version: "2c", community: public }', '{ version: "3", user: u, authKey: short, privKey: alsoshort1 }'), 'routers[0].snmp.authKey', /8 characters/, 6],
    ['a duplicate link', minimalTopology + `  - id: l1\n    tier: 2\n    province: hue\n    router: r1\n    ifName: Gi0/2\n`, 'links[1].id', /duplicate link id/, 13],
  ])('names file, key and line for %s', (_what, topology, key, reason, line) => {
    expectProblemAt(problemsOf({ 'topology.yaml': topology }), key, { file: /topology\.yaml$/, reason, line });
  });

  it('reports settings problems with their key', () => {
    const problems = problemsOf({
      'topology.yaml': minimalTopology,
      'settings.yaml': 'collector:\n  intervalMs: 10\nserver:\n  port: "x"\n',
    });
    expect(problems.map((p) => p.key).sort()).toEqual(['collector.intervalMs', 'server.port']);
    expect(problems.every((p) => p.file.endsWith('settings.yaml'))).toBe(true);
  });

  it('names influx.maxBufferedPoints when it cannot hold one batch', () => {
    const problems = problemsOf({ 'topology.yaml': minimalTopology, 'settings.yaml': 'influx:\n  batchSize: 5000\n  maxBufferedPoints: 100\n' });
    expectProblemAt(problems, 'influx.maxBufferedPoints', { file: /settings\.yaml$/, reason: /smaller than batchSize \(5000\)/, line: 3 });
  });

  it('reports YAML syntax errors with a line', () => {
    const problems = problemsOf({ 'topology.yaml': 'provinces:\n  - id: [hue\n' });
    expect(problems[0]?.reason).toMatch(/YAML syntax/);
    expect(problems[0]?.line).toBeGreaterThan(0);
  });

  it('names a bad environment override', () => {
    const problems = problemsOf({ 'topology.yaml': minimalTopology }, { PORT: 'eighty' });
    expect(problems).toEqual([expect.objectContaining({ file: 'environment', key: 'PORT' })]);
  });

  it('says when topology.yaml is missing', () => {
    const problems = problemsOf({});
    expect(problems[0]).toMatchObject({ key: '', reason: 'file not found' });
  });
});

describe('class rules', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lanewatch-classes-'));
    writeFileSync(join(dir, 'topology.yaml'), minimalTopology);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the example classes.yaml is the shipped default rule set', () => {
    expect(loadConfig(defaultConfigDir, { env: {} }).classRules).toEqual(classesSchema.parse({ rules: defaultClassRules }).rules);
  });

  it('ships default rules when classes.yaml is absent', () => {
    const config = loadConfig(dir, { env: {} });
    expect(config.classRules.length).toBeGreaterThan(0);
    expect(config.classRules.find((r) => r.match.className?.includes('class-default'))?.class).toBe('internet');
  });

  it('loads rules in order from classes.yaml', () => {
    writeFileSync(join(dir, 'classes.yaml'), 'rules:\n  - match: { className: "^GOLD$" }\n    class: video\n  - match: { ifAlias: "inet" }\n    class: internet\n');
    expect(loadConfig(dir, { env: {} }).classRules).toEqual([
      { match: { className: '^GOLD$' }, class: 'video' },
      { match: { ifAlias: 'inet' }, class: 'internet' },
    ]);
  });

  it.each([
    ['rules:\n  - match: { className: "(" }\n    class: video\n', 'rules[0].match.className', /regular expression/, 2],
    ['rules:\n  - match: {}\n    class: video\n', 'rules[0].match', /at least one/, 2],
    ['rules:\n  - match: { className: x }\n    class: gold\n', 'rules[0].class', /./, 3],
    ['rules:\n  - match: { vlan: "1" }\n    class: video\n', 'rules[0].match.vlan', /unknown key/, 2],
  ])('names the key and line of a bad rule: %j', (text, key, reason, line) => {
    expectProblemAt(problemsOf({ 'classes.yaml': text }), key, { file: /classes\.yaml$/, reason, line });
  });
});
