// uPlot through an attachment: the chart is created once per set of options (the options
// depend on the language, so switching it rebuilds the chart), its data is pushed with
// setData() in a child effect on every change, and it is destroyed on cleanup.
import type { Attachment } from 'svelte/attachments';
import { untrack } from 'svelte';
import uPlot from 'uplot';
import type { ChartColumns } from './chart-data.ts';

export interface ChartSpec {
  /** Read tracked: a change rebuilds the chart. Width and height are managed here. */
  options: () => Omit<uPlot.Options, 'width' | 'height'>;
  /** Read in a child effect: a change only calls setData(). */
  data: () => ChartColumns;
  heightPx: number;
}

export function uplotChart(spec: ChartSpec): Attachment<HTMLElement> {
  return (node) => {
    const options = spec.options();
    const widthOf = (): number => Math.max(Math.floor(node.clientWidth), 200);
    const chart = untrack(
      () => new uPlot({ ...options, width: widthOf(), height: spec.heightPx }, spec.data() as uPlot.AlignedData, node),
    );

    $effect(() => {
      const columns = spec.data();
      chart.setData(columns as uPlot.AlignedData);
      node.dataset['points'] = String(columns[0].length);
    });

    const resize = new ResizeObserver(() => {
      const width = widthOf();
      if (width !== chart.width) chart.setSize({ width, height: spec.heightPx });
    });
    resize.observe(node);

    return () => {
      resize.disconnect();
      chart.destroy();
    };
  };
}

/** A y-axis / legend value formatter that shows nulls as a dash. */
export function valueOr(dash: string, format: (value: number) => string): (self: uPlot, value: number | null) => string {
  return (_self, value) => (value === null || !Number.isFinite(value) ? dash : format(value));
}
