// The UI's issue-5 helpers: province tile slots, tiles and state counts, link/province state look-ups,
// the live `states` message, alert filters and names, and the policy editor's text handling.
import { describe, expect, it } from 'vitest';
import type { LinkSample } from '../../collector/samples.ts';
import { alertsPath, parseLiveMessage, policyChangeSchema, type Alert, type StatesView } from '../../web/src/lib/api.ts';
import { canAcknowledge, episodeDurationMs, filterAlerts } from '../../web/src/lib/alerts.ts';
import { sampleKey } from '../../web/src/lib/live-store.ts';
import { mapReader, tierOneLinks } from '../../web/src/lib/national.ts';
import {
  documentPath,
  formatChangeValue,
  lineOfPath,
  parsePolicyText,
  pathLines,
  policyText,
  withLayer,
  withReservation,
} from '../../web/src/lib/policy-edit.ts';
import { parseRoute } from '../../web/src/lib/route.ts';
import { countStates, linkState, provinceState, readTile, StatesIndex, tileSlots, worseState, type TileSlot } from '../../web/src/lib/states.ts';
import { messages } from '../../web/src/lib/i18n.ts';
import { alert, alertNotification, linkStatus, statesView, testTopology, topologyLink } from './web-fixtures.ts';
import type { Direction } from '../../api/schemas.ts';

const topology = testTopology(
  [
    topologyLink({ id: 't1-hue', tier: 1, province: 'hue', router: 'r1', ifName: 'Gi0/1', capacityBps: 1_000 }),
    topologyLink({ id: 't1-lao-cai', tier: 1, province: 'lao-cai', router: 'r1', ifName: 'Gi0/2', capacityBps: 1_000 }),
    topologyLink({ id: 't1-ha-noi', tier: 1, province: 'ha-noi', router: 'r1', ifName: 'Gi0/3', capacityBps: 1_000 }),
    topologyLink({ id: 't2-hue-a', tier: 2, province: 'hue', router: 'r1', ifName: 'Gi0/4', capacityBps: 100 }),
  ],
  [{ id: 'atlantis', name: 'Atlantis', region: 'unknown' }],
);

function sample(link: string, dir: Direction, utilization: number): LinkSample {
  return {
    atMs: 1_000,
    intervalMs: 10_000,
    link,
    province: link.replace(/^t\d-/, ''),
    tier: 1,
    dir,
    class: 'total',
    bitsPerSecond: utilization * 1_000,
    capacityBps: 1_000,
    utilization,
  };
}

const states: StatesView = statesView({
  atMs: 10,
  links: [
    linkStatus({ link: 't1-hue', province: 'hue', tier: 1, dir: 'down', level: 'ok', sinceMs: 0 }),
    linkStatus({ link: 't2-hue-a', province: 'hue', tier: 2, dir: 'up', level: 'critical', sinceMs: 5 }),
    linkStatus({ link: 't1-lao-cai', province: 'lao-cai', tier: 1, dir: 'down', level: 'warning', sinceMs: 7 }),
  ],
  provinces: [
    { province: 'hue', level: 'critical', worst: [{ link: 't2-hue-a', dir: 'up', level: 'critical' }] },
    { province: 'lao-cai', level: 'warning', worst: [{ link: 't1-lao-cai', dir: 'down', level: 'warning' }] },
    { province: 'ca-mau', level: 'ok', worst: [] },
  ],
});

describe('tileSlots', () => {
  it('groups every province by region, north → central → south → other, in topology order, each with its tier-1 links', () => {
    const groups = tileSlots(topology);
    expect(groups.map((group) => [group.region, group.tiles.map((slot) => [slot.province, slot.name, slot.uplinks.map((entry) => entry.link.id)])])).toEqual([
      ['north', [['lao-cai', 'Lào Cai', ['t1-lao-cai']], ['ha-noi', 'Hà Nội', ['t1-ha-noi']]]],
      ['central', [['hue', 'Huế', ['t1-hue']]]],
      ['south', [['ca-mau', 'Cà Mau', []]]],
      ['other', [['atlantis', 'Atlantis', []]]],
    ]);
    // The uplinks are the entries the table rows use.
    expect(groups[1]?.tiles[0]?.uplinks).toEqual(tierOneLinks(topology).filter((entry) => entry.link.province === 'hue'));
  });

  it('keeps every tier-1 link of a province (topology order), and leaves out a region without provinces', () => {
    const twoUplinks = testTopology([
      topologyLink({ id: 't1-hue-b', tier: 1, province: 'hue' }),
      topologyLink({ id: 't2-hue-a', tier: 2, province: 'hue' }),
      topologyLink({ id: 't1-hue-a', tier: 1, province: 'hue' }),
    ]);
    const groups = tileSlots(twoUplinks);
    expect(groups.map((group) => group.region)).toEqual(['north', 'central', 'south']);
    const hue = groups.flatMap((group) => group.tiles).find((slot) => slot.province === 'hue');
    expect(hue?.uplinks.map((entry) => entry.link.id)).toEqual(['t1-hue-b', 't1-hue-a']);
  });
});

