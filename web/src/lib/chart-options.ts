// uPlot options for the charts (national, link, per-class, drops), in the UI's language. x values are epoch ms (`ms: 1`).
import type uPlot from 'uplot';
import { bandLimits } from './national.ts';
import type { MessageKey, Translator } from './i18n.ts';
import { serviceClasses, type ServiceClass } from './api.ts';
import { classChartSeries } from './class-chart.ts';

export const chartColors = {
  down: '#2563eb',
  up: '#d97706',
  capacity: '#dc2626',
  mid: 'rgba(217, 119, 6, 0.55)',
  high: 'rgba(220, 38, 38, 0.55)',
  grid: '#e8ecf1',
  axis: '#475569',
} as const;

type ChartOptions = Omit<uPlot.Options, 'width' | 'height'>;

/**
 * Tick spacings in ms: whole seconds, minutes, hours and days, so that no two labels read
 * alike; up to a year apart, so that a range of years still has room for its labels.
 */
const timeIncrementsMs = [
  1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000,
  7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000, 172_800_000, 604_800_000, 1_209_600_000, 2_592_000_000,
  7_776_000_000, 15_552_000_000, 31_536_000_000,
];

function timeAxis(fmt: Translator): uPlot.Axis {
  return {
    stroke: chartColors.axis,
    grid: { stroke: chartColors.grid, width: 1 },
    ticks: { stroke: chartColors.grid, width: 1 },
    space: 80,
    incrs: timeIncrementsMs,
    // Under a minute between ticks the seconds matter; from a day on, the date does.
    values: (_self, splits, _axisIdx, _space, incr) =>
      splits.map((atMs) => (incr < 60_000 ? fmt.time(atMs) : incr < 86_400_000 ? fmt.clock(atMs) : fmt.date(atMs))),
  };
}

function timeSeries(fmt: Translator): uPlot.Series {
  return {
    label: fmt.t('chart.time'),
    // With the date: a range may span days.
    value: (_self, atMs) => (atMs === null ? fmt.t('common.dash') : fmt.dateTime(atMs)),
  };
}

/** Horizontal dashed lines at fixed y values of one scale, drawn under the series. */
function horizontalLines(scaleKey: string, lines: readonly { value: number; color: string }[]): (self: uPlot) => void {
  return (self) => {
    const { ctx, bbox } = self;
    ctx.save();
    ctx.lineWidth = Math.max(1, devicePixelRatio);
    ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
    for (const line of lines) {
      const y = Math.round(self.valToPos(line.value, scaleKey, true));
      if (y < bbox.top || y > bbox.top + bbox.height) continue;
      ctx.strokeStyle = line.color;
      ctx.beginPath();
      ctx.moveTo(bbox.left, y);
      ctx.lineTo(bbox.left + bbox.width, y);
      ctx.stroke();
    }
    ctx.restore();
  };
}

/** Time on x in epoch ms, the other scales as given; dragging across selects a range to zoom to where `zoomable`. */
function timeChart(zoomable: boolean, scales: uPlot.Scales): Pick<ChartOptions, 'ms' | 'cursor' | 'scales'> {
  return { ms: 1, cursor: { drag: { x: zoomable, y: false } }, scales: { x: { time: true }, ...scales } };
}

/** A bit-rate scale from 0 to `headroom` times the highest value (to `emptyMaxBps` with nothing above 0). */
function bpsScale(headroom: number, emptyMaxBps: number): uPlot.Scale {
  return { auto: true, range: (_self, _min, max) => [0, (max ?? 0) > 0 ? max * headroom : emptyMaxBps] };
}

/** A y axis of one scale, its labels written by `label`. */
function valueAxis(scale: string, sizePx: number, label: (value: number) => string): uPlot.Axis {
  return {
    scale,
    stroke: chartColors.axis,
    grid: { stroke: chartColors.grid, width: 1 },
    ticks: { stroke: chartColors.grid, width: 1 },
    size: sizePx,
    values: (_self, splits) => splits.map(label),
  };
}

/** Bit rates on the y axis, labelled as capacities ("100 Mbit/s"). */
function bpsAxis(fmt: Translator): uPlot.Axis {
  return valueAxis('bps', 90, (value) => fmt.capacity(value));
}

/** The link's capacity as a dashed line; `fill` colours the band it closes (the class chart's reserved band). */
function capacitySeries(fmt: Translator, fill?: string): uPlot.Series {
  return {
    label: fmt.t('chart.capacity'),
    scale: 'bps',
    stroke: chartColors.capacity,
    ...(fill === undefined ? {} : { fill }),
    width: 1.5,
    dash: [8, 4],
    points: { show: false },
    value: (_s, v) => fmt.capacity(v),
  };
}

/** National tier-1 total utilization in percent, down and up, with the 60% and 80% bands. */
export function nationalChartOptions(fmt: Translator): ChartOptions {
  const percent = (value: number | null): string =>
    value === null || !Number.isFinite(value) ? fmt.t('common.dash') : fmt.utilization(value / 100);
  return {
    ...timeChart(false, { pct: { auto: true, range: (_self, _min, max) => [0, Math.max(100, Math.ceil((max ?? 0) / 10) * 10)] } }),
    series: [
      timeSeries(fmt),
      { label: fmt.t('chart.down'), scale: 'pct', stroke: chartColors.down, width: 2, value: (_s, v) => percent(v) },
      { label: fmt.t('chart.up'), scale: 'pct', stroke: chartColors.up, width: 2, value: (_s, v) => percent(v) },
    ],
    axes: [timeAxis(fmt), valueAxis('pct', 56, (value) => `${fmt.count(value)}%`)],
    hooks: {
      drawAxes: [
        horizontalLines('pct', [
          { value: bandLimits.mid * 100, color: chartColors.mid },
          { value: bandLimits.high * 100, color: chartColors.high },
        ]),
      ],
    },
  };
}

