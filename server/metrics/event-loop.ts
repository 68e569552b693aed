// The event loop's delay (`nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds`),
// sampled every EVENT_LOOP_SAMPLE_MS instead of prom-client's 10 ms. Each sample is a timer that
// wakes the process, and on a VM a wake-up costs far more than the timer's own work: 100 of them
// a second took 0.005–0.014 of a core here (`npm run bench:machine`), a fifth of what the whole
// national network's collector may spend. The figures are the delay past the sampling timer's
// due time, not the time between samples: an idle loop reads about 0, as the name says
// (prom-client's include its 10 ms interval). A sampled histogram: a stall shorter than the
// interval shows in proportion to how often it happens, a stall longer than it always shows.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

export const EVENT_LOOP_SAMPLE_MS = 100;

/** The gauges, by name, and which of the histogram's figures each one reads. */
const eventLoopGauges = [
  ['nodejs_eventloop_lag_min_seconds', 'The smallest event loop delay seen since the last scrape.', 'min'],
  ['nodejs_eventloop_lag_max_seconds', 'The largest event loop delay seen since the last scrape.', 'max'],
  ['nodejs_eventloop_lag_mean_seconds', 'The mean event loop delay since the last scrape.', 'mean'],
  ['nodejs_eventloop_lag_stddev_seconds', 'The standard deviation of the event loop delay since the last scrape.', 'stddev'],
  ['nodejs_eventloop_lag_p50_seconds', 'The median event loop delay since the last scrape.', 'p50'],
  ['nodejs_eventloop_lag_p90_seconds', 'The 90th percentile of the event loop delay since the last scrape.', 'p90'],
  ['nodejs_eventloop_lag_p99_seconds', 'The 99th percentile of the event loop delay since the last scrape.', 'p99'],
] as const;

type Figure = (typeof eventLoopGauges)[number][2];

/** The names this module publishes (prom-client's defaults publish the same ones). */
export const eventLoopGaugeNames: readonly string[] = eventLoopGauges.map(([name]) => name);

/** Nanoseconds between two samples → seconds of delay past the sampling interval (never below 0). */
export function delaySeconds(intervalNs: number, sampleMs: number): number {
  return Math.max(0, intervalNs / 1e9 - sampleMs / 1_000);
}

/**
 * Adds the event-loop delay gauges to `registry`, read from a histogram sampled every
 * `sampleMs` and emptied at each scrape. A scrape with no sample since the last keeps the last
 * figures. The histogram's timer does not keep the process alive.
 */
export function addEventLoopDelayMetrics(registry: Registry, sampleMs: number = EVENT_LOOP_SAMPLE_MS): void {
  const histogram = monitorEventLoopDelay({ resolution: sampleMs });
  histogram.enable();
  const gauges = new Map<Figure, Gauge>();
  const figureNs = (figure: Figure): number => {
    switch (figure) {
      case 'min':
        return histogram.min;
      case 'max':
        return histogram.max;
      case 'mean':
        return histogram.mean;
      case 'stddev':
        return histogram.stddev;
      case 'p50':
        return histogram.percentile(50);
      case 'p90':
        return histogram.percentile(90);
      case 'p99':
        return histogram.percentile(99);
    }
  };
  // Scrapes read the gauges in the order they were registered: the first one's collect sets
  // them all from one reading of the histogram, then empties it.
  const readAll = (): void => {
    if (histogram.count === 0) return;
    for (const [figure, gauge] of gauges) {
      // stddev is a spread, not a time past the interval: nothing to subtract.
      gauge.set(figure === 'stddev' ? histogram.stddev / 1e9 : delaySeconds(figureNs(figure), sampleMs));
    }
    histogram.reset();
  };
  for (const [name, help, figure] of eventLoopGauges) {
    const first = gauges.size === 0;
    gauges.set(figure, new Gauge({ name, help, registers: [registry], ...(first ? { collect: readAll } : {}) }));
  }
}
