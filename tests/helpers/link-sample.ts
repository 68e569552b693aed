// One LinkSample for the store's tests: a tier-2 link's total, down, 10 s interval; `over` changes any field.
import type { LinkSample } from '../../collector/samples.ts';

export function linkSample(over: Partial<LinkSample> = {}): LinkSample {
  return {
    atMs: 1_700_000_000_123,
    intervalMs: 10_000,
    link: 't2-hue-07',
    province: 'hue',
    tier: 2,
    dir: 'down',
    class: 'total',
    bitsPerSecond: 1_234_567,
    capacityBps: 100_000_000,
    utilization: 0.01234567,
    ...over,
  };
}