describe('readTile', () => {
  const reader = mapReader(
    new Map([
      [sampleKey('t1-hue', 'down', 'total'), sample('t1-hue', 'down', 0.3)],
      [sampleKey('t1-hue', 'up', 'total'), sample('t1-hue', 'up', 0.85)],
      [sampleKey('t1-lao-cai', 'down', 'total'), sample('t1-lao-cai', 'down', 0.6)],
    ]),
    1_000,
    3,
  );
  const slots = tileSlots(topology).flatMap((group) => group.tiles);
  const slotOf = (province: string): TileSlot => {
    const slot = slots.find((candidate) => candidate.province === province);
    if (slot === undefined) throw new Error(`no tile slot for ${province}`);
    return slot;
  };
  const index = new StatesIndex();
  index.set(states);

  it('colours by the analyzer state and bands the uplink on its worse direction, with the analyzer\'s worst links', () => {
    expect(readTile(slotOf('hue'), index, reader)).toEqual({
      province: 'hue',
      name: 'Huế',
      region: 'central',
      state: 'critical',
      utilization: 0.85,
      band: 'high',
      uplink: 't1-hue',
      worst: [{ link: 't2-hue-a', dir: 'up', level: 'critical' }],
    });
    expect(readTile(slotOf('lao-cai'), index, reader)).toMatchObject({ state: 'warning', utilization: 0.6, band: 'mid', uplink: 't1-lao-cai' });
  });

  it('is ok when the analyzer lists nothing wrong; without a current sample it has no utilization nor band; without a tier-1 link no uplink', () => {
    expect(readTile(slotOf('ha-noi'), index, reader)).toMatchObject({ state: 'ok', utilization: null, band: null, uplink: 't1-ha-noi', worst: [] });
    expect(readTile(slotOf('ca-mau'), index, reader)).toMatchObject({ state: 'ok', utilization: null, band: null, uplink: null });
  });

  it('is unknown before any states arrived', () => {
    expect(slots.map((slot) => readTile(slot, new StatesIndex(), reader).state)).toEqual(slots.map(() => 'unknown'));
  });

  it('shows the busiest of several tier-1 links; one with a current sample beats one without', () => {
    const twoUplinks = testTopology([
      topologyLink({ id: 't1-hue-a', tier: 1, province: 'hue' }),
      topologyLink({ id: 't1-hue-b', tier: 1, province: 'hue' }),
      topologyLink({ id: 't1-hue-c', tier: 1, province: 'hue' }),
    ]);
    const hue = tileSlots(twoUplinks)[1]!.tiles[0]!;
    const busiest = (samples: LinkSample[]): string | null =>
      readTile(hue, index, mapReader(new Map(samples.map((entry) => [sampleKey(entry.link, entry.dir, 'total'), entry])), 1_000, 3)).uplink;
    expect(busiest([sample('t1-hue-a', 'down', 0.2), sample('t1-hue-b', 'up', 0.7), sample('t1-hue-c', 'down', 0.5)])).toBe('t1-hue-b');
    expect(busiest([sample('t1-hue-c', 'down', 0)])).toBe('t1-hue-c');
    // None current: the first.
    expect(busiest([])).toBe('t1-hue-a');
  });
});

describe('countStates', () => {
  it('counts the tiles in each state', () => {
    expect(countStates([])).toEqual({ ok: 0, warning: 0, critical: 0, unknown: 0 });
    const index = new StatesIndex();
    index.set(states);
    const tiles = tileSlots(topology).flatMap((group) => group.tiles.map((slot) => ({ state: index.provinceState(slot.province) })));
    expect(countStates(tiles)).toEqual({ ok: 3, warning: 1, critical: 1, unknown: 0 });
    expect(countStates([{ state: 'unknown' }, { state: 'unknown' }, { state: 'critical' }])).toEqual({ ok: 0, warning: 0, critical: 1, unknown: 2 });
  });
});

