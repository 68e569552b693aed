// `lanewatch run`'s stop: the collector's and the store's weights when the stop deadline is
// shared (cli/commands/run.ts stopBoundsMs → cli/lifecycle.ts stopShareMs), from the settings.
import { describe, expect, it } from 'vitest';
import { settingsSchema } from '../../config/schema.ts';
import { stopBoundsMs, stopDeadlineMs } from '../../cli/commands/run.ts';
import { defaultStopBoundMs, stopShareMs } from '../../cli/lifecycle.ts';

describe('stopBoundsMs', () => {
  it('the collector: one request timeout of grace, then discoveries within their retries; the store: two InfluxDB requests', () => {
    const settings = settingsSchema.parse({ collector: { timeoutMs: 3_000, retries: 2 } });
    expect(stopBoundsMs(settings)).toEqual({ collector: 12_000, store: 20_000 });
  });

  it('with the defaults, the collector (stopped first of the six parts of `run`) gets more than the grace it waits for polls in flight', () => {
    const settings = settingsSchema.parse({});
    const bounds = stopBoundsMs(settings);
    const order = [{ stopBoundMs: bounds.collector }, {}, {}, {}, {}, { stopBoundMs: bounds.store }];
    const collectorShareMs = stopShareMs(stopDeadlineMs, order);
    // An equal share (25 s / 6) would be 4.2 s; the collector's own stop may take timeoutMs × (retries + 2).
    expect(collectorShareMs).toBeGreaterThan(stopDeadlineMs / order.length);
    expect(collectorShareMs).toBeGreaterThan(settings.collector.timeoutMs * (settings.collector.retries + 1));
    // The store, stopped last, gets every ms the others left: here all but 4 parts' default bounds.
    expect(stopShareMs(stopDeadlineMs - 4 * defaultStopBoundMs, order.slice(5))).toBe(stopDeadlineMs - 4 * defaultStopBoundMs);
  });
});
