// Retention and rollup definitions: pure parts (durations, InfluxQL text, what a migration
// does, backfill windows) and the settings that feed them.
import { serviceClasses, trafficClasses } from '../../api/schemas.ts';
import { describe, expect, it } from 'vitest';
import { settingsSchema } from '../../config/schema.ts';
import {
  backfillWindows,
  continuousQueryName,
  continuousQueryText,
  influxqlDuration,
  normaliseInfluxql,
  policyAction,
  queryAction,
  retentionDurationText,
  retentionOf,
  rollupDefinitions,
  rollupLevels,
  rollupSelect,
  wantedPolicies,
  widen,
} from '../../collector/store/rollups.ts';
import { itReturns } from '../helpers/table.ts';

const hourMs = 3_600_000;
const [fiveMinutes, oneHour] = rollupLevels;
const [traffic, linkState] = rollupDefinitions;
if (!fiveMinutes || !oneHour || !traffic || !linkState) throw new Error('rollup definitions missing');

describe('retentionOf', () => {
  it.each([
    ['nothing set: the defaults', {}, { rawDays: 30, fiveMinuteDays: 365, hourDays: 1_825 }],
    ['the old retentionDays', { retentionDays: 14 }, { rawDays: 14, fiveMinuteDays: 365, hourDays: 1_825 }],
    ['retention.rawDays', { retention: { rawDays: 7, fiveMinuteDays: 90, hourDays: 730 } }, { rawDays: 7, fiveMinuteDays: 90, hourDays: 730 }],
    ['rollups only', { retention: { fiveMinuteDays: 400, hourDays: 3_650 } }, { rawDays: 30, fiveMinuteDays: 400, hourDays: 3_650 }],
    ['old name with rollups', { retentionDays: 10, retention: { fiveMinuteDays: 400, hourDays: 3_650 } }, { rawDays: 10, fiveMinuteDays: 400, hourDays: 3_650 }],
  ])('%s', (_name, influx, expected) => {
    expect(retentionOf(influx)).toEqual(expected);
  });
});

describe('influx.retention settings', () => {
  function influxIssues(influx: unknown): string[] {
    const parsed = settingsSchema.safeParse({ influx });
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  }

  it.each([
    ['defaults', {}, []],
    ['old name alone', { retentionDays: 14 }, []],
    ['new names', { retention: { rawDays: 14, fiveMinuteDays: 180, hourDays: 730 } }, []],
    ['both names', { retentionDays: 14, retention: { rawDays: 14 } }, ['influx.retentionDays: is the old name of retention.rawDays: set only retention.rawDays']],
    [
      '5-minute rollups shorter than raw',
      { retention: { rawDays: 60, fiveMinuteDays: 30 } },
      ["influx.retention.fiveMinuteDays: (30) is shorter than the raw samples' 60 days: a rollup must outlive what it summarises"],
    ],
    [
      'hour rollups shorter than 5-minute ones',
      { retention: { fiveMinuteDays: 400, hourDays: 365 } },
      ['influx.retention.hourDays: (365) is shorter than fiveMinuteDays (400): a rollup must outlive the finer one'],
    ],
    ['an unknown key', { retention: { weeks: 3 } }, [expect.stringMatching(/^influx\.retention: .*weeks/)]],
    ['zero days', { retention: { rawDays: 0 } }, [expect.stringMatching(/^influx\.retention\.rawDays: /)]],
  ])('%s', (_name, influx, expected) => {
    expect(influxIssues(influx)).toEqual(expected);
  });

  it('keeps the rollup defaults when only rawDays is given', () => {
    const parsed = settingsSchema.parse({ influx: { retention: { rawDays: 10 } } });
    expect(parsed.influx.retention).toEqual({ rawDays: 10, fiveMinuteDays: 365, hourDays: 1_825 });
    expect(retentionOf(parsed.influx)).toEqual({ rawDays: 10, fiveMinuteDays: 365, hourDays: 1_825 });
  });
});

describe('influxqlDuration (as InfluxDB prints it)', () => {
  itReturns('%d ms → %s', influxqlDuration, [
    [1, '1ms'],
    [1_500, '1500ms'],
    [1_000, '1s'],
    [90_000, '90s'],
    [300_000, '5m'],
    [900_000, '15m'],
    [3_600_000, '1h'],
    [7_200_000, '2h'],
    [5_400_000, '90m'],
    [86_400_000, '1d'],
    [172_800_000, '2d'],
    [604_800_000, '1w'],
    [1_209_600_000, '2w'],
  ]);

  it.each([0, -1, 1.5, Number.NaN])('refuses %d', (ms) => {
    expect(() => influxqlDuration(ms)).toThrow(RangeError);
  });
});

