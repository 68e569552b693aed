// Scheduler: the pure schedule maths, table-driven, and its behaviour under vitest's fake
// clock (deterministic: no real time is measured).
import { describe, expect, it, vi } from 'vitest';
import { Scheduler, downBackoffTicks, fnv1a32, jitterOffsetMs, maxDownBackoffIntervals, nextDueMs, type PollResult, type SchedulerOptions } from '../../collector/scheduler.ts';
import { useFakeClock } from '../helpers/fake-clock.ts';
import { captureLog } from '../helpers/log-capture.ts';

describe('fnv1a32', () => {
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('%j → %d', (text, hash) => expect(fnv1a32(text)).toBe(hash));
});

describe('jitterOffsetMs', () => {
  it('is stable and within the interval', () => {
    for (const id of ['hn-core-1', 'hcm-core-1', 'x', 'a-very-long-router-name-in-some-province']) {
      const offset = jitterOffsetMs(id, 60_000);
      expect(offset).toBe(jitterOffsetMs(id, 60_000));
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(60_000);
      expect(Number.isInteger(offset)).toBe(true);
    }
  });

  it('spreads a fleet over the interval', () => {
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 2_000; i++) {
      const offset = jitterOffsetMs(`site-${i}`, 60_000);
      buckets[Math.floor(offset / 6_000)]! += 1;
    }
    for (const count of buckets) {
      expect(count).toBeGreaterThan(120);
      expect(count).toBeLessThan(280);
    }
  });
});

describe('nextDueMs', () => {
  it.each([
    ['exactly due', 60_500, 500, 60_000, 60_500],
    ['just after due: next interval', 60_501, 500, 60_000, 120_500],
    ['before the offset in this interval', 60_100, 500, 60_000, 60_500],
    ['offset 0', 125_000, 0, 60_000, 180_000],
    ['offset 0 on the boundary', 120_000, 0, 60_000, 120_000],
    ['epoch-scale times', 1_700_000_000_123, 250, 1_000, 1_700_000_000_250],
  ])('%s', (_name, now, offset, interval, due) => expect(nextDueMs(now, offset, interval)).toBe(due));
});

interface Deferred {
  resolve: (r: PollResult) => void;
}

/** A scheduler of `devices` polled by `run`, every second, one poll at a time unless `options` say otherwise; its log kept. */
function schedulerOf(devices: string[], run: SchedulerOptions['run'], options: Partial<SchedulerOptions> = {}) {
  const { log, lines } = captureLog();
  return { scheduler: new Scheduler({ devices, intervalMs: 1_000, concurrency: 1, log, run, ...options }), lines };
}

describe('downBackoffTicks', () => {
  it.each([
    [0, 0],
    [1, 0],
    [2, 1],
    [3, 3],
    [4, 7],
    [5, 7],
    [100, 7],
  ])('after %i consecutive failures passes over %i ticks', (failures, ticks) => {
    expect(downBackoffTicks(failures)).toBe(ticks);
    expect(ticks).toBeLessThan(maxDownBackoffIntervals);
  });
});

