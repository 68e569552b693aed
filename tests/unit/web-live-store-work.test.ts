// The work one live message costs the browser, counted. A LiveStore holding n links (both
// directions; the class total and the four service classes each; a series for every one) with
// a listener on every key and every series — as if every row and sparkline of every page were
// on screen — takes messages of k links: the entries it touches and the listeners it calls are
// the message's own, the same for 100 links as for the national 3,355. Going stale costs one
// check per sample that could go stale, once. A new states view calls the listeners of the
// links and provinces whose state changed, not all of them.
import { describe, expect, it } from 'vitest';
import { directions, trafficClasses } from '../../api/schemas.ts';
import type { LinkSample } from '../../collector/samples.ts';
import type { LinkStatus, StatesView } from '../../web/src/lib/api.ts';
import { LiveStore, sampleKey, seriesKey, type StoreApplyOptions } from '../../web/src/lib/live-store.ts';
import { StatesIndex } from '../../web/src/lib/states.ts';

const intervalMs = 10_000;
/** Samples per link in a message: two directions × (class total + four service classes). */
const samplesPerLink = directions.length * trafficClasses.length;
const keepEverything: StoreApplyOptions = { mode: 'samples', keepSeries: () => true, keepClassSeries: () => true };

interface TestLink {
  id: string;
  tier: 1 | 2;
}

/** n links: the 34 tier-1 uplinks first (as in the topology), then communes. */
function network(n: number): TestLink[] {
  return Array.from({ length: n }, (_, index) => ({ id: index < 34 ? `t1-${index}` : `t2-${index}`, tier: index < 34 ? 1 : 2 }));
}

function samplesOf(links: readonly TestLink[], atMs: number, utilization = 0.4): LinkSample[] {
  return links.flatMap((link) =>
    directions.flatMap((dir) =>
      trafficClasses.map((trafficClass) => ({
        atMs,
        intervalMs,
        link: link.id,
        province: 'p',
        tier: link.tier,
        dir,
        class: trafficClass,
        capacityBps: 100_000_000,
        bitsPerSecond: utilization * 100_000_000,
        utilization,
      })),
    ),
  );
}

/** k links spread over the network (every (n/k)-th): some tier 1 among them when k is large. */
function spread(links: readonly TestLink[], k: number): TestLink[] {
  const stride = links.length / k;
  return Array.from({ length: k }, (_, i) => links[Math.floor(i * stride)] as TestLink);
}

/** A store with the network's round in it and a counting listener on every key and series. */
function filledStore(links: readonly TestLink[]): { store: LiveStore; calls: { count: number } } {
  const store = new LiveStore({ staleIntervals: 3 });
  store.apply(samplesOf(links, intervalMs), { ...keepEverything, mode: 'snapshot' });
  const calls = { count: 0 };
  const count = (): void => {
    calls.count += 1;
  };
  for (const link of links) {
    for (const dir of directions) {
      store.onSeries(seriesKey(link.id, dir), count);
      for (const trafficClass of trafficClasses) {
        store.onLatest(sampleKey(link.id, dir, trafficClass), count);
        if (trafficClass !== 'total') store.onSeries(sampleKey(link.id, dir, trafficClass), count);
      }
    }
  }
  store.onNational(count);
  store.onNewest(count);
  store.onAny(count);
  return { store, calls };
}