describe('retentionDurationText (as SHOW RETENTION POLICIES prints it)', () => {
  itReturns('%d days → %s', retentionDurationText, [
    [1, '24h0m0s'],
    [30, '720h0m0s'],
    [365, '8760h0m0s'],
    [1_825, '43800h0m0s'],
  ]);
});

describe('wantedPolicies and policyAction', () => {
  it('raw is the default; the rollups are not', () => {
    expect(wantedPolicies({ rawDays: 30, fiveMinuteDays: 365, hourDays: 1_825 })).toEqual([
      { name: 'raw', days: 30, isDefault: true },
      { name: 'rollup_5m', days: 365, isDefault: false },
      { name: 'rollup_1h', days: 1_825, isDefault: false },
    ]);
  });

  it.each([
    ['absent', { name: 'raw', days: 30, isDefault: true }, undefined, 'created'],
    ['same', { name: 'raw', days: 30, isDefault: true }, { duration: '720h0m0s', default: true }, 'unchanged'],
    ['longer', { name: 'raw', days: 60, isDefault: true }, { duration: '720h0m0s', default: true }, 'altered'],
    ['not default any more', { name: 'raw', days: 30, isDefault: true }, { duration: '720h0m0s', default: false }, 'altered'],
    ['a rollup that is the default is left so', { name: 'rollup_5m', days: 365, isDefault: false }, { duration: '8760h0m0s', default: true }, 'unchanged'],
    ['infinite before', { name: 'rollup_1h', days: 1_825, isDefault: false }, { duration: '0s', default: false }, 'altered'],
  ] as const)('%s', (_name, wanted, existing, action) => {
    expect(policyAction(wanted, existing)).toBe(action);
  });
});

describe('continuous query text', () => {
  it('names and resamples each level', () => {
    expect(continuousQueryName(fiveMinutes, traffic)).toBe('traffic_5m');
    expect(continuousQueryName(oneHour, linkState)).toBe('linkState_1h');
    expect(continuousQueryText('lanewatch', fiveMinutes, traffic)).toMatch(
      /^CREATE CONTINUOUS QUERY "traffic_5m" ON "lanewatch" RESAMPLE EVERY 5m FOR 15m BEGIN SELECT .* INTO "lanewatch"\."rollup_5m"\."traffic" FROM "lanewatch"\."raw"\."traffic" GROUP BY time\(5m\), \* END$/,
    );
    expect(continuousQueryText('lanewatch', oneHour, traffic)).toMatch(/RESAMPLE EVERY 1h FOR 2h BEGIN .* GROUP BY time\(1h\), \* END$/);
  });

  it('keeps mean, max and the 95th percentile of each class’s bps and util, the link’s capacity once, and counts the samples', () => {
    const text = rollupSelect('lanewatch', fiveMinutes, traffic);
    for (const cls of trafficClasses) {
      for (const column of [
        `mean("bps_${cls}") AS "bps_${cls}_mean"`,
        `max("bps_${cls}") AS "bps_${cls}_max"`,
        `percentile("bps_${cls}", 95) AS "bps_${cls}_p95"`,
        `mean("util_${cls}") AS "util_${cls}_mean"`,
        `max("util_${cls}") AS "util_${cls}_max"`,
        `percentile("util_${cls}", 95) AS "util_${cls}_p95"`,
        `mean("dropBps_${cls}") AS "dropBps_${cls}_mean"`,
      ]) {
        expect(text).toContain(column);
      }
    }
    for (const cls of serviceClasses) {
      expect(text).toContain(`max("preBps_${cls}") AS "preBps_${cls}_max"`);
      expect(text).toContain(`mean("reservedBps_${cls}") AS "reservedBps_${cls}_mean"`);
    }
    expect(text).not.toContain('preBps_total');
    expect(text.match(/capacityBps/g)).toEqual(['capacityBps', 'capacityBps']);
    expect(text).toContain('max("capacityBps_total") AS "capacityBps_total_max"');
    expect(text).toContain('count("bps_total") AS "samples"');
  });

  it('linkState shares come from state through a subquery', () => {
    const text = rollupSelect('lanewatch', oneHour, linkState);
    expect(text).toContain('FROM (SELECT "state", ceil("state" / 2) AS "warning", floor("state" / 2) AS "critical", "encroachBps" FROM "lanewatch"."raw"."linkState" GROUP BY *)');
    expect(text).toContain('mean("warning") AS "warning_share"');
    expect(text).toContain('mean("critical") AS "critical_share"');
    expect(text).toContain('max("state") AS "state_max"');
  });

  it('a backfill is the same statement over a range (inside the subquery too)', () => {
    const range = { fromMs: 7_200_000, toMs: 10_800_000 };
    const body = rollupSelect('lanewatch', fiveMinutes, traffic);
    const ranged = rollupSelect('lanewatch', fiveMinutes, traffic, range);
    expect(ranged).toBe(body.replace(' GROUP BY time(5m)', ' WHERE time >= 7200000ms AND time < 10800000ms GROUP BY time(5m)'));
    expect(rollupSelect('lanewatch', fiveMinutes, linkState, range).match(/WHERE time >= 7200000ms AND time < 10800000ms/g)).toHaveLength(2);
  });
});

