// The backtest's pure core as tables: per-bucket samples and two policies → exactly the
// episodes the squeeze rule and the hysteresis say (raiseAfter/clearAfter edges, escalation,
// gaps, buckets the rule cannot judge, capacity from the samples); the range and work bounds;
// the InfluxQL statement; InfluxDB's raw answer; the tally and its differences; the chunked run.
import { describe, expect, it } from 'vitest';
import type { Direction } from '../../collector/samples.ts';
import type { PolicyDocument } from '../../server/policies/model.ts';
import {
  BacktestTally,
  backtestBucketMs,
  bucketSources,
  rawOnly,
  backtestStatement,
  bucketCount,
  bucketRowsOf,
  compareLinkEpisodes,
  linkInputsByDirection,
  linksPerQuery,
  maxBacktestRangeMs,
  policyResolver,
  rangeProblem,
  replayEpisodes,
  runBacktest,
  seriesBuckets,
  TimeSlicer,
  type BacktestEpisode,
  type BacktestLink,
  type BacktestRequest,
  type BacktestResult,
  type BucketRow,
  type BucketSources,
} from '../../server/policies/backtest.ts';

const M = 1e6;
const base = Date.UTC(2026, 2, 2, 8, 0);
const at = (bucket: number): number => base + bucket * backtestBucketMs;

const link: BacktestLink = { id: 't1-hue', province: 'hue', tier: 1, capacityBps: 100 * M };

/** Current: 10 + 20 Mbit/s reserved → Internet may carry 70 of 100 Mbit/s. */
function documentWith(reservedMbps: { docex: number; video: number }, thresholds: Partial<Record<'raiseAfter' | 'clearAfter', number>> = {}): PolicyDocument {
  return {
    defaults: {
      reservations: { docex: { mbps: reservedMbps.docex }, video: { mbps: reservedMbps.video } },
      thresholds: { highUtil: 0.8, critUtil: 0.95, dropRatio: 0.001, raiseAfter: 3, clearAfter: 5, ...thresholds },
    },
    tiers: {},
    provinces: {},
    links: {},
  };
}
const current = documentWith({ docex: 10, video: 20 });
/** Draft: 20 + 30 Mbit/s reserved → Internet may carry 50 Mbit/s. */
const draft = documentWith({ docex: 20, video: 30 });

/**
 * One bucket per letter (`_` is a bucket with no data, `i` one without an Internet sample):
 * - `o` quiet: total 20, Internet 10 (ok under both);
 * - `d` total 85, Internet 60: ok under the current policy (60 ≤ 70), warning under the draft (60 > 50, busy);
 * - `w` total 85, Internet 75: warning under both;
 * - `c` total 96, Internet 80, no drop counters: critical under both (T ≥ 95 %).
 */
const letters: Record<string, { totalMbps: number; internetMbps?: number }> = {
  o: { totalMbps: 20, internetMbps: 10 },
  d: { totalMbps: 85, internetMbps: 60 },
  w: { totalMbps: 85, internetMbps: 75 },
  c: { totalMbps: 96, internetMbps: 80 },
  i: { totalMbps: 96 },
};

function rowsOf(sequence: string, dir: Direction = 'down', target: BacktestLink = link, capacityBps: number | undefined = 100 * M): BucketRow[] {
  const rows: BucketRow[] = [];
  [...sequence].forEach((letter, bucket) => {
    const spec = letters[letter];
    if (spec === undefined) return;
    const total: BucketRow = { atMs: at(bucket), link: target.id, dir, class: 'total', bitsPerSecond: spec.totalMbps * M };
    if (capacityBps !== undefined) total.capacityBps = capacityBps;
    rows.push(total);
    if (spec.internetMbps !== undefined) rows.push({ atMs: at(bucket), link: target.id, dir, class: 'internet', bitsPerSecond: spec.internetMbps * M });
  });
  return rows;
}

/** `[level, fromBucket, toBucket | null]` per episode. */
type Expected = ['warning' | 'critical', number, number | null][];

function episodesUnder(document: PolicyDocument, rows: readonly BucketRow[], dir: Direction = 'down', target: BacktestLink = link): Expected {
  const inputs = linkInputsByDirection(target, rows).get(dir) ?? [];
  return replayEpisodes(inputs, policyResolver(document, target)).episodes.map((episode) => [
    episode.level,
    (episode.fromMs - base) / backtestBucketMs,
    episode.toMs === null ? null : (episode.toMs - base) / backtestBucketMs,
  ]);
}

