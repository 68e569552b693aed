// The live client's pure parts: message parsing, the LiveStore it folds messages into (the
// latest samples, series, national sums, expiries and per-key listeners), the reducer over
// immutable LiveData built on it, and the states it holds (the whole picture, then changes). The work a message costs is counted in
// web-live-store-work.test.ts.
import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import type { LinkSample } from '../../collector/samples.ts';
import { linkSampleProblem, linkSampleSchema, liveUrl, parseLiveMessage, type LinkStatus, type ProvinceStatus, type StateLevel, type StatesView } from '../../web/src/lib/api.ts';
import { StatesIndex } from '../../web/src/lib/states.ts';
import {
  appendPoint,
  applySamples,
  defaultLiveLimits,
  dropSeries,
  emptyLiveData,
  ExpiryQueue,
  isStale,
  LiveStore,
  nationalBucketMs,
  nationalStepMs,
  nationalTotal,
  sampleKey,
  seriesKey,
  staleAfterMs,
  TierOneAggregate,
  type ApplyOptions,
  type LiveData,
  type StoreApplyOptions,
} from '../../web/src/lib/live-store.ts';

function sample(overrides: Partial<LinkSample> & Pick<LinkSample, 'link' | 'atMs'>): LinkSample {
  const capacityBps = overrides.capacityBps ?? 1_000_000_000;
  const bitsPerSecond = overrides.bitsPerSecond ?? 100_000_000;
  return {
    intervalMs: 10_000,
    province: 'hue',
    tier: 1,
    dir: 'down',
    class: 'total',
    capacityBps,
    bitsPerSecond,
    utilization: bitsPerSecond / capacityBps,
    ...overrides,
  };
}

const tierOneOnly: ApplyOptions = {
  mode: 'samples',
  keepSeries: (s) => s.tier === 1,
  limits: { maxPoints: 4, windowMs: 60_000, staleIntervals: 3 },
};

describe('parseLiveMessage', () => {
  it('accepts a snapshot and keeps the valid samples of a batch', () => {
    const good = sample({ link: 'a', atMs: 1_000 });
    const snapshot = parseLiveMessage(JSON.stringify({ type: 'snapshot', atMs: 2_000, samples: [good] }));
    expect(snapshot).toEqual({ type: 'snapshot', atMs: 2_000, samples: [good], rejected: 0 });

    const batch = parseLiveMessage(
      JSON.stringify({ type: 'samples', samples: [good, { ...good, dir: 'sideways' }, { link: 'b' }] }),
    );
    expect(batch).toEqual({ type: 'samples', samples: [good], rejected: 2, problem: 'samples[1].dir: expected one of "down", "up", got "sideways"' });
  });

  it('names what is wrong with the first sample it rejects, and where', () => {
    const good = sample({ link: 'a', atMs: 1_000 });
    const problemOf = (bad: unknown): string | undefined => {
      const message = parseLiveMessage(JSON.stringify({ type: 'samples', samples: [good, bad] }));
      assert(message.type === 'samples');
      expect(message.samples).toEqual([good]);
      return message.problem;
    };
    expect(problemOf({ ...good, bitsPerSecond: '12' })).toBe('samples[1].bitsPerSecond: expected a number, got "12"');
    expect(problemOf({ ...good, tier: 3 })).toBe('samples[1].tier: expected one of 1, 2, got 3');
    expect(problemOf({ ...good, class: 'voice' })).toBe('samples[1].class: expected one of "total", "internet", "docex", "video", "other", got "voice"');
    expect(problemOf({ ...good, link: undefined })).toBe('samples[1].link: expected a string, got nothing');
    expect(problemOf({ ...good, reservedBps: null })).toBe('samples[1].reservedBps: expected a number or absent, got null');
    expect(problemOf([good])).toBe('samples[1]: expected an object, got an array');
    expect(problemOf(null)).toBe('samples[1]: expected an object, got null');
    expect(problemOf(7)).toBe('samples[1]: expected an object, got number');
    // A bad value is quoted cut to 60 characters, whatever its size.
    expect(problemOf({ ...good, link: ['x'.repeat(100_000)] })).toBe(`samples[1].link: expected a string, got ["${'x'.repeat(57)}…`);
    // Optional fields may be absent; keys the schema does not name pass.
    expect(linkSampleProblem({ ...good, dropBitsPerSecond: 1, extra: 'x' })).toBeUndefined();
  });

  it('accepts exactly what the zod schema accepts (the structural check is made from it)', () => {
    const good = sample({ link: 'a', atMs: 1_000, class: 'video', dropBitsPerSecond: 1, reservedBps: 2 });
    const variants: unknown[] = [good, null, 'x', [], {}];
    const odd: unknown[] = [undefined, null, 0, -1.5, 1e300, '', 'down', 'total', 1, 2, 3, true, {}, [], 'sideways'];
    for (const key of Object.keys(linkSampleSchema.shape)) for (const value of odd) variants.push({ ...good, [key]: value });
    for (const value of variants) {
      expect(linkSampleProblem(value) === undefined, JSON.stringify(value)).toBe(linkSampleSchema.safeParse(value).success);
    }
    expect(variants.filter((value) => linkSampleProblem(value) === undefined).length).toBeGreaterThan(10);
  });

  it('ignores what it does not understand instead of throwing', () => {
    expect(parseLiveMessage('not json').type).toBe('ignored');
    expect(parseLiveMessage('[1,2]').type).toBe('ignored');
    expect(parseLiveMessage(JSON.stringify({ type: 'error', message: 'bad filter' }))).toEqual({
      type: 'ignored',
      reason: 'type error',
    });
    expect(parseLiveMessage(JSON.stringify({ type: 'samples', samples: 'x' })).type).toBe('ignored');
  });
});