describe('state look-ups', () => {
  it('finds a link and direction, a province, and the worse of two', () => {
    expect(linkState(states, 't2-hue-a', 'up')).toBe('critical');
    expect(linkState(states, 't2-hue-a', 'down')).toBe('unknown');
    expect(linkState(null, 't1-hue', 'down')).toBe('unknown');
    expect(provinceState(states, 'hue')).toBe('critical');
    expect(provinceState(states, 'ha-noi')).toBe('ok');
    expect(provinceState(null, 'hue')).toBe('unknown');
    expect(worseState('ok', 'warning')).toBe('warning');
    expect(worseState('critical', 'warning')).toBe('critical');
    expect(worseState('unknown', 'ok')).toBe('ok');
  });
});

describe('live states message', () => {
  it('is accepted with atMs, links and provinces, kept whole', () => {
    const message = parseLiveMessage(JSON.stringify({ type: 'states', ...states }));
    expect(message).toEqual({ type: 'states', states });
  });

  it('is ignored without atMs: the server always sends it', () => {
    const message = parseLiveMessage(JSON.stringify({ type: 'states', links: states.links, provinces: states.provinces }));
    expect(message).toEqual({ type: 'ignored', reason: 'malformed states: atMs: Invalid input: expected number, received undefined', statesLost: true });
  });

  it('is ignored when a link state has no last verdict', () => {
    const links = states.links.map(({ last: _last, ...status }) => status);
    const message = parseLiveMessage(JSON.stringify({ type: 'states', atMs: 10, links, provinces: states.provinces }));
    expect(message).toMatchObject({ type: 'ignored', reason: expect.stringMatching(/^malformed states: links\[0\]\.last: /), statesLost: true });
  });

  it('is ignored when malformed', () => {
    const message = parseLiveMessage(JSON.stringify({ type: 'states', atMs: 10, links: [{ ...states.links[0]!, level: 'purple' }], provinces: [] }));
    expect(message).toMatchObject({ type: 'ignored', reason: expect.stringMatching(/^malformed states: links\[0\]\.level: Invalid option/), statesLost: true });
  });
});

describe('alerts', () => {
  const base = { link: 'l', tier: 1, dir: 'down', level: 'warning' } as const;
  const alerts: Alert[] = [
    alert({ ...base, id: 'a', province: 'hue', state: 'resolved', raisedAtMs: 1, resolvedAtMs: 11 }),
    alert({ ...base, id: 'b', province: 'hue', state: 'open', raisedAtMs: 3, notifications: [alertNotification({ atMs: 3 })] }),
    alert({ ...base, id: 'c', province: 'ca-mau', state: 'acknowledged', raisedAtMs: 2, acknowledgedAtMs: 4, acknowledgedBy: 'engineer' }),
  ];

  it('filters by status and province, newest first', () => {
    expect(filterAlerts(alerts, {}).map((alert) => alert.id)).toEqual(['b', 'c', 'a']);
    expect(filterAlerts(alerts, { province: 'hue' }).map((alert) => alert.id)).toEqual(['b', 'a']);
    expect(filterAlerts(alerts, { state: 'acknowledged' }).map((alert) => alert.id)).toEqual(['c']);
    expect(filterAlerts(alerts, { state: 'open', province: 'ca-mau' })).toEqual([]);
  });

  it('acknowledges only open episodes; duration runs until resolved', () => {
    expect(alerts.map(canAcknowledge)).toEqual([false, true, false]);
    expect(episodeDurationMs(alerts[0]!, 100)).toBe(10);
    expect(episodeDurationMs(alerts[1]!, 100)).toBe(97);
  });

  it('builds the query path', () => {
    expect(alertsPath({})).toBe('/api/v1/alerts');
    expect(alertsPath({ state: 'open', province: 'hue' })).toBe('/api/v1/alerts?state=open&province=hue');
    expect(alertsPath({ province: '' })).toBe('/api/v1/alerts');
  });
});