describe('replayEpisodes: the rule and the hysteresis over buckets', () => {
  const cases: { name: string; sequence: string; current: Expected; draft: Expected; draftThresholds?: Partial<Record<'raiseAfter' | 'clearAfter', number>> }[] = [
    { name: 'quiet buckets raise nothing', sequence: 'oooooo', current: [], draft: [] },
    { name: 'raiseAfter − 1 warning buckets raise nothing', sequence: 'wwo', current: [], draft: [] },
    { name: 'raiseAfter warning buckets raise at the third, still open at the end', sequence: 'www', current: [['warning', 2, null]], draft: [['warning', 2, null]] },
    { name: 'clearAfter − 1 clean buckets do not clear', sequence: 'www' + 'oooo', current: [['warning', 2, null]], draft: [['warning', 2, null]] },
    { name: 'clearAfter clean buckets clear at the fifth', sequence: 'www' + 'ooooo', current: [['warning', 2, 7]], draft: [['warning', 2, 7]] },
    { name: 'a warning bucket restarts the clear count', sequence: 'www' + 'oooow' + 'ooooo', current: [['warning', 2, 12]], draft: [['warning', 2, 12]] },
    { name: 'escalation keeps one episode at its worst level', sequence: 'www' + 'ccc' + 'ooooo', current: [['critical', 2, 10]], draft: [['critical', 2, 10]] },
    { name: 'critical → warning → ok is one critical episode', sequence: 'ccc' + 'wwwww' + 'ooooo', current: [['critical', 2, 12]], draft: [['critical', 2, 12]] },
    { name: 'two separate surges are two episodes', sequence: 'www' + 'ooooo' + 'ccc' + 'ooooo', current: [['warning', 2, 7], ['critical', 10, 15]], draft: [['warning', 2, 7], ['critical', 10, 15]] },
    { name: 'Internet inside the draft’s bigger reservation: only the draft raises', sequence: 'ddd' + 'ooooo', current: [], draft: [['warning', 2, 7]] },
    { name: 'draft-only buckets in a surge keep the draft’s episode open longer', sequence: 'www' + 'ddddd' + 'ooooo', current: [['warning', 2, 7]], draft: [['warning', 2, 12]] },
    { name: 'flapping never raises', sequence: 'wowowowowo', current: [], draft: [] },
    { name: 'a bucket without data is no sample: the run goes on', sequence: 'ww_w' + 'ooooo', current: [['warning', 3, 8]], draft: [['warning', 3, 8]] },
    { name: 'a bucket without an Internet sample is not judged', sequence: 'wwiw' + 'ooooo', current: [['warning', 3, 8]], draft: [['warning', 3, 8]] },
    { name: 'draft raiseAfter 4: three warning buckets no longer raise', sequence: 'www' + 'ooooo', current: [['warning', 2, 7]], draft: [], draftThresholds: { raiseAfter: 4 } },
    { name: 'draft raiseAfter 4: the fourth bucket raises', sequence: 'wwww' + 'ooooo', current: [['warning', 2, 8]], draft: [['warning', 3, 8]], draftThresholds: { raiseAfter: 4 } },
    { name: 'draft clearAfter 2: clears at the second clean bucket', sequence: 'www' + 'ooooo', current: [['warning', 2, 7]], draft: [['warning', 2, 4]], draftThresholds: { clearAfter: 2 } },
    { name: 'draft raiseAfter 1, clearAfter 1 follows the buckets', sequence: 'owowo', current: [], draft: [['warning', 1, 2], ['warning', 3, 4]], draftThresholds: { raiseAfter: 1, clearAfter: 1 } },
  ];

  it.each(cases)('$name', (c) => {
    const rows = rowsOf(c.sequence);
    const draftDocument = c.draftThresholds === undefined ? draft : documentWith({ docex: 10, video: 20 }, c.draftThresholds);
    expect(episodesUnder(current, rows)).toEqual(c.current);
    expect(episodesUnder(draftDocument, rows)).toEqual(c.draft);
  });

  it('directions are replayed apart, each with its own state', () => {
    const rows = [...rowsOf('www' + 'ooooo', 'down'), ...rowsOf('oo' + 'ccc' + 'o', 'up')];
    expect(episodesUnder(current, rows, 'down')).toEqual([['warning', 2, 7]]);
    expect(episodesUnder(current, rows, 'up')).toEqual([['critical', 4, null]]);
  });

  it('a starved protected class while encroaching is critical where drops are reported', () => {
    const rows: BucketRow[] = [];
    for (let bucket = 0; bucket < 3; bucket += 1) {
      rows.push(
        { atMs: at(bucket), link: link.id, dir: 'down', class: 'total', bitsPerSecond: 85 * M, capacityBps: 100 * M },
        { atMs: at(bucket), link: link.id, dir: 'down', class: 'internet', bitsPerSecond: 75 * M },
        // 1 % of video dropped (≥ dropRatio 0.1 %).
        { atMs: at(bucket), link: link.id, dir: 'down', class: 'video', bitsPerSecond: 0.99 * M, dropBitsPerSecond: 0.01 * M },
      );
    }
    expect(episodesUnder(current, rows)).toEqual([['critical', 2, null]]);
    const inputs = linkInputsByDirection(link, rows).get('down') ?? [];
    expect(inputs[0]?.protected.video).toEqual({ sentBps: 0.99 * M, dropBps: 0.01 * M });
  });

  it('without a configured capacity, a percent reservation is of the capacity the samples carry', () => {
    const unconfigured: BacktestLink = { id: 't2-x', province: 'hue', tier: 2 };
    const percent: PolicyDocument = {
      ...current,
      defaults: { ...current.defaults, reservations: { docex: { percent: 10 }, video: { percent: 20 } } },
    };
    // Internet 75 of 100 Mbit/s: above 70 % → warning; the capacity comes from the total's samples.
    const rows = rowsOf('www', 'down', unconfigured, 100 * M);
    expect(episodesUnder(percent, rows, 'down', unconfigured)).toEqual([['warning', 2, null]]);
    // The same rates on a 1 Gbit/s link are quiet.
    expect(episodesUnder(percent, rowsOf('www', 'down', unconfigured, 1_000 * M), 'down', unconfigured)).toEqual([]);
  });

  it('episodes name the link, its province and tier, and the direction', () => {
    const inputs = linkInputsByDirection(link, rowsOf('www' + 'ooooo')).get('down') ?? [];
    const { episodes, judged } = replayEpisodes(inputs, policyResolver(current, link));
    expect(judged).toBe(8);
    expect(episodes).toEqual([{ link: 't1-hue', province: 'hue', tier: 1, dir: 'down', level: 'warning', fromMs: at(2), toMs: at(7) }]);
  });
});

