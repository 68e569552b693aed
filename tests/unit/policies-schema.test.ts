// Policy validation as a table: each bad document names the key to fix (a dotted path) and why;
// schema checks (units, ranges, unknown keys, defaults complete) and topology cross-checks
// (unknown province/link, reservations above capacity, effective highUtil > critUtil).
import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { defaultConfigDir, loadConfig } from '../../config/load.ts';
import type { TopologyConfig } from '../../config/schema.ts';
import { loadPolicySeed, builtInPolicyDocument, readPolicyFile } from '../../server/policies/seed.ts';
import { parsePolicyDocument } from '../../server/policies/schema.ts';
import { checkAgainstTopology, validatePolicyDocument } from '../../server/policies/validate.ts';

const example = loadConfig(defaultConfigDir).topology;

/** A valid document as plain JSON, to be broken by each case. */
function base(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(builtInPolicyDocument())) as Record<string, unknown>;
}

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => value as Json;

interface Case {
  name: string;
  edit: (doc: Json) => unknown;
  path: string;
  message: RegExp;
}

const cases: Case[] = [
  {
    name: 'an amount with both units',
    edit: (d) => ({ ...d, links: { 't1-hue': { reservations: { video: { mbps: 100, percent: 10 } } } } }),
    path: 'links.t1-hue.reservations.video',
    message: /either mbps or percent/,
  },
  {
    name: 'an amount with no unit',
    edit: (d) => ({ ...d, links: { 't1-hue': { reservations: { video: {} } } } }),
    path: 'links.t1-hue.reservations.video',
    message: /give an amount/,
  },
  {
    name: 'an unknown unit',
    edit: (d) => ({ ...d, links: { 't1-hue': { reservations: { video: { kbps: 5000 } } } } }),
    path: 'links.t1-hue.reservations.video.kbps',
    message: /unknown key/,
  },
  {
    name: 'a percent above 100',
    edit: (d) => ({ ...d, tiers: { '2': { reservations: { docex: { percent: 120 } } } } }),
    path: 'tiers.2.reservations.docex.percent',
    message: /at most 100/,
  },
  {
    name: 'a negative mbps',
    edit: (d) => ({ ...d, provinces: { hue: { reservations: { docex: { mbps: -1 } } } } }),
    path: 'provinces.hue.reservations.docex.mbps',
    message: /0 or more/,
  },
  {
    name: 'mbps as text',
    edit: (d) => ({ ...d, links: { 't1-hue': { reservations: { video: { mbps: '100' } } } } }),
    path: 'links.t1-hue.reservations.video.mbps',
    message: /number/i,
  },
  {
    name: 'a reservation for a class that is not protected',
    edit: (d) => {
      obj(obj(d['defaults'])['reservations'])['internet'] = { percent: 10 };
      return d;
    },
    path: 'defaults.reservations.internet',
    message: /unknown key/,
  },
  {
    name: 'an Internet cap of 0 %',
    edit: (d) => ({ ...d, links: { 't1-hue': { internetCap: { percent: 0 } } } }),
    path: 'links.t1-hue.internetCap.percent',
    message: /above 0/,
  },
  {
    name: 'defaults without clearAfter',
    edit: (d) => {
      delete obj(obj(d['defaults'])['thresholds'])['clearAfter'];
      return d;
    },
    path: 'defaults.thresholds.clearAfter',
    message: /required/,
  },
  {
    name: 'defaults without thresholds',
    edit: (d) => {
      delete obj(d['defaults'])['thresholds'];
      return d;
    },
    path: 'defaults.thresholds',
    message: /required/,
  },
  {
    name: 'highUtil of 0',
    edit: (d) => ({ ...d, tiers: { '1': { thresholds: { highUtil: 0 } } } }),
    path: 'tiers.1.thresholds.highUtil',
    message: /above 0/,
  },
  {
    name: 'critUtil above 1.5',
    edit: (d) => ({ ...d, provinces: { hue: { thresholds: { critUtil: 1.51 } } } }),
    path: 'provinces.hue.thresholds.critUtil',
    message: /at most 1.5/,
  },
  {
    name: 'critUtil below highUtil in one layer',
    edit: (d) => ({ ...d, links: { 't1-hue': { thresholds: { highUtil: 0.9, critUtil: 0.85 } } } }),
    path: 'links.t1-hue.thresholds.critUtil',
    message: /at least highUtil/,
  },
  {
    name: 'dropRatio of 1',
    edit: (d) => ({ ...d, links: { 't1-hue': { thresholds: { dropRatio: 1 } } } }),
    path: 'links.t1-hue.thresholds.dropRatio',
    message: /below 1/,
  },
  {
    name: 'dropRatio of 0',
    edit: (d) => ({ ...d, links: { 't1-hue': { thresholds: { dropRatio: 0 } } } }),
    path: 'links.t1-hue.thresholds.dropRatio',
    message: /above 0/,
  },
  {
    name: 'raiseAfter not an integer',
    edit: (d) => ({ ...d, links: { 't1-hue': { thresholds: { raiseAfter: 2.5 } } } }),
    path: 'links.t1-hue.thresholds.raiseAfter',
    message: /integer/,
  },
  {
    name: 'raiseAfter of 0',
    edit: (d) => ({ ...d, links: { 't1-hue': { thresholds: { raiseAfter: 0 } } } }),
    path: 'links.t1-hue.thresholds.raiseAfter',
    message: /at least 1/,
  },
  {
    name: 'clearAfter above 100',
    edit: (d) => ({ ...d, links: { 't1-hue': { thresholds: { clearAfter: 101 } } } }),
    path: 'links.t1-hue.thresholds.clearAfter',
    message: /at most 100/,
  },
  {
    name: 'a tier that does not exist',
    edit: (d) => ({ ...d, tiers: { '3': {} } }),
    path: 'tiers.3',
    message: /unknown key/,
  },
  {
    name: 'a misspelt top-level key',
    edit: (d) => ({ ...d, link: {} }),
    path: 'link',
    message: /unknown key/,
  },
  {
    name: 'a misspelt layer key',
    edit: (d) => ({ ...d, provinces: { hue: { reservation: {} } } }),
    path: 'provinces.hue.reservation',
    message: /unknown key/,
  },
  {
    name: 'a document that is not an object',
    edit: () => 'policies',
    path: '',
    message: /object/i,
  },
  // Topology cross-checks.
  {
    name: 'an unknown province',
    edit: (d) => ({ ...d, provinces: { atlantis: { reservations: { video: { percent: 30 } } } } }),
    path: 'provinces.atlantis',
    message: /unknown province "atlantis"/,
  },
  {
    name: 'an unknown link',
    edit: (d) => ({ ...d, links: { 't9-nowhere': {} } }),
    path: 'links.t9-nowhere',
    message: /unknown link "t9-nowhere"/,
  },
  {
    name: 'a link override above its capacity (mbps)',
    // t1-hue is 1 Gbit/s; docex 10 % = 100 Mbit/s from the defaults.
    edit: (d) => ({ ...d, links: { 't1-hue': { reservations: { video: { mbps: 950 } } } } }),
    path: 'links.t1-hue.reservations.video.mbps',
    message: /exceed the capacity of link t1-hue: docex 100 Mbit\/s \+ video 950 Mbit\/s = 1050 Mbit\/s > 1000 Mbit\/s/,
  },
  {
    name: 'a link override above its capacity (percent)',
    edit: (d) => ({ ...d, links: { 't1-hue': { reservations: { video: { percent: 95 } } } } }),
    path: 'links.t1-hue.reservations.video.percent',
    message: /exceed the capacity of link t1-hue/,
  },
  {
    name: 'a province layer that overbooks all its links (named once, with a count)',
    edit: (d) => ({ ...d, provinces: { hue: { reservations: { docex: { percent: 85 } } } } }),
    path: 'provinces.hue.reservations.docex.percent',
    message: /exceed the capacity of link t1-hue.*\(and \d+ other links\)/,
  },
  {
    name: 'defaults that overbook every link: the larger reservation is named',
    edit: (d) => {
      obj(d['defaults'])['reservations'] = { docex: { percent: 40 }, video: { percent: 70 } };
      return d;
    },
    path: 'defaults.reservations.video.percent',
    message: /exceed the capacity/,
  },
  {
    name: 'a link critUtil below the inherited highUtil',
    edit: (d) => ({ ...d, links: { 't1-hue': { thresholds: { critUtil: 0.7 } } } }),
    path: 'links.t1-hue.thresholds.critUtil',
    message: /effective highUtil \(0.8\) is above critUtil \(0.7\)/,
  },
  {
    name: 'a province highUtil above the inherited critUtil',
    edit: (d) => ({ ...d, provinces: { hue: { thresholds: { highUtil: 1.2 } } } }),
    path: 'provinces.hue.thresholds.highUtil',
    message: /effective highUtil \(1.2\) is above critUtil \(0.95\)/,
  },
];