describe('policy editor text', () => {
  const document = {
    defaults: { reservations: { docex: { percent: 10 } }, thresholds: { highUtil: 0.8 } },
    tiers: {},
    provinces: { hue: { reservations: { video: { mbps: 50 } } } },
    links: {},
  };
  const text = policyText(document);

  it('parses valid JSON and locates a parse error by line', () => {
    expect(parsePolicyText(text)).toEqual({ ok: true, document });
    const broken = text.replace('"highUtil": 0.8', '"highUtil": 0.8,');
    expect(parsePolicyText(broken)).toMatchObject({ ok: false, line: broken.split('\n').findIndex((line) => line.includes('highUtil')) + 2 });
    expect(parsePolicyText('[1]')).toMatchObject({ ok: false, line: 1 });
  });

  it('maps each path to the line of its key', () => {
    const lines = pathLines(text);
    const lineOf = (needle: string) => text.split('\n').findIndex((line) => line.includes(needle)) + 1;
    expect(lines.get('defaults')).toBe(2);
    expect(lines.get('defaults.thresholds.highUtil')).toBe(lineOf('"highUtil"'));
    expect(lines.get('provinces.hue.reservations.video.mbps')).toBe(lineOf('"mbps"'));
    expect(lines.get('links')).toBe(lineOf('"links"'));
  });

  it('places a problem at its path, its nearest ancestor, or nowhere', () => {
    const lines = pathLines(text);
    const lineOf = (needle: string) => text.split('\n').findIndex((line) => line.includes(needle)) + 1;
    expect(lineOfPath(lines, 'document.provinces.hue.reservations.video.mbps')).toBe(lineOf('"mbps"'));
    expect(lineOfPath(lines, 'provinces.hue.reservations.docex')).toBe(lineOf('"hue"') + 1);
    expect(lineOfPath(lines, 'nothing.here')).toBeNull();
    expect(documentPath('document.links.t1-hue.reservations.video.percent')).toBe('links.t1-hue.reservations.video.percent');
  });

  it('reads keys with escapes and stops quietly at broken text', () => {
    const lines = pathLines('{\n  "a\\"b": {\n    "c": [1, {"d": 2}]\n  },\n  "e": ');
    expect(lines.get('a"b')).toBe(2);
    expect(lines.get('a"b.c.1.d')).toBe(3);
    expect(lines.get('e')).toBe(5);
  });

  it('adds a reservation override without touching other keys or the input', () => {
    const before = structuredClone(document);
    const next = withReservation(document, { scope: 'provinces', id: 'hue', serviceClass: 'docex', unit: 'percent', value: 15 });
    expect(next['provinces']).toEqual({ hue: { reservations: { video: { mbps: 50 }, docex: { percent: 15 } } } });
    const link = withReservation(document, { scope: 'links', id: 't1-hue', serviceClass: 'video', unit: 'mbps', value: 200 });
    expect(link['links']).toEqual({ 't1-hue': { reservations: { video: { mbps: 200 } } } });
    expect(withLayer(document, { scope: 'links', id: 't1-x' })['links']).toEqual({ 't1-x': {} });
    expect(withLayer(document, { scope: 'provinces', id: 'hue' })['provinces']).toEqual(document.provinces);
    expect(document).toEqual(before);
  });

  it('formats change values and accepts changes without before or after', () => {
    expect(formatChangeValue(undefined)).toBe('—');
    expect(formatChangeValue({ mbps: 5 })).toBe('{"mbps":5}');
    expect(policyChangeSchema.safeParse({ path: 'links.x' , after: 1 }).success).toBe(true);
    expect(policyChangeSchema.safeParse({ path: 'links.x', before: 1 }).success).toBe(true);
  });
});

describe('routes and messages', () => {
  it('parses the alerts and policies pages', () => {
    expect(parseRoute('#/alerts')).toEqual({ page: 'alerts' });
    expect(parseRoute('#/policies/')).toEqual({ page: 'policies' });
    expect(parseRoute('#/policies/x')).toEqual({ page: 'not-found', path: '/policies/x' });
  });

  it('has every new message in both languages, and they differ where the words do', () => {
    const keys = Object.keys(messages.vi);
    expect(Object.keys(messages.en).sort()).toEqual([...keys].sort());
    expect(messages.vi['national.stateSummary']).toBe('{warning} cảnh báo, {critical} nghiêm trọng');
    expect(messages.en['state.critical']).toBe('Critical');
    expect(messages.vi['state.critical']).toBe('Nghiêm trọng');
  });
});
