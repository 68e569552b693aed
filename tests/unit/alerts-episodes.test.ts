import { describe, expect, it } from 'vitest';
import type { AlertEpisode } from '../../server/alerts/model.ts';
import {
  acknowledge,
  deliveryId,
  filterEpisodes,
  isPending,
  notificationPayload,
  stepEpisode,
} from '../../server/alerts/episodes.ts';
import { stateChange } from '../helpers/alerts-fixture.ts';

const ids = (): (() => string) => {
  let n = 0;
  return () => `ep-${++n}`;
};

describe('stepEpisode', () => {
  const open = stepEpisode(undefined, stateChange('ok', 'warning', 1_000), ids())!.episode;

  it.each([
    { name: 'ok → warning raises a warning', active: undefined, c: stateChange('ok', 'warning', 1_000), kind: 'raise', level: 'warning', state: 'open' },
    { name: 'ok → critical raises a critical (no escalate)', active: undefined, c: stateChange('ok', 'critical', 1_000), kind: 'raise', level: 'critical', state: 'open' },
    { name: 'warning → critical escalates', active: open, c: stateChange('warning', 'critical', 2_000), kind: 'escalate', level: 'critical', state: 'open' },
    { name: 'warning → ok resolves', active: open, c: stateChange('warning', 'ok', 3_000), kind: 'resolve', level: 'warning', state: 'resolved' },
    { name: 'critical → warning keeps the worst level, no notification', active: { ...open, level: 'critical' as const }, c: stateChange('critical', 'warning', 3_000), kind: undefined, level: 'critical', state: 'open' },
    { name: 'warning again (analyzer restarted) only refreshes', active: open, c: stateChange('ok', 'warning', 4_000), kind: undefined, level: 'warning', state: 'open' },
  ] as const)('$name', ({ active, c, kind, level, state }) => {
    const step = stepEpisode(active, c, ids());
    expect(step).toBeDefined();
    expect(step!.kind).toBe(kind);
    expect(step!.episode.level).toBe(level);
    expect(step!.episode.state).toBe(state);
    expect(step!.episode.lastVerdict).toBe(c.verdict);
  });

  it('back to ok without an episode changes nothing', () => {
    expect(stepEpisode(undefined, stateChange('warning', 'ok', 1_000), ids())).toBeUndefined();
  });

  it('a raise starts a fresh episode from the change', () => {
    const c = stateChange('ok', 'warning', 1_000);
    const episode = stepEpisode(undefined, c, ids())!.episode;
    expect(episode).toMatchObject({ id: 'ep-1', link: 't1-hue', province: 'hue', tier: 1, dir: 'down', raisedAtMs: 1_000, notifications: [] });
    expect(episode.firstVerdict).toBe(c.verdict);
  });

  it('escalation and resolution keep the times and never mutate the input', () => {
    const before = structuredClone(open);
    const escalated = stepEpisode(open, stateChange('warning', 'critical', 2_000), ids())!.episode;
    const resolved = stepEpisode(escalated, stateChange('critical', 'ok', 5_000), ids())!.episode;
    expect(open).toEqual(before);
    expect(resolved).toMatchObject({ escalatedAtMs: 2_000, resolvedAtMs: 5_000, raisedAtMs: 1_000, level: 'critical', state: 'resolved' });
    expect(resolved.escalateVerdict?.atMs).toBe(2_000);
  });
});

describe('acknowledge', () => {
  const open = stepEpisode(undefined, stateChange('ok', 'warning', 1_000), ids())!.episode;

  it('records who and when', () => {
    expect(acknowledge(open, 'nguyen.van.a', 1_500)).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'nguyen.van.a', acknowledgedAtMs: 1_500 });
  });

  it('the first acknowledgement stands', () => {
    const acked = acknowledge(open, 'a', 1_500) as AlertEpisode;
    expect(acknowledge(acked, 'b', 1_600)).toBe(acked);
  });

  it('a resolved episode cannot be acknowledged', () => {
    const resolved = stepEpisode(open, stateChange('warning', 'ok', 2_000), ids())!.episode;
    expect(acknowledge(resolved, 'a', 2_500)).toBe('resolved');
  });
});