describe('normaliseInfluxql and queryAction', () => {
  // What InfluxDB 1.6 printed back for a continuous query created from our quoted text.
  const shown =
    'CREATE CONTINUOUS QUERY traffic_5m ON lw RESAMPLE EVERY 5m FOR 15m BEGIN SELECT mean(bps) AS bps_mean, percentile(bps, 95) AS bps_p95 INTO lw.rollup_5m.traffic FROM lw.raw.traffic GROUP BY time(5m), * END';
  const ours =
    'CREATE CONTINUOUS QUERY "traffic_5m" ON "lw" RESAMPLE EVERY 5m FOR 15m BEGIN SELECT mean("bps") AS "bps_mean", percentile("bps", 95) AS "bps_p95" INTO "lw"."rollup_5m"."traffic" FROM "lw"."raw"."traffic" GROUP BY time(5m), * END';

  it.each([
    ['quotes around plain identifiers', '"a" "b_1" "_c"', 'a b_1 _c'],
    ['quotes kept where needed', '"1db" "my-db" "a b"', '"1db" "my-db" "a b"'],
    ['white space', '  SELECT\n  a ,\tb  ', 'SELECT a , b'],
    ['our text as InfluxDB shows it', ours, shown],
  ])('%s', (_name, text, expected) => {
    expect(normaliseInfluxql(text)).toBe(expected);
  });

  it.each([
    ['absent', undefined, 'created'],
    ['as shown by InfluxDB', shown, 'unchanged'],
    ['another field', shown.replace('mean(bps) AS bps_mean', 'mean(bps) AS bps_avg'), 'recreated'],
    ['another resample', shown.replace('FOR 15m', 'FOR 10m'), 'recreated'],
  ] as const)('%s → %s', (_name, existing, action) => {
    expect(queryAction(ours, existing)).toBe(action);
  });
});

describe('backfill spans and windows', () => {
  it.each([
    ['one point', [5 * hourMs + 10], { fromMs: 5 * hourMs + 10, toMs: 5 * hourMs + 10 }],
    ['out of order', [9, 3, 7], { fromMs: 3, toMs: 9 }],
  ])('widen: %s', (_name, times, expected) => {
    let span: { fromMs: number; toMs: number } | undefined;
    for (const t of times) span = widen(span, t);
    expect(span).toEqual(expected);
  });

  it.each([
    ['inside one hour', { fromMs: 2 * hourMs + 5, toMs: 2 * hourMs + 600_000 }, -Infinity, [[2, 3]]],
    ['on the hour', { fromMs: 2 * hourMs, toMs: 3 * hourMs }, -Infinity, [[2, 3], [3, 4]]],
    ['across hours', { fromMs: 2 * hourMs + 1, toMs: 4 * hourMs + 1 }, -Infinity, [[2, 3], [3, 4], [4, 5]]],
    ['older windows left out', { fromMs: 2 * hourMs, toMs: 5 * hourMs - 1 }, 4 * hourMs, [[4, 5]]],
    ['a window ending at the limit is left out', { fromMs: 2 * hourMs, toMs: 4 * hourMs - 1 }, 4 * hourMs, []],
  ])('%s', (_name, span, notBeforeMs, expected) => {
    expect(backfillWindows(span, hourMs, notBeforeMs)).toEqual(expected.map(([a = 0, b = 0]) => ({ fromMs: a * hourMs, toMs: b * hourMs })));
  });
});