/** A bit rate for the legend, or a dash where there is no value. */
function rateOrDash(fmt: Translator): (value: number | null | undefined) => string {
  return (value) => (value === null || value === undefined || !Number.isFinite(value) ? fmt.t('common.dash') : fmt.bitRate(value));
}

/** One link's class-total rate, down and up, with its capacity as a dashed line. */
export function linkChartOptions(fmt: Translator): ChartOptions {
  const rate = rateOrDash(fmt);
  return {
    ...timeChart(true, { bps: bpsScale(1.05, 1) }),
    series: [
      timeSeries(fmt),
      {
        label: fmt.t('chart.down'),
        scale: 'bps',
        stroke: chartColors.down,
        fill: 'rgba(37, 99, 235, 0.08)',
        width: 2,
        value: (_s, v) => rate(v),
      },
      { label: fmt.t('chart.up'), scale: 'bps', stroke: chartColors.up, width: 2, value: (_s, v) => rate(v) },
      capacitySeries(fmt),
    ],
    axes: [timeAxis(fmt), bpsAxis(fmt)],
  };
}

/** One colour per service class, shared by the link chart, the drop chart and the sparklines. */
export const classColors: Readonly<Record<ServiceClass, string>> = {
  internet: '#0284c7',
  docex: '#16a34a',
  video: '#9333ea',
  other: '#94a3b8',
};

const classFills: Readonly<Record<ServiceClass, string>> = {
  internet: 'rgba(2, 132, 199, 0.35)',
  docex: 'rgba(22, 163, 74, 0.40)',
  video: 'rgba(147, 51, 234, 0.35)',
  other: 'rgba(148, 163, 184, 0.45)',
};

const reservedBandFill = 'rgba(220, 38, 38, 0.10)';

/**
 * The stacked per-class chart of one direction (columns from `classColumns`): each class
 * filled between its stack top and the one below, the capacity as a dashed line, and the band
 * between capacity − Σ reserved (docex + video) and capacity. The legend shows each class's
 * own rate, not its stack top.
 */
export function classChartOptions(fmt: Translator, classKeys: Readonly<Record<ServiceClass, MessageKey>>): ChartOptions {
  const rate = rateOrDash(fmt);
  const own =
    (seriesIndex: number) =>
    (self: uPlot, _value: number | null, _s: number, row: number | null): string => {
      if (row === null) return fmt.t('common.dash');
      const top = self.data[seriesIndex]?.[row];
      if (top === null || top === undefined) return fmt.t('common.dash');
      const below = seriesIndex > 1 ? (self.data[seriesIndex - 1]?.[row] ?? 0) : 0;
      return rate(top - below);
    };
  const classSeries: uPlot.Series[] = serviceClasses.map((serviceClass, index) => ({
    label: fmt.t(classKeys[serviceClass]),
    scale: 'bps',
    stroke: classColors[serviceClass],
    fill: classFills[serviceClass],
    width: 1,
    points: { show: false },
    value: own(index + 1),
  }));
  return {
    ...timeChart(true, { bps: bpsScale(1.05, 1) }),
    series: [
      timeSeries(fmt),
      ...classSeries,
      capacitySeries(fmt, reservedBandFill),
      {
        label: fmt.t('chart.reserved'),
        scale: 'bps',
        stroke: 'rgba(220, 38, 38, 0.35)',
        width: 1,
        points: { show: false },
        // The floor is capacity − reserved: the legend shows the reservation itself.
        value: (self, floor, _s, row) => {
          const capacity = row === null ? undefined : self.data[classChartSeries.capacity]?.[row];
          if (floor === null || capacity === null || capacity === undefined) return fmt.t('common.dash');
          return fmt.bitRate(capacity - floor);
        },
      },
    ],
    bands: [
      { series: [classChartSeries.capacity, classChartSeries.reservedFloor], fill: reservedBandFill },
      { series: [2, 1] },
      { series: [3, 2] },
      { series: [4, 3] },
    ],
    axes: [timeAxis(fmt), bpsAxis(fmt)],
  };
}

/** Drops per class of one direction (columns from `dropColumns`), one line per class. */
export function dropChartOptions(fmt: Translator, classKeys: Readonly<Record<ServiceClass, MessageKey>>): ChartOptions {
  const rate = rateOrDash(fmt);
  return {
    ...timeChart(true, { bps: bpsScale(1.1, 1000) }),
    series: [
      timeSeries(fmt),
      ...serviceClasses.map(
        (serviceClass): uPlot.Series => ({
          label: fmt.t(classKeys[serviceClass]),
          scale: 'bps',
          stroke: classColors[serviceClass],
          width: 1.5,
          points: { show: false },
          value: (_s, v) => rate(v),
        }),
      ),
    ],
    axes: [timeAxis(fmt), bpsAxis(fmt)],
  };
}
