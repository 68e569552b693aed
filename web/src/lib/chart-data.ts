// Columnar chart data for uPlot ([xs, ...ys], x in epoch ms with `ms: 1`). Pure functions.
// A missed poll is a gap: `joinStepped` (time-range-history.ts) marks a hole longer than a
// point's step with a null, so that uPlot breaks the line instead of drawing across it.
import { joinStepped, type StepPoint } from './time-range-history.ts';

/** A y column: null breaks the line (a gap), undefined is a row this series has no point in (drawn across). */
export type Column = (number | null | undefined)[];
export type ChartColumns = [number[], ...Column[]];

function percent(utilization: number | null): number | null {
  return utilization === null ? null : utilization * 100;
}

/** A constant line (e.g. capacity) over the given xs. */
function constantColumn(xs: readonly number[], value: number | null): Column {
  return xs.map(() => value);
}

/** One link's class total over a range: [xs, down, up, capacity], holes marked (see `joinStepped`). */
export function linkColumns(input: {
  down: readonly StepPoint[];
  up: readonly StepPoint[];
  capacityBps: number | null;
  minStepMs: number;
}): ChartColumns {
  const [xs, ...ys] = joinStepped([input.down, input.up], input.minStepMs);
  return [xs, ...ys, constantColumn(xs, input.capacityBps)];
}

/** National utilization over a range in percent: [xs, down %, up %], holes marked. */
export function nationalRangeColumns(
  points: readonly { atMs: number; stepMs: number; downUtilization: number | null; upUtilization: number | null }[],
  minStepMs: number,
): ChartColumns {
  return joinStepped(
    [
      points.map((point) => ({ atMs: point.atMs, stepMs: point.stepMs, value: percent(point.downUtilization) })),
      points.map((point) => ({ atMs: point.atMs, stepMs: point.stepMs, value: percent(point.upUtilization) })),
    ],
    minStepMs,
  );
}