describe('range and work', () => {
  it.each([
    ['aligned hour', base, base + 3_600_000, 12],
    ['unaligned start touches one more bucket', base + 60_000, base + 3_600_000, 12],
    ['unaligned both ends', base + 60_000, base + 3_600_000 + 60_000, 13],
    ['one millisecond', base, base + 1, 1],
    ['empty', base, base, 0],
    ['30 days', base, base + maxBacktestRangeMs, 8_640],
  ])('bucketCount: %s', (_name, fromMs, toMs, expected) => {
    expect(bucketCount(fromMs, toMs)).toBe(expected);
  });

  it('seriesBuckets is links × 2 directions × buckets', () => {
    expect(seriesBuckets(245, base, base + 86_400_000)).toBe(245 * 2 * 288);
  });

  it.each([
    ['24 h at 100k buckets per query', 86_400_000, 100_000, 173],
    ['30 days at 100k', maxBacktestRangeMs, 100_000, 5],
    ['30 days at 1000: still one link', maxBacktestRangeMs, 1_000, 1],
  ])('linksPerQuery: %s', (_name, spanMs, perQuery, expected) => {
    expect(linksPerQuery(base, base + spanMs, perQuery)).toBe(expected);
  });

  it.each([
    ['30 days exactly is allowed', base, base + maxBacktestRangeMs, undefined],
    ['30 days and 1 ms is refused', base, base + maxBacktestRangeMs + 1, /span 30\.0 days .* at most 30 days/],
    ['31 days is refused', base, base + 31 * 86_400_000, /span 31\.0 days/],
    ['from after to is refused', base + 1, base, /not before to/],
    ['from equal to to is refused', base, base, /not before to/],
  ])('rangeProblem: %s', (_name, fromMs, toMs, expected) => {
    const problem = rangeProblem(fromMs, toMs);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});

describe('backtestStatement', () => {
  const perClass = (column: (field: string) => string) =>
    ['total', 'internet', 'docex', 'video'].flatMap((cls) => [column(`bps_${cls}`), column(`dropBps_${cls}`)]).join(', ');
  it('5-minute means of the rule’s classes (their fields) for the chunk’s links, tag values escaped', () => {
    const sql = backtestStatement(['t1-hue', `it's`], base, base + 3_600_000);
    expect(sql).toBe(
      `SELECT ${perClass((f) => `mean("${f}") AS "${f}"`)}, max("capacityBps_total") AS "capacityBps_total" FROM "traffic" ` +
        `WHERE time >= ${base}ms AND time < ${base + 3_600_000}ms AND ("link" = 't1-hue' OR "link" = 'it\\'s') ` +
        `GROUP BY time(5m), "link", "dir" fill(none)`,
    );
  });

  it('from the rollup: its rows as stored (one per bucket: the means and highest capacity), same columns', () => {
    expect(backtestStatement(['t1-hue'], base, base + 3_600_000, { rollup: 'rollup_5m' })).toBe(
      `SELECT ${perClass((f) => `"${f}_mean" AS "${f}"`)}, "capacityBps_total_max" AS "capacityBps_total" FROM "rollup_5m"."traffic" ` +
        `WHERE time >= ${base}ms AND time < ${base + 3_600_000}ms AND ("link" = 't1-hue') ` +
        `GROUP BY "link", "dir"`,
    );
  });
});

describe('bucketSources: the 5-minute rollup, its newest buckets from raw samples', () => {
  const retention = { rawDays: 30, fiveMinuteDays: 365, hourDays: 1_825 };
  /** 12:02:30, so the bucket of now started at 12:00 and the one before at 11:55. */
  const nowMs = base + 4 * 3_600_000 + 150_000;
  const tailMs = base + 3 * 3_600_000 + 55 * 60_000;
  const hourMs = 3_600_000;
  it.each([
    ['a week ending now: rollup, then raw from the bucket before now', nowMs - 7 * 86_400_000, nowMs, { source: 'rollup_5m', rollup: { retentionPolicy: 'rollup_5m', fromMs: nowMs - 7 * 86_400_000 - 150_000, beforeMs: tailMs }, raw: { fromMs: tailMs, toMs: nowMs } }],
    ['a past day: rollup only', base - 86_400_000, base, { source: 'rollup_5m', rollup: { retentionPolicy: 'rollup_5m', fromMs: base - 86_400_000, beforeMs: base } }],
    ['an unaligned start is read from its bucket’s start', base + 60_000, base + hourMs, { source: 'rollup_5m', rollup: { retentionPolicy: 'rollup_5m', fromMs: base, beforeMs: base + hourMs } }],
    ['a range inside the newest buckets: raw only', nowMs - 3 * 60_000, nowMs, { source: 'raw', raw: { fromMs: tailMs, toMs: nowMs } }],
  ] as [string, number, number, BucketSources][])('%s', (_name, fromMs, toMs, expected) => {
    expect(bucketSources(fromMs, toMs, nowMs, retention)).toEqual(expected);
  });

  it('every source as raw samples, over the same buckets', () => {
    expect(rawOnly({ source: 'rollup_5m', rollup: { retentionPolicy: 'rollup_5m', fromMs: 0, beforeMs: 10 }, raw: { fromMs: 10, toMs: 20 } })).toEqual({ source: 'raw', raw: { fromMs: 0, toMs: 20 } });
    expect(rawOnly({ source: 'rollup_5m', rollup: { retentionPolicy: 'rollup_5m', fromMs: 0, beforeMs: 10 } })).toEqual({ source: 'raw', raw: { fromMs: 0, toMs: 10 } });
  });
});

describe('bucketRowsOf', () => {
  it('reads series by their tags, a row per class with a rate; skips unknown tags and rows without a time; null drop and capacity are absent', () => {
    const raw = {
      results: [
        {
          statement_id: 0,
          series: [
            {
              name: 'traffic',
              tags: { link: 't1-hue', dir: 'down' },
              columns: ['time', 'bps_total', 'dropBps_total', 'bps_internet', 'dropBps_internet', 'capacityBps_total'],
              values: [
                [at(0), 5e7, null, null, null, 1e8],
                [at(1), null, null, null, null, 1e8],
                [null, 1, null, null, null, null],
                [at(2), 6e7, 10, 2e7, 5, null],
              ],
            },
            { name: 'traffic', tags: { link: 't1-hue', dir: 'sideways' }, columns: ['time', 'bps_total'], values: [[at(0), 1]] },
            { name: 'traffic', tags: { link: 't1-hue', dir: 'up' }, columns: ['time', 'bps_other', 'bps_internet'], values: [[at(0), 1, 2e7]] },
          ],
        },
      ],
    };
    expect(bucketRowsOf(raw)).toEqual([
      { atMs: at(0), link: 't1-hue', dir: 'down', class: 'total', bitsPerSecond: 5e7, capacityBps: 1e8 },
      { atMs: at(2), link: 't1-hue', dir: 'down', class: 'total', bitsPerSecond: 6e7, dropBitsPerSecond: 10 },
      { atMs: at(2), link: 't1-hue', dir: 'down', class: 'internet', bitsPerSecond: 2e7, dropBitsPerSecond: 5 },
      { atMs: at(0), link: 't1-hue', dir: 'up', class: 'internet', bitsPerSecond: 2e7 },
    ]);
  });

  it('an empty answer is no rows; an error in the answer is thrown', () => {
    expect(bucketRowsOf({ results: [{ statement_id: 0 }] })).toEqual([]);
    expect(bucketRowsOf('nonsense')).toEqual([]);
    expect(() => bucketRowsOf({ results: [{ statement_id: 0, error: 'database not found: x' }] })).toThrow(/backtest query failed: database not found/);
  });
});

function episode(overrides: Partial<BacktestEpisode>): BacktestEpisode {
  return { link: 't1-hue', province: 'hue', tier: 1, dir: 'down', level: 'warning', fromMs: at(2), toMs: at(7), ...overrides };
}

describe('comparing the two policies', () => {
  it('an episode is the same only when link, direction, level, start and end all match', () => {
    const same = episode({});
    const compared = compareLinkEpisodes(
      [same, episode({ toMs: at(8) }), episode({ dir: 'up' })],
      [same, episode({ toMs: at(9) }), episode({ dir: 'up', level: 'critical' }), episode({ fromMs: at(20), toMs: null })],
    );
    expect(compared.current.map((e) => e.same)).toEqual([true, false, false]);
    expect(compared.draft.map((e) => e.same)).toEqual([true, false, false, false]);
    expect(compared.onlyCurrent).toBe(2);
    expect(compared.onlyDraft).toBe(3);
  });

  it('the tally counts every episode, lists the earliest maxEpisodes, and names the links that differ', () => {
    const tally = new BacktestTally(3);
    const other: BacktestLink = { id: 't2-hue-a', province: 'hue', tier: 2 };
    const third: BacktestLink = { id: 't1-hn', province: 'ha-noi', tier: 1 };
    tally.add(link, [episode({})], [episode({}), episode({ fromMs: at(30), toMs: null, level: 'critical' })]);
    tally.add(other, [], [episode({ link: other.id, tier: 2, fromMs: at(1), toMs: at(9) }), episode({ link: other.id, tier: 2, fromMs: at(40) })]);
    tally.add(third, [episode({ link: third.id, province: 'ha-noi', fromMs: at(0) })], [episode({ link: third.id, province: 'ha-noi', fromMs: at(0) })]);
    const result = tally.result();
    expect(result.current.counts).toEqual({ episodes: 2, warning: 2, critical: 0, links: 2 });
    expect(result.draft.counts).toEqual({ episodes: 5, warning: 4, critical: 1, links: 3 });
    expect(result.current.truncated).toBe(false);
    expect(result.draft.truncated).toBe(true);
    expect(result.draft.episodes.map((e) => [e.link, (e.fromMs - base) / backtestBucketMs, e.same])).toEqual([
      ['t1-hn', 0, true],
      ['t2-hue-a', 1, false],
      ['t1-hue', 2, true],
    ]);
    expect(result.differences).toEqual({
      onlyCurrent: 0,
      onlyDraft: 3,
      links: [
        { link: 't2-hue-a', province: 'hue', tier: 2, current: 0, draft: 2 },
        { link: 't1-hue', province: 'hue', tier: 1, current: 1, draft: 2 },
      ],
    });
  });
});

describe('runBacktest (buckets from a function instead of InfluxDB)', () => {
  const links: BacktestLink[] = Array.from({ length: 7 }, (_, index) => ({ id: `l${index}`, province: 'hue', tier: 2, capacityBps: 100 * M }));
  const limits = { maxSeriesBuckets: 1e9, maxEpisodes: 100, bucketsPerQuery: 2 * 2 * 12, yieldEveryLinks: 2 };
  const toMs = base + 3_600_000;
  const fromRaw: BucketSources = { source: 'raw', raw: { fromMs: base, toMs } };
  const fromRollup: BucketSources = { source: 'rollup_5m', rollup: { retentionPolicy: 'rollup_5m', fromMs: base, beforeMs: toMs } };

  /** An hour of these links under `current` and `draft`, each chunk's buckets from `readRows`. */
  function runHour(sources: BucketSources, readRows: NonNullable<BacktestRequest['readRows']>, signal?: AbortSignal): Promise<BacktestResult> {
    return runBacktest({ influx: undefined as never, links, current, draft, fromMs: base, toMs, limits, sources, readRows, ...(signal !== undefined ? { signal } : {}) });
  }

  it('reads the links in chunks sized by the buckets per query and replays each under both policies', async () => {
    const chunks: string[][] = [];
    const result = await runHour(fromRaw, async (ids) => {
      chunks.push([...ids]);
      // l3 has a surge only the draft sees; l5 one both see.
      return [...(ids.includes('l3') ? rowsOf('ddd' + 'ooooo', 'down', links[3]!) : []), ...(ids.includes('l5') ? rowsOf('www', 'up', links[5]!) : [])];
    });
    expect(chunks).toEqual([['l0', 'l1'], ['l2', 'l3'], ['l4', 'l5'], ['l6']]);
    expect(result).toMatchObject({ links: 7, series: 2, buckets: 11, bucketMs: backtestBucketMs, source: 'raw' });
    expect(result.current.episodes.map((e) => [e.link, e.dir, e.level, e.same])).toEqual([['l5', 'up', 'warning', true]]);
    expect(result.draft.episodes.map((e) => [e.link, e.dir, e.level, e.same])).toEqual([
      ['l3', 'down', 'warning', false],
      ['l5', 'up', 'warning', true],
    ]);
    expect(result.differences.links.map((l) => l.link)).toEqual(['l3']);
  });

  it('a database without the rollup policy: read again from raw samples, and said so', async () => {
    const asked: BucketSources[] = [];
    const result = await runHour(fromRollup, async (ids, sources) => {
      asked.push(sources);
      if (sources.rollup !== undefined) throw new Error('backtest query failed: retention policy not found: rollup_5m');
      return ids.includes('l5') ? rowsOf('www', 'up', links[5]!) : [];
    });
    expect(result.source).toBe('raw');
    expect(asked.slice(0, 2).map((s) => s.source)).toEqual(['rollup_5m', 'raw']);
    expect(asked.slice(2).every((s) => s.source === 'raw')).toBe(true);
    expect(result.current.counts.episodes).toBe(1);
  });

  it('any other refusal is not hidden', async () => {
    const run = runHour(fromRollup, async () => {
      throw new Error('backtest query failed: error parsing query');
    });
    await expect(run).rejects.toThrow('error parsing query');
  });

  it('stops when aborted', async () => {
    const abort = new AbortController();
    const run = runHour(
      fromRaw,
      async () => {
        abort.abort(new Error('client went away'));
        return [];
      },
      abort.signal,
    );
    await expect(run).rejects.toThrow('client went away');
  });
});

describe('TimeSlicer', () => {
  it('yields after everyLinks links, or as soon as the time slice is spent', async () => {
    let nowMs = 0;
    const slicer = new TimeSlicer(3, 20, () => nowMs);
    await slicer.linkDone();
    await slicer.linkDone();
    expect(slicer.yields).toBe(0);
    await slicer.linkDone();
    expect(slicer.yields).toBe(1);
    nowMs = 19;
    await slicer.maybeYield();
    expect(slicer.yields).toBe(1);
    nowMs = 20;
    await slicer.maybeYield();
    expect(slicer.yields).toBe(2);
    // The link count restarted at the last yield: one link and a spent slice yield at once.
    nowMs = 45;
    await slicer.linkDone();
    expect(slicer.yields).toBe(3);
  });

  it('a yield checks the abort signal', async () => {
    const abort = new AbortController();
    abort.abort(new Error('stop'));
    await expect(new TimeSlicer(1, 20, () => 0).linkDone(abort.signal)).rejects.toThrow('stop');
  });
});
