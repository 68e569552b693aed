// History at several resolutions: finer answers replacing coarse points where they overlap,
// what a zoom needs fetched, the step of an answer, gaps, clipping to the window, the live
// tail, and the national total summed from every tier-1 link's history.
import { describe, expect, it } from 'vitest';
import {
  addLayer,
  answerStepMs,
  clipToWindow,
  coarsestStepMs,
  emptySeries,
  fetchPlan,
  gapMarked,
  joinStepped,
  mergeTail,
  nationalHistory,
  neededStepMs,
  rangePoints,
  seriesPoints,
  shownStepMs,
  type LayeredSeries,
  type StepPoint,
} from '../../web/src/lib/time-range-history.ts';
import { linkColumns, nationalRangeColumns } from '../../web/src/lib/chart-data.ts';
import { classColumns, dropColumns, stackColumns, type ClassStepPoint } from '../../web/src/lib/class-chart.ts';

interface P {
  atMs: number;
  v: number;
}

/** Points every `stepMs` over [fromMs, toMs), valued `v`. */
function points(fromMs: number, toMs: number, stepMs: number, v: number): P[] {
  const out: P[] = [];
  for (let atMs = fromMs; atMs < toMs; atMs += stepMs) out.push({ atMs, v });
  return out;
}

function layer(fromMs: number, toMs: number, stepMs: number, v: number, pts = points(fromMs, toMs, stepMs, v)) {
  return { fromMs, toMs, stepMs, points: pts };
}

/** Which value shows at each point, as "atMs:v" (compact to compare). */
function shown(series: LayeredSeries<P>, window?: { fromMs: number; toMs: number }): string[] {
  return seriesPoints(series, window).map((point) => `${point.atMs}:${point.v}@${point.stepMs}`);
}

describe('merging finer data into coarse', () => {
  // A coarse day at 100 ms buckets (v=1), then a zoom into [300, 500] at 10 ms (v=2).
  const coarse = addLayer(emptySeries<P>(), layer(0, 1000, 100, 1));
  const zoomed = addLayer(coarse, layer(300, 500, 10, 2));

  it('replaces the coarse points inside the zoomed span and keeps the rest', () => {
    const all = seriesPoints(zoomed);
    expect(all.filter((point) => point.v === 1).map((point) => point.atMs)).toEqual([0, 100, 200, 600, 700, 800, 900]);
    expect(all.filter((point) => point.v === 2)).toHaveLength(20);
    expect(all.filter((point) => point.v === 2).every((point) => point.stepMs === 10)).toBe(true);
    // In time order, no coarse point inside [300, 500].
    expect(all.map((point) => point.atMs)).toEqual([...all.map((point) => point.atMs)].sort((a, b) => a - b));
    expect(all.some((point) => point.v === 1 && point.atMs >= 300 && point.atMs <= 500)).toBe(false);
  });

  it('keeps the finer points when a coarser answer comes later (zooming out)', () => {
    const out = addLayer(zoomed, layer(0, 2000, 200, 3));
    const values = seriesPoints(out);
    // Both finer layers still show where they reach; the coarser answer fills the rest.
    expect(values.filter((point) => point.v === 2)).toHaveLength(20);
    expect(values.filter((point) => point.v === 1).map((point) => point.atMs)).toEqual([0, 100, 200, 600, 700, 800, 900]);
    expect(values.filter((point) => point.v === 3).map((point) => point.atMs)).toEqual([1200, 1400, 1600, 1800]);
    expect(out.layers.map((one) => one.stepMs)).toEqual([100, 10, 200]);
  });

  it('drops a layer hidden everywhere by finer or newer ones', () => {
    const covered = addLayer(addLayer(emptySeries<P>(), layer(300, 500, 100, 1)), layer(0, 1000, 10, 2));
    expect(covered.layers.map((one) => one.stepMs)).toEqual([10]);
  });

  it('lets a newer answer at the same step win', () => {
    const again = addLayer(coarse, layer(0, 1000, 100, 9));
    expect(shown(again)).toEqual(points(0, 1000, 100, 9).map((point) => `${point.atMs}:9@100`));
    expect(again.layers).toHaveLength(1);
  });

  it('keeps a point on the zoomed span’s inclusive end from the finer answer only', () => {
    const fine = addLayer(coarse, layer(300, 500, 100, 2, [{ atMs: 300, v: 2 }, { atMs: 400, v: 2 }, { atMs: 500, v: 2 }]));
    expect(shown(fine)).toEqual(['0:1@100', '100:1@100', '200:1@100', '300:2@100', '400:2@100', '500:2@100', '600:1@100', '700:1@100', '800:1@100', '900:1@100']);
  });

  it('does not let an empty answer erase points, but counts it as fetched', () => {
    // Raw samples expired; a rollup still has the span: the rollup points stay.
    const empty = addLayer(coarse, layer(300, 500, 10, 2, []));
    expect(shown(empty)).toEqual(shown(coarse));
    expect(coarsestStepMs(empty, { fromMs: 300, toMs: 500 })).toBe(10);
  });

  it('drops layers outside the window worth keeping', () => {
    const far = addLayer(zoomed, layer(5000, 6000, 100, 4), { fromMs: 4000, toMs: 7000 });
    expect(far.layers.map((one) => one.fromMs)).toEqual([5000]);
  });

  it('shows only the points in a window when one is given', () => {
    expect(shown(zoomed, { fromMs: 480, toMs: 650 })).toEqual(['480:2@10', '490:2@10', '600:1@100']);
  });
});