function linkStatus(link: string, dir: LinkStatus['dir'], level: StateLevel, province = 'hue'): LinkStatus {
  const conditions = { encroaching: level !== 'ok', busy: level !== 'ok', starved: level === 'critical', dropsReported: true };
  return {
    link, province, tier: 2, dir, level, sinceMs: 1_000,
    last: {
      atMs: 2_000, link, province, tier: 2, dir, level, conditions, totalBps: 1, internetBps: 1, capacityBps: 10,
      reservedBps: 2, encroachBps: 0, dropRatio: {}, policyRevision: 1,
    },
  };
}

function provinceStatus(province: string, worst: LinkStatus[]): ProvinceStatus {
  const level = worst.some((s) => s.level === 'critical') ? 'critical' : worst.length > 0 ? 'warning' : 'ok';
  return { province, level, worst: worst.map((s) => ({ link: s.link, dir: s.dir, level: s.level })) };
}

describe('states: the whole picture, then changes', () => {
  const picture: StatesView = {
    atMs: 5_000,
    links: [linkStatus('a', 'down', 'ok'), linkStatus('a', 'up', 'ok'), linkStatus('b', 'down', 'warning'), linkStatus('c', 'down', 'ok', 'hn')],
    provinces: [provinceStatus('hue', [linkStatus('b', 'down', 'warning')]), provinceStatus('hn', [])],
  };

  it('parses a stateChanges message and rejects a malformed one with its reason', () => {
    const changed = { atMs: 6_000, links: [linkStatus('a', 'up', 'warning')], provinces: [provinceStatus('hue', [])] };
    const change = { atMs: 6_000, link: 'a', province: 'hue', tier: 2, dir: 'up', from: 'ok', to: 'warning', verdict: changed.links[0]!.last };
    expect(parseLiveMessage(JSON.stringify({ type: 'stateChanges', ...changed, changes: [change] }))).toEqual({
      type: 'stateChanges',
      changed: { ...changed, changes: [change] },
    });
    expect(parseLiveMessage(JSON.stringify({ type: 'stateChanges', ...changed }))).toEqual({
      type: 'ignored',
      reason: 'malformed stateChanges: changes: Invalid input: expected array, received undefined',
      statesLost: true,
    });
    const purple = parseLiveMessage(JSON.stringify({ type: 'stateChanges', ...changed, links: [{ ...changed.links[0]!, level: 'purple' }], changes: [] }));
    expect(purple).toMatchObject({ type: 'ignored', reason: expect.stringMatching(/^malformed stateChanges: links\[0\]\.level: /), statesLost: true });
  });

  it('applies changes over the picture: the entries named are replaced, the others stay, only their listeners hear', () => {
    const index = new StatesIndex();
    index.set(picture);
    const heard: string[] = [];
    for (const [link, dir] of [['a', 'down'], ['a', 'up'], ['b', 'down'], ['c', 'down']] as const) index.onLink(link, dir, () => heard.push(`${link} ${dir}`));
    for (const province of ['hue', 'hn']) index.onProvince(province, () => heard.push(province));
    const before = index.view;

    const aUp = linkStatus('a', 'up', 'critical');
    const bDown = linkStatus('b', 'down', 'warning');
    const changes = index.apply({ atMs: 6_000, links: [aUp, { ...bDown, sinceMs: 1_500 }], provinces: [provinceStatus('hue', [aUp, bDown])] });
    // b's level did not move (a newer verdict only): nobody hears it; a up and its province do.
    expect(heard.sort()).toEqual(['a up', 'hue']);
    expect([...changes.links]).toEqual(['a\u0000up']);
    expect([index.linkState('a', 'up'), index.linkState('a', 'down'), index.linkState('b', 'down'), index.linkState('c', 'down')]).toEqual([
      'critical',
      'ok',
      'warning',
      'ok',
    ]);
    expect([index.provinceState('hue'), index.provinceState('hn')]).toEqual(['critical', 'ok']);
    // The view is a new one holding every entry, the changed ones as they are now.
    const after = index.view;
    expect(after).not.toBe(before);
    expect(after?.atMs).toBe(6_000);
    expect(new Map(after?.links.map((s) => [`${s.link} ${s.dir}`, [s.level, s.sinceMs]]))).toEqual(
      new Map([
        ['a down', ['ok', 1_000]],
        ['a up', ['critical', 1_000]],
        ['b down', ['warning', 1_500]],
        ['c down', ['ok', 1_000]],
      ]),
    );
    expect(index.view).toBe(after);
  });

  it('adds a link the picture did not hold; a new whole picture replaces everything (a narrower subscription drops the rest)', () => {
    const index = new StatesIndex();
    expect(index.linkState('d', 'down')).toBe('unknown');
    index.set(picture);
    expect(index.linkState('d', 'down')).toBe('unknown');
    index.apply({ atMs: 6_000, links: [linkStatus('d', 'down', 'ok', 'hn')], provinces: [provinceStatus('hn', [])] });
    expect(index.linkState('d', 'down')).toBe('ok');
    expect(index.view?.links).toHaveLength(5);

    const heard: string[] = [];
    index.onLink('a', 'down', () => heard.push('a down'));
    index.onProvince('hue', () => heard.push('hue'));
    const narrower: StatesView = { atMs: 7_000, links: [linkStatus('c', 'down', 'ok', 'hn')], provinces: [provinceStatus('hn', [])] };
    const changes = index.set(narrower);
    expect(index.view).toEqual(narrower);
    expect(index.linkState('a', 'down')).toBe('unknown');
    expect(index.provinceState('hue')).toBe('ok');
    expect(heard.sort()).toEqual(['a down', 'hue']);
    expect([...changes.links].sort()).toEqual(['a\u0000down', 'a\u0000up', 'b\u0000down', 'd\u0000down']);
  });

  it('ends holding what the server holds after a picture and a run of changes', () => {
    // The server's states over time: every step changes a few links; the client gets the first
    // picture, then only the changed entries.
    const server = new Map(picture.links.map((s) => [`${s.link} ${s.dir}`, s]));
    const index = new StatesIndex();
    index.set(picture);
    const levels: StateLevel[] = ['ok', 'warning', 'critical'];
    for (let step = 0; step < 30; step += 1) {
      const changed = [0, 1].map((k) => linkStatus(`l${(step * 7 + k * 3) % 11}`, k === 0 ? 'down' : 'up', levels[(step + k) % 3]!));
      for (const s of changed) server.set(`${s.link} ${s.dir}`, s);
      index.apply({ atMs: 10_000 + step, links: changed, provinces: [] });
    }
    expect(new Map(index.view?.links.map((s) => [`${s.link} ${s.dir}`, s]))).toEqual(server);
  });
});