describe('filterEpisodes', () => {
  const make = (id: string, province: string, state: AlertEpisode['state'], raisedAtMs: number): AlertEpisode => ({
    ...stepEpisode(undefined, stateChange('ok', 'warning', raisedAtMs), () => id)!.episode,
    province,
    state,
  });
  const all = [make('a', 'hue', 'open', 1), make('b', 'hue', 'resolved', 3), make('c', 'ha-noi', 'acknowledged', 2)];

  it.each([
    { filter: {}, expected: ['b', 'c', 'a'] },
    { filter: { state: 'open' as const }, expected: ['a'] },
    { filter: { province: 'hue' }, expected: ['b', 'a'] },
    { filter: { province: 'hue', state: 'acknowledged' as const }, expected: [] },
  ])('$filter → $expected (newest first)', ({ filter, expected }) => {
    expect(filterEpisodes(all, filter).map((e) => e.id)).toEqual(expected);
  });
});

describe('notificationPayload', () => {
  const raised = stepEpisode(undefined, stateChange('ok', 'warning', 1_000), () => 'ep')!.episode;
  const acked = acknowledge(raised, 'tran.b', 1_500) as AlertEpisode;
  const escalated = stepEpisode(acked, stateChange('warning', 'critical', 2_000), ids())!.episode;
  const resolved = stepEpisode(escalated, stateChange('critical', 'ok', 9_000), ids())!.episode;

  it('a raise sent late still reads as the raise: open, first level, first verdict', () => {
    const payload = notificationPayload(resolved, 'raise', 'webhook', 'http://127.0.0.1/h');
    expect(payload).toEqual({
      kind: 'raise',
      deliveryId: deliveryId('ep', 'raise', 'webhook', 'http://127.0.0.1/h'),
      episode: { id: 'ep', link: 't1-hue', province: 'hue', tier: 1, dir: 'down', level: 'warning', state: 'open', raisedAtMs: 1_000 },
      verdict: raised.firstVerdict,
    });
  });

  it('an escalate carries the escalating verdict and an acknowledgement made before it', () => {
    const payload = notificationPayload(resolved, 'escalate', 'email', 'a@b.vn');
    expect(payload.episode).toMatchObject({ level: 'critical', state: 'acknowledged', escalatedAtMs: 2_000, acknowledgedBy: 'tran.b' });
    expect(payload.verdict.atMs).toBe(2_000);
  });

  it('a resolve carries the whole story and the last verdict, never the notification records', () => {
    const payload = notificationPayload(resolved, 'resolve', 'webhook', 'http://x');
    expect(payload.episode).toMatchObject({ state: 'resolved', resolvedAtMs: 9_000, escalatedAtMs: 2_000, acknowledgedAtMs: 1_500 });
    expect(payload.verdict.level).toBe('ok');
    expect('notifications' in payload.episode).toBe(false);
  });

  it('delivery ids differ per kind, channel and target', () => {
    const keys = new Set([
      deliveryId('ep', 'raise', 'webhook', 'x'),
      deliveryId('ep', 'resolve', 'webhook', 'x'),
      deliveryId('ep', 'raise', 'email', 'x'),
      deliveryId('ep', 'raise', 'webhook', 'y'),
    ]);
    expect(keys.size).toBe(4);
  });

  it('a delivery id never names its target', () => {
    const id = deliveryId('ep', 'raise', 'webhook', 'https://hooks.example.org/T0KEN-abc');
    expect(id).not.toContain('hooks.example.org');
    expect(id).not.toContain('T0KEN');
  });
});

describe('isPending', () => {
  it.each([
    { record: { attempts: 0 }, pending: true },
    { record: { attempts: 2, error: 'http 503' }, pending: true },
    { record: { attempts: 1, deliveredAtMs: 5 }, pending: false },
    { record: { attempts: 8, gaveUpAtMs: 5, error: 'x' }, pending: false },
  ])('$record → $pending', ({ record, pending }) => {
    expect(isPending({ kind: 'raise', channel: 'webhook', target: 't', atMs: 1, ...record })).toBe(pending);
  });
});