describe('what a zoom fetches', () => {
  const options = { maxPoints: 100, rawStepMs: 1_000 };
  // An hour at 36 s buckets.
  const hour = addLayer(emptySeries<P>(), layer(0, 3_600_000, 36_000, 1));

  it.each([
    ['a zoom to 10 minutes of a coarse hour', { fromMs: 600_000, toMs: 1_200_000 }, { fromMs: 600_000, toMs: 1_200_000 }],
    ['the same hour again', { fromMs: 0, toMs: 3_599_999 }, null],
    ['a zoom to half the hour (18 s needed, 36 s held: within twice)', { fromMs: 0, toMs: 1_800_000 }, null],
    ['a window reaching past what was fetched', { fromMs: 1_800_000, toMs: 5_400_000 }, { fromMs: 1_800_000, toMs: 5_400_000 }],
    ['an empty window', { fromMs: 10, toMs: 10 }, null],
  ])('%s', (_name, window, plan) => {
    expect(fetchPlan(window, [hour], options)).toEqual(plan);
  });

  it('fetches nothing more once the zoomed span is raw', () => {
    const raw = addLayer(hour, layer(600_000, 1_200_000, 1_000, 2));
    expect(fetchPlan({ fromMs: 600_000, toMs: 1_200_000 }, [raw], options)).toBeNull();
    // Narrower still: raw is as fine as it gets.
    expect(fetchPlan({ fromMs: 700_000, toMs: 760_000 }, [raw], options)).toBeNull();
  });

  it('fetches when any of several series lacks the window', () => {
    const other = emptySeries<P>();
    expect(fetchPlan({ fromMs: 0, toMs: 3_599_999 }, [hour, other], options)).toEqual({ fromMs: 0, toMs: 3_599_999 });
    expect(fetchPlan({ fromMs: 0, toMs: 3_599_999 }, [], options)).toEqual({ fromMs: 0, toMs: 3_599_999 });
  });

  it.each([
    [{ fromMs: 0, toMs: 3_600_000 }, 36_000],
    [{ fromMs: 0, toMs: 60_000 }, 1_000],
    [{ fromMs: 0, toMs: 150_000 }, 1_500],
  ])('needs a step of %j → %d ms', (window, stepMs) => {
    expect(neededStepMs(window, options)).toBe(stepMs);
  });

  it('measures how coarse a series is over a window (Infinity where not fetched)', () => {
    expect(coarsestStepMs(hour, { fromMs: 0, toMs: 3_600_000 })).toBe(36_000);
    expect(coarsestStepMs(hour, { fromMs: 0, toMs: 3_600_001 })).toBe(Infinity);
    expect(coarsestStepMs(emptySeries<P>(), { fromMs: 0, toMs: 1 })).toBe(Infinity);
    const gap = addLayer(addLayer(emptySeries<P>(), layer(0, 1000, 100, 1)), layer(2000, 3000, 100, 1));
    expect(coarsestStepMs(gap, { fromMs: 0, toMs: 3000 })).toBe(Infinity);
  });
});