describe('liveUrl', () => {
  it('follows the page scheme', () => {
    expect(liveUrl({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/api/v1/live');
    expect(liveUrl({ protocol: 'https:', host: 'lanewatch.example' })).toBe('wss://lanewatch.example/api/v1/live');
  });
});

describe('appendPoint', () => {
  const limits = { maxPoints: 3, windowMs: 100 };
  it('appends, replaces a point at the same time, and ignores an older one', () => {
    const one = appendPoint([], { atMs: 10, v: 1 }, limits);
    const two = appendPoint(one, { atMs: 20, v: 2 }, limits);
    expect(two).toEqual([
      { atMs: 10, v: 1 },
      { atMs: 20, v: 2 },
    ]);
    expect(appendPoint(two, { atMs: 20, v: 3 }, limits)).toEqual([
      { atMs: 10, v: 1 },
      { atMs: 20, v: 3 },
    ]);
    expect(appendPoint(two, { atMs: 15, v: 9 }, limits)).toBe(two);
    expect(one).toEqual([{ atMs: 10, v: 1 }]);
  });

  it('keeps at most maxPoints within windowMs of the newest', () => {
    let points: readonly { atMs: number }[] = [];
    for (const atMs of [0, 10, 20, 30, 40]) points = appendPoint(points, { atMs }, limits);
    expect(points.map((p) => p.atMs)).toEqual([20, 30, 40]);
    expect(appendPoint(points, { atMs: 135 }, limits).map((p) => p.atMs)).toEqual([40, 135]);
  });
});

describe('applySamples', () => {
  it('keeps the latest sample per link, direction and class, without mutating the input', () => {
    const start = emptyLiveData();
    const first = applySamples(start, [sample({ link: 'a', atMs: 10_000 }), sample({ link: 'a', atMs: 10_000, dir: 'up' })], tierOneOnly);
    const second = applySamples(first, [sample({ link: 'a', atMs: 20_000, bitsPerSecond: 5 })], tierOneOnly);

    expect(start.latest.size).toBe(0);
    expect(first.latest.get(sampleKey('a', 'down', 'total'))?.atMs).toBe(10_000);
    expect(second.latest.get(sampleKey('a', 'down', 'total'))?.bitsPerSecond).toBe(5);
    expect(second.latest.get(sampleKey('a', 'up', 'total'))?.atMs).toBe(10_000);
    expect(second.newestAtMs).toBe(20_000);
    expect(second.samplesApplied).toBe(3);
    expect(first.series.get(seriesKey('a', 'down'))?.map((p) => p.atMs)).toEqual([10_000]);
    expect(second.series.get(seriesKey('a', 'down'))?.map((p) => p.atMs)).toEqual([10_000, 20_000]);
  });

  it('does not let a late sample overwrite a newer one', () => {
    const data = applySamples(emptyLiveData(), [sample({ link: 'a', atMs: 20_000, bitsPerSecond: 7 })], tierOneOnly);
    const late = applySamples(data, [sample({ link: 'a', atMs: 10_000, bitsPerSecond: 9 })], tierOneOnly);
    expect(late.latest.get(sampleKey('a', 'down', 'total'))?.bitsPerSecond).toBe(7);
    expect(late.series.get(seriesKey('a', 'down'))?.map((p) => p.atMs)).toEqual([20_000]);
  });

  it('keeps series only for class total of links the predicate accepts', () => {
    const data = applySamples(
      emptyLiveData(),
      [
        sample({ link: 't1', atMs: 1 }),
        sample({ link: 't1', atMs: 1, class: 'video' }),
        sample({ link: 't2', atMs: 1, tier: 2 }),
      ],
      tierOneOnly,
    );
    expect([...data.series.keys()]).toEqual([seriesKey('t1', 'down')]);
    expect(data.latest.size).toBe(3);
  });

  it('replaces the latest samples on a snapshot but keeps the series', () => {
    const before = applySamples(emptyLiveData(), [sample({ link: 'gone', atMs: 1_000 })], tierOneOnly);
    const after = applySamples(before, [sample({ link: 'b', atMs: 2_000 })], { ...tierOneOnly, mode: 'snapshot' });
    expect([...after.latest.values()].map((s) => s.link)).toEqual(['b']);
    expect(after.series.has(seriesKey('gone', 'down'))).toBe(true);
  });

  it('keeps one national point per step of the poll interval, refreshed by each batch, never going back in time', () => {
    let data: LiveData = emptyLiveData();
    data = applySamples(
      data,
      [
        sample({ link: 'a', atMs: 10_000, bitsPerSecond: 100, capacityBps: 1_000 }),
        sample({ link: 'a', atMs: 10_000, dir: 'up', bitsPerSecond: 50, capacityBps: 1_000 }),
      ],
      tierOneOnly,
    );
    // Another router later in the same 10 s step: the step's point is refreshed.
    data = applySamples(data, [sample({ link: 'b', atMs: 12_000, bitsPerSecond: 300, capacityBps: 1_000 })], tierOneOnly);
    expect(data.national.map((p) => [p.atMs, p.downBitsPerSecond])).toEqual([[10_000, 400]]);
    // The next step: a new point.
    data = applySamples(data, [sample({ link: 'b', atMs: 21_000, bitsPerSecond: 200, capacityBps: 1_000 })], tierOneOnly);
    // A late device: its batch refreshes the newest point instead of adding one in the past.
    data = applySamples(data, [sample({ link: 'c', atMs: 19_000, bitsPerSecond: 0, capacityBps: 2_000 })], tierOneOnly);
    expect(data.national.map((p) => p.atMs)).toEqual([10_000, 20_000]);
    const last = data.national[1];
    expect(last?.downBitsPerSecond).toBe(300);
    expect(last?.downUtilization).toBeCloseTo(300 / 4_000);
    expect(last?.upUtilization).toBeCloseTo(50 / 1_000);
    expect(last?.links).toBe(3);
  });

  it('takes no national point from tier-2 or class samples', () => {
    const data = applySamples(
      emptyLiveData(),
      [sample({ link: 'd', atMs: 10_000, tier: 2 }), sample({ link: 'a', atMs: 10_000, class: 'video' })],
      tierOneOnly,
    );
    expect(data.national).toEqual([]);
  });

  it('returns the same data for an empty batch', () => {
    const data = applySamples(emptyLiveData(), [sample({ link: 'a', atMs: 1 })], tierOneOnly);
    expect(applySamples(data, [], tierOneOnly)).toBe(data);
  });
});

describe('nationalTotal and isStale', () => {
  it('leaves out stale samples, tier 2 and classes other than total', () => {
    const latest = new Map<string, LinkSample>();
    const add = (s: LinkSample): void => {
      latest.set(sampleKey(s.link, s.dir, s.class), s);
    };
    add(sample({ link: 'fresh', atMs: 100_000, bitsPerSecond: 200, capacityBps: 1_000 }));
    add(sample({ link: 'old', atMs: 60_000, bitsPerSecond: 900, capacityBps: 1_000 }));
    add(sample({ link: 'district', atMs: 100_000, tier: 2, bitsPerSecond: 900, capacityBps: 1_000 }));
    add(sample({ link: 'fresh', atMs: 100_000, class: 'internet', bitsPerSecond: 150, capacityBps: 1_000 }));
    const total = nationalTotal(latest, 100_000, 100_000, 3);
    expect(total).toMatchObject({ downBitsPerSecond: 200, capacityBps: 1_000, downUtilization: 0.2, upUtilization: null, links: 1 });
  });

  it('calls a sample stale past staleIntervals of its own interval', () => {
    expect(isStale({ atMs: 70_000, intervalMs: 10_000 }, 100_000, 3)).toBe(false);
    expect(isStale({ atMs: 69_999, intervalMs: 10_000 }, 100_000, 3)).toBe(true);
    expect(isStale({ atMs: 0, intervalMs: 10_000 }, null, 3)).toBe(false);
  });
});

describe('dropSeries', () => {
  it('drops the series of links no longer kept and nothing else', () => {
    const data = applySamples(
      emptyLiveData(),
      [sample({ link: 'keep', atMs: 1 }), sample({ link: 'drop', atMs: 1, tier: 2 })],
      { ...tierOneOnly, keepSeries: () => true, limits: defaultLiveLimits },
    );
    const after = dropSeries(data, (link) => link === 'keep');
    expect([...after.series.keys()]).toEqual([seriesKey('keep', 'down')]);
    expect(after.latest).toBe(data.latest);
    expect(dropSeries(after, () => true)).toBe(after);
  });
});

describe('nationalStepMs and nationalBucketMs', () => {
  it.each([
    // measured interval, configured step, step
    [10_012, undefined, 10_000],
    [9_987, undefined, 10_000],
    [2_049, undefined, 2_000],
    [60_400, undefined, 60_000],
    [400, undefined, 1_000],
    [10_012, 5_000, 5_000],
    [10_012, 0, 10_000],
  ])('a sample interval of %i ms with %s configured steps by %i ms', (intervalMs, configuredMs, expected) => {
    expect(nationalStepMs(intervalMs, configuredMs)).toBe(expected);
  });

  it.each([
    [0, 10_000, 0],
    [9_999, 10_000, 0],
    [10_000, 10_000, 10_000],
    [1_795_788_219_960, 10_000, 1_795_788_210_000],
  ])('%i ms lies in the %i ms step starting at %i ms', (atMs, stepMs, expected) => {
    expect(nationalBucketMs(atMs, stepMs)).toBe(expected);
  });
});

describe('ExpiryQueue', () => {
  function permutations(values: number[]): number[][] {
    if (values.length <= 1) return [values];
    return values.flatMap((value, index) => permutations([...values.slice(0, index), ...values.slice(index + 1)]).map((rest) => [value, ...rest]));
  }

  it('pops in time order whatever the order pushed (every order of six, with a tie)', () => {
    const times = [5, 1, 4, 1, 9, 2];
    for (const order of permutations(times)) {
      const queue = new ExpiryQueue();
      order.forEach((staleAfter, index) => queue.push({ staleAfterMs: staleAfter, key: `k${index}`, atMs: index }));
      const popped: number[] = [];
      for (let next = queue.pop(); next !== undefined; next = queue.pop()) popped.push(next.staleAfterMs);
      expect(popped).toEqual([1, 1, 2, 4, 5, 9]);
      expect(queue.size).toBe(0);
    }
  });

  it('interleaves pushes and pops', () => {
    const queue = new ExpiryQueue();
    const popped: number[] = [];
    for (const [push, pops] of [[[30, 10, 20], 1], [[5, 25], 2], [[1], 3]] as const) {
      for (const time of push) queue.push({ staleAfterMs: time, key: String(time), atMs: time });
      for (let i = 0; i < pops; i += 1) popped.push(queue.pop()?.staleAfterMs ?? -1);
    }
    expect(popped).toEqual([10, 5, 20, 1, 25, 30]);
    expect(queue.peek()).toBeUndefined();
  });
});

describe('TierOneAggregate', () => {
  /** A deterministic PRNG (mulberry32). */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
  }

  it.each([1, 2, 3, 4, 5])('running sums equal the sums recomputed, over 2,000 random adds, replacements and removals (seed %i)', (seed) => {
    const next = random(seed);
    const aggregate = new TierOneAggregate();
    const latest = new Map<string, LinkSample>();
    for (let step = 0; step < 2_000; step += 1) {
      const link = `t1-${Math.floor(next() * 12)}`;
      const dir = next() < 0.5 ? 'down' : 'up';
      const key = sampleKey(link, dir, 'total');
      if (next() < 0.2) {
        aggregate.remove(key);
        latest.delete(key);
      } else {
        const capacityBps = [100_000_000, 300_000_000, 1_000_000_000][Math.floor(next() * 3)] ?? 1;
        const added = sample({ link, dir, atMs: step, capacityBps, bitsPerSecond: next() * capacityBps });
        aggregate.add(key, added);
        latest.set(key, added);
      }
      const running = aggregate.point(step);
      const recomputed = nationalTotal(latest, step, null, 3);
      expect(running.links).toBe(recomputed.links);
      expect(running.capacityBps).toBe(recomputed.capacityBps);
      expect(running.downBitsPerSecond).toBeCloseTo(recomputed.downBitsPerSecond, 0);
      expect(running.upBitsPerSecond).toBeCloseTo(recomputed.upBitsPerSecond, 0);
      expect(running.downUtilization === null).toBe(recomputed.downUtilization === null);
      expect(running.downUtilization ?? 0).toBeCloseTo(recomputed.downUtilization ?? 0, 9);
      expect(running.upUtilization ?? 0).toBeCloseTo(recomputed.upUtilization ?? 0, 9);
    }
  });

  it('leaves exact zeros when the last sample of a direction goes', () => {
    const aggregate = new TierOneAggregate();
    aggregate.add('a', sample({ link: 'a', atMs: 1, bitsPerSecond: 0.1, capacityBps: 3 }));
    aggregate.add('b', sample({ link: 'b', atMs: 1, bitsPerSecond: 0.2, capacityBps: 7 }));
    expect(aggregate.remove('a')).toBe(true);
    expect(aggregate.remove('b')).toBe(true);
    expect(aggregate.remove('b')).toBe(false);
    expect(aggregate.point(5)).toEqual({
      atMs: 5,
      downBitsPerSecond: 0,
      upBitsPerSecond: 0,
      capacityBps: 0,
      downUtilization: null,
      upUtilization: null,
      links: 0,
    });
  });
});

describe('LiveStore', () => {
  const options: StoreApplyOptions = { mode: 'samples', keepSeries: (s) => s.tier === 1 };

  it('tells the listener of a key when its sample changes, and once more when it goes stale, not before', () => {
    const store = new LiveStore({ staleIntervals: 3 });
    store.apply([sample({ link: 'watched', atMs: 10_000, tier: 2 }), sample({ link: 'other', atMs: 10_000, tier: 2 })], options);
    const heard: string[] = [];
    store.onLatest(sampleKey('watched', 'down', 'total'), () => heard.push('watched'));
    // Others move on; `watched` stays at 10 s. Stale once the newest passes 10 s + 3 × 10 s.
    for (const atMs of [20_000, 30_000, 40_000]) {
      store.apply([sample({ link: 'other', atMs, tier: 2 })], options);
      expect([atMs, heard.length, store.isStale(sampleKey('watched', 'down', 'total'))]).toEqual([atMs, 0, false]);
    }
    store.apply([sample({ link: 'other', atMs: 40_001, tier: 2 })], options);
    expect([heard.length, store.isStale(sampleKey('watched', 'down', 'total'))]).toEqual([1, true]);
    store.apply([sample({ link: 'other', atMs: 90_000, tier: 2 })], options);
    expect(heard).toEqual(['watched']);
    // A new sample: heard, and current again.
    store.apply([sample({ link: 'watched', atMs: 90_000, tier: 2 })], options);
    expect([heard.length, store.isStale(sampleKey('watched', 'down', 'total'))]).toEqual([2, false]);
  });

  it('drops a tier-1 total from the national sums when it goes stale', () => {
    const store = new LiveStore({ staleIntervals: 3 });
    store.apply(
      [sample({ link: 'a', atMs: 10_000, bitsPerSecond: 100, capacityBps: 1_000 }), sample({ link: 'b', atMs: 10_000, bitsPerSecond: 300, capacityBps: 1_000 })],
      options,
    );
    for (const atMs of [20_000, 30_000, 40_000, 50_000]) store.apply([sample({ link: 'a', atMs, bitsPerSecond: 100, capacityBps: 1_000 })], options);
    expect(store.national.map((point) => [point.atMs, point.links, point.downBitsPerSecond])).toEqual([
      [10_000, 2, 400],
      [20_000, 2, 400],
      [30_000, 2, 400],
      [40_000, 2, 400],
      [50_000, 1, 100],
    ]);
    expect(store.national.at(-1)).toEqual(nationalTotal(store.toData().latest as Map<string, LinkSample>, 50_000, 50_000, 3));
  });

  it('removes on a snapshot what it lacks, and tells the listeners of those keys', () => {
    const store = new LiveStore();
    store.apply([sample({ link: 'gone', atMs: 1_000 }), sample({ link: 'kept', atMs: 1_000 })], options);
    const heard: string[] = [];
    for (const link of ['gone', 'kept', 'never']) store.onLatest(sampleKey(link, 'down', 'total'), () => heard.push(link));
    const changes = store.apply([sample({ link: 'kept', atMs: 2_000 })], { ...options, mode: 'snapshot' });
    expect(heard.sort()).toEqual(['gone', 'kept']);
    expect(changes.notified).toBe(2);
    expect(store.get(sampleKey('gone', 'down', 'total'))).toBeUndefined();
    expect(store.national.at(-1)?.links).toBe(1);
  });

  it('takes no national point while paused, but keeps the sums for the next one', () => {
    const store = new LiveStore();
    store.apply([sample({ link: 'a', atMs: 10_000, bitsPerSecond: 100, capacityBps: 1_000 })], { ...options, national: false });
    expect(store.national).toEqual([]);
    store.apply([sample({ link: 'b', atMs: 20_000, bitsPerSecond: 200, capacityBps: 1_000 })], options);
    expect(store.national.map((point) => [point.atMs, point.downBitsPerSecond])).toEqual([[20_000, 300]]);
    expect(store.clearNational().national).toBe(true);
    expect(store.national).toEqual([]);
  });

  it('computes when a sample goes stale from its own interval', () => {
    expect(staleAfterMs({ atMs: 10_000, intervalMs: 10_000 }, 3)).toBe(40_000);
    expect(staleAfterMs({ atMs: 10_000, intervalMs: 0 }, 3)).toBe(10_003);
  });
});
