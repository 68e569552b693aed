// The collector's small sizing rules: poll start steps (one timer per step), the interface
// walk's max-repetitions after a walk, and the v2c sockets for a concurrency.
import { describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { POLL_SLOT_MS, Scheduler, jitterOffsetMs } from '../../collector/scheduler.ts';
import { walkRepetitions } from '../../collector/poller.ts';
import { socketsFor } from '../../collector/collector.ts';
import { useFakeClock } from '../helpers/fake-clock.ts';

describe('poll steps', () => {
  it.each([1_000, 10_000, 60_000, 61_234])('at %i ms every offset is a step of the interval, and a fleet uses most steps', (intervalMs) => {
    const steps = Math.floor(intervalMs / POLL_SLOT_MS);
    const seen = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      const offset = jitterOffsetMs(`r-${i}`, intervalMs);
      expect(offset % Math.floor(intervalMs / steps)).toBe(0);
      expect(offset).toBeLessThan(intervalMs);
      seen.add(offset);
    }
    expect(seen.size).toBeGreaterThan(steps * 0.9);
    expect(seen.size).toBeLessThanOrEqual(steps);
  });

  describe('one timer per step', () => {
    useFakeClock();

    it('2,000 devices at 1 s: at most 20 timers armed, every device polled once per interval at its offset', async () => {
      const devices = Array.from({ length: 2_000 }, (_, i) => `d${i}`);
      const polls = new Map<string, number[]>();
      const spy = vi.spyOn(globalThis, 'setTimeout');
      const scheduler = new Scheduler({
        devices,
        intervalMs: 1_000,
        concurrency: 4_096,
        log: pino({ level: 'silent' }),
        run: async (device) => {
          polls.set(device, [...(polls.get(device) ?? []), Date.now()]);
          return { ok: true };
        },
      });
      scheduler.start();
      expect(spy.mock.calls.length).toBeLessThanOrEqual(20);
      await vi.advanceTimersByTimeAsync(3_000);
      await scheduler.stop();
      spy.mockRestore();
      for (const d of devices) {
        const at = polls.get(d) ?? [];
        expect(at).toHaveLength(3);
        for (const t of at) expect(t % 1_000).toBe(jitterOffsetMs(d, 1_000));
      }
    });
  });
});

describe('a timer that fires before the wall clock says the tick is due', () => {
  useFakeClock();

  it.each([1, 3, 40])('the wall clock now and then %i ms behind the timers: still one poll per device per interval', async (behindMs) => {
    const polls = new Map<string, number>();
    let calls = 0;
    const scheduler = new Scheduler({
      devices: ['a', 'b', 'c'],
      intervalMs: 10_000,
      concurrency: 8,
      log: pino({ level: 'silent' }),
      // Timers run on the monotonic clock; Date.now() may be a few ms behind when one fires.
      now: () => Date.now() - (calls++ % 2 === 1 ? behindMs : 0),
      run: async (device) => {
        polls.set(device, (polls.get(device) ?? 0) + 1);
        return { ok: true };
      },
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(50_000);
    await scheduler.stop();
    for (const d of ['a', 'b', 'c']) expect(polls.get(d)).toBe(5);
  });
});

describe('walkRepetitions', () => {
  it.each([
    [undefined, 25],
    [0, 2],
    [1, 2],
    [12, 13],
    [63, 64],
    [500, 64],
  ])('after a walk of %s rows: %i', (rows, repetitions) => expect(walkRepetitions(rows)).toBe(repetitions));
});

describe('socketsFor', () => {
  it.each([
    [1, 1],
    [4, 1],
    [5, 2],
    [64, 16],
    [96, 24],
    [4_096, 64],
  ])('%i polls in flight: %i sockets', (concurrency, sockets) => expect(socketsFor(concurrency)).toBe(sockets));
});