describe('the step of an answer', () => {
  it.each([
    ['declared by the server', [], 1_000, 300_000, 300_000],
    ['raw points 2 s apart', points(0, 20_000, 2_000, 1), 1_000, undefined, 2_000],
    ['buckets with a hole (median, not mean)', [0, 5, 10, 15, 60, 65].map((s) => ({ atMs: s * 1000, v: 1 })), 1_000, undefined, 5_000],
    ['jitter under the poll interval', [0, 900, 2_000, 2_950].map((atMs) => ({ atMs, v: 1 })), 1_000, undefined, 1_000],
    ['one point', [{ atMs: 5, v: 1 }], 2_000, undefined, 2_000],
    ['no point', [], 2_000, undefined, 2_000],
  ])('%s', (_name, pts, rawStepMs, declared, stepMs) => {
    expect(answerStepMs(pts, rawStepMs, declared)).toBe(stepMs);
  });
});

describe('gaps, joins and windows', () => {
  const step = (atMs: number, value: number | null, stepMs = 1_000): StepPoint => ({ atMs, value, stepMs });

  it('marks a hole longer than 2.5 steps with a null just after the earlier point', () => {
    expect(gapMarked([step(0, 1), step(1_000, 2), step(5_000, 3), step(6_000, 4)], 1_000)).toEqual([
      { atMs: 0, value: 1 },
      { atMs: 1_000, value: 2 },
      { atMs: 1_001, value: null },
      { atMs: 5_000, value: 3 },
      { atMs: 6_000, value: 4 },
    ]);
  });

  it('judges a hole by the coarser step on either side (no gap where a rollup meets raw)', () => {
    expect(gapMarked([step(0, 1, 300_000), step(300_000, 2, 300_000), step(600_000, 3, 1_000), step(601_000, 4, 1_000)], 1_000)).toEqual([
      { atMs: 0, value: 1 },
      { atMs: 300_000, value: 2 },
      { atMs: 600_000, value: 3 },
      { atMs: 601_000, value: 4 },
    ]);
  });

  it('never lets x go back', () => {
    expect(gapMarked([step(2_000, 1), step(1_000, 2), step(2_000, 3), step(3_000, 4)], 1_000).map((point) => point.atMs)).toEqual([2_000, 3_000]);
  });

  it('joins series: undefined where a series has no point (drawn across), null at a gap (a break)', () => {
    const [xs, a, b] = joinStepped(
      [
        [step(0, 1), step(1_000, 2), step(9_000, 3)],
        [step(0, 10), step(500, 15), step(1_000, 20)],
      ],
      1_000,
    );
    expect(xs).toEqual([0, 500, 1_000, 1_001, 9_000]);
    expect(a).toEqual([1, undefined, 2, null, 3]);
    expect(b).toEqual([10, 15, 20, undefined, undefined]);
  });

  it('clips to a window keeping one point beyond each edge', () => {
    const all = [0, 10, 20, 30, 40].map((atMs) => ({ atMs }));
    expect(clipToWindow(all, { fromMs: 15, toMs: 25 }).map((point) => point.atMs)).toEqual([10, 20, 30]);
    expect(clipToWindow(all, { fromMs: 10, toMs: 30 }).map((point) => point.atMs)).toEqual([0, 10, 20, 30, 40]);
    expect(clipToWindow(all, { fromMs: 100, toMs: 200 }).map((point) => point.atMs)).toEqual([40]);
    expect(clipToWindow(all, { fromMs: -200, toMs: -100 }).map((point) => point.atMs)).toEqual([0]);
    expect(clipToWindow([], { fromMs: 0, toMs: 1 })).toEqual([]);
  });

  it('continues history with the live points newer than its last one', () => {
    expect(mergeTail([{ atMs: 0 }, { atMs: 10 }], [{ atMs: 5 }, { atMs: 10 }, { atMs: 12 }, { atMs: 14 }]).map((point) => point.atMs)).toEqual([
      0, 10, 12, 14,
    ]);
    expect(mergeTail([], [{ atMs: 3 }]).map((point) => point.atMs)).toEqual([3]);
  });

  it('plots history then the live tail, clipped, at their own steps', () => {
    const history = addLayer(emptySeries<P>(), layer(0, 100_000, 10_000, 1));
    const plotted = rangePoints({
      history,
      live: [
        { atMs: 95_000, v: 7 },
        { atMs: 101_000, v: 8 },
        { atMs: 102_000, v: 9 },
      ],
      liveStepMs: 1_000,
      window: { fromMs: 45_000, toMs: 101_500 },
      fromHistory: (point) => ({ atMs: point.atMs, stepMs: point.stepMs, value: point.v }),
      fromLive: (point, stepMs) => ({ atMs: point.atMs, stepMs, value: point.v }),
    });
    expect(plotted).toEqual([
      { atMs: 40_000, stepMs: 10_000, value: 1 },
      { atMs: 50_000, stepMs: 10_000, value: 1 },
      { atMs: 60_000, stepMs: 10_000, value: 1 },
      { atMs: 70_000, stepMs: 10_000, value: 1 },
      { atMs: 80_000, stepMs: 10_000, value: 1 },
      { atMs: 90_000, stepMs: 10_000, value: 1 },
      // Live from after the last history point on.
      { atMs: 95_000, stepMs: 1_000, value: 7 },
      { atMs: 101_000, stepMs: 1_000, value: 8 },
      { atMs: 102_000, stepMs: 1_000, value: 9 },
    ]);
    // The coarsest step inside the window: the history's, not the live tail's.
    expect(shownStepMs(plotted, { fromMs: 45_000, toMs: 101_500 })).toBe(10_000);
    // Only the edges' coarse points outside a zoomed window: its own step.
    expect(shownStepMs(plotted, { fromMs: 100_500, toMs: 102_000 })).toBe(1_000);
    expect(shownStepMs(plotted, { fromMs: 0, toMs: 10 })).toBeNull();
  });

  it('builds the link chart: down, up and the capacity line', () => {
    expect(linkColumns({ down: [step(0, 5), step(1_000, 6)], up: [step(0, 1), step(1_000, 2)], capacityBps: 100, minStepMs: 1_000 })).toEqual([
      [0, 1_000],
      [5, 6],
      [1, 2],
      [100, 100],
    ]);
  });

  it('builds the national chart in percent', () => {
    expect(
      nationalRangeColumns(
        [
          { atMs: 0, stepMs: 1_000, downUtilization: 0.5, upUtilization: null },
          { atMs: 1_000, stepMs: 1_000, downUtilization: 0.25, upUtilization: 0.1 },
        ],
        1_000,
      ),
    ).toEqual([
      [0, 1_000],
      [50, 25],
      [null, 10],
    ]);
  });
});

