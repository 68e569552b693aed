// uPlot through an attachment: the chart is created once per set of options (the options
// depend on the language, so switching it rebuilds the chart), its data and x window are pushed
// with setData() in a child effect on every change, and it is destroyed on cleanup.
//
// With `onZoom`, a drag across the plot selects a time span (uPlot's select) and hands it over
// instead of zooming the chart itself: the page turns it into a new range, fetches finer data
// and the chart shows that window. A double click asks to zoom out.
import type { Attachment } from 'svelte/attachments';
import { untrack } from 'svelte';
import uPlot from 'uplot';
import type { ChartColumns } from './chart-data.ts';
import type { TimeWindow } from './time-range.ts';

export interface ChartSpec {
  /** Read tracked: a change rebuilds the chart. Width and height are managed here. */
  options: () => Omit<uPlot.Options, 'width' | 'height'>;
  /** Read in a child effect: a change only calls setData(). */
  data: () => ChartColumns;
  heightPx: number;
  /** The x window to show (epoch ms), whatever the data spans; null: the data's own span. */
  window?: () => TimeWindow | null;
  /** A drag across the plot selected this span. */
  onZoom?: (selection: TimeWindow) => void;
  /** A double click on the plot. */
  onZoomOut?: () => void;
}

/** Narrower drags (px) are clicks, not selections. */
const minSelectPx = 4;

export function uplotChart(spec: ChartSpec): Attachment<HTMLElement> {
  return (node) => {
    const options = spec.options();
    const widthOf = (): number => Math.max(Math.floor(node.clientWidth), 200);
    let shown: TimeWindow | null = untrack(() => spec.window?.() ?? null);
    const zoomable = spec.onZoom !== undefined;
    const chart = untrack(
      () =>
        new uPlot(
          {
            ...options,
            width: widthOf(),
            height: spec.heightPx,
            scales: {
              ...options.scales,
              x: {
                ...options.scales?.['x'],
                range: (_self, dataMin, dataMax) =>
                  shown === null ? [dataMin, dataMax] : [shown.fromMs, Math.max(shown.toMs, shown.fromMs + 1)],
              },
            },
            cursor: {
              ...options.cursor,
              drag: zoomable ? { x: true, y: false, setScale: false } : { ...options.cursor?.drag },
              ...(spec.onZoomOut === undefined
                ? {}
                : {
                    bind: {
                      ...options.cursor?.bind,
                      dblclick: () => () => {
                        spec.onZoomOut?.();
                        return null;
                      },
                    },
                  }),
            },
            hooks: {
              ...options.hooks,
              setSelect: [
                ...(options.hooks?.setSelect ?? []),
                (self) => {
                  if (!zoomable) return;
                  const { left, width } = self.select;
                  if (width >= minSelectPx) {
                    spec.onZoom?.({ fromMs: self.posToVal(left, 'x'), toMs: self.posToVal(left + width, 'x') });
                  }
                  if (width > 0) self.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
                },
              ],
            },
          },
          spec.data() as uPlot.AlignedData,
          node,
        ),
    );

    $effect(() => {
      const columns = spec.data();
      shown = spec.window?.() ?? null;
      chart.setData(columns as uPlot.AlignedData);
      // Test hooks: how many x values, and the first and last of them.
      node.dataset['points'] = String(columns[0].length);
      node.dataset['firstMs'] = String(columns[0][0] ?? '');
      node.dataset['lastMs'] = String(columns[0][columns[0].length - 1] ?? '');
      if (shown !== null) {
        node.dataset['fromMs'] = String(Math.round(shown.fromMs));
        node.dataset['toMs'] = String(Math.round(shown.toMs));
      }
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