describe('Scheduler', () => {
  useFakeClock();

  it('polls each device once per interval at its own offset', async () => {
    const calls: { device: string; atMs: number }[] = [];
    const devices = ['a', 'b', 'c', 'd'];
    const { scheduler } = schedulerOf(
      devices,
      async (device) => {
        calls.push({ device, atMs: Date.now() });
        return { ok: true };
      },
      { intervalMs: 10_000, concurrency: 8 },
    );
    scheduler.start();
    await vi.advanceTimersByTimeAsync(50_000);
    await scheduler.stop();
    for (const device of devices) {
      const mine = calls.filter((c) => c.device === device);
      expect(mine).toHaveLength(5);
      for (const c of mine) expect(c.atMs % 10_000).toBe(jitterOffsetMs(device, 10_000));
    }
  });

  it('bounds concurrency and never overlaps polls of one device; a stuck device skips ticks', async () => {
    const pending = new Map<string, Deferred>();
    let inFlight = 0;
    let maxInFlight = 0;
    const started: string[] = [];
    const devices = ['stuck', ...Array.from({ length: 9 }, (_, i) => `r${i}`)];
    const { scheduler } = schedulerOf(
      devices,
      (device) =>
        new Promise<PollResult>((resolve) => {
          expect(pending.has(device)).toBe(false); // never two polls of one device at once
          started.push(device);
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          const done = (r: PollResult) => {
            inFlight--;
            pending.delete(device);
            resolve(r);
          };
          pending.set(device, { resolve: done });
          // Everyone but `stuck` answers after 100 ms (the nine share two slots, so a round
          // takes 450 ms of the 1 s interval); `stuck` only when the test says so.
          if (device !== 'stuck') setTimeout(() => done({ ok: true }), 100);
        }),
      { concurrency: 3 },
    );
    scheduler.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(started.filter((d) => d === 'stuck')).toHaveLength(1);
    expect(scheduler.skippedOf('stuck')).toBeGreaterThanOrEqual(3);
    // The others kept polling although one slot is held by the stuck device.
    for (const d of devices.slice(1)) expect(started.filter((s) => s === d).length).toBeGreaterThanOrEqual(3);
    pending.get('stuck')?.resolve({ ok: false, error: 'timeout' });
    const stopping = scheduler.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    await stopping;
    expect(scheduler.inFlight).toBe(0);
    expect(scheduler.stateOf('stuck')).toBe('down');
  });

  it('logs a state change once per change, not every poll', async () => {
    // up, up, down, down, down, up, up
    const script = [true, true, false, false, false, true, true];
    let i = 0;
    const { scheduler, lines } = schedulerOf(['flappy'], async () => {
      const ok = script[i++] ?? true;
      return ok ? { ok } : { ok, error: 'timeout' };
    });
    scheduler.start();
    // Ticks 1–2 up; 3, 4 and 6 down (tick 5 and 7–9 passed over: down backoff); 10–11 up.
    await vi.advanceTimersByTimeAsync(11_000);
    await scheduler.stop();
    expect(i).toBe(7);
    expect(lines.filter((l) => l.msg === 'device down')).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'device up again')).toHaveLength(1);
    expect(scheduler.stateOf('flappy')).toBe('up');
  });

  it('a run that rejects counts as a failed poll and scheduling goes on', async () => {
    let calls = 0;
    const { scheduler } = schedulerOf(['x'], async () => {
      calls++;
      throw new Error('boom');
    });
    scheduler.start();
    // Failed polls at ticks 1, 2 and 4 (tick 3 passed over: down backoff).
    await vi.advanceTimersByTimeAsync(4_000);
    await scheduler.stop();
    expect(calls).toBe(3);
    expect(scheduler.stateOf('x')).toBe('down');
    expect(scheduler.running).toBe(false);
  });

  it('counts a poll late when it ends after its interval, waiting for a slot included', async () => {
    // Interval 1 s, one step (all three share offset 0), one slot: each poll takes 400 ms, so
    // of the first tick's polls a and b end 400 and 800 ms after it (on time) and c 1,200 ms
    // after (late); c is still busy at the next tick and skips it.
    const late: string[] = [];
    const skipped: string[] = [];
    let current = '';
    const { scheduler } = schedulerOf(
      ['a', 'b', 'c'],
      (device) =>
        new Promise<PollResult>((resolve) => {
          current = device;
          setTimeout(() => resolve({ ok: true }), 400);
        }),
      {
        metrics: {
          tickSkipped: (reason) => skipped.push(reason),
          pollLate: () => late.push(current),
        },
      },
    );
    scheduler.start();
    await vi.advanceTimersByTimeAsync(1_000); // the first tick is due (the clock starts on a whole second)
    await vi.advanceTimersByTimeAsync(1_250); // its three polls have ended (400, 800, 1,200 ms after it)
    expect(late).toEqual(['c']);
    expect(skipped).toEqual(['busy']);
    const stopping = scheduler.stop();
    await vi.advanceTimersByTimeAsync(2_000);
    await stopping;
    expect(late.length).toBeGreaterThanOrEqual(1);
  });

  it('does not count polls that end within their interval', async () => {
    let lateCount = 0;
    const { scheduler } = schedulerOf(
      ['a', 'b'],
      () => new Promise<PollResult>((resolve) => setTimeout(() => resolve({ ok: true }), 450)),
      { concurrency: 2, metrics: { tickSkipped: () => {}, pollLate: () => lateCount++ } },
    );
    scheduler.start();
    await vi.advanceTimersByTimeAsync(10_000);
    const stopping = scheduler.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    await stopping;
    expect(lateCount).toBe(0);
  });

  it('stop() cancels waiting ticks: nothing runs afterwards', async () => {
    let calls = 0;
    const { scheduler } = schedulerOf(['a', 'b'], async () => ({ ok: !!++calls }));
    scheduler.start();
    await scheduler.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toBe(0);
  });
});

describe('Scheduler with dead devices', () => {
  useFakeClock();

  it('polls a dead device less and less often, a live one every interval, and a recovered one at once', async () => {
    const calls = new Map<string, number>();
    let deadAnswers = false;
    const { scheduler } = schedulerOf(
      ['live', 'dead'],
      async (device) => {
        calls.set(device, (calls.get(device) ?? 0) + 1);
        return { ok: device === 'live' || deadAnswers, error: 'timeout' };
      },
      { concurrency: 4 },
    );
    scheduler.start();
    await vi.advanceTimersByTimeAsync(40_000);
    // 40 ticks: the dead one is polled at ticks 1, 2, 4, 8, 16, 24, 32, 40 (every 8th at most).
    expect(calls.get('live')).toBe(40);
    expect(calls.get('dead')).toBe(8);
    expect(scheduler.stateOf('dead')).toBe('down');
    deadAnswers = true;
    await vi.advanceTimersByTimeAsync(8_000); // within one backoff period it is polled and found up
    expect(scheduler.stateOf('dead')).toBe('up');
    const before = calls.get('dead') ?? 0;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls.get('dead')).toBe(before + 5); // back on every interval
    await scheduler.stop();
  });
});