describe('class charts over a range', () => {
  const at = (atMs: number, bitsPerSecond: number | null, dropBitsPerSecond: number | null = null, stepMs = 1_000): ClassStepPoint => ({
    atMs,
    bitsPerSecond,
    dropBitsPerSecond,
    stepMs,
  });

  it('stacks the classes, marks holes in every class, draws the capacity and the reserved floor', () => {
    const series = {
      internet: [at(0, 10), at(1_000, 20), at(9_000, 30)],
      docex: [at(0, 1), at(1_000, 2), at(9_000, 3)],
      video: [at(0, 5), at(1_000, 5), at(9_000, 5)],
      other: [at(0, 0), at(1_000, 1), at(9_000, 1)],
    };
    expect(classColumns({ series, capacityBps: 100, reservedBps: 30, minStepMs: 1_000 })).toEqual([
      [0, 1_000, 1_001, 9_000],
      [10, 20, null, 30],
      [11, 22, null, 33],
      [16, 27, null, 38],
      [16, 28, null, 39],
      [100, 100, 100, 100],
      [70, 70, 70, 70],
    ]);
    expect(dropColumns({ series: { ...series, video: [at(0, 5, 2), at(1_000, 5, 3), at(9_000, 5, 0)] }, minStepMs: 1_000 })[3]).toEqual([2, 3, null, 0]);
  });

  it('keeps a row no class has a value in undrawn unless a gap is marked', () => {
    expect(stackColumns([[undefined, 1], [undefined, 2]])).toEqual([[undefined, 1], [undefined, 3]]);
    expect(stackColumns([[null, 1], [undefined, 2]])).toEqual([[null, 1], [null, 3]]);
  });
});