describe('the work of one live message', () => {
  const sizes = [100, 1_000, 3_355];
  const messageLinks = [1, 10, 100];

  it.each(sizes)('with %i links in the store, a message of k links touches and notifies in proportion to k', (n) => {
    const links = network(n);
    const { store, calls } = filledStore(links);
    messageLinks.forEach((k, index) => {
      const carried = spread(links, k);
      const tierOne = carried.some((link) => link.tier === 1);
      calls.count = 0;
      // Within the stale window of the round: nothing goes stale.
      const changes = store.apply(samplesOf(carried, intervalMs + (index + 1) * 1_000, 0.5 + index / 10), keepEverything);
      const samples = k * samplesPerLink;
      // Each sample: its key put, its series appended; one national point when tier 1 moved.
      expect(changes.touched).toBe(2 * samples + (tierOne ? 1 : 0));
      expect(changes.latest.size).toBe(samples);
      expect(changes.series.size).toBe(samples);
      // The key and series listeners of its own samples; national, newest and "any" once each.
      expect(changes.notified).toBe(2 * samples + (tierOne ? 1 : 0) + 2);
      expect(calls.count).toBe(changes.notified);
    });
  });

  it('costs the batch of one commune router (five samples) the same in a store of 100 links as of 3,355', () => {
    const work = sizes.map((n) => {
      const links = network(n);
      const { store } = filledStore(links);
      const commune = links[links.length - 1] as TestLink;
      const batch = samplesOf([commune], intervalMs + 1_000).filter((sample) => sample.dir === 'up');
      const changes = store.apply(batch, keepEverything);
      return { touched: changes.touched, notified: changes.notified };
    });
    expect(work).toEqual(sizes.map(() => ({ touched: 10, notified: 12 })));
  });

  it('checks each sample that can go stale once: listened-to samples and tier-1 totals, when the newest time passes them', () => {
    const links = network(1_000);
    const { store, calls } = filledStore(links);
    // Four intervals later only the first 100 links report: the other 900 links' 9,000
    // listened-to samples go stale in that message, each heard once; the next message
    // finds nothing more to expire.
    calls.count = 0;
    const reporting = links.slice(0, 100);
    const late = store.apply(samplesOf(reporting, intervalMs + 4 * intervalMs), keepEverything);
    const stale = (links.length - reporting.length) * samplesPerLink;
    expect(late.latest.size).toBe(reporting.length * samplesPerLink + stale);
    // Its own samples put and appended, one expiry checked per listened-to sample, one national point.
    expect(late.touched).toBe(2 * reporting.length * samplesPerLink + links.length * samplesPerLink + 1);
    const next = store.apply(samplesOf(reporting, intervalMs + 5 * intervalMs), keepEverything);
    expect(next.touched).toBe(2 * reporting.length * samplesPerLink + 1);
    expect(store.isStale(sampleKey('t2-999', 'up', 'video'))).toBe(true);
    expect(store.isStale(sampleKey('t2-99', 'up', 'video'))).toBe(false);
    // The national total now counts the tier-1 links that still report: all 34 are in the first 100.
    expect(store.national.at(-1)?.links).toBe(34);
  });

  it('keeps no expiry for samples nobody listens to, except the tier-1 totals of the national sums', () => {
    const store = new LiveStore({ staleIntervals: 3 });
    store.apply(samplesOf(network(3_355), intervalMs), keepEverything);
    expect(store.pendingExpiries).toBe(34 * directions.length);
  });
});

describe('the work of one states message', () => {
  function view(levels: readonly LinkStatus['level'][]): StatesView {
    const links: LinkStatus[] = levels.map((level, index) => ({
      link: `t2-${index >> 1}`,
      province: `p${index % 34}`,
      tier: 2,
      dir: index % 2 === 0 ? 'down' : 'up',
      level,
      sinceMs: 0,
      last: {
        atMs: 0,
        link: `t2-${index >> 1}`,
        province: `p${index % 34}`,
        tier: 2,
        dir: index % 2 === 0 ? 'down' : 'up',
        level,
        conditions: { encroaching: false, busy: false, starved: false, dropsReported: false },
        totalBps: 0,
        internetBps: 0,
        capacityBps: 1,
        reservedBps: 0,
        encroachBps: 0,
        dropRatio: {},
        policyRevision: 1,
      },
    }));
    return { atMs: 0, links, provinces: [] };
  }

  it.each([
    // link directions, of which changed
    [200, 0],
    [6_710, 1],
    [6_710, 60],
  ])('of %i link directions with %i changed calls the listeners of the changed ones', (n, changed) => {
    const index = new StatesIndex();
    const before: LinkStatus['level'][] = Array.from({ length: n }, () => 'ok');
    index.set(view(before));
    let calls = 0;
    for (let i = 0; i < n; i += 1) index.onLink(`t2-${i >> 1}`, i % 2 === 0 ? 'down' : 'up', () => (calls += 1));
    const after = before.map((level, i) => (i < changed ? 'warning' : level));
    const changes = index.set(view(after));
    expect([changes.links.size, changes.notified, calls]).toEqual([changed, changed, changed]);
    expect(index.linkState('t2-0', 'down')).toBe(changed > 0 ? 'warning' : 'ok');
  });
});