describe('policy validation names the key', () => {
  it.each(cases)('$name → $path', ({ edit, path, message }) => {
    const result = validatePolicyDocument(edit(base()), example);
    expect(result.ok).toBe(false);
    assert(!result.ok);
    const problem = result.problems.find((p) => p.path === path);
    expect(problem, JSON.stringify(result.problems)).toBeDefined();
    expect(problem?.message).toMatch(message);
  });
});

describe('valid documents', () => {
  it('the example seed fits the example topology', () => {
    const seed = loadPolicySeed(defaultConfigDir);
    expect(checkAgainstTopology(seed, example)).toEqual([]);
    expect(seed.tiers['2']?.reservations).toEqual({ docex: { percent: 20 }, video: { percent: 30 } });
    expect(Object.keys(seed.provinces)).toHaveLength(1);
    expect(Object.keys(seed.links)).toHaveLength(1);
  });

  it('reservations exactly at capacity, a removed cap and absent layers are accepted', () => {
    const doc = base();
    const result = validatePolicyDocument(
      { ...doc, links: { 't1-hue': { reservations: { docex: { mbps: 400 }, video: { percent: 60 } }, internetCap: null } } },
      example,
    );
    expect(result).toMatchObject({ ok: true });
    const minimal = validatePolicyDocument({ defaults: obj(doc)['defaults'] }, example);
    expect(minimal).toEqual({ ok: true, document: { ...builtInPolicyDocument() } });
  });

  it('a parsed document keeps only the keys given', () => {
    const parsed = parsePolicyDocument({ ...base(), links: { 't1-hue': { reservations: { video: { mbps: 250 } } } } });
    expect(parsed.ok && parsed.document.links).toEqual({ 't1-hue': { reservations: { video: { mbps: 250 } } } });
  });

  it('readPolicyFile reports every problem of a YAML file with its path', () => {
    expect(() => readPolicyFile(new URL('../../config/example/topology.yaml', import.meta.url).pathname)).toThrow(/provinces: /);
  });
});

describe('links without a configured capacity', () => {
  const topology: Pick<TopologyConfig, 'provinces' | 'links'> = {
    provinces: [{ id: 'hue' }],
    links: [{ id: 't2-hue-x', tier: 2, province: 'hue', router: 'r', ifName: 'Gi0/0', downIs: 'out' }],
  };

  it('percent shares above 100 are named', () => {
    const doc = { ...base(), links: { 't2-hue-x': { reservations: { video: { percent: 95 } } } } };
    const result = validatePolicyDocument(doc, topology);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      {
        path: 'links.t2-hue-x.reservations.video.percent',
        code: 'over-full-share',
        params: { link: 't2-hue-x', percent: 105 },
        message: 'reservations on link t2-hue-x add up to 105 % of its capacity',
      },
    ]);
  });

  it('mbps amounts cannot be checked and pass', () => {
    const doc = { ...base(), links: { 't2-hue-x': { reservations: { video: { mbps: 5000 } } } } };
    expect(validatePolicyDocument(doc, topology).ok).toBe(true);
  });
});