describe('the national total from every tier-1 link', () => {
  const capacity = new Map([
    ['a', 1_000],
    ['b', 3_000],
  ]);
  const capacityOf = (link: string) => capacity.get(link) ?? null;

  it('sums rates over capacities of the links with a value in each bucket', () => {
    const national = nationalHistory(
      [
        { link: 'a', dir: 'down', points: [{ atMs: 0, bitsPerSecond: 500, utilization: 0.5 }, { atMs: 10_000, bitsPerSecond: 100, utilization: 0.1 }] },
        { link: 'b', dir: 'down', points: [{ atMs: 1_000, bitsPerSecond: 1_500, utilization: 0.5 }] },
        { link: 'a', dir: 'up', points: [{ atMs: 0, bitsPerSecond: 250, utilization: 0.25 }] },
      ],
      capacityOf,
      0,
      5_000,
    );
    expect(national).toEqual([
      { atMs: 0, downUtilization: 0.5, upUtilization: 0.25, links: 2 },
      // Only link a has a value: its own utilization, not diluted by b's capacity.
      { atMs: 10_000, downUtilization: 0.1, upUtilization: null, links: 1 },
    ]);
  });

  it('averages a link’s several raw values in one bucket, skips gaps, and infers an unknown capacity', () => {
    const national = nationalHistory(
      [
        { link: 'a', dir: 'down', points: [{ atMs: 0, bitsPerSecond: 200, utilization: 0.2 }, { atMs: 500, bitsPerSecond: 400, utilization: 0.4 }] },
        { link: 'c', dir: 'down', points: [{ atMs: 100, bitsPerSecond: 1_000, utilization: 0.5 }, { atMs: 200, bitsPerSecond: null, utilization: null }] },
      ],
      capacityOf,
      0,
      1_000,
    );
    // a: mean 300 of 1000; c: 1000 of 2000 (implied) → 1300 / 3000.
    expect(national).toHaveLength(1);
    expect(national[0]?.downUtilization).toBeCloseTo(1_300 / 3_000, 12);
    expect(national[0]?.links).toBe(2);
  });

  it('gives no utilization where no capacity is known', () => {
    expect(nationalHistory([{ link: 'x', dir: 'up', points: [{ atMs: 0, bitsPerSecond: 5, utilization: 0 }] }], capacityOf, 0, 1_000)).toEqual([
      { atMs: 0, downUtilization: null, upUtilization: null, links: 1 },
    ]);
  });

  it('aligns buckets on the answer’s start', () => {
    const national = nationalHistory([{ link: 'a', dir: 'down', points: [{ atMs: 1_250, bitsPerSecond: 100, utilization: 0.1 }] }], capacityOf, 250, 500);
    expect(national.map((point) => point.atMs)).toEqual([1_250]);
  });
});
